"""``strategy.warm_start``: another study's finished trials, for the model to learn from.

The trials are not run again and do not become this study's records. Only completed trials
whose values are a configuration of this space count: parameters the other study had and this
one lacks are dropped, and a trial that lacks a value this space needs, or holds one outside
it, is left out. study.json records the folder and the ids used, so a resumed study learns from
exactly the same trials even if the other study has grown since. The other study must have
optimised every objective of this one, in the same direction (the order may differ): a known
trial without a value the model needs would be taken for a failed one, the worst result there
is.

Budgets are epochs, whatever the other study's ``max_epochs``, since a score depends on how long
a configuration trained: 1-epoch scores rank configurations differently from full training.
- A bayesian study trains every trial fully, so from a multi-fidelity study (one whose records
  carry ``budget``) it learns only the trials trained to the largest budget there.
- BOHB models each budget apart, so a known trial keeps its score at every rung up to this
  study's ``max_epochs`` (a longer rung would be the largest budget for good, and the model
  would never learn from this study's own results); a trial of a study without budgets trained
  fully, so it counts at ``max_epochs``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tuner_cli.config import StudyConfig, load_config_text
from tuner_cli.errors import ConfigError
from tuner_cli.objective import Objective
from tuner_cli.results import StudyStore, study_objectives
from tuner_cli.results.store import StoreError, trial_id_of
from tuner_cli.search.study import config_changes
from tuner_cli.space import config_key
from tuner_cli.strict import KeyedError
from tuner_cli.trial import TrialRecord, TrialStatus
from tuner_cli.wording import plural

KEY = ("strategy", "warm_start")


@dataclass
class WarmStart:
    trials: list[TrialRecord] = field(default_factory=list)
    info: dict[str, Any] | None = None
    """What study.json keeps: the folder, the ids used and how many were left out."""
    left_out: Counter[str] = field(default_factory=Counter)
    """How many trials were left out for each reason, so the warning can say why."""
    short: str | None = None
    """Why the trials used were trained less than the other study meant to (``_short_of``)."""
    dropped: list[str] = field(default_factory=list)
    """Hyperparameters the other study varied and this space lacks (``_dropped``)."""
    given: list[tuple[int, int]] = field(default_factory=list)
    """(index in ``strategy.initial_points``, known trial id) for each given point a known
    trial holds: it is not run again, so it is skipped (``_given``)."""
    covers: int | None = None
    """The size of this (finite) space when the trials used hold every configuration of it:
    known trials are not run again, so the search has none left."""
    changed: bool = False
    """On resume: the other study's records under the saved ids are not those learnt from at
    the start (it was started over, or records were removed or edited)."""
    lengths: str | None = None
    """How the epochs the trials used trained differ from what this study counts them as
    (``_lengths``)."""
    other_data: str | None = None
    """How the data the trials used trained on differs from this study's (``_other_data``)."""

    def warning(self) -> str | None:
        """What ``search`` and ``validate`` warn about: the trials left out, by reason, or
        that there are none to learn from, and trials used that trained short; None when
        every trial is used as it is."""
        if self.info is None:
            return None
        changed = (
            f"warm start: the trials of {self.info['path']} this study learnt from have changed "
            "since it began (that study was started over, or records were removed or edited); "
            "it learns from them as they are now"
            if self.changed
            else None
        )
        notes = [
            changed,
            self._use(),
            self.lengths,
            self.other_data,
            self._given_note(),
            self._covers_note(),
            self._dropped_note(),
        ]
        text = "; ".join(n for n in notes if n)
        if not text:
            return None
        # said on its own, "the trials used" needs saying where they come from
        return text if text.startswith("warm start") else f"warm start: {text}"

    def _use(self) -> str | None:
        short = f" ({self.short})" if self.short else ""
        if not self.left_out:
            if self.trials:
                return f"warm start: {self.short}" if self.short else None
            return f"warm start: {self.info['path']} has no trials to learn from"
        reasons = "; ".join(f"{count} {reason}" for reason, count in self.left_out.most_common())
        total = sum(self.left_out.values())
        used = f"{len(self.trials)} used" if self.trials else "none is usable"
        return (
            f"warm start: of the {total + len(self.trials)} trials in {self.info['path']}, "
            f"{used}{short} and {total} left out: {reasons}"
        )

    def _given_note(self) -> str | None:
        if not self.given or self.info is None:
            return None
        points = ", ".join(
            f"strategy.initial_points[{index}] is trial {trial_id} of {self.info['path']}"
            for index, trial_id in self.given
        )
        return f"{points}: known trials are not run again, so {_it(self.given)} skipped"

    def _covers_note(self) -> str | None:
        if self.covers is None:
            return None
        return (
            f"every configuration of this space ({self.covers}) is among the known trials, "
            "which are not run again: this study has none left to run"
        )

    def _dropped_note(self) -> str | None:
        if not self.dropped:
            return None
        names = ", ".join(f"'{name}'" for name in self.dropped)
        return (
            f"the trials used varied {names}, which this space lacks; their scores still "
            "reflect those values, which the model cannot see"
        )


