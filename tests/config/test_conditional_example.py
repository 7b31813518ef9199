"""``configs/conditional.yaml`` does what its comment says: dropout only with a hidden block,
momentum and nesterov only for SGD."""

from __future__ import annotations

import numpy as np

from tests.conftest import REPO
from tuner_cli.config import load_config


def test_the_conditional_example_activates_parameters_only_where_they_matter():
    space = load_config(REPO / "configs" / "conditional.yaml").space
    rng = np.random.default_rng(0)
    samples = [space.sample(rng) for _ in range(200)]
    for hp in samples:
        assert ("dropout" in hp) == (hp["hidden"] >= 1)
        assert ("momentum" in hp) == ("nesterov" in hp) == (hp["optimizer"] == "sgd")
    assert {hp["hidden"] for hp in samples} == {0, 1, 2}
