"""The interface every search strategy implements.

A strategy is asked for one trial at a time and is given every record so far, running ones
included. It keeps no state of its own between calls that the records cannot rebuild, so a
resumed study, or several workers asking at once, need nothing more.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace, config_key
from tuner_cli.strategies.settings import SamplingSettings
from tuner_cli.trial import TrialRecord
from tuner_cli.wording import plural


@dataclass
class Proposal:
    hyperparameters: dict[str, Any]
    budget: int | None = None
    """Epochs to train to, for multi-fidelity strategies; None means the configured epochs."""
    fields: dict[str, Any] = field(default_factory=dict)
    """The strategy's own record fields (bracket, round...)."""
    continues: int | None = None
    """The id of an existing trial to train further up to ``budget``, instead of a new trial."""


class Wait:
    """Nothing to propose until a running trial finishes (e.g. the end of a Hyperband round)."""


WAIT = Wait()


class Strategy(ABC):
    continues_trials = False
    """True for strategies that continue trials (Hyperband): the runner then keeps checkpoints."""

    def __init__(
        self, space: SearchSpace, objective: Objective, seed: int, settings: SamplingSettings
    ):
        self.space = space
        self.objective = objective
        self.seed = seed
        self.settings = settings

    @abstractmethod
    def ask(self, trials: Sequence[TrialRecord]) -> Proposal | Wait | None:
        """The next trial to run, ``WAIT``, or None when the strategy has nothing left."""

    def default_max_trials(self) -> int | None:
        """How many trials to run when the config does not say."""
        return 10

    def runs_out_after(self) -> tuple[int | None, str]:
        """How many trials the strategy proposes before it has nothing left (None: no end),
        and that end in words: every configuration of a finite space once, less those of the
        other study of ``strategy.warm_start``, which are never proposed again."""
        size = self.space.size()
        if size is None:
            return None, ""
        end = size + len(self.off_grid_points())
        if known := self.known_on_grid():
            return end - len(known), "every configuration the warm_start study did not run"
        return end, "every configuration of the search space"

    def known_on_grid(self) -> set[str]:
        """The configurations of this space's grid that ``strategy.warm_start``'s study ran,
        which are never proposed again; its others (between a ``count``'s points) take
        nothing from the grid."""
        known = (t.hyperparameters for t in self.settings.learns_from())
        return {config_key(point) for point in known if self.space.on_grid(point)}

    def off_grid_points(self) -> set[str]:
        """``strategy.initial_points`` off the space's grid (a float between a ``count``'s
        points) and not known already: each runs as a configuration beside the whole grid."""
        known = {config_key(t.hyperparameters) for t in self.settings.learns_from()}
        points = self.settings.initial_points
        return {config_key(p) for p in points if not self.space.on_grid(p)} - known

    def trials_note(self, max_trials: int | None) -> str:
        """``validate``'s count of the trials the search runs: ``max_trials`` (the config's or
        the strategy's default), or fewer where the strategy runs out first, the same for every
        strategy (Hyperband's plan alone said so before)."""
        limit = max_trials or self.default_max_trials()
        end, why = self.runs_out_after()
        if end is not None and (limit is None or end <= limit):
            short = max_trials is not None and end < max_trials
            return f"Trials: {end:,}, {why}" + (
                f" (fewer than max_trials, {max_trials:,})" if short else ""
            )
        if limit is None:
            return "Trials: no limit (set max_trials)"
        if max_trials:
            return f"Trials: {limit:,} (max_trials)"
        return f"Trials: {limit:,} (the default; max_trials sets another number)"

    def end_reason(self, trials: Sequence[TrialRecord]) -> str:
        """Why the search ended, when ``ask`` had nothing left for ``trials`` before
        ``max_trials``."""
        known = self.known_on_grid() - {config_key(t.hyperparameters) for t in trials}
        if known:
            return (
                f"search space exhausted: {plural(len(known), 'configuration')} of it ran in "
                "the other study of strategy.warm_start, whose trials are not run again"
            )
        return "search space exhausted"

    def describe_plan(self) -> list[str]:
        """Lines printed by ``validate`` and before a search (e.g. Hyperband's brackets)."""
        return []

    def ask_continuation(self, trials: Sequence[TrialRecord]) -> Proposal | Wait | None:
        """Like ``ask`` once no new trial may start (``max_trials`` reached): only continuations."""
        return None

    def continuable(self, trials: Sequence[TrialRecord]) -> set[int]:
        """Ids of trials that may still be continued, whose checkpoints the runner must keep."""
        return set()

    def given_point(self, seen: set[str]) -> Proposal | None:
        """The first of ``strategy.initial_points`` not run yet: they run before anything the
        strategy would choose, in the order written."""
        for point in self.settings.initial_points:
            if config_key(point) not in seen:
                return Proposal(dict(point), fields={"proposed_by": "initial_points"})
        return None

    def plan_cut_note(self, max_trials: int | None) -> str | None:
        """A warning when ``max_trials`` ends a plan that ``describe_plan`` printed in full
        (Hyperband's brackets) before its end, or asks for more trials than the plan holds."""
        return None

    def unrun_points_note(self, max_trials: int | None) -> str | None:
        """A warning when ``max_trials`` leaves some of ``strategy.initial_points`` unrun: the
        user listed them to have them run, and a search that ends before them says nothing."""
        given = len(self.settings.initial_points)
        if max_trials is None or given <= max_trials:
            return None
        return (
            f"strategy.initial_points lists {given} configurations but max_trials is "
            f"{max_trials}: the last {given - max_trials} will not run"
        )
