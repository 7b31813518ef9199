"""Words for counts and spans in messages, shared by every room that talks to people."""

from __future__ import annotations


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
