"""Where in the user's own code an error happened, for messages that hide the traceback.

A builder that fails deep inside Keras leaves a traceback of library frames; the line the user
wrote is the one that matters, so messages name it: ``at my_models.py:14 in build``.
"""

from __future__ import annotations

import os
import sysconfig
import traceback
from pathlib import Path

_LIBRARY_FOLDERS = tuple(
    str(Path(folder).resolve())
    for folder in {
        *(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")),
        str(Path(__file__).resolve().parents[1]),  # tuner_cli itself
    }
)


def user_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of ``exc``'s traceback (or of what caused it) in user code."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for frame in reversed(traceback.extract_tb(current.__traceback__)):
            if _is_user_file(frame.filename):
                return frame
        current = current.__cause__ or current.__context__
    return None


def user_location(exc: BaseException) -> str:
    """`` (at my_models.py:14 in build: units = hp.Int(...))``, or "" outside user code."""
    frame = user_frame(exc)
    if frame is None:
        return ""
    line = f": {frame.line.strip()}" if frame.line and frame.line.strip() else ""
    if len(line) > 100:
        line = line[:99] + "\u2026"
    return f" (at {_shown(frame.filename)}:{frame.lineno} in {frame.name}{line})"


def _is_user_file(filename: str) -> bool:
    if filename.startswith("<"):
        return False
    resolved = str(Path(filename).resolve())
    return not any(resolved.startswith(folder + os.sep) for folder in _LIBRARY_FOLDERS)


def _shown(filename: str) -> str:
    """Relative to the working directory when under it: the path the user would type."""
    path = Path(filename).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
