"""How a ``when`` condition reads in the space table; numbers and durations, which the
search's log shares, are in ``tuner_cli.wording``."""

from __future__ import annotations

from typing import Any

from tuner_cli.wording import format_value


def format_condition(name: str, values: Any) -> str:
    """A ``when`` condition as a person writes it: ``optimizer = sgd``, ``act in relu, tanh``."""
    values = list(values) if isinstance(values, list | tuple | set) else [values]
    if len(values) == 1:
        return f"{name} = {format_value(values[0])}"
    return f"{name} in {', '.join(map(format_value, values))}"
