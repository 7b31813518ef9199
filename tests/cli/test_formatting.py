"""How numbers, counts and conditions read in validate's output and tables."""

from __future__ import annotations

from tests.conftest import invoke
from tuner_cli.cli.formatting import format_condition
from tuner_cli.wording import plural

ONE = """\
name: one
objective_function: objectives:fn
search_space:
  optimizer: {type: choice, values: [sgd]}
  momentum: {type: choice, values: [0.5], when: {optimizer: sgd}}
  act: {type: choice, values: [relu], when: {optimizer: [sgd]}}
strategy: {objective: {name: loss, direction: min}}
"""


def test_plural_and_conditions():
    assert plural(1, "configuration") == "1 configuration"
    assert plural(12000, "configuration") == "12,000 configurations"
    assert format_condition("optimizer", ["sgd"]) == "optimizer = sgd"
    assert format_condition("act", ["relu", "tanh"]) == "act in relu, tanh"
    assert format_condition("lr", [0.001]) == "lr = 0.001"


def test_validate_says_one_configuration_and_conditions_without_python_repr(tmp_path):
    (tmp_path / "config.yaml").write_text(ONE)
    (tmp_path / "objectives.py").write_text("def fn(hp, budget):\n    return 1.0\n")
    result = invoke("validate", "config.yaml", cwd=tmp_path, COLUMNS="200")
    assert result.returncode == 0, result.stderr
    assert "3 hyperparameters, 1 configuration\n" in result.stdout
    assert "optimizer = sgd" in result.stdout
    assert result.stdout.count("optimizer = sgd") == 2
    assert "['sgd']" not in result.stdout


def test_validate_names_every_objective_with_its_direction(tmp_path):
    objectives = "[{name: loss, direction: min}, {name: gain, direction: max}]"
    config = ONE.replace("{name: loss, direction: min}", objectives)
    (tmp_path / "config.yaml").write_text(config)
    (tmp_path / "objectives.py").write_text("def fn(hp, budget):\n    return {}\n")
    result = invoke("validate", "config.yaml", cwd=tmp_path, COLUMNS="200")
    assert result.returncode == 0, result.stderr
    assert "objectives loss (minimised), gain (maximised)\n" in result.stdout
