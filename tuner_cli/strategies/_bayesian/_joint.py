"""BOHB's joint model: one Gaussian process over (configuration, budget).

Every rung's result is an observation, with the budget as one more input: its logarithm over
that of the full budget, so 1 epoch is 0 and ``max_epochs`` is 1 (``budget_feature``). Its
length scale is fitted with the others by the marginal likelihood: the further apart budgets
rank configurations, the shorter it comes out and the more full-budget results count over
lower budgets' (fitted values per function: benchmarks/results/multifidelity_joint_model.md).
Proposals maximise the acquisition at the full budget, with expected improvement over the best
full-budget value, or before there is one over the best predicted full-budget value of the
configurations seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tuner_cli.strategies._bayesian._gp import LENGTH_PRIOR, GaussianProcess
from tuner_cli.strategies._bayesian._search import (
    FIT_POINTS,
    LOCAL_CENTRES,
    MODEL_POINTS,
    PENDING,
    BayesianSearch,
    _Data,
    _standardise,
    _subset,
)
from tuner_cli.strategies.base import Proposal
from tuner_cli.trial import TrialRecord, TrialStatus

BUDGET = "budget_feature"
"""The key of ``TrialRecord.extra`` that holds an observation's budget input."""


def budget_feature(epochs: int, full_budget: int) -> float:
    """log(epochs) / log(full_budget), at most 1; 1 when the full budget is one epoch."""
    if full_budget <= 1:
        return 1.0
    return min(1.0, float(np.log(max(epochs, 1)) / np.log(full_budget)))


@dataclass
class _BudgetData(_Data):
    budgets: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The budget input of each row of ``raw``."""
    pending_budgets: np.ndarray = field(default_factory=lambda: np.zeros(0))


class _AtFullBudget:
    """The joint model's predictions at the full budget (budget input 1), as the acquisition
    and its refinement ask them of a model of the configuration features alone."""

    def __init__(self, gp: GaussianProcess):
        self.gp = gp

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.gp.predict(np.column_stack([x, np.ones(len(x))]))

    def predict_with_gradient(self, x: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        mean, std, d_mean, d_std = self.gp.predict_with_gradient(np.append(x, 1.0))
        return mean, std, d_mean[:-1], d_std[:-1]


class JointBudgetSearch(BayesianSearch):
    """Bayesian optimisation of the full-budget score from results at every budget. Each
    observed record carries its budget input in ``extra[BUDGET]``."""

    def _data(
        self, trials: Sequence[TrialRecord], rng: np.random.Generator, scalarise: bool = True
    ) -> _BudgetData:
        """As the plain search's (failed results count as the worst value seen, running
        trials are pending), with each row's budget input beside it."""
        scored, failed, pending = [], [], []
        for trial in trials:
            row = self.encoding.raw_from_config(trial.hyperparameters)
            budget = trial.extra[BUDGET]
            value = self._value(trial)
            if trial.status in PENDING:
                pending.append((row, budget))
            elif value is not None:
                scored.append((row, budget, value))
            elif trial.status in (TrialStatus.FAILED, TrialStatus.COMPLETED):
                failed.append((row, budget))
        y = np.array([value for _, _, value in scored])
        if len(y) and failed:
            y = np.concatenate([y, np.full(len(failed), y.max())])
        rows = [(row, budget) for row, budget, _ in scored] + failed
        n = self.encoding.n_columns
        return _BudgetData(
            np.array([row for row, _ in rows]).reshape(len(rows), n),
            y,
            np.array([row for row, _ in pending]).reshape(len(pending), n),
            budgets=np.array([budget for _, budget in rows], dtype=float),
            pending_budgets=np.array([budget for _, budget in pending], dtype=float),
        )

    def _model_based(
        self,
        data: _BudgetData,
        seen: set[str],
        rng: np.random.Generator,
        finite_unseen: np.ndarray | None,
        count: int,
    ) -> Proposal | None:
        """The plain search's proposal (``BayesianSearch._model_based``) from the joint model
        at the full budget. The values of all budgets are standardised together: the prior
        mean is the worst value seen at any budget, so a full-budget prediction far from the
        data expects nothing good. Standardising each budget on its own did worse in a first
        version (hartmann6_fidelity and mixed_fidelity missed the target, curves_crossing took
        438 epochs instead of 276: benchmarks/results/multifidelity_joint_model.md). Local
        candidates perturb the configurations of best predicted full-budget value."""
        encoding = self.encoding
        y = _standardise(data.y)
        x = np.column_stack([encoding.features(data.raw), data.budgets])
        length_prior = np.append(self.length_prior, LENGTH_PRIOR[0])
        fit_rows = _subset(y, FIT_POINTS, rng)
        gp = GaussianProcess.fit(x[fit_rows], y[fit_rows], rng, length_prior=length_prior)
        model_rows = _subset(y, MODEL_POINTS, rng)
        x, y, budgets = x[model_rows], y[model_rows], data.budgets[model_rows]
        gp = gp.with_data(x, y)
        seen_at_full = _AtFullBudget(gp).predict(encoding.features(data.raw))[0]
        full = budgets >= 1.0
        best = float(y[full].min()) if full.any() else float(seen_at_full.min())
        if len(data.pending_raw):
            x_pending = np.column_stack([encoding.features(data.pending_raw), data.pending_budgets])
            lies = np.maximum(gp.predict(x_pending)[0], best)
            gp = gp.with_data(np.vstack([x, x_pending]), np.concatenate([y, lies]))
        centres = data.raw[np.argsort(seen_at_full, kind="stable")[:LOCAL_CENTRES]]
        return self._best_candidate(
            _AtFullBudget(gp), data, centres, best, seen, rng, finite_unseen, count
        )
