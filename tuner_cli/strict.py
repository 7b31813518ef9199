"""The base for every config model: unknown keys are errors that suggest the closest valid key."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class UnknownKeyError(ValueError):
    """Raised for a key a section does not define; carries the key so the path can name it."""

    def __init__(self, key: str, valid: list[str]):
        self.key = key
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(valid)}"
        super().__init__(f"unknown key '{key}' ({hint})")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            valid = sorted({f.alias or name for name, f in cls.model_fields.items()})
            for key in data:
                if key not in valid:
                    raise UnknownKeyError(str(key), valid)
        return data
