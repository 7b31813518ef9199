"""An image folder's check, kept for the next worker process on the same machine.

Checking a folder decodes every image (about 2.6 ms per 640x480 JPEG), and a Keras study
recycles its worker every 10 trials: with 10,000 photos each fresh worker spent 26 s checking
what the one before had checked. A local cluster's workers share the search's scratch folder
(``SCRATCH_ENV``, set by ``tuner_cli.executors._local``; kt-run made it and removes it when the
search ends), so a worker keeps its result there and the next one reads it instead, as long as
no file changed: the result is filed under a fingerprint of every file's path, size and
modification time. Anywhere else (``--workers 0``, a remote worker, ``validate``) nothing is
kept and the folder is checked as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path

SCRATCH_ENV = "KT_RUN_SCRATCH"

ImageFacts = dict[Path, tuple[tuple[int, int], str]]
"""Each image's (height, width) and Pillow mode."""


def remembered(files: Sequence[Path], check: Callable[[], ImageFacts]) -> ImageFacts:
    """``check()``'s result for ``files``, from the scratch folder when an earlier worker
    checked the same files unchanged; a failed check (a ``ConfigError``) is never kept."""
    scratch = os.environ.get(SCRATCH_ENV)
    if not scratch:
        return check()
    try:
        memo = Path(scratch) / "checked-images" / f"{_fingerprint(files)}.json"
    except OSError:  # a file gone since the folder was listed: the check names it
        return check()
    with suppress(OSError, ValueError, TypeError):
        facts = json.loads(memo.read_text(encoding="utf-8"))
        return {path: ((h, w), mode) for path, (h, w, mode) in zip(files, facts, strict=True)}
    images = check()
    with suppress(OSError):
        _write(memo, [[*images[path][0], images[path][1]] for path in files])
    return images


def _fingerprint(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _write(memo: Path, facts: list[list[object]]) -> None:
    """All or nothing: another worker may be reading it at the same moment."""
    memo.parent.mkdir(exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=memo.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(facts, stream)
        os.replace(temporary, memo)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
