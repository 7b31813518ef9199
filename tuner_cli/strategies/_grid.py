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
        return self.space.size()
