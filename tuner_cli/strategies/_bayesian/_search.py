"""Bayesian optimisation: a Gaussian process over the trials so far, and an acquisition function.

Each ``ask`` rebuilds everything from the records (seeded by the study seed and the number of
records), so a resumed study proposes exactly what an uninterrupted one would have:

0. ``strategy.initial_points`` run first. Trials of another study (``strategy.warm_start``)
   join the data below and count towards the initial design, but are never run again.
1. The first ``num_initial_points`` trials follow a scrambled Sobol sequence.
2. Then a GP is fitted on the finished trials (failed ones, and completed ones whose score is
   missing, count as the worst score seen, so the search steers away from what crashes);
   running trials enter as "kriging believer" observations no better than the incumbent, so
   concurrent proposals spread out. When the last few trials improved nothing and the space
   has no categories, the values' tail of bad ones is evened out first (``_standardise``).
   On a space of more than three hyperparameters, a best trial that stays on a bound of a
   number is first tried once just inside it (``_edge_probe``).
3. The acquisition (on a small space without categories, every third proposal the model's
   mean instead: ``_exploits``; on a larger one, early proposals ask for more improvement
   than the incumbent's: ``_improvement_margin``) is maximised over random and local
   candidates, refined by L-BFGS-B on the continuous parameters, then snapped to valid
   values; the best candidate whose configuration has not run yet (nor, without categories,
   one within a thousandth of the range: ``_near``) wins. Finite spaces are scored value by
   value and end when used up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc, yeojohnson, yeojohnson_normmax
from threadpoolctl import ThreadpoolController

from tuner_cli.space import config_key
from tuner_cli.strategies._bayesian import _pareto
from tuner_cli.strategies._bayesian._acquisition import SCORES, score_gradient
from tuner_cli.strategies._bayesian._encoding import SpaceEncoding
from tuner_cli.strategies._bayesian._gp import LENGTH_PRIOR, GaussianProcess
from tuner_cli.strategies.base import Proposal, Strategy
from tuner_cli.strategies.settings import BayesianSettings
from tuner_cli.trial import TrialRecord, TrialStatus
from tuner_cli.wording import plural

ENUMERATE_BELOW = 5_000
"""Finite spaces up to this size are scored exhaustively instead of sampled."""
FIT_POINTS = 80
"""Hyperparameters are fitted on at most this many trials (the best half and a random rest)."""
MODEL_POINTS = 300
"""The posterior conditions on at most this many trials, chosen the same way."""
RANDOM_CANDIDATES = 1_000
LOCAL_CANDIDATES = 100
"""Perturbations around each of the best trials."""
LOCAL_CENTRES = 5
REFINE_STARTS = 4
DECODE_LIMIT = 300
"""Candidates decoded in order of acquisition before falling back to random sampling."""
SAMPLING_ATTEMPTS = 2_000
HEDGE_ARMS = ("ei", "pi", "lcb")
PENDING = (TrialStatus.RUNNING, TrialStatus.INTERRUPTED)
PAREGO_RHO = 0.05
STALL_TRIALS = 4
STALL_GAIN = 1e-3
"""The search has stalled when its last ``STALL_TRIALS`` scored trials improved the best value
by less than this fraction of the range of values seen."""
NEAR = 1e-3
"""On a space without categories, a candidate this close to a trial in every coordinate of the
unit cube counts as run (``_near``)."""
EDGE_STEP = 0.05
EDGE_PATIENCE = 2
"""On a space of more than ``EXPLOIT_MAX_DIMENSIONS`` hyperparameters, a best trial that has
lain on the bound of a number for ``EDGE_PATIENCE`` trials is tried once with those numbers
``EDGE_STEP`` of their range inside (``_edge_probe``)."""
EXPLOIT_EVERY = 3
EXPLOIT_MAX_DIMENSIONS = 3
"""On a space of at most this many hyperparameters, none of them categorical, every
``EXPLOIT_EVERY``-th model proposal minimises the model's mean (``_exploits``)."""
EARLY_MARGIN = 0.6
EARLY_MARGIN_TRIALS_PER_DIMENSION = 4
"""On a space of more than ``EXPLOIT_MAX_DIMENSIONS`` hyperparameters, none of them
categorical, the acquisition first asks for ``EARLY_MARGIN`` (in spreads of the standardised
values) more improvement than the incumbent's, falling linearly to none at
``EARLY_MARGIN_TRIALS_PER_DIMENSION`` trials per hyperparameter (``_improvement_margin``)."""

