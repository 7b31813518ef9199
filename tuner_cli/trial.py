"""The trial record: one JSON file per trial, the unit everything else is rebuilt from."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, Protocol

HYPERPARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[/-][A-Za-z0-9_]+)*")
"""What a hyperparameter may be called: a Python-style name, or such names joined by ``/`` or
``-`` (KerasTuner's ``hp.name_scope('block_1')`` gives ``block_1/units``; ``units-1`` is common
in its builders). No dots, spaces or quotes: names are keys of the config, columns of tables
and, made upper case, environment variables (``env_name``)."""


def env_name(name: str) -> str:
    """The ``KT_BEST_HP_`` suffix of a hyperparameter or objective: ``block_1/units`` ->
    ``BLOCK_1_UNITS``. Two names that give the same one cannot both be exported."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name).upper()


class TrialStatus(str, Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    PRUNED = "pruned"
    INTERRUPTED = "interrupted"

    def is_finished(self) -> bool:
        """Finished trials are final; running and interrupted ones are run again on resume."""
        return self in (TrialStatus.COMPLETED, TrialStatus.FAILED, TrialStatus.PRUNED)


@dataclass(repr=False)
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

    def __repr__(self) -> str:
        """One short line: a notebook cell ending in ``read_trials(...)`` or ``best_trials(...)``
        showed every record's per-epoch history and its error's whole traceback (a megabyte for
        300 Keras trials of 30 epochs). The fields still hold all of it."""
        shown = [
            f"id={self.id}",
            f"status={self.status.value!r}",
            f"score={self.score!r}",
            f"hyperparameters={self.hyperparameters!r}",
        ]
        if self.metrics:
            shown.append(f"metrics={self.metrics!r}")
        if self.best_epoch is not None:
            shown.append(f"best_epoch={self.best_epoch}")
        if self.history:
            shown.append(f"history=<list of {len(self.history)}>")
        if self.duration_s is not None:
            shown.append(f"duration_s={self.duration_s!r}")
        if self.error:
            shown.append(f"error={self.error.get('message')!r}")
        if self.extra:
            shown.append(f"extra={self.extra!r}")
        return f"TrialRecord({', '.join(shown)})"

    @property
    def measured_budget(self) -> float:
        """The epochs this trial's score was measured at (``measured_budget``)."""
        return measured_budget(self.extra, self.status.value)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record; it shares lists and dicts with the record (serialise, don't keep)."""
        data = {name: getattr(self, name) for name in _RECORD_FIELDS}
        data["status"] = self.status.value
        data["score"] = _finite_or_none(self.score)
        return json_safe({**data, **self.extra})

    @classmethod
    def from_dict(cls, data: Any) -> TrialRecord:
        """A record from its JSON; ``ValueError`` names the first field that cannot be trusted."""
        if not isinstance(data, dict):
            raise ValueError(f"not a trial record (a JSON {_json_type(data)})")
        for name, check, wanted in _FIELD_CHECKS:
            if name in data and not check(data[name]):
                raise ValueError(
                    f"field '{name}' must be {wanted} (got {_json_type(data[name])} "
                    f"{_short(data[name])})"
                )
        if "id" not in data or "hyperparameters" not in data or "status" not in data:
            raise ValueError("not a trial record (needs an id, a status and hyperparameters)")
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = TrialStatus(values["status"])
        values["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)


_RECORD_FIELDS = tuple(f.name for f in fields(TrialRecord) if f.name != "extra")


def parse_record(raw: bytes) -> TrialRecord:
    """One record file's bytes, checked; ``ValueError`` (also for bad JSON or UTF-8) if not."""
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason})") from None
    return TrialRecord.from_dict(data)


def _number(value: Any) -> bool:
    """A finite JSON number (a bool is not one, though Python thinks so), and one a float
    holds: an integer of more than 308 digits is none."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _float_sized(value: Any) -> bool:
    """Not an integer of more than 308 digits, which the readers' charts and scales cannot
    turn into a float (only a hand edit writes one: the space's bounds are floats)."""
    return not isinstance(value, int) or abs(value) <= sys.float_info.max


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


def _mapping_of(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, dict) and all(check(v) for v in value.values())


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


_STATUSES = {s.value for s in TrialStatus}
_FIELD_CHECKS: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("id", _positive_int, "a positive integer"),
    (
        "status",
        lambda v: isinstance(v, str) and v in _STATUSES,
        f"one of {', '.join(sorted(_STATUSES))}",
    ),
    (
        "hyperparameters",
        lambda v: isinstance(v, dict) and all(_float_sized(x) for x in v.values()),
        "an object whose numbers a float holds",
    ),
    ("score", _optional(_number), "a number or null"),
    ("metrics", _mapping_of(_optional(_number)), "an object of numbers"),
    (
        "history",
        lambda v: isinstance(v, list) and all(_mapping_of(_optional(_number))(e) for e in v),
        "a list of objects of numbers",
    ),
    ("best_epoch", _optional(_positive_int), "a positive integer or null"),
    ("started_at", _optional(lambda v: isinstance(v, str)), "a string or null"),
    ("finished_at", _optional(lambda v: isinstance(v, str)), "a string or null"),
    ("duration_s", _optional(_number), "a number or null"),
    (
        "error",
        _optional(_mapping_of(lambda v: isinstance(v, str))),
        "an object of strings or null",
    ),
    ("worker", _optional(lambda v: isinstance(v, str)), "a string or null"),
    ("attempt", _positive_int, "a positive integer"),
    ("scores", _optional(_mapping_of(_optional(_number))), "an object of numbers or null"),
)
"""What each field must hold for the readers (ranking, tables, the report) to use it as is."""


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:39] + "…"


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by null: records are standard JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def _finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN; a diverged trial's score is recorded as null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def metric_number(value: object) -> float | None:
    """A metric a user's code returned, as a float: an int, a float, a NumPy scalar or a 0-d
    array or tensor. None for what ``float`` refuses, and for a string or a bool, which it
    takes: "0.5" or True is a bug in the code that returned it, not a score."""
    if isinstance(value, str | bytes) or type(value).__name__ in ("bool", "bool_"):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def measured_budget(fields: Mapping[str, Any], status: str | None = None) -> float:
    """The epochs a completed multi-fidelity trial's score was measured at: its ``budget``, or
    while it is trained further (running again, ``budget`` already the next one) its last
    finished rung's; 0 for other trials and outside multi-fidelity studies (a pruned or failed
    trial is never the best). ``fields``: a record's dict or summary, whose ``status`` is used
    unless ``status`` is given (a record's extra fields have none)."""
    status = fields.get("status") if status is None else status
    value, rungs = fields.get("budget"), fields.get("rungs")
    if status == TrialStatus.RUNNING.value and isinstance(rungs, list) and rungs:
        value = rungs[-1].get("epochs") if isinstance(rungs[-1], dict) else None
    elif status != TrialStatus.COMPLETED.value:
        value = None
    return float(value) if _number(value) else 0.0