def load_warm_start(
    study: StudyConfig, saved: dict[str, Any] | None = None, own: Path | None = None
) -> WarmStart:
    """The known trials; ``saved`` is a resumed study's ``warm_start`` entry of study.json,
    whose ids are then the only ones used. A bad folder is a ``ConfigError`` at the key.

    ``own`` is this study's folder, which may not be the other study: its trials would be read
    as known ones, then deleted by ``--overwrite`` or counted twice on resume."""
    path = study.config.strategy.warm_start
    if path is None:
        return WarmStart()
    folder = study.resolve_path(path)
    if own is not None and folder.resolve() == own.resolve():
        raise _error(study, f"{folder} is this study's own folder; name another study's")
    store = StudyStore(folder)
    try:
        if not store.exists():
            raise StoreError(_not_a_study(folder))
        objectives = study_objectives(store)
        records = store.load_trials()
    except StoreError as exc:
        needed = ""
        if saved is not None:
            count = len(saved.get("trial_ids", []))
            needed = (
                f"; this study learnt from {count} of its trials when it began, and a resumed "
                f"study learns from the same: restore it, or start this study over with "
                "--overwrite"
            )
        raise _error(study, f"cannot warm-start from it: {exc}{needed}") from None
    _check_objectives(study, folder, objectives)
    changed = False
    wanted = None if saved is None else set(saved.get("trial_ids", []))
    if wanted is not None:
        records = [r for r in records if r.id in wanted]
        changed = "digest" in saved and saved["digest"] != _digest(records)
    completed = [r for r in records if _score(study, r) is not None]
    budgets = [int(r.extra["budget"]) for r in completed if r.extra.get("budget") is not None]
    largest = max(budgets, default=None)
    used, left_out = [], Counter[str]()
    for record in records:
        known, reason = _known(study, record, largest)
        if known is None:
            left_out[reason] += 1
        else:
            used.append(known)
    if unreadable := _unreadable(store, wanted):
        more = f"; {len(unreadable) - 1} more" if len(unreadable) > 1 else ""
        left_out[f"unreadable ({unreadable[0]}{more})"] = len(unreadable)
    total = sum(left_out.values())
    ids = [t.id for t in used]
    used_ids = set(ids)
    digest = _digest([r for r in records if r.id in used_ids])
    info = {"path": str(folder), "trial_ids": ids, "left_out": total, "digest": digest}
    short = _short_of(store, largest) if used and study.config.strategy.name != "bohb" else None
    dropped = _dropped(study, records, info["trial_ids"])
    other = _saved_config(store) if used else None
    lengths = _lengths(study, other, largest) if used else None
    other_data = _other_data(study, other)
    return WarmStart(
        used,
        info,
        left_out,
        short,
        dropped,
        _given(study, used),
        _covers(study, used),
        changed,
        lengths,
        other_data,
    )


def _unreadable(store: StudyStore, wanted: set[int] | None) -> list[str]:
    """The records ``load_trials`` skipped (``trial_0002.json: why``), of ``wanted`` ids only
    on resume: a damaged record is left out like any other, and the warning's count of the
    other study's trials, which a user compares with its folder, still holds it."""
    skipped = [warning.removeprefix("skipped ") for warning in store.warnings]
    if wanted is None:
        return skipped
    return [s for s in skipped if trial_id_of(s.split(":", 1)[0]) in wanted]


def _it(given: list[tuple[int, int]]) -> str:
    return "it is" if len(given) == 1 else "they are"


def _given(study: StudyConfig, used: list[TrialRecord]) -> list[tuple[int, int]]:
    """The given points (``strategy.initial_points``) a known trial holds, with its id."""
    known = {config_key(t.hyperparameters): t.id for t in used}
    given = []
    for index, values in enumerate(study.config.strategy.initial_points or []):
        try:  # a space a builder declares is checked once known (``with_builder_space``)
            key = config_key(study.space.point(values))
        except KeyedError:
            continue
        if key in known:
            given.append((index, known[key]))
    return given


