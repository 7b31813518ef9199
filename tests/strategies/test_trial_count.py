"""validate says how many trials every strategy's search runs: max_trials, its default, or
fewer where the strategy runs out first. It said so for Hyperband's plan alone."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO

STEPPED_X = "  x: {type: float, min: -5.0, max: 10.0, step: 5.0}\n"
SPACES = {
    "endless": "  x: {type: float, min: -5.0, max: 10.0}\n  y: {type: float, min: 0.0, max: 1.0}\n",
    "sixteen": STEPPED_X + "  y: {type: int, min: 0, max: 3}\n",
    "forty": STEPPED_X + "  y: {type: int, min: 0, max: 9}\n",
}


@pytest.mark.parametrize(
    ("strategy", "space", "max_trials", "line"),
    [
        ("random", "endless", None, "Trials: 10 (the default; max_trials sets another number)"),
        ("random", "endless", 25, "Trials: 25 (max_trials)"),
        ("random", "sixteen", None, "Trials: 10 (the default; max_trials sets another number)"),
        (
            "random",
            "sixteen",
            50,
            "Trials: 16, every configuration of the search space (fewer than max_trials, 50)",
        ),
        ("bayesian", "endless", None, "Trials: 10 (the default; max_trials sets another number)"),
        ("bayesian", "sixteen", 16, "Trials: 16, every configuration of the search space"),
        ("grid", "sixteen", None, "Trials: 16, the whole grid"),
        ("grid", "sixteen", 5, "Trials: 5 (max_trials)"),
        ("grid", "sixteen", 20, "Trials: 16, the whole grid (fewer than max_trials, 20)"),
        ("hyperband", "forty", None, "Trials: 17, the whole plan"),
        ("hyperband", "forty", 30, "Trials: 17, the whole plan (fewer than max_trials, 30)"),
        ("hyperband", "sixteen", None, "Trials: 16, every configuration of the search space"),
        ("bohb", "forty", 6, "Trials: 6 (max_trials)"),
        ("asha", "endless", None, "Trials: 17 (the default; max_trials sets another number)"),
        ("asha", "sixteen", None, "Trials: 16, every configuration of the search space"),
    ],
)
def test_validate_says_how_many_trials_run(tmp_path, kt_run, strategy, space, max_trials, line):
    shutil.copy(REPO / "examples" / "objectives.py", tmp_path)
    settings = f"{{name: {strategy}, objective: {{name: branin, direction: min}}"
    if strategy in ("hyperband", "bohb", "asha"):
        settings += ", max_epochs: 9"
    if max_trials is not None:
        settings += f", max_trials: {max_trials}"
    config = tmp_path / "count.yaml"
    config.write_text(
        "name: count\nobjective_function: objectives:branin\n"
        f"search_space:\n{SPACES[space]}strategy: {settings}}}\n",
        encoding="utf-8",
    )
    checked = kt_run("validate", str(config), "--no-build")
    assert checked.returncode == 0, checked.stderr
    assert line in checked.stdout.splitlines()


COUNTED_X = "  x: {type: float, min: -5.0, max: 10.0, count: 3}\n  y: {type: int, min: 0, max: 1}\n"


def _study(folder, name: str, space: str, strategy: str):
    config = folder / f"{name}.yaml"
    config.write_text(
        f"name: {name}\nobjective_function: objectives:branin\n"
        f"search_space:\n{space}strategy: {strategy}\n",
        encoding="utf-8",
    )
    return config


def _counted_and_run(kt_run, config):
    checked = kt_run("validate", str(config), "--no-build")
    assert checked.returncode == 0, checked.stderr
    said = next(line for line in checked.stdout.splitlines() if line.startswith("Trials:"))
    searched = kt_run("search", str(config), "--workers", "0", cwd=config.parent)
    assert searched.returncode == 0, searched.stderr
    ran = len(list((config.parent / "results" / config.stem / "trials").iterdir()))
    return said, ran, searched


@pytest.mark.parametrize("strategy", ["random", "bayesian"])
def test_an_initial_point_off_a_count_grid_is_one_more_trial(tmp_path, kt_run, strategy):
    """A float between a ``count``'s points is a configuration of its own: the strategy runs
    it, then every point of the grid; validate counted the grid alone (6, where 7 ran)."""
    shutil.copy(REPO / "examples" / "objectives.py", tmp_path)
    config = _study(
        tmp_path,
        "offgrid",
        COUNTED_X,
        f"{{name: {strategy}, objective: {{name: branin, direction: min}}, max_trials: 20, "
        "initial_points: [{x: 1.0, y: 0}]}",
    )
    said, ran, _ = _counted_and_run(kt_run, config)
    assert ran == 7
    assert said == "Trials: 7, every configuration of the search space (fewer than max_trials, 20)"


def test_warm_start_trials_off_the_grid_leave_every_configuration_to_run(tmp_path, kt_run):
    """Known trials of a continuous study are rarely points of a ``count`` grid: they are
    never proposed again, but neither would they have been. validate said 'Trials: -2', and
    the search warned that the known trials held every configuration, then ran all six."""
    shutil.copy(REPO / "examples" / "objectives.py", tmp_path)
    other = _study(
        tmp_path,
        "other",
        "  x: {type: float, min: -5.0, max: 10.0}\n  y: {type: int, min: 0, max: 1}\n",
        "{name: random, objective: {name: branin, direction: min}, max_trials: 8}",
    )
    assert kt_run("search", str(other), "--workers", "0", cwd=tmp_path).returncode == 0
    config = _study(
        tmp_path,
        "warm",
        COUNTED_X,
        "{name: bayesian, objective: {name: branin, direction: min}, warm_start: results/other}",
    )
    said, ran, searched = _counted_and_run(kt_run, config)
    assert ran == 6
    assert said == "Trials: 6, every configuration of the search space"
    assert "among the known trials" not in searched.stderr
    assert "ran in the other study" not in searched.stdout