_threadpools = ThreadpoolController()


class Model(Protocol):
    """What the acquisition asks of a model: ``GaussianProcess``, or BOHB's joint model seen
    at the full budget (``_joint``)."""

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def predict_with_gradient(
        self, x: np.ndarray
    ) -> tuple[float, float, np.ndarray, np.ndarray]: ...


@dataclass
class _Data:
    raw: np.ndarray
    y: np.ndarray
    """Observed values to minimise (scores negated for maximised objectives)."""
    pending_raw: np.ndarray
    stalled: bool = False
    """One objective, and the last trials improved nothing (``_stalled``)."""


class BayesianSearch(Strategy):
    """Gaussian-process Bayesian optimisation that never repeats a configuration."""

    @cached_property
    def encoding(self) -> SpaceEncoding:
        return SpaceEncoding(self.space)

    settings: BayesianSettings

    @cached_property
    def length_prior(self) -> np.ndarray:
        return self.encoding.log_length_prior(LENGTH_PRIOR[0])

    @cached_property
    def num_initial_points(self) -> int:
        configured = self.settings.num_initial_points
        return configured or min(max(5, self.encoding.n_columns + 1), 20)

    @cached_property
    def acquisition(self) -> str:
        return self.settings.acquisition

    @cached_property
    def _finite(self) -> tuple[list[dict], list[str], np.ndarray] | None:
        """Every configuration of a small finite space, with its key and raw row."""
        size = self.space.size()
        if size is None or size > ENUMERATE_BELOW:
            return None
        configs = list(self.space.grid())
        raw = np.array([self.encoding.raw_from_config(c) for c in configs]).reshape(
            len(configs), self.encoding.n_columns
        )
        return configs, [config_key(c) for c in configs], raw

    @cached_property
    def _sobol(self) -> np.ndarray:
        d = self.encoding.n_columns
        m = int(np.ceil(np.log2(self.num_initial_points + 64)))
        cube = qmc.Sobol(d, scramble=True, seed=self.seed).random_base2(m)
        return self.encoding.raw_from_unit_cube(cube)

    @cached_property
    def _known_keys(self) -> set[str]:
        return {config_key(t.hyperparameters) for t in self.settings.known_trials}

    def describe_plan(self) -> list[str]:
        known = len(self.settings.known_trials)
        given = len(self.settings.initial_points)
        # given points are trials, so they take the first places of the initial design
        sobol = max(0, self.num_initial_points - known - given)
        lines = [
            f"Bayesian optimisation: {plural(sobol, 'space-filling (Sobol) trial')}, "
            f"then {self._model_words()}"
            if sobol
            else f"Bayesian optimisation: {self._model_words()} from the first trial on, the "
            "warm start's trials standing in for the space-filling (Sobol) start"
        ]
        if given:
            lines.append(
                f"  first the {plural(given, 'given configuration')} (strategy.initial_points), "
                f"counted towards the {self.num_initial_points} initial points"
            )
        if known:
            lines.append(
                f"  warm start: {plural(known, 'known trial')} from another study, counted "
                f"towards the {self.num_initial_points} initial points and not run again"
            )
        return lines

    def _model_words(self) -> str:
        count = len(self.settings.objectives)
        if count == 2:
            return "a Gaussian process per objective and expected hypervolume improvement"
        if count > 2:
            return "a Gaussian process of ParEGO's random scalarisations of the objectives"
        return f"a Gaussian process with the '{self.acquisition}' acquisition"

    def ask(self, trials: Sequence[TrialRecord]) -> Proposal | None:
        return self.propose(trials, [*self.settings.known_trials, *trials])

    def propose(
        self, trials: Sequence[TrialRecord], observed: Sequence[TrialRecord]
    ) -> Proposal | None:
        """A configuration none of ``trials`` (this study's records) nor the known trials has,
        from a model of ``observed``. ``ask`` observes the trials themselves and the known
        trials; BOHB observes the scores of both at one budget, since a score at another
        budget ranks configurations differently."""
        with _threadpools.limit(limits=1):
            return self._propose(trials, observed)

    def _propose(
        self, trials: Sequence[TrialRecord], observed: Sequence[TrialRecord]
    ) -> Proposal | None:
        seen = {config_key(t.hyperparameters) for t in trials} | self._known_keys
        given = self.given_point(seen)
        if given is not None:
            return given
        rng = np.random.default_rng([self.seed, len(trials)])
        if self.encoding.n_columns == 0:
            values = self.space.from_units({})
            return None if config_key(values) in seen else Proposal(values)
        finite_unseen = None
        if self._finite is not None:
            configs, keys, raw = self._finite
            index = [i for i, key in enumerate(keys) if key not in seen]
            if not index:
                return None
            finite_unseen = raw[index]
        two_objectives = len(self.settings.objectives) == 2
        data = self._data(observed, rng, scalarise=not two_objectives)
        known = len(self.settings.known_trials)
        if len(trials) + known < self.num_initial_points or len(data.y) < 2:
            return self._initial(len(trials), seen, rng)
        if two_objectives:
            proposal = self._pareto_based(data, seen, rng, finite_unseen)
        else:
            proposal = self._model_based(data, seen, rng, finite_unseen, len(trials) + known)
        return proposal or self._random(seen, rng)

    def _data(
        self, trials: Sequence[TrialRecord], rng: np.random.Generator, scalarise: bool = True
    ) -> _Data:
        """The observations; several objectives become one column by ParEGO unless
        ``scalarise`` is False (then ``y`` has a column per objective)."""
        scored, failed, pending = [], [], []
        for trial in trials:
            row = self.encoding.raw_from_config(trial.hyperparameters)
            value = self._value(trial)
            if trial.status in PENDING:
                pending.append(row)
            elif value is not None:
                scored.append((row, value))
            elif trial.status in (TrialStatus.FAILED, TrialStatus.COMPLETED):
                failed.append(row)  # a completed trial without a score diverged (NaN)
        y = np.array([v for _, v in scored])
        if len(self.settings.objectives) > 1 and len(y) and scalarise:
            y = parego(y, rng)
        stalled = len(self.settings.objectives) < 2 and _stalled(y, self.num_initial_points)
        rows = [r for r, _ in scored]
        if len(y) and failed:
            rows += failed
            y = np.concatenate([y, np.repeat(y.max(axis=0, keepdims=True), len(failed), axis=0)])
        n = self.encoding.n_columns
        return _Data(
            np.array(rows).reshape(len(rows), n),
            y,
            np.array(pending).reshape(len(pending), n),
            stalled,
        )

    def _value(self, trial: TrialRecord) -> float | np.ndarray | None:
        """What the model learns, to minimise: the signed score, or for several objectives
        the signed scores; None when a value is missing or not finite."""
        objectives = self.settings.objectives
        if len(objectives) < 2:
            objectives, scores = (self.objective,), {self.objective.name: trial.score}
        else:
            scores = trial.extra.get("scores") or {}
        values = [scores.get(o.name) for o in objectives]
        if any(v is None or not np.isfinite(v) for v in values):
            return None
        signed = np.array(
            [-v if o.direction == "max" else v for o, v in zip(objectives, values, strict=True)]
        )
        return float(signed[0]) if len(signed) == 1 else signed

    def _initial(self, count: int, seen: set[str], rng: np.random.Generator) -> Proposal | None:
        """The next Sobol point whose configuration has not run (ints may round together)."""
        for row in self._sobol[count:]:
            values = self.encoding.config_from_raw(row)
            if config_key(values) not in seen:
                return Proposal(values, fields={"proposed_by": "initial"})
        return self._random(seen, rng)

    def _random(self, seen: set[str], rng: np.random.Generator) -> Proposal | None:
        if self._finite is not None:
            configs, keys, _ = self._finite
            unseen = [c for c, key in zip(configs, keys, strict=True) if key not in seen]
            if not unseen:
                return None
            return Proposal(
                unseen[int(rng.integers(len(unseen)))], fields={"proposed_by": "random"}
            )
        for _ in range(SAMPLING_ATTEMPTS):
            values = self.space.sample(rng)
            if config_key(values) not in seen:
                return Proposal(values, fields={"proposed_by": "random"})
        return None

    def _model_based(
        self,
        data: _Data,
        seen: set[str],
        rng: np.random.Generator,
        finite_unseen: np.ndarray | None,
        count: int,
    ) -> Proposal | None:
        """``count``: the trials so far, known ones included (``_exploits``,
        ``_improvement_margin``)."""
        encoding = self.encoding
        if finite_unseen is None and encoding.n_columns > EXPLOIT_MAX_DIMENSIONS:
            probe = self._edge_probe(data)
            if probe is not None:
                values = encoding.config_from_raw(probe)
                if config_key(values) not in seen:
                    return Proposal(values, fields={"proposed_by": "model:edge"})
        y = _standardise(data.y, even_bad_tail=data.stalled and not encoding.has_categories)
        x = encoding.features(data.raw)
        fit_rows = _subset(y, FIT_POINTS, rng)
        gp = GaussianProcess.fit(x[fit_rows], y[fit_rows], rng, length_prior=self.length_prior)
        model_rows = _subset(y, MODEL_POINTS, rng)
        x, y = x[model_rows], y[model_rows]
        gp = gp.with_data(x, y)
        best = float(y.min())
        if len(data.pending_raw):
            x_pending = encoding.features(data.pending_raw)
            lies = np.maximum(gp.predict(x_pending)[0], best)
            gp = gp.with_data(np.vstack([x, x_pending]), np.concatenate([y, lies]))
        centres = data.raw[np.argsort(data.y, kind="stable")[:LOCAL_CENTRES]]
        return self._best_candidate(gp, data, centres, best, seen, rng, finite_unseen, count)

    def _best_candidate(
        self,
        gp: Model,
        data: _Data,
        centres: np.ndarray,
        best: float,
        seen: set[str],
        rng: np.random.Generator,
        finite_unseen: np.ndarray | None,
        count: int,
    ) -> Proposal | None:
        """The unseen candidate of best acquisition under ``gp`` (``best``: the standardised
        incumbent): random candidates and perturbations of ``centres`` (raw rows, the
        acquisition's optimum is often near the best trials), or the unseen values of a finite
        space, the best few refined."""
        encoding = self.encoding
        if finite_unseen is not None:
            candidates = finite_unseen
        else:
            candidates = np.vstack(
                [
                    encoding.sample_raw(rng, RANDOM_CANDIDATES),
                    self._perturbed(centres, LOCAL_CANDIDATES, rng),
                ]
            )
        target = best - self._improvement_margin(count)
        mean, std = gp.predict(encoding.features(candidates))
        name = "mean" if self._exploits(count) else self._choose_acquisition(mean, std, target, rng)
        scores = SCORES[name](mean, std, target)
        if finite_unseen is None and encoding.continuous_columns():
            refined = self._refine(gp, candidates, scores, name, target)
            candidates = np.vstack([candidates, refined])
            scores = np.concatenate(
                [scores, SCORES[name](*gp.predict(encoding.features(refined)), target)]
            )
        tried = np.vstack([data.raw, data.pending_raw])
        skip_near = finite_unseen is None and not encoding.has_categories
        for i in np.argsort(-scores, kind="stable")[:DECODE_LIMIT]:
            if skip_near and _near(candidates[i], tried):
                continue
            values = encoding.config_from_raw(candidates[i])
            if config_key(values) not in seen:
                return Proposal(values, fields={"proposed_by": f"model:{name}"})
        return None

    def _pareto_based(
        self,
        data: _Data,
        seen: set[str],
        rng: np.random.Generator,
        finite_unseen: np.ndarray | None,
    ) -> Proposal | None:
        """Two objectives: a GP for each, and the candidate of largest expected hypervolume
        improvement over the front found so far (objectives scaled to [0, 1]; reference 0.1
        beyond the worst values). Running trials only count as seen here: concurrent
        proposals are kept apart by never repeating a configuration, not by the model."""
        encoding = self.encoding
        x = encoding.features(data.raw)
        fit_rows = _subset(data.y[:, 0], FIT_POINTS, rng)
        low, high = data.y.min(axis=0), data.y.max(axis=0)
        scale = np.where(high > low, high - low, 1.0)
        targets = (data.y - low) / scale
        front = _pareto.nondominated(targets)
        reference = targets.max(axis=0) + 0.1
        if finite_unseen is not None:
            candidates = finite_unseen
        else:
            # local candidates spread evenly over every member of the front. Members tie at 0,
            # so the five best-valued centres were the five found first, and a long front's
            # later members got none; spread over all, kt-run bayesian's median over seeds 0-39
            # went 0.710 -> 0.735 on ZDT1 in 10-D, 0.518 -> 0.521 on ZDT2, 0.1246 -> 0.1288 on
            # accuracy_size, 56.51 -> 56.50 on BraninCurrin (worst seed 36.0 -> 52.5): see
            # benchmarks/results/multi_objective_suite.md
            on_front = np.array([any(np.all(row == f) for f in front) for row in targets])
            spread = np.arange(LOCAL_CENTRES * LOCAL_CANDIDATES) % on_front.sum()
            members = data.raw[on_front][spread]
            candidates = np.vstack(
                [encoding.sample_raw(rng, RANDOM_CANDIDATES), self._perturbed(members, 1, rng)]
            )
        features = encoding.features(candidates)
        means, stds = [], []
        for k in range(2):
            y = targets[:, k]
            spread = y.std() or 1.0
            standard = (y - y.max()) / spread
            gp = GaussianProcess.fit(
                x[fit_rows], standard[fit_rows], rng, restarts=1, length_prior=self.length_prior
            )
            gp = gp.with_data(x, standard)
            mean, std = gp.predict(features)
            means.append(mean * spread + y.max())
            stds.append(std * spread)
        scores = _pareto.expected_improvement(
            front, reference, np.column_stack(means), np.column_stack(stds)
        )
        for i in np.argsort(-scores, kind="stable")[:DECODE_LIMIT]:
            values = encoding.config_from_raw(candidates[i])
            if config_key(values) not in seen:
                return Proposal(values, fields={"proposed_by": "model:ehvi"})
        return None

    def _edge_probe(self, data: _Data) -> np.ndarray | None:
        """The best trial with the numbers it has on a bound moved ``EDGE_STEP`` inside, when
        it has been the best for ``EDGE_PATIENCE`` trials (the caller skips a probe that ran).

        The model cannot tell a minimum on a bound from one just inside it: with every good
        trial at the bound and worse ones further in, it expects the values to rise
        monotonically inwards and is confident of it, so neither the acquisition nor a
        posterior draw goes there. On Hartmann6, seeds 42, 49, 54 and 59 ended in the second
        basin at regret 0.19 to 0.24 with x6 = 0, while its floor (0.119) is at x6 = 0.038;
        seed 48 crawled at x6 = 1 with values falling inwards. One probe each fixed the four
        (0.12 to 0.14): over 120 seeds at 30 trials, 19 above Optuna GP's median instead of
        25; with the early margin (``_improvement_margin``), 10 instead of its 14
        (benchmarks/results/bayesian_seeds.md, round 4). On three dimensions it cost two
        Hartmann3 seeds of 60 and moved nothing else, hence the limit; on the mixed benchmark
        (8 hyperparameters, categories) it changed one seed of 30, slightly for the better."""
        best_index = int(np.argmin(data.y))  # failed trials, appended last, count as later
        if len(data.y) - 1 - best_index < EDGE_PATIENCE:
            return None
        incumbent = data.raw[best_index]
        edges = [
            i
            for i in self.encoding.numeric_columns()
            if not np.isnan(incumbent[i]) and not NEAR <= incumbent[i] <= 1.0 - NEAR
        ]
        if not edges:
            return None
        probe = incumbent.copy()
        probe[edges] = np.where(incumbent[edges] < NEAR, EDGE_STEP, 1.0 - EDGE_STEP)
        return probe

    def _exploits(self, count: int) -> bool:
        """Whether the proposal after ``count`` trials minimises the model's mean rather than
        the acquisition: every ``EXPLOIT_EVERY``-th model proposal, on a space of at most
        ``EXPLOIT_MAX_DIMENSIONS`` hyperparameters without categories.

        Expected improvement keeps paying for uncertainty after the best basin is found: on
        Branin seed 4 the last 14 trials alternated between the three minima and on Hartmann3
        seed 7 two of the last four went to edges of the cube, so neither refined its best
        basin in 30 trials (regret 0.0124 and 0.0003, five times Optuna GP's median). A share
        of pure exploitation refines it (0.00125 and 6.9e-05; Branin went from 9 to 1 of 30
        seeds above that median). In six dimensions (Hartmann6) the same share slowed the
        searches still crawling towards the best basin (seeds above the median from 2 to 6 of
        40), and with categories it held on to the incumbent's (mixed: 2 of 10 seeds lost),
        hence the limits (benchmarks/results/bayesian_seeds.md, round 3). Counted from the
        trials, so a resumed study takes the same turns."""
        encoding = self.encoding
        if encoding.has_categories or encoding.n_columns > EXPLOIT_MAX_DIMENSIONS:
            return False
        turn = count - self.num_initial_points
        return turn % EXPLOIT_EVERY == EXPLOIT_EVERY - 1

    def _improvement_margin(self, count: int) -> float:
        """How much better than the incumbent (in spreads of the standardised values) the
        acquisition asks for after ``count`` trials: ``EARLY_MARGIN``, falling linearly to 0 at
        ``EARLY_MARGIN_TRIALS_PER_DIMENSION`` trials per hyperparameter, on a space of more than
        ``EXPLOIT_MAX_DIMENSIONS`` hyperparameters without categories; 0 otherwise.

        Hartmann6 seed 2 crawled: from trial 8 it sat in the global basin (a local descent from
        its incumbent ends at the optimum, 0.65 away), yet its incumbent was still 0.64 away at
        trial 16 and 0.28 at 30 (regret 0.733). Not the acquisition's optimiser (20,000 Sobol
        candidates and 30 refined starts found the same maximiser at every step), not the fit
        (50 restarts: the same hyperparameters), and not a timid step along a good direction
        (twice the step was worse at 19 of 22 trials): the model's downhill direction at the
        incumbent is rough (cosine about 0.5 with the true one), and plain expected improvement
        buys small sure gains beside the incumbent. Asking for more sends the proposals where
        the model is less sure (mean distance from the incumbent 0.33 instead of 0.16 over
        trials 9 to 16): seed 2's incumbent is 0.18 from the optimum at trial 16, regret 0.006
        at 30; over seeds 0 to 119, 14 seeds above Optuna GP's median of 0.143 instead of 25.
        The margin is gone when the best basin needs polishing; a constant one polished worse
        (0.3: median 0.17 against 0.12 on seeds 0 to 9). Not on 2- and 3-D spaces (Hartmann3
        seed 7 went from 6.9e-05 to 0.77, Branin's worst seed from 0.00125 to 0.0045) nor with
        categories (the mixed benchmark's median of seeds 0 to 9 from 0.0049 to 0.058): round 4 of
        benchmarks/results/bayesian_seeds.md. BOHB's model gets it too, and the edge probe (on
        the 6-D multi-fidelity function, the budget to reach Hyperband's final regret stays 81
        epochs on four seeds of five, 159 on the fifth; target 238). Counted
        from the trials, so a resumed study asks for the same margin."""
        encoding = self.encoding
        if encoding.has_categories or encoding.n_columns <= EXPLOIT_MAX_DIMENSIONS:
            return 0.0
        horizon = EARLY_MARGIN_TRIALS_PER_DIMENSION * encoding.n_columns
        return EARLY_MARGIN * max(0.0, 1.0 - count / horizon)

    def _choose_acquisition(
        self, mean: np.ndarray, std: np.ndarray, best: float, rng: np.random.Generator
    ) -> str:
        """For ``gp_hedge``: each acquisition nominates its best candidate, and the one whose
        nominee the model expects to be lowest is most likely to be picked (a softmax). With no
        state kept between proposals, this is a one-step version of the hedge."""
        if self.acquisition != "gp_hedge":
            return self.acquisition
        nominees = np.array([mean[np.argmax(SCORES[a](mean, std, best))] for a in HEDGE_ARMS])
        weights = np.exp(-(nominees - nominees.min()))
        return HEDGE_ARMS[int(rng.choice(len(HEDGE_ARMS), p=weights / weights.sum()))]

    def _perturbed(self, centres: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` copies of each of ``centres`` (raw; an inactive value drawn at random) with
        their numbers moved by a normal step of 0.01, 0.05 or 0.2 of the range, and each
        category redrawn with probability one in the number of columns."""
        filler = self.encoding.sample_raw(rng, len(centres))
        centres = np.where(np.isnan(centres), filler, centres)
        rows = np.repeat(centres, count, axis=0)
        scale = rng.choice([0.01, 0.05, 0.2], size=(len(rows), 1))
        numeric = self.encoding.numeric_columns()
        rows[:, numeric] = np.clip(
            rows[:, numeric] + rng.normal(0.0, 1.0, (len(rows), len(numeric))) * scale, 0.0, 1.0
        )
        resample = rng.random(rows.shape) < 1.0 / self.encoding.n_columns
        fresh = self.encoding.sample_raw(rng, len(rows))
        categorical = np.ones(rows.shape[1], dtype=bool)
        categorical[numeric] = False
        rows = np.where(resample & categorical, fresh, rows)
        return rows

    def _refine(
        self,
        gp: Model,
        candidates: np.ndarray,
        scores: np.ndarray,
        name: str,
        best: float,
    ) -> np.ndarray:
        """L-BFGS-B on the active continuous parameters of the best few candidates."""
        encoding = self.encoding
        continuous = encoding.continuous_columns()
        starts = candidates[np.argsort(-scores, kind="stable")[:REFINE_STARTS]]
        active = encoding.active(starts)
        features = encoding.features(starts)
        refined = starts.copy()
        for k, row in enumerate(starts):
            columns = [i for i in continuous if active[k, i]]
            if not columns:
                continue
            positions = [encoding.columns[i].first_feature for i in columns]
            base = features[k].copy()

            def negative(u: np.ndarray, base=base, positions=positions) -> tuple[float, np.ndarray]:
                base[positions] = u
                mean, std, d_mean, d_std = gp.predict_with_gradient(base)
                value, grad = score_gradient(name, mean, std, d_mean, d_std, best)
                return -value, -grad[positions]

            result = minimize(
                negative,
                row[columns],
                jac=True,
                method="L-BFGS-B",
                bounds=[(0.0, 1.0)] * len(columns),
                options={"maxiter": 50},
            )
            refined[k, columns] = np.clip(result.x, 0.0, 1.0)
        return refined


def parego(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Several objectives (columns, to minimise) as one, by ParEGO (Knowles, 2006): each
    proposal draws its own weights from the simplex, so successive proposals aim at different
    parts of the Pareto front; the augmented Chebyshev form reaches its concave parts too."""
    low, high = values.min(axis=0), values.max(axis=0)
    normalised = (values - low) / np.where(high > low, high - low, 1.0)
    weights = rng.dirichlet(np.ones(values.shape[1]))
    weighted = normalised * weights
    return weighted.max(axis=1) + PAREGO_RHO * weighted.sum(axis=1)


def _standardise(y: np.ndarray, even_bad_tail: bool = False) -> np.ndarray:
    """Unit spread, with the worst value seen at 0, the GP's prior mean.

    A pessimistic prior mean: far from the data the model expects nothing better than the
    worst trial, so exploring there must be earned by uncertainty alone. On the benchmark
    functions this beat centring on the mean clearly (no wasted corner proposals in 6-D).

    Before that, a long tail of good values is pulled in (``_even_good_tail``): when a few
    trials lie far below the rest, they sit many spreads below the prior mean, the model
    stays in their basin and never bets on another one (hartmann6's bad seeds).

    ``even_bad_tail`` (a stalled search without categories) first applies the transform
    whatever its exponent, which pulls in a tail of bad values too. When a few very bad
    trials set the spread (Branin's values span 0.4 to 300), the differences near the
    incumbent are a hundredth of it: the model sees no structure there and polishes the
    incumbent on a boundary while a better valley lies 0.04 of the range away (branin seed
    12). Only when stalled, and never with categories: evening the bad tail always, or when
    stalled with categories, lost mixed-parameter seeds (benchmarks/results/bayesian_seeds.md).
    """
    if even_bad_tail:
        y = _yeo_johnson(y, lambda exponent: True)
    y = _even_good_tail(y)
    return (y - y.max()) / (y.std() or 1.0)


def _even_good_tail(y: np.ndarray) -> np.ndarray:
    """The Yeo-Johnson transform of the standardised values with its maximum-likelihood
    exponent when that exponent exceeds 1 (skew towards the good, low values); otherwise
    ``y`` as it is. The opposite case, a tail of very bad values, is left alone: pulling that
    in too cost the mixed-parameter benchmark about half its seeds (14 of 30 above Optuna GP's
    median, against 3), see benchmarks/results/bayesian_seeds.md."""
    return _yeo_johnson(y, lambda exponent: exponent > 1.0)


def _yeo_johnson(y: np.ndarray, accept: Callable[[float], bool]) -> np.ndarray:
    """The Yeo-Johnson transform of the standardised values with its maximum-likelihood
    exponent, when ``accept`` takes that exponent; otherwise (or when degenerate) ``y``."""
    spread = y.std()
    if len(y) < 3 or spread == 0:
        return y
    z = (y - y.mean()) / spread
    exponent = yeojohnson_normmax(z)
    if not accept(exponent):
        return y
    warped = yeojohnson(z, exponent)
    return warped if np.all(np.isfinite(warped)) and warped.std() > 0 else y


def _stalled(y: np.ndarray, initial: int) -> bool:
    """Whether the last ``STALL_TRIALS`` values (in the order they came) improved the best of
    the earlier ones by less than ``STALL_GAIN`` of the range of all values. Only proposals of
    the model count: the ``initial`` space-filling trials are not meant to improve."""
    if y.ndim != 1 or len(y) < max(initial, 3) + STALL_TRIALS:
        return False
    span = float(y.max() - y.min())
    gain = float(y[:-STALL_TRIALS].min() - y.min())
    return span > 0 and gain < STALL_GAIN * span


def _near(row: np.ndarray, rows: np.ndarray) -> bool:
    """Whether ``row`` lies within ``NEAR`` of one of ``rows`` in every coordinate.

    Never repeating a configuration is not enough for floats: once the model is sure of the
    incumbent's neighbourhood, the acquisition's best candidate can be a point a ten-thousandth
    of the range away, which teaches the model nothing. Branin seed 12 ran 15 such trials at the
    bottom of the boundary x1 = 10 (regret 1.55) before the stall rule moved it; skipping them
    lets the next-best candidate run, and the search finds the valley beside it (0.633 to
    0.00278 at 30 trials; benchmarks/results/bayesian_seeds.md, round 3). A thousandth of the
    range still allows refining to the precision the benchmarks measure. Finite spaces are left
    to their exact keys (their grids can be finer), and so are spaces with categories (not
    measured there)."""
    return bool(np.any(np.all(np.abs(rows - row) < NEAR, axis=1)))


def _subset(y: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    """All rows, or the best half of ``limit`` plus a random sample of the rest."""
    if len(y) <= limit:
        return np.arange(len(y))
    order = np.argsort(y, kind="stable")
    keep = order[: limit // 2]
    rest = rng.choice(order[limit // 2 :], size=limit - limit // 2, replace=False)
    return np.sort(np.concatenate([keep, rest]))