def _covers(study: StudyConfig, used: list[TrialRecord]) -> int | None:
    """The size of this space when it is finite and ``used`` holds each of its
    configurations (a trial between a ``count``'s points is none of them), else None."""
    size = study.space.size()
    if size is None or size > len(used):
        return None
    on_grid = {
        config_key(t.hyperparameters) for t in used if study.space.on_grid(t.hyperparameters)
    }
    return size if len(on_grid) >= size else None


def _digest(records: list[TrialRecord]) -> str:
    """What the trials used were (id, values, scores), so a resume can tell when the other
    study's records under the saved ids are no longer the ones learnt from."""
    rows = [[r.id, config_key(r.hyperparameters), r.score, r.extra.get("scores")] for r in records]
    text = json.dumps(sorted(rows, key=lambda row: row[0]), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_objectives(study: StudyConfig, folder: Path, objectives: list[Objective]) -> None:
    """Each objective of this study must be one the other study optimised, in the same
    direction, so its trials hold every score the model needs; the order may differ (this
    study may rank by the other's second objective, or by it alone)."""
    theirs = {o.name: o for o in objectives}
    described = ", ".join(o.described() for o in objectives)
    for mine in study.objectives:
        other = theirs.get(mine.name)
        if other is not None and other != mine:
            raise _error(
                study,
                f"{folder} optimised {other.described()}, this study "
                f"{mine.described()}: their scores do not compare",
            )
    if study.objective.name not in theirs:
        raise _error(
            study,
            f"{folder} optimised {described}, this study {study.objective.described()}: "
            "their scores do not compare",
        )
    if lacking := [o for o in study.objectives if o.name not in theirs]:
        raise _error(
            study,
            f"{folder} optimised {described}; this study also optimises "
            f"{', '.join(o.described() for o in lacking)}, which its trials have no scores for",
        )


def _score(study: StudyConfig, record: TrialRecord) -> float | None:
    """A completed trial's score for this study's (first) objective: its own ``score``, or
    from ``scores`` when the other study ranked by another of its objectives."""
    if record.status is not TrialStatus.COMPLETED:
        return None
    scores = record.extra.get("scores")
    if isinstance(scores, dict) and study.objective.name in scores:
        value = scores[study.objective.name]
        return float(value) if isinstance(value, (int, float)) else None
    return record.score


def _not_a_study(folder: Path) -> str:
    """Why ``folder`` (without a study.json) is no study, with the likely fix: a results
    folder names the studies inside it."""
    if not folder.exists():
        return f"{folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is a file; name the other study's folder (its results/NAME)"
    inside = sorted(p.name for p in folder.iterdir() if (p / "study.json").is_file())
    if inside:
        names = ", ".join(inside[:5]) + (", ..." if len(inside) > 5 else "")
        return f"{folder} holds studies rather than being one; name one of them: {names}"
    return f"{folder} is not a kt-run study (no study.json)"


def _dropped(study: StudyConfig, records: list[TrialRecord], used: list[int]) -> list[str]:
    """The hyperparameters the used trials hold with more than one value and this space
    lacks: dropping them is silent in the data, yet it may explain much of the scores."""
    values: dict[str, set[str]] = {}
    for record in records:
        if record.id in used:
            for name, value in record.hyperparameters.items():
                if name not in study.space.order:
                    values.setdefault(name, set()).add(repr(value))
    return sorted(name for name, seen in values.items() if len(seen) > 1)


def _short_of(store: StudyStore, largest: int | None) -> str | None:
    """Whether a multi-fidelity study's largest budget reached is below the ``max_epochs`` its
    config asked for (it was stopped early): a bayesian study then learns scores of shorter
    training than its own, which rank configurations differently."""
    try:
        planned = yaml.safe_load(store.config_file.read_text(encoding="utf-8"))["strategy"][
            "max_epochs"
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    if largest is None or not isinstance(planned, int) or largest >= planned:
        return None
    return (
        f"the trials of {store.root} reached at most {plural(largest, 'epoch')} of its "
        f"max_epochs {planned}: this study learns from shorter training than it asked for"
    )


def _lengths(study: StudyConfig, other: StudyConfig | None, largest: int | None) -> str | None:
    """Whether the known trials of a Keras study trained for as many epochs as this study
    counts them at: its ``training.epochs`` (bayesian), or for trials without budgets BOHB's
    ``max_epochs``. A score depends on how long a configuration trained, so 3-epoch scores
    taken for 1-epoch ones (or for 9-epoch ones) do not compare with this study's own. The
    other study's length is its largest budget, else its own ``training.epochs``; None when
    either is not a number of epochs (an objective function, a ``$reference``)."""
    if not study.is_keras:
        return None
    strategy = study.config.strategy
    if strategy.name == "bohb":
        if largest is not None:  # each rung counts at its own epochs
            return None
        mine, key = strategy.max_epochs, "max_epochs"
    else:
        mine, key = study.config.training.epochs, "training.epochs"
    theirs = largest if largest is not None else _planned_epochs(other)
    if not isinstance(mine, int) or theirs is None or theirs == mine:
        return None
    return (
        f"the trials used trained {plural(theirs, 'epoch')}, and this study counts them as "
        f"trained {plural(mine, 'epoch')} ({key}): a score depends on how long a configuration "
        "trained, so the model learns scores that do not compare with this study's own"
    )


def _planned_epochs(other: StudyConfig | None) -> int | None:
    """The ``training.epochs`` of a Keras study's saved config, when it is a number."""
    if other is None:
        return None
    epochs = other.config.training.epochs
    return epochs if other.is_keras and isinstance(epochs, int) else None


def _saved_config(store: StudyStore) -> StudyConfig | None:
    """The other study's config as it ran, its files found from the folder it was read from."""
    try:
        origin = store.read_study().get("config_dir")
        return load_config_text(
            store.saved_config_text(), store.config_file, Path(origin) if origin else None
        )
    except (ConfigError, StoreError):
        return None


def _other_data(study: StudyConfig, other: StudyConfig | None) -> str | None:
    """How the data the known trials trained on differs from this study's: scores on iris
    say nothing of digits, nor a CSV's scores of another CSV. Files compare by where they
    are, not by how each config spells their path."""
    if other is None or not (study.is_keras and other.is_keras):
        return None
    changes = config_changes(_data_as_read(other), _data_as_read(study))
    if not changes:
        return None
    shown = "; ".join(f"data.{change}" for change in changes[:3])
    more = f"; {len(changes) - 3} more" if len(changes) > 3 else ""
    return (
        f"the trials used trained on other data ({shown}{more}: theirs -> this study's); their "
        "scores may not carry over"
    )


def _data_as_read(study: StudyConfig) -> dict[str, Any]:
    data = study.config.data.model_dump(mode="json")
    for section in (data, data.get("validation")):
        if isinstance(section, dict) and isinstance(section.get("path"), str):
            section["path"] = str(study.resolve_path(section["path"]))
    return data


def _known(
    study: StudyConfig, record: TrialRecord, largest: int | None
) -> tuple[TrialRecord | None, str]:
    """The known trial ``record`` gives this study, or None and why it is left out;
    ``largest`` is the other study's largest budget (None without budgets)."""
    score = _score(study, record)
    if score is None:
        return None, _unfinished(record)
    values, reason = _in_space(study, record)
    if values is None:
        return None, reason
    extra: dict[str, Any] = {"scores": record.extra["scores"]} if "scores" in record.extra else {}
    strategy = study.config.strategy
    if strategy.name == "bohb":
        max_epochs = strategy.max_epochs or 1
        rungs = [r for r in record.extra.get("rungs") or [] if int(r["epochs"]) <= max_epochs]
        if largest is None:
            rungs = [{"epochs": max_epochs, "score": score}]
        if not rungs:
            return None, f"trained only to more than this study's max_epochs ({max_epochs})"
        extra["rungs"] = rungs
    elif largest is not None and int(record.extra.get("budget", largest)) < largest:
        return None, (
            f"trained to fewer than {plural(largest, 'epoch')}, the largest budget there "
            "(a bayesian trial trains fully, and shorter training ranks differently)"
        )
    known = TrialRecord(record.id, TrialStatus.COMPLETED, values, score=score, extra=extra)
    return known, ""


def _unfinished(record: TrialRecord) -> str:
    """Why a trial without a score is left out, in the words of its status."""
    if record.status is TrialStatus.RUNNING:
        return "still running"
    if record.status is TrialStatus.COMPLETED:
        return "completed without a score"
    return record.status.value


def _in_space(study: StudyConfig, record: TrialRecord) -> tuple[dict[str, Any] | None, str]:
    """The record's values as a configuration of this study's space, or None and why not."""
    space = study.space
    values: dict[str, Any] = {}
    for name in space.order:
        if name in record.hyperparameters and space.is_active(name, values):
            values[name] = record.hyperparameters[name]
    try:
        return space.point(values), ""
    except KeyedError as exc:
        if exc.key not in values:
            return None, f"without a value for '{exc.key}', which this space needs"
        return None, f"with '{exc.key}' outside this space ({space.possible(exc.key)})"


def _error(study: StudyConfig, message: str) -> ConfigError:
    return study.locate(ConfigError(message, key_path=KEY))
