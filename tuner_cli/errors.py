"""Error types that carry what a user needs to fix a problem.

The CLI turns each into one readable paragraph and an exit code; a traceback is shown only with
``--verbose``. Exit code 2 means the input was wrong, 1 means the search ran but failed.
"""

from __future__ import annotations

import numbers
import re

KeyPath = tuple[str | int, ...]
QUOTE_CHARS = 200
"""The most characters of a user's value an error message repeats."""
MESSAGE_CHARS = 4000
"""A cap on any message, so a value quoted without ``quoted`` cannot flood a terminal."""


def quoted(value: object, limit: int = QUOTE_CHARS) -> str:
    """``repr`` of a value from the user's input, cut to ``limit`` characters with an ellipsis."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def capped(text: str, limit: int = MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_KERAS_CALLING = re.compile(r"^\s*Exception encountered when calling [^\n]*\n")
_KERAS_ARGUMENTS = re.compile(r"\n\s*Arguments received by .*", re.DOTALL)


def exception_text(exc: BaseException) -> str:
    """An exception's message on one line. Keras 3 wraps a layer's error in 'Exception
    encountered when calling X.call().', bold ANSI codes and an 'Arguments received by
    X.call():' listing of tensors; only the error itself is kept."""
    text = _ANSI.sub("", str(exc))
    text = _KERAS_ARGUMENTS.sub("", _KERAS_CALLING.sub("", text))
    return " ".join(text.split())


LESS_MEMORY = "a smaller model or batch size needs less"
"""What to try after a trial ran out of memory, however it did (a ``MemoryError``, a worker
stopped at its memory limit)."""


def failure_message(exc: BaseException) -> str:
    """A failed trial's message, as every view shows it: a user's exception with its class
    (``ValueError: x too large``), which says what their code raised, but kt-run's own
    ``TrialError`` by its text alone, since that class name means nothing to a user. A
    ``MemoryError`` (NumPy's included, whatever its private class) says it was memory that ran
    out and what helps: alone, ``MemoryError`` left a user to guess."""
    text = exception_text(exc)
    if isinstance(exc, TrialError) and text:
        return text
    if isinstance(exc, MemoryError):
        raised = f"MemoryError: {text}" if text else "MemoryError"
        return (
            f"out of memory ({raised}): the trial's process could not allocate what it asked "
            f"for; {LESS_MEMORY}"
        )
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def format_path(path: KeyPath) -> str:
    """``("model", "layers", 0, "Dense")`` -> ``model.layers[0].Dense``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class ShownByItsMessage:
    """An exception IPython (a Jupyter notebook, the IPython shell) shows as its message alone,
    as the command line prints it: its traceback runs through kt-run's own frames (30 to 100
    lines of decorators and loaders, the message at the bottom), none of which the user wrote
    or can fix. IPython asks ``_render_traceback_`` for the lines to show; ``%debug`` still
    walks the frames."""

    def _render_traceback_(self) -> list[str]:
        return f"{type(self).__name__}: {self}".splitlines()


class KtRunError(ShownByItsMessage, Exception):
    """An expected failure with a message meant for the user."""

    exit_code = 1


DICT_SOURCE = "<dict>.yaml"
"""The file name a config given as a dict goes by: its lines are those of kt-run's own YAML
dump of the dict, which the user never sees, so messages leave out where it is."""


class ConfigError(KtRunError):
    """The config (or a file or module it names) is wrong; nothing was run."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        key_path: KeyPath = (),
        source: str = "",
        line: int | None = None,
    ):
        self.message = message
        self.key_path = tuple(key_path)
        self.source = source
        self.line = line
        super().__init__(message)

    def __str__(self) -> str:
        where = ""
        if self.source and not self.source.endswith(DICT_SOURCE):
            where = f" ({self.source}:{self.line})" if self.line else f" ({self.source})"
        prefix = f"{format_path(self.key_path)}: " if self.key_path else ""
        return f"{capped(prefix)}{capped(self.message)}{where}"


class UsageError(KtRunError):
    """A command-line argument is wrong (missing results directory, unknown trial...)."""

    exit_code = 2


class TrialError(Exception):
    """A single trial failed in a way worth recording; the search goes on."""


class SearchInterrupted(ShownByItsMessage, KeyboardInterrupt):
    """A second Ctrl-C (or a SIGTERM) stopped the search at once; rerunning it resumes.

    A ``KeyboardInterrupt``, as the keystrokes that raise it: a notebook loop over searches
    that goes on past a failed one (``except Exception: continue``) still stops on it."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class SignalInterrupt(KeyboardInterrupt):
    """Raised by kt-run's own Ctrl-C and SIGTERM handlers, so that a ``KeyboardInterrupt`` an
    objective raises itself (to give up on a trial) is told apart from the user's keystroke:
    with ``--workers 0`` both reach the trial in the main thread."""


def whole_number_from_1(key: str, value: object) -> int | None:
    """``value`` as a count a keyword takes (``max_trials=``, ``top=``), None left as None:
    ``True``, ``2.5``, ``"2"``, ``0`` or ``-1`` is a ``UsageError`` naming ``key``, as the
    command line's own check refuses them."""
    if value is None:
        return None
    whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not whole or value < 1:
        raise UsageError(f"{key}: must be a whole number from 1 (got {quoted(value)})")
    return int(value)
