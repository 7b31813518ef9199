from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from tuner_cli.space import FloatParam, config_key
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
        return size + sum(1 for point in self.settings.initial_points if not self._on_grid(point))

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

    def _on_grid(self, point: Mapping[str, Any]) -> bool:
        return all(_grid_holds(self.space.params[name], value) for name, value in point.items())


def _grid_holds(param: Any, value: Any) -> bool:
    """Whether the grid visits ``value``: a point of the space is on it unless it is a float
    whose grid is a ``count`` of points (a stepped one is checked against its steps already)."""
    if not isinstance(param, FloatParam) or param.step is not None or param.count is None:
        return True
    values = param.grid_values()
    nearest = round(param.to_unit(value) * (len(values) - 1))
    return math.isclose(values[nearest], value, rel_tol=1e-9, abs_tol=1e-12)
