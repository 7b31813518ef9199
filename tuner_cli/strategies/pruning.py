"""Pruning: stop a trial early when its intermediate objective is worse than a rule allows.

The driver builds a pruner for each trial from the records so far (other trials' objective per
epoch) and sends it inside the ``TrialTask``; the worker asks it after every epoch. So a pruner is
a small, picklable value holding its reference data, and pruning works the same in remote worker
processes as in the driver. Trials started at the same time do not see each other's epochs.

Values compared are best-so-far values (the best objective up to an epoch), so one noisy epoch
neither prunes a trial nor shields it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tuner_cli.config import AshaPruning, MedianPruning
from tuner_cli.objective import Objective
from tuner_cli.trial import Pruner, TrialRecord, TrialStatus

History = Sequence[dict[str, float]]


def best_so_far(history: History, objective: Objective) -> list[float]:
    """Per epoch, the best objective value up to it (missing or NaN values never win)."""
    values: list[float] = []
    best = math.nan
    for entry in history:
        value = entry.get(objective.name)
        if objective.is_better(value, best):
            best = float(value)
        values.append(best)
    return values


@dataclass(frozen=True)
class MedianPruner:
    objective: Objective
    warmup_epochs: int
    min_trials: int
    reference: dict[int, list[float]] = field(default_factory=dict)
    """Epoch -> completed trials' best-so-far values there."""

    def should_prune(self, history: History) -> bool:
        epoch = len(history)
        others = [v for v in self.reference.get(epoch, []) if not math.isnan(v)]
        if epoch <= self.warmup_epochs or len(others) < self.min_trials:
            return False
        current = best_so_far(history, self.objective)[-1]
        return self.objective.is_better(statistics.median(others), current)


@dataclass(frozen=True)
class AshaPruner:
    objective: Objective
    min_epochs: int
    reduction_factor: int
    min_trials: int
    reference: dict[int, list[float]] = field(default_factory=dict)
    """Rung epoch -> best-so-far values there of every trial that reached it (pruned included)."""

    def is_rung(self, epoch: int) -> bool:
        rung = self.min_epochs
        while rung < epoch:
            rung *= self.reduction_factor
        return rung == epoch

    def should_prune(self, history: History) -> bool:
        epoch = len(history)
        others = [v for v in self.reference.get(epoch, []) if not math.isnan(v)]
        if not self.is_rung(epoch) or len(others) < self.min_trials:
            return False
        current = best_so_far(history, self.objective)[-1]
        everyone = sorted([*others, current], key=self.objective.sort_key)
        keep = max(1, len(everyone) // self.reduction_factor)
        return self.objective.is_better(everyone[keep - 1], current)


def make_pruner(
    settings: MedianPruning | AshaPruning, objective: Objective, trials: Iterable[TrialRecord]
) -> Pruner:
    """The pruner for a trial about to start, holding what it needs from the other records."""
    if isinstance(settings, MedianPruning):
        done = [t for t in trials if t.status is TrialStatus.COMPLETED]
        return MedianPruner(
            objective, settings.warmup_epochs, settings.min_trials, _by_epoch(done, objective)
        )
    done = [t for t in trials if t.status in (TrialStatus.COMPLETED, TrialStatus.PRUNED)]
    pruner = AshaPruner(objective, settings.min_epochs, settings.reduction_factor, 1)
    rungs = {e: v for e, v in _by_epoch(done, objective).items() if pruner.is_rung(e)}
    return AshaPruner(
        objective, settings.min_epochs, settings.reduction_factor, settings.min_trials, rungs
    )


def _by_epoch(trials: Iterable[TrialRecord], objective: Objective) -> dict[int, list[float]]:
    reference: dict[int, list[float]] = {}
    for trial in trials:
        for epoch, value in enumerate(best_so_far(trial.history, objective), start=1):
            reference.setdefault(epoch, []).append(value)
    return reference
