"""BOHB's proposals: a Gaussian process fitted on the largest budget that has enough results.

Falkner et al. (2018) model each budget separately and propose from the largest one with
enough observations, since its ranking is closest to the full budget's; before any budget has
enough, configurations come from the initial design. The full budget (``max_epochs``) needs
only ``FULL_BUDGET_ENOUGH`` results: its scores are the ones the search is judged by, free of
the low-budget bias that keeps a lower budget's model proposing around the wrong optimum when
low budgets mislead. On four multi-fidelity functions (2 Hyperband iterations, seeds 0 to 4)
the median final regret fell from 0.0066 to 0.0042 (Hartmann3 shifted at low budgets), 0.187
to 0.137 (hartmann6_fidelity), 0.0027 to 0.00057 (multi-fidelity Branin) and stayed on the
mixed one (0.201 to 0.2075), with nothing changed up to a third of Hyperband's budget; from 2
results it guided worse early (hartmann6_fidelity at a third of the budget: 0.44 to 0.61)
(benchmarks/results/multifidelity_suite.md). A third of the proposals stay random, so
a misleading model cannot keep the search away from a region for good.

The observations at a budget are rebuilt from the records on each call: every rung trained to
that many epochs gives its configuration and score there, failed trials count as failures, and
trials still running at that budget as pending, as in the plain Bayesian strategy. Every other
trial of the study, one that ran or runs only at other budgets, is pending at the model's budget
too: the model has no result for it there, and without one it proposes the same optimum again.
On digits (seed 0) the 1-epoch model's proposal for a 3-epoch bracket was proposed a second
time, equal to six digits, once the first had run; so were two of the last bracket's three
9-epoch trials.

Known trials (``strategy.warm_start``) join each budget with their rungs' scores there, so the
largest budget with enough results may be the other study's. Fed their last scores whatever
budget those came from, the model once proposed around a 1-epoch optimum that full training
does not share, and its proposals carried no ``model_budget``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace, config_key
from tuner_cli.strategies._bayesian import BayesianSearch
from tuner_cli.strategies._random import RandomSearch
from tuner_cli.strategies.base import Proposal, Strategy
from tuner_cli.strategies.settings import BayesianSettings, SamplingSettings
from tuner_cli.trial import TrialRecord, TrialStatus
from tuner_cli.wording import plural

RANDOM_FRACTION = 1 / 3
"""BOHB's share of random proposals once a model exists (the paper's default)."""
FULL_BUDGET_ENOUGH = 3
"""Results at the full budget enough for its model (lower budgets need the model's
``num_initial_points``)."""


class BudgetModel(Strategy):
    settings: BayesianSettings

    def __init__(
        self,
        space: SearchSpace,
        objective: Objective,
        seed: int,
        settings: BayesianSettings,
        full_budget: int | None = None,
    ):
        """``full_budget``: the epochs of a full training (``max_epochs``), whose model needs
        only ``FULL_BUDGET_ENOUGH`` results; None treats every budget alike."""
        super().__init__(space, objective, seed, settings)
        self.full_budget = full_budget
        self.model = BayesianSearch(space, objective, seed, settings)
        self.random = RandomSearch(space, objective, seed, SamplingSettings())

    def describe_plan(self) -> list[str]:
        lines = [
            "  new configurations: a Gaussian process on the largest budget with at least "
            f"{plural(self.model.num_initial_points, 'result')} ("
            + (
                f"{FULL_BUDGET_ENOUGH} at {plural(self.full_budget, 'epoch')}; "
                if self.full_budget
                else ""
            )
            + f"{round(RANDOM_FRACTION * 100)}% stay random; space-filling before that)"
        ]
        return lines + [f"  {line.strip()}" for line in self.model.describe_plan()[1:]]

    def ask(self, trials: Sequence[TrialRecord]) -> Proposal | None:
        budget, observed = self.observations(trials)
        rng = np.random.default_rng([self.seed, len(trials), 1])
        proposal = None
        if budget is not None and rng.random() < RANDOM_FRACTION and not self._given_left(trials):
            proposal = self.random.ask([*trials, *self.settings.known_trials])
            if proposal is not None:
                proposal.fields["proposed_by"] = "random"
        if proposal is None:
            proposal = self.model.propose(trials, observed)
        if (
            proposal is not None
            and budget is not None
            and proposal.fields.get("proposed_by", "").startswith("model:")
        ):
            proposal.fields["model_budget"] = budget
        return proposal

    def _enough(self, budget: int) -> int:
        """Results a budget needs before its model proposes."""
        enough = max(self.model.num_initial_points, 2)
        if self.full_budget is not None and budget >= self.full_budget:
            return min(enough, FULL_BUDGET_ENOUGH)
        return enough

    def _given_left(self, trials: Sequence[TrialRecord]) -> bool:
        """Whether some of ``strategy.initial_points`` have not run: they go first."""
        return self.given_point({config_key(t.hyperparameters) for t in trials}) is not None

    def observations(self, trials: Sequence[TrialRecord]) -> tuple[int | None, list[TrialRecord]]:
        """The largest budget with enough results (None if none has), and the trials as seen
        at that budget: the known trials' and this study's results there, and this study's
        trials without a result there as pending. With no such budget all are pending, so the
        proposal comes from the initial design."""
        at = _by_budget(trials)
        known = _by_budget(self.settings.known_trials)
        scored = {
            budget: sum(1 for t in [*group, *known.get(budget, [])] if t.score is not None)
            for budget, group in [*at.items(), *known.items()]
        }
        usable = [budget for budget, count in scored.items() if count >= self._enough(budget)]
        budget = max(usable) if usable else None
        there = at.get(budget, []) if budget is not None else []
        ids = {t.id for t in there}
        elsewhere = [
            TrialRecord(t.id, TrialStatus.RUNNING, t.hyperparameters)
            for t in trials
            if t.id not in ids
        ]
        return budget, [*known.get(budget, []), *there, *elsewhere]


def _by_budget(trials: Sequence[TrialRecord]) -> dict[int, list[TrialRecord]]:
    """Each budget's results: every rung's score at its epochs, failed trials as failures
    and unfinished ones as pending at the budget they run to."""
    at: dict[int, list[TrialRecord]] = {}
    for trial in trials:
        for rung in trial.extra.get("rungs") or []:
            at.setdefault(int(rung["epochs"]), []).append(
                TrialRecord(
                    trial.id, TrialStatus.COMPLETED, trial.hyperparameters, score=rung.get("score")
                )
            )
        budget = trial.extra.get("budget")
        if budget is None or trial.status is TrialStatus.COMPLETED:
            continue
        if not trial.status.is_finished() or trial.status is TrialStatus.FAILED:
            at.setdefault(int(budget), []).append(
                TrialRecord(trial.id, trial.status, trial.hyperparameters)
            )
    return at
