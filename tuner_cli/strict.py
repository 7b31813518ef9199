"""The base for every config model: unknown keys are errors that suggest the closest valid key."""

from __future__ import annotations

import difflib
import math
import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator

from tuner_cli.errors import quoted


class KeyedError(ValueError):
    """A problem with one key of a section; carries the key so the path can name it."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


class UnknownKeyError(KeyedError):
    """Raised for a key a section does not define."""

    def __init__(self, key: str, valid: list[str]):
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(valid)}"
        super().__init__(key, f"unknown key {quoted(key)} ({hint})")


def _members(annotation: Any) -> tuple[Any, ...]:
    """The types a field takes: a union's members, or the one type."""
    union = get_origin(annotation) in (Union, types.UnionType)
    return get_args(annotation) if union else (annotation,)


def _numbers_only(annotation: Any) -> bool:
    """A field of numbers (or also text, a fixed word or null), where pydantic would read
    YAML's ``yes``/``no`` as 1/0: ``epochs: yes`` must be an error, not one epoch."""
    members = _members(annotation)

    def plain(member: Any) -> bool:
        if get_origin(member) is Literal:
            return not any(isinstance(v, bool) for v in get_args(member))
        return member in (int, float, str, type(None))

    return any(m in (int, float) for m in members) and all(plain(m) for m in members)


def _numbers_not_text(annotation: Any) -> bool:
    """A field of numbers that takes no text (``max_time: "90"`` is a duration, text)."""
    return _numbers_only(annotation) and str not in _members(annotation)


def _quoted_number(value: Any) -> bool:
    """``"2"`` or ``'1e-3'``: text that reads as a number, which pydantic would convert where a
    number is due. ``epochs: "2"`` (a number or a ``$name``) was refused while ``max_trials:
    "2"`` passed and the schema an editor checks with flags both: quotes mean text."""
    if not isinstance(value, str):
        return False
    try:
        return math.isfinite(float(value))  # "inf" is refused as no finite number, elsewhere
    except ValueError:
        return False


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @classmethod
    def _unknown_key(cls, key: str, valid: list[str]) -> KeyedError:
        """The error for ``key``, which this section does not define (a hook for a section
        that can say more)."""
        return UnknownKeyError(key, valid)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            valid = sorted({f.alias or name for name, f in cls.model_fields.items()})
            for key, value in data.items():
                if key not in valid:
                    raise cls._unknown_key(str(key), valid)
                field = cls.model_fields.get(key)
                if isinstance(value, bool) and field and _numbers_only(field.annotation):
                    raise KeyedError(
                        key, f"must be a number, not {str(value).lower()} (a YAML yes/no/on/off)"
                    )
                if _quoted_number(value) and field and _numbers_not_text(field.annotation):
                    raise KeyedError(
                        key,
                        f"must be a number, not the text {quoted(value)} (write it without quotes)",
                    )
        return data
