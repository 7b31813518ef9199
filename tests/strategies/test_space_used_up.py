"""Every strategy through ``run_search`` itself, on a small conditional space: each
configuration once with valid values, the search ends when the space is used up, and a
strategy rebuilt from the records has nothing left (the promises in ``test_contract``, seen
from the public API)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuner_cli import load_config_dict, run_search
from tuner_cli.space import config_key
from tuner_cli.strategies import make_strategy

HERE = Path(__file__).resolve().parent
SPACE = {
    "x": {"type": "float", "min": 0.0, "max": 1.0, "step": 0.25},
    "kind": {"type": "choice", "values": ["a", "b"]},
    "extra": {"type": "int", "min": 1, "max": 2, "when": {"kind": "b"}},
}
SIZE = 5 * (1 + 2)
STRATEGIES = {
    "random": {},
    "grid": {},
    "bayesian": {},
    "hyperband": {"max_epochs": 3, "factor": 3, "hyperband_iterations": 5},
    "bohb": {"max_epochs": 3, "factor": 3, "hyperband_iterations": 5},
    "asha": {"max_epochs": 3, "factor": 3},
}


def config(name: str) -> dict:
    return {
        "name": f"contract-{name}",
        "seed": 11,
        "objective_function": "strategy_objectives:bowl",
        "search_space": SPACE,
        "strategy": {"name": name, "objective": "loss", "max_trials": 100, **STRATEGIES[name]},
    }


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_a_small_conditional_space_is_used_up_once_with_valid_values(tmp_path, name):
    study = load_config_dict(config(name), HERE)
    result = run_search(study, tmp_path, workers=0)
    keys = [config_key(t.hyperparameters) for t in result.trials]
    assert len(keys) == len(set(keys)) == SIZE
    assert result.summary.stop_reason == "search space exhausted"
    for trial in result.trials:
        assert study.space.point(trial.hyperparameters) == trial.hyperparameters
    fresh = make_strategy(name, study.space, study.objective, 11, study.config.strategy)
    assert fresh.ask(sorted(result.trials, key=lambda t: t.id)) is None, "rebuilt: nothing left"
