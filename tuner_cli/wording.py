"""Words and numbers for messages, logs and tables, shared by every room that talks to people."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any

RESUME = "rerun the same command (run_search again from Python) to resume"
"""How to resume, said to a person at a terminal and to a notebook's ``run_search`` alike:
every message that can end a search reaches both (the command line says ``AT_A_TERMINAL``)."""

AT_A_TERMINAL = "rerun the same command to resume"


def for_the_command_line(message: str) -> str:
    """A message the search raised, as the command line prints it: without the Python hint of
    ``RESUME``, since a person at a terminal has no ``run_search`` to call again."""
    return message.replace(RESUME, AT_A_TERMINAL)


SIGNIFICANT = 4
"""Every number kt-run shows (terminal, logs, report) carries four significant digits: enough
to tell scores apart, few enough to line up."""


def did_you_mean(name: str, known: Iterable[str], cutoff: float = 0.5) -> str:
    """``; did you mean Dense or DenseNet?``: up to three known names close to a misspelt
    one, or "" when none is close, to end an "unknown ..." message."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=cutoff)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 configuration``, ``12 configurations`` (``many`` for irregular plurals)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def format_span(seconds: float) -> str:
    """A limit in words for messages: ``45 s``, ``10 min``, ``1 h 30 min``."""
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def format_number(value: float, keep_zeros: bool = False) -> str:
    """Four significant digits in plain decimals from 1e-4 to 1e6 (``0.0003755``, ``0.00187``,
    ``12346``), scientific outside (``3.755e-05``). ``keep_zeros`` keeps trailing zeros, so
    scores line up (``0.9610`` beside ``0.9721``); hyperparameters drop them (``0.001``)."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == 0:
        return "0"
    exponent = int(f"{value:.{SIGNIFICANT - 1}e}".split("e")[1])
    if not -4 <= exponent < 6:
        return f"{value:.{SIGNIFICANT - 1}e}"
    text = f"{value:.{max(SIGNIFICANT - 1 - exponent, 0)}f}"
    if not keep_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(value: Any) -> str:
    """A hyperparameter or any other value: four significant digits, trailing zeros dropped
    (``0.001``, ``0.05018``, ``0.0003755``, ``128``); scientific only below 1e-4 or from 1e6."""
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, list | tuple):
        return ", ".join(map(format_value, value))
    return "-" if value is None else str(value)


def format_score(value: Any) -> str:
    """A score or metric: like ``format_value`` but trailing zeros kept, so scores in a column
    or a log line have their digits in the same places (``0.9610`` beside ``0.9721``)."""
    if isinstance(value, float):
        return format_number(value, keep_zeros=True)
    return format_value(value)


def format_duration(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_hp(values: dict[str, Any]) -> str:
    return " ".join(f"{k}={format_value(v)}" for k, v in values.items())
