"""The results directory; the only code that writes it.

Layout: ``config.yaml``, ``study.json``, ``trials/trial_0001.json``, ``models/``. Every file is
written to a temporary name, synced and renamed over the old one, so a crash or a kill leaves
either the old file or the new one, never half of either.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import os
import queue
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tuner_cli.errors import KtRunError
from tuner_cli.trial import TrialRecord, parse_record

TRIAL_GLOB = "trial_*.json"
SYNC_WINDOW_S = 0.25
LOCK_NAME = ".lock"
STUDY_KIND = "kt-run study"
"""The ``kind`` field of every study.json kt-run writes: what proves a folder is its own."""
OWN_FILES = ("config.yaml", "study.json", LOCK_NAME)
OWN_FOLDERS = {
    "trials": TRIAL_GLOB,
    "models": "trial_*.keras",
    "checkpoints": "trial_*.epoch_*.keras",
    ".cache": "trial-index.jsonl",
}
"""The layout kt-run makes: the only names ``--overwrite`` removes (with ``.*.tmp`` files)."""
SHOWN_NAMES = 5


class StoreError(KtRunError):
    """The results directory cannot be written or read as a study."""

    exit_code = 2


class NoRoomError(StoreError):
    """The disk, a quota or a file-size limit took no more. Not a fault of the input, and
    what was written stays (a rerun after freeing space resumes): exit 1, as for a search
    that ran but failed, not 2, which tells a script to fix its config or arguments."""

    exit_code = 1


NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def write_error(message: str, exc: OSError) -> StoreError:
    """``message: why``, as a ``NoRoomError`` when the disk was full."""
    kind = NoRoomError if exc.errno in NO_ROOM else StoreError
    return kind(f"{message}: {exc.strerror or exc}")


def now_iso(timespec: str = "seconds") -> str:
    return datetime.now(timezone.utc).isoformat(timespec=timespec)


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), durable)


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Write, then rename over ``path``: a kill leaves the old file or the new one.

    ``durable`` also syncs the file and its folder, so the new file survives a power cut; it
    costs about a millisecond, which a search writing hundreds of instant trials a second
    spends only on what must not be lost. The temporary name is fixed per process, since
    one process holds the study's lock and writes one file at a time.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync(path.parent)


class BackgroundSync:
    """Syncs finished trial records to disk on a thread of its own, a few at a time.

    The record is complete on disk (renamed into place) before the driver moves on, so a
    killed search loses nothing; the sync only makes it survive a power cut as well, at most
    ``SYNC_WINDOW_S`` later. Syncing each record in the driver's own loop cost 2-5 ms of
    waiting per trial, and even from this thread, syncing each record as it came made the
    driver's next file creation wait for the journal: at dozens of trials a second that left
    workers idle. ``flush`` syncs everything queued so far, at once.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._waiting = 0
        self._hurry = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, path: Path) -> None:
        with self._idle:
            self._waiting += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kt-run-sync", daemon=True)
                self._thread.start()
        self._queue.put(path)

    def flush(self) -> None:
        self._hurry.set()
        with self._idle:
            self._idle.wait_for(lambda: self._waiting == 0)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            # each sync commits the file system's journal, and creating a file (the next
            # record) waits for a commit under way: one commit per window, not per record
            self._hurry.wait(SYNC_WINDOW_S)
            self._hurry.clear()
            while not self._queue.empty():
                batch.append(self._queue.get())
            for path in batch:
                _fsync(path)
            for folder in {path.parent for path in batch}:
                _fsync(folder)
            with self._idle:
                self._waiting -= len(batch)
                self._idle.notify_all()


def trial_id_of(name: str) -> int | None:
    """``trial_0007.json`` -> 7; None for any other name."""
    prefix, suffix = TRIAL_GLOB.split("*")
    digits = name[len(prefix) : -len(suffix)] if name.startswith(prefix) else ""
    ok = name.endswith(suffix) and digits.isascii() and digits.isdigit()
    return int(digits) if ok else None


def read_trial_file(path: Path) -> TrialRecord:
    """The record in one trial file; ``ValueError`` says why it cannot be used (unreadable,
    malformed, or holding another trial than its name says). Every reader goes through here."""
    try:
        record = parse_record(path.read_bytes())
    except OSError as exc:
        raise ValueError(str(exc)) from None
    if trial_id_of(path.name) != record.id:
        raise ValueError(f"it holds trial {record.id}")
    return record


def _own_file(path: Path, patterns: str | tuple[str, ...]) -> bool:
    """A regular file kt-run writes under this name (or one of its temporary files)."""
    if path.is_symlink() or not path.is_file():
        return False
    names = (patterns,) if isinstance(patterns, str) else patterns
    return path.match(".*.tmp") or any(path.match(name) for name in names)


