"""ASHA: asynchronous successive halving (Li et al., 2020).

Rungs train to ``min_epochs * factor**k`` epochs, up to ``max_epochs``. Whenever a worker is
free, the trial highest up that is in the top ``1/factor`` of its rung (among every trial that
has reached the rung so far) and not yet promoted moves up one rung, continued from its
checkpoint as in Hyperband; when none is, a new configuration starts at the lowest rung. No
worker ever waits for a round to finish, at the price of some promotions that a synchronous
round would not have made.

Everything is read from the records: a trial's ``rung`` field is the rung it was last sent to,
and its ``rungs`` list holds its score at each rung it finished, so a study resumes as is.

The end of a search: once no new configuration may start (``max_trials`` reached, or the space
used up), the last promoted trials run alone while the other workers would wait; with 8
workers and 60 configurations that idle tail cost ASHA about 40% of the run's worker time
(``benchmarks/results/multifidelity_strategies.md``). Instead an idle worker *backfills*: it
promotes the best trial not yet promoted from the highest rung whose run is expected to end
before the longest run going on now (``_run_time``). The worker was idle anyway and the search
ends no later (as far as the estimate is right): the idle time becomes extra, longer
evaluations of the best configurations left behind, which may find a better trial. A
backfilled trial records the first rung it reached that way (``backfill_rung``); its scores
there and above do not count in the rungs' rankings. Counted, each backfill would grow a rung,
making more regular promotions due, each a long run that makes the search longer and leaves
more time to fill; left out, the regular promotions are the ones ASHA makes without backfill.
Only once such a trial is in the top of the rung it left (which can still grow from below)
does its next score count: ASHA would have promoted it then and finds the run done; a regular
promotion of it later clears the mark (null).
Starting new configurations instead would break ``max_trials``. With one worker nothing is
running when the worker is free, so nothing is ever backfilled; nor after ``max_time``, when
the loop starts no run at all. Which trial is backfilled depends on the runs' measured seconds,
so a resumed study repeats its regular decisions exactly but its backfills only as far as the
timings repeat.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property

from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace
from tuner_cli.strategies._hyperband import hyperband_plan, new_configurations
from tuner_cli.strategies._run_time import RunTimes, now
from tuner_cli.strategies.base import WAIT, Proposal, Strategy, Wait
from tuner_cli.strategies.settings import HyperbandSettings
from tuner_cli.trial import TrialRecord, TrialStatus
from tuner_cli.wording import plural

TIE = 0.05
"""A run counts as ending before the longest one if it ends at most this share of its own
length after it. Two runs of the same kind, one started a few milliseconds after the other,
would otherwise never count as ending together, and the worker would wait out a whole run."""


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
        head = (
            f"ASHA: max_epochs {settings.max_epochs}, factor {settings.factor}, "
            f"min_epochs {settings.min_epochs}"
        )
        if len(self.budgets) == 1:
            return [
                head,
                f"  1 rung: {rungs}; every trial trains fully, nothing is promoted "
                "(min_epochs leaves no lower rung)",
                *self._sampler.describe_plan(),
            ]
        return [
            head,
            f"  {plural(len(self.budgets), 'rung')}: {rungs}; a trial moves up as soon as it is "
            f"in the top 1/{settings.factor} of its rung (promoted trials continue)",
            "  at the end, a worker with nothing due continues the best trial left behind whose "
            "run should end before the longest running one (backfill)",
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
            return self._backfill(trials) or WAIT  # a running trial may yet earn a promotion
        return None

    def _promotion(self, trials: Sequence[TrialRecord]) -> Proposal | None:
        """The best promotable trial of the highest rung that has one."""
        rankings = self._regular_tops(trials)
        for k in range(len(self.budgets) - 2, -1, -1):
            for trial in rankings[k]:
                if _rung(trial) == k and trial.status is TrialStatus.COMPLETED:
                    return self._continue(trial, k)
        return None

    def _regular_tops(self, trials: Sequence[TrialRecord]) -> list[list[TrialRecord]]:
        """The top ``1/factor`` of each rung below the top one, lowest rung first, best first,
        among the trials that reached the rung by a regular promotion. A trial that went on by
        backfill counts in the rung it went to once it is in the top of the rung it left:
        ASHA would have promoted it then, and finds the work done."""
        regular_below = {t.id: _backfill_rung(t) for t in trials}
        tops = []
        for k in range(len(self.budgets) - 1):
            scored = [
                (t, s)
                for t in trials
                if k < regular_below[t.id] and (s := _score_at(t, k)) is not None
            ]
            top = sorted(scored, key=self._rank)[: len(scored) // self.settings.factor]
            for trial, _ in top:
                if regular_below[trial.id] == k + 1:
                    regular_below[trial.id] = k + 2
            tops.append([trial for trial, _ in top])
        return tops

    def _backfill(self, trials: Sequence[TrialRecord]) -> Proposal | None:
        """For a worker that would wait: the best trial not yet promoted from the highest rung
        whose run is expected to end by the time every run going on now has (within ``TIE``)."""
        running = [t for t in trials if t.status is TrialStatus.RUNNING]
        times = RunTimes(self.budgets, trials)
        moment = now()
        left = [times.remaining(t, _rung(t), moment) for t in running]
        if not left or None in left:
            return None
        horizon = max(left)
        for k in range(len(self.budgets) - 2, -1, -1):
            cost = times.run_seconds(k + 1)
            if cost is None or cost > horizon + TIE * cost:
                continue
            waiting = [
                (t, s)
                for t in trials
                if _rung(t) == k
                and t.status is TrialStatus.COMPLETED
                and (s := _score_at(t, k)) is not None
            ]
            if waiting:
                best, _ = min(waiting, key=self._rank)
                return self._continue(best, k, backfill=True)
        return None

    def _rank(self, pair: tuple[TrialRecord, float]) -> tuple[float, int]:
        """Best score first; the lower id first among equal scores."""
        trial, score = pair
        return self.objective.sort_key(score), trial.id

    def _continue(self, trial: TrialRecord, k: int, backfill: bool = False) -> Proposal:
        """``trial`` trained on from rung ``k`` to the next. A regular promotion makes every
        run before it regular: a backfill mark it had is cleared (null)."""
        fields: dict[str, int | None] = {"rung": k + 1}
        if backfill and _backfill_rung(trial) == math.inf:
            fields["backfill_rung"] = k + 1
        elif not backfill and trial.extra.get("backfill_rung") is not None:
            fields["backfill_rung"] = None
        return Proposal(
            dict(trial.hyperparameters),
            budget=self.budgets[k + 1],
            fields=fields,
            continues=trial.id,
        )


def _rung(trial: TrialRecord) -> int:
    return int(trial.extra.get("rung", 0))


def _backfill_rung(trial: TrialRecord) -> float:
    """The first rung ``trial`` reached by backfill; infinity when none (or null: a regular
    promotion made its runs regular)."""
    value = trial.extra.get("backfill_rung")
    return value if isinstance(value, int) else math.inf


def _score_at(trial: TrialRecord, k: int) -> float | None:
    rungs = trial.extra.get("rungs") or []
    if len(rungs) <= k or rungs[k].get("score") is None:
        return None
    return float(rungs[k]["score"])
