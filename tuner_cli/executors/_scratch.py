"""The local cluster's scratch folder, and the sweep of those a killed search left behind.

A search removes its folder when it ends, but not when it is killed (kill -9, the machine's
out-of-memory killer), and each such folder stayed in the temporary directory for good. While
its search lives, a folder holds ``kt-run.lock`` under an exclusive ``flock``, which the kernel
releases when the process dies, however it dies; so a folder whose lock can be taken belongs
to no live search, on this machine or in another container sharing the directory, and the next
search removes it. Folders without the lock file (made by kt-run before this rule, or being
made right now) are left alone: kt-run deletes only what it can tell it made and abandoned.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "kt-run-dask-"
LOCK_NAME = "kt-run.lock"


@contextlib.contextmanager
def search_scratch() -> Iterator[str]:
    """A new scratch folder, held until the block ends, then removed."""
    remove_abandoned(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=PREFIX) as folder:
        # locked under another name first, then renamed: a sweep never finds the lock file
        # unlocked while its search lives
        starting = os.path.join(folder, LOCK_NAME + ".new")
        with open(starting, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.rename(starting, os.path.join(folder, LOCK_NAME))
            yield folder


def remove_abandoned(parent: Path) -> None:
    for folder in parent.glob(PREFIX + "*"):
        try:
            with open(folder / LOCK_NAME) as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # no lock file, held by a live search, or not ours to open
            continue
