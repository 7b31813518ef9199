"""Several objectives: config, ``scores`` in every record, the Pareto front in ``best`` and
``trials``, and a Bayesian search that covers the front better than random."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tuner_cli import load_config_dict, run_search
from tuner_cli.cli.app import app
from tuner_cli.errors import ConfigError
from tuner_cli.objective import Objective, dominates, pareto_front
from tuner_cli.strategies._bayesian._pareto import improvement, nondominated

HERE = Path(__file__).resolve().parent
OBJECTIVES = [{"name": "near", "direction": "min"}, {"name": "far", "direction": "min"}]


def config(strategy: str = "random", objectives=OBJECTIVES, trials: int = 12) -> dict:
    return {
        "name": f"mo-{strategy}",
        "seed": 1,
        "objective_function": "strategy_objectives:two_bowls",
        "search_space": {
            "x": {"type": "float", "min": -0.5, "max": 1.5},
            "y": {"type": "float", "min": -0.5, "max": 1.5},
        },
        "strategy": {"name": strategy, "objective": objectives, "max_trials": trials},
    }


def hypervolume(trials, reference=(4.0, 4.0)) -> float:
    import numpy as np

    points = [(t.extra["scores"]["near"], t.extra["scores"]["far"]) for t in trials]
    front = nondominated(np.array(points))
    area, ceiling = 0.0, reference[1]
    for a, b in front:
        if b < ceiling:
            area += (reference[0] - a) * (ceiling - b)
            ceiling = b
    return area


def test_dominance_and_the_front_follow_each_direction():
    both = [Objective("acc", "max"), Objective("params", "min")]
    assert dominates([0.9, 10], [0.8, 10], both) and not dominates([0.9, 10], [0.9, 10], both)
    items = [{"acc": 0.9, "params": 100}, {"acc": 0.8, "params": 10}, {"acc": 0.7, "params": 50}]
    items.append({"acc": None, "params": 1})
    assert pareto_front(items, both, lambda r: r) == items[:2]


def test_hypervolume_improvement_of_a_point_is_the_area_it_adds():
    import numpy as np

    front = nondominated(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [2.5, 2.5]]))
    assert front.tolist() == [[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]
    reference = np.array([4.0, 4.0])
    gains = improvement(front, reference, np.array([[1.5, 1.5], [5.0, 0.0], [2.0, 2.0]]))
    # (1.5, 1.5) adds 0.5 x 1.5 under the first step and 1 x 0.5 under the second
    assert gains.tolist() == [0.75 + 0.5, 0.0, 0.0]


def test_the_benchmarks_hypervolume_is_exact_in_two_and_three_objectives():
    import importlib.util

    import numpy as np

    path = HERE.parents[1] / "benchmarks" / "functions" / "_hypervolume.py"
    spec = importlib.util.spec_from_file_location("benchmark_hypervolume", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    hypervolume = module.hypervolume
    # two boxes of area 2 overlapping on 1; two of volume 4 and 2 overlapping on 1
    assert hypervolume([(1, 2), (2, 1)], (3, 3)) == 3.0
    assert hypervolume([(1, 1, 2), (2, 2, 1)], (3, 3, 3)) == 5.0
    # dominated points and points beyond the reference add nothing
    assert hypervolume([(1, 1, 2), (2, 2, 1), (2, 2, 2), (0, 0, 4)], (3, 3, 3)) == 5.0
    # a front on the unit sphere's eighth: close to 1 - pi/6 inside (1, 1, 1)
    rng = np.random.default_rng(0)
    points = np.abs(rng.normal(size=(400, 3)))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    assert 0.4 < hypervolume(points.tolist(), (1.0, 1.0, 1.0)) < 1 - np.pi / 6
    # the same in two objectives as the strategy's own staircase
    flat = rng.random((30, 2))
    gain = improvement(nondominated(flat), np.array([1.0, 1.0]), np.array([[0.0, 0.0]]))
    assert abs(hypervolume(flat.tolist(), (1.0, 1.0)) - (1.0 - gain[0])) < 1e-12


@pytest.mark.parametrize(
    "objective, message",
    [
        ([], "at least one"),
        ([{"name": "val_loss"}, "val_loss"], "'val_loss' is listed twice"),
    ],
)
def test_a_bad_list_of_objectives_is_a_config_error(objective, message):
    with pytest.raises(ConfigError, match=message) as caught:
        load_config_dict(config(objectives=objective), HERE)
    assert "strategy.objective" in str(caught.value)


def test_a_list_of_one_objective_is_that_objective():
    """KerasTuner and Optuna take ``[objective]``; it was refused as a front of one."""
    listed = load_config_dict(config(objectives=[{"name": "near", "direction": "min"}]), HERE)
    plain = load_config_dict(config(objectives={"name": "near", "direction": "min"}), HERE)
    assert listed.objectives == plain.objectives == [Objective("near", "min")]
    raw = config("hyperband", objectives=[{"name": "near", "direction": "min"}])
    raw["strategy"]["max_epochs"] = 3
    assert load_config_dict(raw, HERE).objectives == [Objective("near", "min")]


def test_multi_fidelity_strategies_refuse_a_list():
    raw = config("hyperband")
    raw["strategy"]["max_epochs"] = 3
    with pytest.raises(ConfigError, match="a list of objectives is for random, grid and bayesian"):
        load_config_dict(raw, HERE)


def test_records_hold_scores_and_best_prints_the_front(tmp_path):
    result = run_search(load_config_dict(config("random"), HERE), tmp_path, workers=0)
    trials = result.trials
    assert all(set(t.extra["scores"]) == {"near", "far"} for t in trials)
    assert all(t.score == t.extra["scores"]["near"] for t in trials), "the first ranks score"
    study = json.loads((result.root / "study.json").read_text())
    assert study["objectives"] == OBJECTIVES
    expected = {
        t.id
        for t in trials
        if not any(
            o.extra["scores"]["near"] <= t.extra["scores"]["near"]
            and o.extra["scores"]["far"] <= t.extra["scores"]["far"]
            and o.extra["scores"] != t.extra["scores"]
            for o in trials
        )
    }
    runner = CliRunner()
    shown = runner.invoke(app, ["best", str(result.root), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    front = json.loads(shown.stdout)
    assert {r["id"] for r in front} == expected
    assert [r["score"] for r in front] == sorted(r["score"] for r in front)
    table = runner.invoke(app, ["best", str(result.root)])
    assert f"Pareto front: {len(expected)} of {len(trials)} trials" in table.stdout
    listed = json.loads(runner.invoke(app, ["trials", str(result.root), "-f", "json"]).stdout)
    assert {r["id"] for r in listed if r["pareto_front"]} == expected
    page = tmp_path / "report.html"
    assert runner.invoke(app, ["report", str(result.root), "-o", str(page)]).exit_code == 0
    html = page.read_text()
    assert "near against far" in html
    assert html.count("(Pareto front)") == len(expected)


def test_an_objective_no_result_has_stops_the_search_naming_it(tmp_path):
    raw = config(objectives=[*OBJECTIVES, {"name": "f3", "direction": "min"}], trials=3)
    with pytest.raises(ConfigError, match="'f3' is not among the metrics") as caught:
        run_search(load_config_dict(raw, HERE), tmp_path, workers=0)
    assert "(near, far, sum)" in str(caught.value)
    assert str(caught.value).startswith("strategy.objective[2]: "), "the entry that names it"


def test_a_result_that_lacks_an_objective_fails_its_trial(tmp_path):
    raw = config("grid")
    raw["objective_function"] = "strategy_objectives:two_bowls_but_far"
    raw["search_space"] = {
        "x": {"type": "fixed", "value": 0.5},
        "y": {"type": "fixed", "value": 0.5},
        "drop": {"type": "choice", "values": [False, True]},
    }
    trials = run_search(load_config_dict(raw, HERE), tmp_path, workers=0).trials
    kept, dropped = sorted(trials, key=lambda t: t.hyperparameters["drop"])
    assert kept.status.value == "completed" and dropped.status.value == "failed"
    assert dropped.error["message"] == (
        "the objective 'far' is not among the returned metrics: near, sum"
    )
    assert "scores" not in dropped.extra


def test_bayesian_covers_the_front_better_than_random(tmp_path):
    random = run_search(load_config_dict(config("random", trials=20), HERE), tmp_path, workers=0)
    bayes = run_search(load_config_dict(config("bayesian", trials=20), HERE), tmp_path, workers=0)
    assert any(t.extra["proposed_by"] == "model:ehvi" for t in bayes.trials)
    assert hypervolume(bayes.trials) > hypervolume(random.trials)


def test_three_objectives_use_parego(tmp_path):
    three = [*OBJECTIVES, {"name": "sum", "direction": "min"}]
    result = run_search(
        load_config_dict(config("bayesian", objectives=three, trials=8), HERE), tmp_path, workers=0
    )
    assert any(t.extra["proposed_by"].startswith("model:") for t in result.trials)
    assert all(len(t.extra["scores"]) == 3 for t in result.trials)


def test_expected_improvement_in_closed_form_matches_sampling():
    import numpy as np

    from tuner_cli.strategies._bayesian._pareto import expected_improvement

    front = nondominated(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]))
    reference = np.array([4.0, 4.0])
    means = np.array([[1.5, 1.5], [3.5, 0.5], [0.5, 3.5], [2.5, 2.5]])
    stds = np.array([[0.3, 0.6], [0.5, 0.2], [0.1, 0.1], [1.0, 1.0]])
    draws = means + stds * np.random.default_rng(0).standard_normal((200_000, 1, 2))
    sampled = improvement(front, reference, draws).mean(axis=0)
    exact = expected_improvement(front, reference, means, stds)
    assert np.allclose(exact, sampled, rtol=0.01), (exact, sampled)


KERAS_PARAMS = """
name: mo-keras
seed: 2
data: {source: sklearn, name: iris, scale: standard}
search_space:
  units: {type: choice, values: [2, 16, 64]}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 3, activation: softmax}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 2, batch_size: 32}
