from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np

from tuner_cli.space import config_key
from tuner_cli.strategies.base import Proposal, Strategy
from tuner_cli.trial import TrialRecord

ENUMERATE_BELOW = 20_000
SAMPLING_ATTEMPTS = 2_000


class RandomSearch(Strategy):
    """Uniform sampling that never repeats a configuration and ends when the space is used up.

    Small finite spaces are enumerated, so the last unseen configurations are found exactly;
    larger ones are sampled until an unseen configuration turns up.
    """

    @cached_property
    def _all_configs(self) -> list[dict] | None:
        size = self.space.size()
        if size is None or size > ENUMERATE_BELOW:
            return None
        return list(self.space.grid())

    def ask(self, trials: Sequence[TrialRecord]) -> Proposal | None:
        seen = {config_key(t.hyperparameters) for t in trials}
        rng = np.random.default_rng([self.seed, len(trials)])
        if self._all_configs is not None:
            unseen = [c for c in self._all_configs if config_key(c) not in seen]
            if not unseen:
                return None
            return Proposal(unseen[int(rng.integers(len(unseen)))])
        for _ in range(SAMPLING_ATTEMPTS):
            values = self.space.sample(rng)
            if config_key(values) not in seen:
                return Proposal(values)
        return None
