"""One number policy everywhere: four significant digits, plain decimals from 1e-4 to 1e6."""

from __future__ import annotations

import pytest

from tuner_cli.report.svg import num
from tuner_cli.wording import format_score, format_value


@pytest.mark.parametrize(
    ("value", "hyperparameter", "score"),
    [
        (0.961, "0.961", "0.9610"),
        (0.9721, "0.9721", "0.9721"),
        (1.0, "1", "1.000"),
        (0.0003755, "0.0003755", "0.0003755"),
        (0.00187, "0.00187", "0.001870"),
        (12345.678, "12346", "12346"),
        (0.99996, "1", "1.000"),
        (3.755e-5, "3.755e-05", "3.755e-05"),
        (2.5e7, "2.500e+07", "2.500e+07"),
        (0.0, "0", "0"),
    ],
)
def test_significant_digits(value, hyperparameter, score):
    assert format_value(value) == hyperparameter
    assert format_score(value) == score
    assert num(value) == hyperparameter


def test_lists_read_as_values_not_python_reprs():
    assert format_value(["sgd", 0.5]) == "sgd, 0.5"
    assert format_value(None) == "-"


def test_validate_writes_a_range_as_its_default_is_written(tmp_path):
    """``-5.0 .. 10.0`` stood beside the default ``-5`` on one line."""
    from tests.conftest import invoke

    (tmp_path / "f.py").write_text("def f(hp, budget):\n    return hp['x']\n", encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text(
        "name: c\nobjective_function: f:f\n"
        "search_space:\n"
        "  x: {type: float, min: -5.0, max: 10.0, default: -5}\n"
        "  lr: {type: float, min: 1.0e-4, max: 0.1, step: 0.0005}\n"
        "strategy: {name: random, objective: {name: x, direction: min}}\n",
        encoding="utf-8",
    )
    rows = [line.split() for line in invoke("validate", str(config)).stdout.splitlines()]
    assert ["x", "float", "-5", "..", "10", "-5"] in rows
    assert [
        "lr",
        "float",
        "0.0001",
        "..",
        "0.1",
        "step",
        "0.0005",
        "[200",
        "values]",
        "0.0001",
    ] in rows
