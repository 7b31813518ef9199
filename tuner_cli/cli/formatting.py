"""How numbers and durations read in tables and logs; shared by rich and plain output."""

from __future__ import annotations

import math
from typing import Any


def format_value(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value == 0 or 1e-3 <= abs(value) < 1e5:
            return f"{value:.4g}"
        return f"{value:.3e}"
    return "-" if value is None else str(value)


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
