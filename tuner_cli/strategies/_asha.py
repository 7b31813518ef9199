"""ASHA: asynchronous successive halving (Li et al., 2020).

Rungs train to ``min_epochs * factor**k`` epochs, up to ``max_epochs``. Whenever a worker is
free, the trial highest up that is in the top ``1/factor`` of its rung (among every trial that
has reached the rung so far) and not yet promoted moves up one rung, continued from its
checkpoint as in Hyperband; when none is, a new configuration starts at the lowest rung. No
worker ever waits for a round to finish, at the price of some promotions that a synchronous
round would not have made.

Everything is read from the records: a trial's ``rung`` field is the rung it was last sent to,
and its ``rungs`` list holds its score at each rung it finished, so a study resumes as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace
from tuner_cli.strategies._hyperband import hyperband_plan, new_configurations
from tuner_cli.strategies.base import WAIT, Proposal, Strategy, Wait
from tuner_cli.strategies.settings import HyperbandSettings
from tuner_cli.trial import TrialRecord, TrialStatus
from tuner_cli.wording import plural


class Asha(Strategy):
    continues_trials = True
    settings: HyperbandSettings

    def __init__(
        self, space: SearchSpace, objective: Objective, seed: int, settings: HyperbandSettings
    ):
        super().__init__(space, objective, seed, settings)
        self._sampler = new_configurations(space, objective, seed, settings)

    @cached_property
    def budgets(self) -> list[int]:
        """Epochs at each rung, lowest first; the last is ``max_epochs``."""
        settings = self.settings
        budgets = [settings.min_epochs]
        while budgets[-1] < settings.max_epochs:
            budgets.append(min(budgets[-1] * settings.factor, settings.max_epochs))
        return budgets

    def default_max_trials(self) -> int | None:
        """As many configurations as Hyperband's brackets would try with the same settings."""
        settings = self.settings
        plan = hyperband_plan(
            settings.max_epochs, settings.factor, settings.min_epochs, settings.iterations
        )
        return sum(b.rounds[0].trials for b in plan)

    def describe_plan(self) -> list[str]:
        settings = self.settings
        rungs = " -> ".join(f"{b} ep" for b in self.budgets)
        return [
            f"ASHA: max_epochs {settings.max_epochs}, factor {settings.factor}, "
            f"min_epochs {settings.min_epochs}",
            f"  {plural(len(self.budgets), 'rung')}: {rungs}; a trial moves up as soon as it is "
            f"in the top 1/{settings.factor} of its rung (promoted trials continue)",
            *self._sampler.describe_plan(),
        ]

    def ask(self, trials: Sequence[TrialRecord]) -> Proposal | Wait | None:
        return self._next(trials, allow_new=True)

    def ask_continuation(self, trials: Sequence[TrialRecord]) -> Proposal | Wait | None:
        return self._next(trials, allow_new=False)

    def continuable(self, trials: Sequence[TrialRecord]) -> set[int]:
        """Finished trials below the top rung that are not promoted yet (a rung only grows, so
        any of them may still be), and unfinished continued ones (a rerun resumes them)."""
        top = len(self.budgets) - 1
        keep: set[int] = set()
        for trial in trials:
            unfinished = not trial.status.is_finished() and bool(trial.extra.get("rungs"))
            promotable = (
                trial.status is TrialStatus.COMPLETED
                and _rung(trial) < top
                and _score_at(trial, _rung(trial)) is not None
            )
            if unfinished or promotable:
                keep.add(trial.id)
        return keep

    def _next(self, trials: Sequence[TrialRecord], allow_new: bool) -> Proposal | Wait | None:
        promotion = self._promotion(trials)
        if promotion is not None:
            return promotion
        if allow_new:
            proposal = self._sampler.ask(trials)
            if proposal is not None:
                return Proposal(
                    proposal.hyperparameters,
                    budget=self.budgets[0],
                    fields={**proposal.fields, "rung": 0},
                )
        if any(not t.status.is_finished() for t in trials):
            return WAIT  # a running trial may yet earn a promotion
        return None

    def _promotion(self, trials: Sequence[TrialRecord]) -> Proposal | None:
        """The best promotable trial of the highest rung that has one."""
        for k in range(len(self.budgets) - 2, -1, -1):
            reached = [(t, _score_at(t, k)) for t in trials]
            scored = [(t, s) for t, s in reached if s is not None]
            ranked = sorted(scored, key=lambda pair: (self.objective.sort_key(pair[1]), pair[0].id))
            top = ranked[: len(ranked) // self.settings.factor]
            for trial, _ in top:
                if _rung(trial) == k and trial.status is TrialStatus.COMPLETED:
                    return Proposal(
                        dict(trial.hyperparameters),
                        budget=self.budgets[k + 1],
                        fields={"rung": k + 1},
                        continues=trial.id,
                    )
        return None


def _rung(trial: TrialRecord) -> int:
    return int(trial.extra.get("rung", 0))


def _score_at(trial: TrialRecord, k: int) -> float | None:
    rungs = trial.extra.get("rungs") or []
    if len(rungs) <= k or rungs[k].get("score") is None:
        return None
    return float(rungs[k]["score"])
