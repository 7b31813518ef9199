"""``strategy.warm_start``: another study's finished trials, for the model to learn from.

The trials are not run again and do not become this study's records. Only completed trials
whose values are a configuration of this space count: parameters the other study had and this
one lacks are dropped, and a trial that lacks a value this space needs, or holds one outside
it, is left out. study.json records the folder and the ids used, so a resumed study learns from
exactly the same trials even if the other study has grown since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuner_cli.config import StudyConfig
from tuner_cli.config.yaml_source import load_yaml_text
from tuner_cli.errors import ConfigError
from tuner_cli.results import StudyStore, study_objective
from tuner_cli.results.store import StoreError
from tuner_cli.strict import KeyedError
from tuner_cli.trial import TrialRecord, TrialStatus

KEY = ("strategy", "warm_start")


@dataclass
class WarmStart:
    trials: list[TrialRecord] = field(default_factory=list)
    info: dict[str, Any] | None = None
    """What study.json keeps: the folder, the ids used and how many were left out."""


def load_warm_start(study: StudyConfig, saved: dict[str, Any] | None = None) -> WarmStart:
    """The known trials; ``saved`` is a resumed study's ``warm_start`` entry of study.json,
    whose ids are then the only ones used. A bad folder is a ``ConfigError`` at the key."""
    path = study.config.strategy.warm_start
    if path is None:
        return WarmStart()
    folder = study.resolve_path(path)
    store = StudyStore(folder)
    try:
        if not store.exists():
            raise StoreError(f"{folder} is not a kt-run study (no study.json)")
        objective = study_objective(store)
        records = store.load_trials()
    except StoreError as exc:
        raise _error(study, f"cannot warm-start from it: {exc}") from None
    if objective != study.objective:
        raise _error(
            study,
            f"{folder} optimised {objective.name} ({objective.direction}imised), this study "
            f"{study.objective.name} ({study.objective.direction}imised): their scores do not "
            "compare",
        )
    wanted = None if saved is None else set(saved.get("trial_ids", []))
    used, left_out = [], 0
    for record in records:
        if wanted is not None and record.id not in wanted:
            continue
        values = _in_space(study, record)
        if values is None:
            left_out += 1
            continue
        scores = {"scores": record.extra["scores"]} if "scores" in record.extra else {}
        used.append(
            TrialRecord(record.id, TrialStatus.COMPLETED, values, score=record.score, extra=scores)
        )
    info = {"path": str(folder), "trial_ids": [t.id for t in used], "left_out": left_out}
    return WarmStart(used, info)


def _in_space(study: StudyConfig, record: TrialRecord) -> dict[str, Any] | None:
    """The record's values as a configuration of this study's space, or None."""
    if record.status is not TrialStatus.COMPLETED or record.score is None:
        return None
    space = study.space
    values: dict[str, Any] = {}
    for name in space.order:
        if name in record.hyperparameters and space.is_active(name, values):
            values[name] = record.hyperparameters[name]
    try:
        return space.point(values)
    except KeyedError:
        return None


def _error(study: StudyConfig, message: str) -> ConfigError:
    line = load_yaml_text(study.text, str(study.path)).line_of(KEY)
    return ConfigError(message, key_path=KEY, source=str(study.path), line=line)