STAGE_FIELDS = ("bracket", "round", "rung", "budget")
"""Where a multi-fidelity trial stands (Hyperband's and BOHB's bracket and round, ASHA's rung,
and the budget in epochs): its scores compare only within a budget, so a table of them must
say which."""


BOOKKEEPING_FIELDS = ("run_started_at",)
"""Record fields a strategy keeps for itself (when ASHA's running trial began its run, for its
backfill estimates): in the JSON record, not among the facts ``show`` prints for a person."""


def stage_fields(summaries: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ``STAGE_FIELDS`` that any of ``summaries`` holds, in that order: a table's columns
    for them, none outside multi-fidelity studies."""
    held = {field for summary in summaries for field in STAGE_FIELDS if field in summary}
    return [field for field in STAGE_FIELDS if field in held]


def union_names(mappings: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of ``mappings``, each once, in order of first appearance: the columns of a
    table of trials whose hyperparameters (conditional ones) or metrics differ."""
    return list(dict.fromkeys(name for mapping in mappings for name in mapping))


class Pruner(Protocol):
    """Decides after each epoch whether a trial is hopeless; travels to workers in the task."""

    def should_prune(self, history: list[dict[str, float]]) -> bool: ...


EpochCallback = Callable[[int, int, dict[str, float]], bool]
"""``(epoch, epochs, logs) -> prune``: progress after each epoch; True asks to stop the trial."""


@dataclass
class TrialTask:
    """Everything a worker needs besides the config; it travels to other machines as is."""

    trial_id: int
    hyperparameters: dict[str, Any]
    budget: int | None = None
    """Train until this epoch (multi-fidelity); None means the configured epochs."""
    seed: int = 0
    """The study's seed from study.json: the data split and the trial's own seeds derive from
    it. The runner always sets it; 0 serves tests that build a task by hand."""
    history: list[dict[str, float]] = field(default_factory=list)
    """Epochs already trained, when continuing a trial from ``resume_model``."""
    resume_model: bytes | None = None
    """A ``.keras`` file's bytes (weights and optimizer state) to continue training from."""
    return_model: bool = False
    """Send the model at its best epoch back (as ``.keras`` bytes) for the driver to keep."""
    return_checkpoint: bool = False
    """Send the model at its last epoch back, optimizer state included, to continue from."""
    pruner: Pruner | None = None
    """Asked after every epoch whether to stop the trial (see ``tuner_cli.strategies.pruning``)."""
    time_limit_s: float | None = None
    """``strategy.max_trial_time``: the executor fails the trial when it runs longer."""
    objective_seen: bool = False
    """An earlier trial reported the objective: one result without it is a failed trial, not
    a misspelt ``strategy.objective``."""


@dataclass
class TrialOutcome:
    """What a worker sends back; the driver turns it into the trial's record."""

    status: TrialStatus
    score: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    error: dict[str, str] | None = None
    worker: str = ""
    run_s: float | None = None
    """Seconds the trial took where it ran, by that machine's clock: the driver's own count,
    from submission to result, would add the time it waited for a busy cluster's worker."""
    extra: dict[str, Any] = field(default_factory=dict)
    model_bytes: bytes | None = None
    """The best epoch's model; None when not asked for, or when a continued trial's best epoch
    came before the continuation (the model kept then still holds it)."""
    checkpoint_bytes: bytes | None = None
