"""``strategy.initial_points``: the given configurations run first, in order, for every
strategy, and never run twice."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tuner_cli import load_config_dict, run_search
from tuner_cli.errors import ConfigError
from tuner_cli.events import SearchEvents
from tuner_cli.space import config_key

HERE = Path(__file__).resolve().parent
POINTS = [{"x": 0.25, "units": 64}, {"x": 0.75, "units": 16}]


def config(strategy: dict, points=POINTS) -> dict:
    return {
        "name": f"given-{strategy['name']}",
        "seed": 4,
        "objective_function": "strategy_objectives:bowl",
        "search_space": {
            "x": {"type": "float", "min": 0.0, "max": 1.0, "step": 0.05},
            "units": {"type": "int", "min": 16, "max": 128, "step": 16},
            "activation": {"type": "fixed", "value": "relu"},
        },
        "strategy": {"objective": "loss", "initial_points": points, **strategy},
    }


STRATEGIES = [
    {"name": "random", "max_trials": 6},
    {"name": "grid", "max_trials": 6},
    {"name": "bayesian", "max_trials": 6},
    {"name": "hyperband", "max_epochs": 9, "factor": 3},
    {"name": "bohb", "max_epochs": 9, "factor": 3},
    {"name": "asha", "max_epochs": 9, "factor": 3, "max_trials": 9},
]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s["name"] for s in STRATEGIES])
def test_given_points_run_first_in_order_and_never_again(tmp_path, strategy):
    result = run_search(load_config_dict(config(strategy), HERE), tmp_path, workers=0)
    trials = sorted(result.trials, key=lambda t: t.id)
    given = [{**p, "activation": "relu"} for p in POINTS]
    assert [t.hyperparameters for t in trials[:2]] == given
    assert all(t.extra["proposed_by"] == "initial_points" for t in trials[:2])
    keys = [config_key(t.hyperparameters) for t in trials]
    assert len(keys) == len(set(keys)), "a given point ran twice"


def test_a_given_point_is_normalised_like_a_sampled_one():
    """The fixed value is filled in and a float given as an int becomes the float the grid
    holds, so a later proposal of the same configuration counts as a repeat."""
    study = load_config_dict(config({"name": "random"}, [{"x": 1, "units": 32}]), HERE)
    assert study.space.point({"x": 1, "units": 32}) == {"x": 1.0, "units": 32, "activation": "relu"}


@pytest.mark.parametrize(
    "point, where, message",
    [
        ({"x": 0.5}, "initial_points[0].units", "no value for 'units'"),
        (
            {"x": 0.5, "units": 20},
            "initial_points[0].units",
            r"20 is not a possible value of 'units' \(an integer from 16 to 128 in steps of 16\)",
        ),
        ({"x": 0.5, "units": 64.0}, "initial_points[0].units", "an integer from 16"),
        ({"x": 0.5, "units": 16, "activation": "tanh"}, "activation", r"'tanh' is not.*fixed at"),
    ],
)
def test_a_point_outside_the_space_names_its_key(point, where, message):
    with pytest.raises(ConfigError, match=message) as caught:
        load_config_dict(config({"name": "bayesian"}, [point]), HERE)
    assert where in str(caught.value)


def test_a_repeated_point_is_an_error_naming_the_first():
    points = [POINTS[0], POINTS[1], {"units": 64, "x": 0.25}]
    with pytest.raises(
        ConfigError, match=r"the same configuration as .*initial_points\[0\]"
    ) as caught:
        load_config_dict(config({"name": "random"}, points), HERE)
    assert "strategy.initial_points[2]" in str(caught.value)


def test_a_grid_still_runs_every_combination_after_a_point_between_its_counts(tmp_path):
    """A float with a ``count`` takes any value in its range as a given point; one between the
    grid's points is an extra trial, not one of the grid's, so the grid is not cut short."""
    raw = config({"name": "grid"}, [{"x": 0.3, "units": 16}])
    raw["search_space"]["x"] = {"type": "float", "min": 0.0, "max": 1.0, "count": 3}
    raw["search_space"]["units"] = {"type": "int", "min": 16, "max": 32, "step": 16}
    result = run_search(load_config_dict(raw, HERE), tmp_path, workers=0)
    ran = {config_key(t.hyperparameters) for t in result.trials}
    grid = {config_key(values) for values in load_config_dict(raw, HERE).space.grid()}
    assert len(result.trials) == 7
    assert grid <= ran, "every combination of the grid ran"


class Warnings(SearchEvents):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def warning(self, message: str) -> None:
        self.seen.append(message)


def test_a_search_too_short_for_its_given_points_says_how_many_will_not_run(
    tmp_path, kt_run, write_config
):
    raw = config({"name": "random", "max_trials": 1})
    warnings = Warnings()
    result = run_search(load_config_dict(raw, HERE), tmp_path, workers=0, events=warnings)
    assert len(result.trials) == 1
    expected = "lists 2 configurations but max_trials is 1: the last 1 will not run"
    assert any(expected in w for w in warnings.seen), warnings.seen
    (tmp_path / "strategy_objectives.py").write_text((HERE / "strategy_objectives.py").read_text())
    checked = kt_run("validate", str(write_config(yaml.safe_dump(raw))))
    assert checked.returncode == 0 and expected in " ".join(checked.stderr.split())
    raw["strategy"]["max_trials"] = 2
    quiet = Warnings()
    enough = run_search(load_config_dict(raw, HERE), tmp_path / "2", workers=0, events=quiet)
    assert len(enough.trials) == 2 and not quiet.seen


def test_bayesian_plan_counts_given_points_towards_its_initial_design(tmp_path):
    """num_initial_points 4 with 2 given points: 2 given, 2 Sobol, then the model, as the
    records say. The plan printed '4 space-filling (Sobol) trials' after 'first 2 given',
    2 more than ran before the model took over."""
    from tuner_cli.strategies import make_strategy

    raw = config({"name": "bayesian", "max_trials": 6, "num_initial_points": 4})
    study = load_config_dict(raw, HERE)
    settings = study.config.strategy
    plan = make_strategy("bayesian", study.space, study.objective, 4, settings).describe_plan()
    assert plan[0].startswith("Bayesian optimisation: 2 space-filling (Sobol) trials, then ")
    assert plan[1] == (
        "  first the 2 given configurations (strategy.initial_points), counted towards the "
        "4 initial points"
    )
    result = run_search(study, tmp_path, workers=0)
    proposed = [t.extra["proposed_by"] for t in sorted(result.trials, key=lambda t: t.id)]
    assert proposed[:4] == ["initial_points", "initial_points", "initial", "initial"]
    assert proposed[4].startswith("model:")
