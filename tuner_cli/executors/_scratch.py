"""The local cluster's scratch folder, and the sweep of those a killed search left behind.

A search removes its folder when it ends, but not when it is killed (kill -9, the machine's
out-of-memory killer), and each such folder stayed in the temporary directory for good. While
its search lives, a folder holds ``kt-run.lock`` under an exclusive ``flock``, which the kernel
releases when the process dies, however it dies; so a folder whose lock can be taken belongs
to no live search, on this machine or in another container sharing the directory, and the next
search removes it. Folders without the lock file (made by kt-run before this rule, or being
made right now) are left alone: kt-run deletes only what it can tell it made and abandoned.

The search's process has a second folder, ``process_scratch``, for multiprocessing's files
(the socket local workers fork from), which multiprocessing would otherwise put in a
``pymp-*`` folder that a kill -9 left behind at every kill, with a name anyone's program
uses. It lasts as long as the process (a notebook keeps its forkserver from one search to the
next), under the same lock, and is swept the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

PREFIX = "kt-run-dask-"
PROCESS_PREFIX = "kt-run-mp-"
LOCK_NAME = "kt-run.lock"

_process_locks: list[IO[str]] = []
"""The open lock files of this process's ``process_scratch`` folders: held until it exits."""


@contextlib.contextmanager
def search_scratch() -> Iterator[str]:
    """A new scratch folder, held until the block ends, then removed."""
    remove_abandoned(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=PREFIX) as folder, _locked(folder):
        yield folder


def process_scratch() -> str:
    """A new folder, locked until this process exits, then removed (a killed process's by the
    next search)."""
    folder = tempfile.mkdtemp(prefix=PROCESS_PREFIX)
    _process_locks.append(_locked(folder))  # held open for the life of the process
    # at exit, after everything that may still use it, as multiprocessing removes its own
    multiprocessing.util.Finalize(
        None, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, exitpriority=-100
    )
    return folder


def _locked(folder: str) -> IO[str]:
    """The folder's lock file, open and locked. It is locked under another name first, then
    renamed: a sweep never finds the lock file unlocked while its folder's owner lives."""
    starting = os.path.join(folder, LOCK_NAME + ".new")
    lock = open(starting, "w")  # noqa: SIM115 - the caller holds it as long as the folder lives
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.rename(starting, os.path.join(folder, LOCK_NAME))
    return lock


def remove_abandoned(parent: Path) -> None:
    for folder in [*parent.glob(PREFIX + "*"), *parent.glob(PROCESS_PREFIX + "*")]:
        try:
            with open(folder / LOCK_NAME) as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # no lock file, held by a live search, or not ours to open
            continue
