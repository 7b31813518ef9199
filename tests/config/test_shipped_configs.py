"""The configs the project ships run as written without a warning: a new user's first
`kt-run validate` on one is a clean answer, not a note about settings to ignore."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from tuner_cli.config import load_config

SHIPPED = sorted([*REPO.glob("configs/*.yaml"), *REPO.glob("examples/**/*.yaml")])
FOR_OTHER_STRATEGIES = {"examples/keras_tuner/tutorial.yaml"}
"""Carries the keys of the strategies its comment runs it with (`--strategy hyperband`)."""


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_a_shipped_config_has_no_setting_its_strategy_ignores(path):
    if str(path.relative_to(REPO)) in FOR_OTHER_STRATEGIES:
        pytest.skip("keeps other strategies' keys for --strategy, as its comment says")
    assert load_config(path).ignored_settings() == []
