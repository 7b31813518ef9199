"""Hyperband and BOHB: successive halving over several brackets, continuing the survivors'
training. They differ only in where new configurations come from: Hyperband samples them at
random, BOHB asks a Gaussian process: of the largest budget with enough results while one budget
has results, then of configuration and budget together (``_budget_model``).

A configuration promoted to the next round is not a new trial and does not start over: the same
record is continued from its saved model (weights and optimizer state), and its ``rungs`` list
grows by one entry per round. Everything the strategy needs (which bracket and round each trial
is in, its score at each rung) is in the records, so a study resumes mid-bracket.

``max_trials`` caps the number of configurations. When the cap (or the end of a small search
space) stops a round 0 short of the plan, that round counts as complete with the trials it has,
and each later round keeps ``1/factor`` of the trials before it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace
from tuner_cli.strategies._random import RandomSearch
from tuner_cli.strategies.base import WAIT, Proposal, Strategy, Wait
from tuner_cli.strategies.settings import HyperbandSettings, SamplingSettings
from tuner_cli.trial import TrialRecord, TrialStatus
from tuner_cli.wording import plural


@dataclass(frozen=True)
class Round:
    trials: int
    epochs: int


@dataclass(frozen=True)
class Bracket:
    index: int
    iteration: int
    rounds: tuple[Round, ...]

    @property
    def epochs_trained(self) -> int:
        """Epochs the bracket trains in all when promoted trials continue (none re-trained)."""
        total, before = 0, 0
        for rnd in self.rounds:
            total += rnd.trials * (rnd.epochs - before)
            before = rnd.epochs
        return total


def hyperband_plan(max_epochs: int, factor: int, min_epochs: int, iterations: int) -> list[Bracket]:
    """Li et al.'s brackets, most aggressive first, with epochs in units of ``min_epochs``.

    ``max_epochs=9, factor=3`` gives 9x1 -> 3x3 -> 1x9, then 5x3 -> 1x9, then 3x9.
    """
    ratio = max_epochs / min_epochs
    s_max = int(math.floor(math.log(ratio) / math.log(factor) + 1e-9)) if ratio > 1 else 0
    brackets: list[Bracket] = []
    for iteration in range(iterations):
        for s in range(s_max, -1, -1):
            trials = math.ceil((s_max + 1) / (s + 1) * factor**s)
            rounds = []
            for i in range(s + 1):
                epochs = max(min_epochs, round(max_epochs * float(factor) ** (i - s)))
                rounds.append(Round(trials // factor**i, min(epochs, max_epochs)))
            brackets.append(Bracket(len(brackets), iteration, tuple(rounds)))
    return brackets


def new_configurations(
    space: SearchSpace, objective: Objective, seed: int, settings: HyperbandSettings
) -> Strategy:
    """Where a multi-fidelity strategy's new configurations come from: random sampling, or
    BOHB's model when ``settings.model`` is set. One sampler for the whole search."""
    if settings.model is None:
        return RandomSearch(space, objective, seed, SamplingSettings(settings.initial_points))
    from tuner_cli.strategies._budget_model import BudgetModel

    return BudgetModel(space, objective, seed, settings.model, full_budget=settings.max_epochs)


