"""One number policy everywhere: four significant digits, plain decimals from 1e-4 to 1e6."""

from __future__ import annotations

import pytest

from tuner_cli.cli.formatting import format_score, format_value
from tuner_cli.report.svg import num


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
