"""One search per study at a time: an OS-level lock on ``<study>/.lock``.

The lock is ``fcntl.flock`` on the file, so the kernel releases it when the holding process
dies, however it dies (kill -9 included): a lock left by a killed search is never in the way.
The file also holds who took the lock (pid, host, start time, command), which is only
information: it names the other process in the refusal message, and tells the next search
that it is taking over from a process that did not finish.

Processes forked by the search (worker processes started with ``fork``) would share the lock
and keep it alive after a kill -9 of the driver, so the forked copy of the descriptor is closed
in every child.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from tuner_cli.errors import KtRunError
from tuner_cli.results.store import LOCK_NAME, StoreError, StudyStore, now_iso, write_error
from tuner_cli.wording import RESUME

_held_fds: set[int] = set()


class StudyLockedError(KtRunError):
    """Another search holds the study; trying again later is the fix, so it is not exit 2."""

    exit_code = 1


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a study's lock, as written in the lock file."""

    pid: int | None
    host: str
    started_at: str
    command: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started_at}"

    def is_alive(self) -> bool | None:
        """Whether the process still runs; None when it runs on another host (unknowable)."""
        if self.host != socket.gethostname() or self.pid is None:
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def read_holder(path: Path) -> Holder | None:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return Holder(
            pid=int(info["pid"]),
            host=str(info["host"]),
            started_at=str(info["started_at"]),
            command=str(info.get("command", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class StudyLock:
    """Held for the whole search; ``previous`` is the holder a killed search left behind."""

    def __init__(self, study_dir: Path):
        self.path = Path(study_dir) / LOCK_NAME
        self.fd: int | None = None
        self.previous: Holder | None = None

    def acquire(self) -> StudyLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise write_error(
                f"cannot write the results directory {self.path.parent}", exc
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise StoreError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
            raise StudyLockedError(self._refusal()) from None
        self.fd = fd
        _held_fds.add(fd)
        self.previous = read_holder(self.path)
        self._write_holder()
        return self

    def check_free(self) -> None:
        """Refuse at once if another search holds the study, creating nothing.

        ``search`` asks before its seconds-long pre-search check; ``acquire`` still takes the
        lock before anything is written, so a search that starts in between is refused there.
        """
        if StudyStore(self.path.parent).in_search():
            raise StudyLockedError(self._refusal())

    def _refusal(self) -> str:
        holder = read_holder(self.path)
        study = self.path.parent
        if holder is None:
            return f"the study {study} is in use by another kt-run search; wait for it to finish"
        message = (
            f"the study {study} is in use by another kt-run search ({holder.describe()}); "
            f"wait for it to finish, or stop it (Ctrl-C) and {RESUME}"
        )
        if holder.is_alive() is False:
            message += (
                f". Process {holder.pid} is gone, but a process it started still holds the lock"
            )
        return message

    def _write_holder(self) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": now_iso(),
            "command": " ".join(sys.argv),
        }
        data = (json.dumps(info) + "\n").encode("utf-8")
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, data, 0)
            os.fsync(self.fd)
        except OSError as exc:
            self.release()
            raise write_error(
                f"cannot write the results directory {self.path.parent}", exc
            ) from None

    def stale_note(self) -> str | None:
        """A line about the search this one takes over from, if it did not end normally."""
        if self.previous is None or self.previous.pid == os.getpid():
            return None
        gone = " (no longer running)" if self.previous.is_alive() is False else ""
        return (
            "taking over the study from a search that did not finish "
            f"({self.previous.describe()}{gone})"
        )

    def release(self) -> None:
        """Leave the file: the next search reads who held it, and flock needs no cleanup."""
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        _held_fds.discard(fd)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)

    def __enter__(self) -> StudyLock:
        return self.acquire() if self.fd is None else self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _close_in_child() -> None:
    """A forked child must not keep the driver's lock alive after the driver is killed."""
    for fd in list(_held_fds):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held_fds.clear()


os.register_at_fork(after_in_child=_close_in_child)
