from __future__ import annotations

from collections.abc import Sequence

from tuner_cli.space import config_key
from tuner_cli.strategies.base import Proposal, Strategy
from tuner_cli.trial import TrialRecord


class GridSearch(Strategy):
    """Every combination, in a stable order; floats need a step or a count."""

    def ask(self, trials: Sequence[TrialRecord]) -> Proposal | None:
        seen = {config_key(t.hyperparameters) for t in trials}
        given = self.given_point(seen)
        if given is not None:
            return given
        for values in self.space.grid():
            if config_key(values) not in seen:
                return Proposal(values)
        return None

    def default_max_trials(self) -> int | None:
        """The whole grid, plus each of ``strategy.initial_points`` that is not on it (a float
        between the points of its ``count``): such a point takes a trial the grid still needs,
        so without it the grid's last combination would never run."""
        size = self.space.size()
        if size is None:
            return None
        return size + len(self.off_grid_points())

    def runs_out_after(self) -> tuple[int | None, str]:
        return self.default_max_trials(), "the whole grid"

    def plan_cut_note(self, max_trials: int | None) -> str | None:
        """The grid runs in a stable order, so a cut leaves whole values of its first
        parameters unvisited: the user should know before the search, not from its table."""
        planned = self.default_max_trials()
        if max_trials is None or planned is None or max_trials >= planned:
            return None
        return (
            f"max_trials ({max_trials}) is below the grid's {planned} configurations: only "
            f"the first {max_trials}, in grid order, run (leave max_trials out to run them all)"
        )
