from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np

from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace, config_key
from tuner_cli.strategies.base import Proposal, Strategy
from tuner_cli.strategies.settings import SamplingSettings
from tuner_cli.trial import TrialRecord

ENUMERATE_BELOW = 20_000
SAMPLING_ATTEMPTS = 2_000


class RandomSearch(Strategy):
    """Uniform sampling that never repeats a configuration and ends when the space is used up.

    Small finite spaces are enumerated, so the last unseen configurations are found exactly;
    larger ones are sampled until an unseen configuration turns up.
    """

    def __init__(
        self, space: SearchSpace, objective: Objective, seed: int, settings: SamplingSettings
    ):
        super().__init__(space, objective, seed, settings)
        self._seen_keys: set[str] = set()
        self._seen_count = 0
        self._seen_last: TrialRecord | None = None

    @cached_property
    def _all_configs(self) -> list[tuple[str, dict]] | None:
        size = self.space.size()
        if size is None or size > ENUMERATE_BELOW:
            return None
        return [(config_key(c), c) for c in self.space.grid()]

    def ask(self, trials: Sequence[TrialRecord]) -> Proposal | None:
        seen = self._seen(trials)
        given = self.given_point(seen)
        if given is not None:
            return given
        rng = np.random.default_rng([self.seed, len(trials)])
        if self._all_configs is not None:
            unseen = [c for key, c in self._all_configs if key not in seen]
            if not unseen:
                return None
            return Proposal(unseen[int(rng.integers(len(unseen)))])
        for _ in range(SAMPLING_ATTEMPTS):
            values = self.space.sample(rng)
            if config_key(values) not in seen:
                return Proposal(values)
        return None

    def _seen(self, trials: Sequence[TrialRecord]) -> set[str]:
        """The configurations of ``trials``, extended from the previous call instead of rebuilt
        (a search appends records in id order, so only new ones need a key); any other
        sequence, such as a resumed study's, rebuilds the set."""
        done, last = self._seen_count, self._seen_last
        if done and (len(trials) < done or trials[done - 1] is not last):
            self._seen_keys, done = set(), 0
        for trial in trials[done:]:
            self._seen_keys.add(config_key(trial.hyperparameters))
        self._seen_count = len(trials)
        self._seen_last = trials[-1] if trials else None
        return self._seen_keys
