"""How numbers and durations read in tables and logs; shared by rich and plain output."""

from __future__ import annotations

import math
from typing import Any

from tuner_cli.wording import format_number


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


def format_condition(name: str, values: Any) -> str:
    """A ``when`` condition as a person writes it: ``optimizer = sgd``, ``act in relu, tanh``."""
    values = list(values) if isinstance(values, list | tuple | set) else [values]
    if len(values) == 1:
        return f"{name} = {format_value(values[0])}"
    return f"{name} in {', '.join(map(format_value, values))}"