def _fsync(path: Path) -> None:
    """Sync a file or a folder (its entries: a rename into it) to disk, as far as allowed."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_records_sync = BackgroundSync()
atexit.register(_records_sync.flush)


def parse_study_info(data: Any) -> dict[str, Any]:
    """study.json's content, checked; ``ValueError`` says what is wrong with it.

    Studies of earlier versions carry no ``kind``; their name, strategy and objective fields
    are what identify them.
    """
    if not isinstance(data, dict):
        raise ValueError(f"not a study description (a JSON {type(data).__name__})")
    if data.get("kind", STUDY_KIND) != STUDY_KIND:
        raise ValueError(f"its kind is {str(data.get('kind'))[:80]!r}, not {STUDY_KIND!r}")
    if not (
        isinstance(data.get("name"), str)
        and isinstance(data.get("strategy"), str)
        and _objective_shape(data.get("objective"))
    ):
        raise ValueError("it lacks a name, a strategy and an objective {name, direction}")
    listed = data.get("objectives")
    if listed is not None and not (
        isinstance(listed, list) and all(_objective_shape(o) for o in listed)
    ):
        raise ValueError("its objectives are not a list of {name, direction}")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"its seed is not a whole number (got {str(seed)[:40]!r})")
    if not isinstance(data.get("config_dir", ""), str | None):
        raise ValueError("its config_dir is not a folder's path")
    return data


def _objective_shape(objective: Any) -> bool:
    """``{name, direction}`` as study.json holds an objective."""
    return (
        isinstance(objective, dict)
        and isinstance(objective.get("name"), str)
        and isinstance(objective.get("direction"), str)
        and objective["direction"] in ("min", "max")
    )


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")


def owning_study(path: Path) -> Path | None:
    """The study folder that ``path`` is, or would be, one of the own files of (``OWN_FILES``,
    or a file in one of ``OWN_FOLDERS``), links resolved; None for any other path. A file a
    command writes for the user (``report -o``, ``export -o``) must never replace a record, a
    model or a study.json."""
    try:
        path = path.resolve()
        if path.name in OWN_FILES or path.name in OWN_FOLDERS:
            root = path.parent
        elif path.parent.name in OWN_FOLDERS:
            root = path.parent.parent
        else:
            return None
        return root if (root / "study.json").is_file() else None
    except (OSError, RuntimeError):
        return None


class StudyStore:
    """One study's directory: ``<output>/<name>/``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.trials_dir = self.root / "trials"
        self.models_dir = self.root / "models"
        self.checkpoints_dir = self.root / "checkpoints"
        self.warnings: list[str] = []
        self.skipped_ids: set[int] = set()

    @property
    def study_file(self) -> Path:
        return self.root / "study.json"

    @property
    def config_file(self) -> Path:
        return self.root / "config.yaml"

    def exists(self) -> bool:
        """A study to resume: its description and its config are both there."""
        return self.study_file.is_file() and self.config_file.is_file()

    def in_search(self) -> bool:
        """Whether a search holds the study's lock now. A trial marked running while none
        does was left so by a search that was killed; the next search resumes it."""
        try:
            fd = os.open(self.root / LOCK_NAME, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            return exc.errno in (errno.EWOULDBLOCK, errno.EACCES)
        finally:
            os.close(fd)
        return False

    def check_claimable(self, overwrite: bool) -> None:
        """Refuse, before anything is written, a folder kt-run cannot prove it made.

        kt-run writes into (and ``--overwrite`` deletes from) only a missing folder, an empty
        one, or a study whose study.json it wrote; never through a symbolic link, and
        ``--overwrite`` never deletes a file that is not part of the study's layout.
        """
        if self.root.is_symlink():
            raise StoreError(
                f"{self.root} is a symbolic link (to {os.readlink(self.root)}); kt-run does not "
                "write into or delete through links: give --results (output= from Python) a real "
                "folder"
            )
        if not self.root.exists():
            return
        if not self.root.is_dir():
            raise StoreError(f"{self.root} is a file, not a study folder")
        if self.study_file.exists() or self.study_file.is_symlink():
            self._check_own_study()
        elif self.leftovers():
            raise StoreError(
                f"{self.root} already exists and is not a kt-run study (no study.json; it "
                f"holds {_listing(self.leftovers())}); kt-run writes only into folders it "
                "made: choose another --results folder (output= from Python) or study name, or "
                "move those files"
            )
        links = [n for n in (*OWN_FILES, *OWN_FOLDERS) if (self.root / n).is_symlink()]
        if links:
            raise StoreError(
                f"{self.root / links[0]} is a symbolic link; kt-run does not write into or "
                "delete through links"
            )
        foreign = self.foreign_entries()
        if overwrite and foreign:
            raise StoreError(
                "--overwrite (overwrite=True from Python) deletes only what kt-run made, and "
                f"{self.root} also holds "
                f"{_listing(foreign)}: move them away first (nothing was deleted)"
            )

    def check_writable(self) -> None:
        """Refuse at once a study folder that cannot be made or written, creating nothing.

        The search's pre-search check (workers, TensorFlow, the model) takes seconds and comes
        before the first write, so a read-only results folder was refused only after it. The
        folder asked is the study's, or the nearest one above it that exists, where the search
        would create it (a file there, as in ``a-file/results``, stops it too). ``os.access``
        answers as the kernel would (a mode root ignores, a read-only mount root does not)
        without writing anything. The message is the one the write itself would give.
        """
        folder = self.root
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            code = errno.ENOTDIR  # a file on the way: the study folder can never be made
        elif os.access(folder, os.W_OK | os.X_OK):
            return
        else:
            code = errno.EROFS if os.statvfs(folder).f_flag & os.ST_RDONLY else errno.EACCES
        raise write_error(
            f"cannot write the results directory {self.root}", OSError(code, os.strerror(code))
        )

    def _check_own_study(self) -> None:
        if self.study_file.is_symlink() or not self.study_file.is_file():
            raise StoreError(f"{self.study_file} is not a regular file; not a kt-run study")
        try:
            parse_study_info(json.loads(self.study_file.read_bytes()))
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"{self.root} is not a kt-run study: its study.json cannot be trusted ({exc}); "
                "kt-run writes only into folders it made: choose another --results folder "
                "(output= from Python) or study name, or move the folder"
            ) from None

    def leftovers(self) -> list[str]:
        """What a folder without study.json holds, except an earlier failed start's lock and
        empty layout folders (which that start may have made)."""
        found = []
        for path in sorted(self.root.iterdir()):
            empty_own = path.name in OWN_FOLDERS and path.is_dir() and not any(path.iterdir())
            if path.name != LOCK_NAME and not (empty_own and not path.is_symlink()):
                found.append(path.name)
        return found

    def foreign_entries(self) -> list[str]:
        """Paths in the study folder that are not part of kt-run's layout; links never are."""
        foreign = []
        for path in sorted(self.root.iterdir()):
            if path.is_symlink():
                foreign.append(path.name)
            elif path.name in OWN_FOLDERS and path.is_dir():
                foreign += [
                    f"{path.name}/{inner.name}"
                    for inner in sorted(path.iterdir())
                    if not _own_file(inner, OWN_FOLDERS[path.name])
                ]
            elif not _own_file(path, OWN_FILES):
                foreign.append(path.name)
        return foreign

    def create(self, config_text: str, study: dict[str, Any], overwrite: bool = False) -> None:
        """Start a new study; ``overwrite`` removes what an earlier run left.

        study.json is written first: it is what later proves the folder is kt-run's.
        """
        try:
            if overwrite and self.root.exists():
                self._remove_contents()
            self.root.mkdir(parents=True, exist_ok=True)
            self.write_study({**study, "created_at": now_iso()})
            atomic_write_text(self.config_file, config_text)
            self.trials_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise write_error(f"cannot write the results directory {self.root}", exc) from None

    def _remove_contents(self) -> None:
        """kt-run's own files and folders, never a link's target nor a file it did not make;
        ``.lock`` stays: the running search holds it, and flock is on that file."""
        for name, pattern in OWN_FOLDERS.items():
            folder = self.root / name
            if folder.is_symlink():
                folder.unlink()
            elif folder.is_dir():
                for path in folder.iterdir():
                    if _own_file(path, pattern):
                        path.unlink()
                with contextlib.suppress(OSError):
                    folder.rmdir()
        for path in self.root.iterdir():
            if path.name != LOCK_NAME and _own_file(path, OWN_FILES):
                path.unlink()

    def discard_new(self) -> None:
        """Undo a start that failed in a folder it created, so no empty study stays behind."""
        if self.root.is_symlink() or not self.root.is_dir():
            return
        with contextlib.suppress(OSError):
            self._remove_contents()
            (self.root / LOCK_NAME).unlink(missing_ok=True)
            self.root.rmdir()

    def remove_partial_writes(self) -> list[str]:
        """Delete the temporary files a killed search left mid-write; their targets are intact.

        Only safe while holding the study lock, when no other search is writing.
        """
        removed = []
        for folder in (self.root, self.trials_dir, self.models_dir, self.checkpoints_dir):
            if folder.is_dir():
                for path in folder.glob(".*.tmp"):
                    path.unlink(missing_ok=True)
                    removed.append(path.name)
        return removed

    def read_study(self) -> dict[str, Any]:
        """study.json, checked: a file of another shape is an error, never a crash later."""
        try:
            return parse_study_info(json.loads(self.study_file.read_bytes()))
        except FileNotFoundError:
            raise StoreError(f"{self.root} is not a study (no study.json)") from None
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read {self.study_file}: {exc}") from None

    def write_study(self, study: dict[str, Any]) -> None:
        data = {"kind": STUDY_KIND, **study, "updated_at": now_iso()}
        try:
            atomic_write_text(self.study_file, json.dumps(data, indent=2) + "\n")
        except OSError as exc:
            raise write_error(f"cannot write {self.study_file}", exc) from None

    def saved_config_text(self) -> str:
        try:
            return self.config_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"cannot read the study's config {self.config_file}: {exc}") from None

    def trial_path(self, trial_id: int) -> Path:
        return self.trials_dir / f"trial_{trial_id:04d}.json"

    def write_trial(self, record: TrialRecord) -> None:
        """A finished trial's record is synced in the background (``BackgroundSync``); a
        running one's not at all: losing it to a power cut loses no result."""
        path = self.trial_path(record.id)
        try:
            text = json.dumps(record.to_dict(), indent=2, allow_nan=False) + "\n"
            atomic_write_text(path, text, durable=False)
            if record.status.is_finished():
                _records_sync.add(path)
        except OSError as exc:
            raise write_error(f"cannot write trial {record.id} to {self.trials_dir}", exc) from None

    def remove_trial(self, trial_id: int) -> None:
        """Delete a record that never finished: a full disk may refuse even to rewrite it."""
        self.trial_path(trial_id).unlink(missing_ok=True)

    def load_trials(self) -> list[TrialRecord]:
        """Every readable record, by id; an unreadable or foreign file is skipped with a warning.

        ``skipped_ids`` keeps the ids named by skipped files, so a resumed search neither
        reuses them (overwriting what a person may want to repair) nor counts past its limit.
        """
        records: dict[int, TrialRecord] = {}
        self.warnings = []
        self.skipped_ids: set[int] = set()
        if not self.trials_dir.is_dir():
            return []
        for path in sorted(self.trials_dir.glob(TRIAL_GLOB)):
            try:
                record = read_trial_file(path)
            except ValueError as exc:
                self._skip(path, str(exc))
                continue
            records[record.id] = record
        self.skipped_ids -= set(records)
        return [records[i] for i in sorted(records)]

    def flush(self) -> None:
        """Wait until every finished record written so far is synced to disk."""
        _records_sync.flush()

    def _skip(self, path: Path, reason: str) -> None:
        self.warnings.append(f"skipped {path.name}: {reason}")
        trial_id = trial_id_of(path.name)
        if trial_id is not None:
            self.skipped_ids.add(trial_id)

    def model_path(self, trial_id: int) -> Path:
        return self.models_dir / f"trial_{trial_id:04d}.keras"

    def save_model(self, trial_id: int, data: bytes, keep_only: bool = False) -> None:
        """Write a trial's model; ``keep_only`` removes every other saved model afterwards."""
        try:
            atomic_write_bytes(self.model_path(trial_id), data)
        except OSError as exc:
            raise write_error(f"cannot save the model of trial {trial_id}", exc) from None
        if keep_only:
            self.keep_only_model(trial_id)

    def keep_only_model(self, trial_id: int) -> None:
        """Remove every saved model but this trial's (once its record names it the best); with
        no model of its own on disk the others stay, as the next best may need one."""
        if self.model_path(trial_id).is_file():
            self.keep_only_models([trial_id])

    def keep_only_models(self, trial_ids: Iterable[int]) -> None:
        """Remove every saved model but these trials' (a multi-objective study's front)."""
        kept = {self.model_path(trial_id) for trial_id in trial_ids}
        for other in self.models_dir.glob("trial_*.keras"):
            if other not in kept:
                other.unlink(missing_ok=True)

    def checkpoint_path(self, trial_id: int, epochs: int) -> Path:
        """Named by the epochs trained, so a checkpoint never passes for a different point."""
        return self.checkpoints_dir / f"trial_{trial_id:04d}.epoch_{epochs:04d}.keras"

    def save_checkpoint(self, trial_id: int, epochs: int, data: bytes) -> None:
        """Where a trial that may be continued stopped (weights and optimizer state)."""
        try:
            atomic_write_bytes(self.checkpoint_path(trial_id, epochs), data)
        except OSError as exc:
            raise write_error(f"cannot save a checkpoint of trial {trial_id}", exc) from None

    def load_checkpoint(self, trial_id: int, epochs: int) -> bytes | None:
        try:
            return self.checkpoint_path(trial_id, epochs).read_bytes()
        except FileNotFoundError:
            return None

    def keep_checkpoints(self, keep: dict[int, int]) -> None:
        """Remove every checkpoint but ``{trial_id: epochs}``'s, once nothing can continue them."""
        if not self.checkpoints_dir.is_dir():
            return
        wanted = {self.checkpoint_path(i, e).name for i, e in keep.items()}
        for path in self.checkpoints_dir.glob("trial_*.keras"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)
