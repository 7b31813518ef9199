"""`search --strategy NAME --name NAME`: one config file, several comparable studies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, invoke


@pytest.fixture
def objective_config(tmp_path: Path) -> Path:
    for name in ("objective.yaml", "objectives.py"):
        shutil.copy(REPO / "examples" / name, tmp_path / name)
    return tmp_path / "objective.yaml"


def _search(config: Path, *args: str):
    return invoke("search", config.name, "--workers", "0", "--quiet", *args, cwd=config.parent)


def test_strategy_override_makes_a_separate_study(objective_config):
    results = objective_config.parent / "results"
    assert _search(objective_config, "--max-trials", "3").returncode == 0
    result = _search(objective_config, "--strategy", "bayesian", "--max-trials", "4")
    assert result.returncode == 0, result.stderr
    info = json.loads((results / "branin-bayesian" / "study.json").read_text())
    assert info["strategy"] == "bayesian"
    assert json.loads((results / "branin" / "study.json").read_text())["strategy"] == "random"
    assert len(list((results / "branin-bayesian" / "trials").glob("*.json"))) == 4
    assert "--strategy bayesian" in (results / "branin-bayesian" / "config.yaml").read_text()
    # the same command resumes the overridden study
    result = _search(objective_config, "--strategy", "bayesian", "--max-trials", "5")
    assert result.returncode == 0, result.stderr
    assert len(list((results / "branin-bayesian" / "trials").glob("*.json"))) == 5
    # the config's own strategy changes nothing and keeps the config's name
    result = _search(objective_config, "--strategy", "random", "--max-trials", "3")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in results.iterdir()) == ["branin", "branin-bayesian"]


def test_name_override(objective_config):
    result = _search(
        objective_config, "--name", "mine", "--strategy", "bayesian", "--results", "out"
    )
    assert result.returncode == 0, result.stderr
    info = json.loads((objective_config.parent / "out" / "mine" / "study.json").read_text())
    assert (info["name"], info["strategy"]) == ("mine", "bayesian")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--strategy", "hyperband"], "strategy: hyperband needs 'max_epochs'"),
        (["--strategy", "grid"], "grid search needs every float to have a step"),
        (["--strategy", "annealing"], "strategy.name: Input should be"),
        (["--name", "../elsewhere"], "is not a safe study name"),
    ],
)
def test_overrides_are_checked_like_the_config(objective_config, args, expected):
    result = _search(objective_config, *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert f"(with {' '.join(args)})" in result.stderr
    assert "objective.yaml:" in result.stderr
    assert not (objective_config.parent / "results").exists()


def test_an_error_found_after_loading_points_at_the_files_own_line(objective_config):
    """With an override the study runs a re-written config, whose lines are not the file's:
    an error found later (here the warm-start folder, read after the config is loaded) still
    names the line of the file the user wrote, and the override that led to it."""
    with objective_config.open("a") as file:
        file.write("  warm_start: results/nowhere\n")
    line = objective_config.read_text().splitlines().index("  warm_start: results/nowhere") + 1
    result = _search(objective_config, "--strategy", "bayesian")
    assert result.returncode == 2
    assert "strategy.warm_start: cannot warm-start from it" in result.stderr
    assert f"(with --strategy bayesian) (objective.yaml:{line})" in result.stderr
    assert not (objective_config.parent / "results").exists()