class Hyperband(Strategy):
    continues_trials = True
    settings: HyperbandSettings

    def __init__(
        self, space: SearchSpace, objective: Objective, seed: int, settings: HyperbandSettings
    ):
        super().__init__(space, objective, seed, settings)
        self._sampler = new_configurations(space, objective, seed, settings)

    @property
    def title(self) -> str:
        return "Hyperband" if self.settings.model is None else "BOHB"

    @cached_property
    def plan(self) -> list[Bracket]:
        settings = self.settings
        return hyperband_plan(
            settings.max_epochs, settings.factor, settings.min_epochs, settings.iterations
        )

    def default_max_trials(self) -> int | None:
        return sum(b.rounds[0].trials for b in self.plan)

    def runs_out_after(self) -> tuple[int | None, str]:
        """The plan's configurations, unless the space holds fewer."""
        end, why = super().runs_out_after()
        planned = self.default_max_trials()
        return (end, why) if end is not None and end < planned else (planned, "the whole plan")

    def end_reason(self, trials: Sequence[TrialRecord]) -> str:
        if len(trials) < self.default_max_trials():
            return super().end_reason(trials)
        return f"every bracket of the {self.title} plan has run"

    def describe_plan(self) -> list[str]:
        settings = self.settings
        configs = self.default_max_trials()
        epochs = sum(b.epochs_trained for b in self.plan)
        lines = [
            f"{self.title}: max_epochs {settings.max_epochs}, factor {settings.factor}, "
            f"min_epochs {settings.min_epochs}, iterations {settings.iterations}",
            f"  {plural(len(self.plan), 'bracket')}, {plural(configs, 'configuration')}, "
            f"{plural(epochs, 'epoch')} in all "
            "(promoted trials continue)",
        ]
        for bracket in self.plan:
            steps = " -> ".join(f"{r.trials} x {r.epochs} ep" for r in bracket.rounds)
            lines.append(f"  bracket {bracket.index}: {steps}")
        return lines + self._sampler.describe_plan()

    def plan_cut_note(self, max_trials: int | None) -> str | None:
        planned = self.default_max_trials()
        if max_trials is None or max_trials == planned:
            return None
        if max_trials > planned:
            # the plan, not max_trials, ends the search: a user asking for more trials than it
            # holds would otherwise learn so only at its end
            return (
                f"max_trials ({max_trials}) is above the {self.title} plan's {planned} "
                "configurations: the search ends when the plan has run "
                "(hyperband_iterations: N runs it N times)"
            )
        started, cut = 0, []
        for bracket in self.plan:
            first = bracket.rounds[0].trials
            runs = min(first, max(max_trials - started, 0))
            started += first
            if runs < first:
                cut.append(f"bracket {bracket.index} with {runs or 'none'} of its {first}")
        return (
            f"max_trials ({max_trials}) is below the {self.title} plan's {planned} "
            f"configurations, so the plan above stops early, starting {', '.join(cut)} "
            "(leave max_trials out to run the whole plan)"
        )

    def ask(self, trials: Sequence[TrialRecord]) -> Proposal | Wait | None:
        return self._next(trials, allow_new=True)

    def ask_continuation(self, trials: Sequence[TrialRecord]) -> Proposal | Wait | None:
        return self._next(trials, allow_new=False)

    def continuable(self, trials: Sequence[TrialRecord]) -> set[int]:
        """Trials whose saved model may still be needed: unfinished ones past round 0 (a rerun
        restarts them from it), and finished ones that are or may yet be promoted."""
        keep: set[int] = set()
        by_bracket = _by_bracket(trials)
        for bracket in self.plan:
            members = by_bracket.get(bracket.index, [])
            last = len(bracket.rounds) - 1
            for m in members:
                r = _round(m)
                if not m.status.is_finished():
                    keep.update([m.id] if r > 0 else [])
                elif m.status is TrialStatus.COMPLETED and r < last:
                    undecided = _round_running(members, r) or (
                        r == 0 and len(members) < bracket.rounds[0].trials
                    )
                    promoted = self._promoted(bracket, members, r + 1)
                    if undecided or m.id in {p.id for p in promoted}:
                        keep.add(m.id)
        return keep

    def _next(self, trials: Sequence[TrialRecord], allow_new: bool) -> Proposal | Wait | None:
        """The first bracket that can move on decides; WAIT if every open bracket waits."""
        by_bracket = _by_bracket(trials)
        waiting = False
        new_possible = allow_new
        for bracket in self.plan:
            members = by_bracket.get(bracket.index, [])
            first = bracket.rounds[0]
            if new_possible and len(members) < first.trials:
                proposal = self._sampler.ask(trials)
                if proposal is not None:
                    return Proposal(
                        proposal.hyperparameters,
                        budget=first.epochs,
                        fields={**proposal.fields, "bracket": bracket.index, "round": 0},
                    )
                new_possible = False
            action = self._advance(bracket, members)
            if isinstance(action, Proposal):
                return action
            waiting = waiting or action is WAIT
        return WAIT if waiting else None

    def _advance(self, bracket: Bracket, members: list[TrialRecord]) -> Proposal | Wait | None:
        """Promote within one bracket (whose round 0 is closed) once a round has finished."""
        for i in range(1, len(bracket.rounds)):
            if _round_running(members, i - 1):
                return WAIT
            for m in self._promoted(bracket, members, i):
                if _round(m) < i:
                    return Proposal(
                        dict(m.hyperparameters),
                        budget=bracket.rounds[i].epochs,
                        fields={"bracket": bracket.index, "round": i},
                        continues=m.id,
                    )
        return WAIT if any(not m.status.is_finished() for m in members) else None

    def _promoted(self, bracket: Bracket, members: list[TrialRecord], i: int) -> list[TrialRecord]:
        """The best of round ``i - 1`` by their score there: the plan's count, or 1/factor."""
        before = [m for m in members if _round(m) >= i - 1]
        count = min(bracket.rounds[i].trials, max(1, len(before) // self.settings.factor))
        scored = [(m, _rung_score(m, i - 1)) for m in before]
        ranked = sorted(
            ((m, s) for m, s in scored if s is not None),
            key=lambda pair: (self.objective.sort_key(pair[1]), pair[0].id),
        )
        return [m for m, _ in ranked[:count]]


def _by_bracket(trials: Sequence[TrialRecord]) -> dict[int, list[TrialRecord]]:
    groups: dict[int, list[TrialRecord]] = {}
    for t in trials:
        if isinstance(t.extra.get("bracket"), int):
            groups.setdefault(t.extra["bracket"], []).append(t)
    return groups


def _round(trial: TrialRecord) -> int:
    return int(trial.extra.get("round", 0))


def _round_running(members: list[TrialRecord], i: int) -> bool:
    return any(_round(m) == i and not m.status.is_finished() for m in members)


def _rung_score(trial: TrialRecord, i: int) -> float | None:
    for rung in trial.extra.get("rungs", []):
        if rung.get("round") == i and rung.get("score") is not None:
            return float(rung["score"])
    return None
