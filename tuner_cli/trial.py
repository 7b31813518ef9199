"""The trial record: one JSON file per trial, the unit everything else is rebuilt from."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any


class TrialStatus(str, Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    PRUNED = "pruned"
    INTERRUPTED = "interrupted"

    def is_finished(self) -> bool:
        """Finished trials are final; running and interrupted ones are run again on resume."""
        return self in (TrialStatus.COMPLETED, TrialStatus.FAILED, TrialStatus.PRUNED)


@dataclass
class TrialRecord:
    id: int
    status: TrialStatus
    hyperparameters: dict[str, Any]
    score: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    error: dict[str, str] | None = None
    worker: str | None = None
    attempt: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
    """The strategy's own fields (bracket, budget, rungs...), stored at the top level."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON record; it shares lists and dicts with the record (serialise, don't keep)."""
        data = {name: getattr(self, name) for name in _RECORD_FIELDS}
        data["status"] = self.status.value
        data["score"] = _finite_or_none(self.score)
        return {**data, **self.extra}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialRecord:
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = TrialStatus(values["status"])
        values["extra"] = {k: v for k, v in data.items() if k not in known}
        if not isinstance(values.get("id"), int) or not isinstance(
            values.get("hyperparameters"), dict
        ):
            raise ValueError("not a trial record (needs an integer id and hyperparameters)")
        return cls(**values)


_RECORD_FIELDS = tuple(f.name for f in fields(TrialRecord) if f.name != "extra")


def _finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN; a diverged trial's score is recorded as null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)