strategy:
  name: grid
  objective: [{name: val_accuracy, direction: max}, {name: params, direction: min}]
"""


@pytest.mark.slow
def test_a_keras_study_can_minimise_the_parameter_count(tmp_path, write_config):
    result = run_search(write_config(KERAS_PARAMS), tmp_path, workers=0)
    params = {t.hyperparameters["units"]: t.extra["scores"]["params"] for t in result.trials}
    assert params == {u: 4 * u + u + u * 3 + 3 for u in (2, 16, 64)}
    assert all(isinstance(count, int) for count in params.values()), "a count, not 610.0"
    front = json.loads(CliRunner().invoke(app, ["best", str(result.root), "-f", "json"]).stdout)
    assert 2 in {r["hyperparameters"]["units"] for r in front}, "the smallest model is on it"
    kept = sorted(path.name for path in (result.root / "models").iterdir())
    assert kept == [f"trial_{r['id']:04d}.keras" for r in sorted(front, key=lambda r: r["id"])], (
        "models: best keeps every front member's model, each one a trade-off to export"
    )


def test_the_parameter_count_first_is_refused_saying_why(tmp_path, write_config):
    """The first objective picks each trial's best epoch, which a count that never changes
    cannot do: the error says so and how to list them, instead of claiming that the model does
    not report ``params``, which every Keras trial does."""
    text = KERAS_PARAMS.replace(
        "[{name: val_accuracy, direction: max}, {name: params, direction: min}]",
        "[{name: params, direction: min}, {name: val_accuracy, direction: max}]",
    )
    with pytest.raises(ConfigError) as caught:
        run_search(write_config(text), tmp_path / "results", workers=0)
    message = str(caught.value)
    assert message.startswith("strategy.objective[0].name: 'params'"), message
    assert "not a metric the model reports" not in message
    assert "cannot be the first objective" in message
    assert "list it after" in message
    assert not (tmp_path / "results").exists()


def test_the_bayesian_plan_names_the_multi_objective_acquisition():
    from tuner_cli.strategies import make_strategy

    for objectives, words in [
        (OBJECTIVES, "expected hypervolume improvement"),
        ([*OBJECTIVES, {"name": "sum", "direction": "min"}], "ParEGO"),
    ]:
        study = load_config_dict(config("bayesian", objectives), HERE)
        settings = study.config.strategy
        strategy = make_strategy("bayesian", study.space, study.objective, 0, settings)
        assert words in strategy.describe_plan()[0] and "'ei'" not in strategy.describe_plan()[0]
