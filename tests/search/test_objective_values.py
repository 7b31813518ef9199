"""What an objective function may return: numbers of any kind; a string or a bool fails the
trial, naming it, where ``float`` would have taken "0.5" and True silently."""

from __future__ import annotations

import pytest

import tuner_cli
from tuner_cli import run_search

OBJECTIVE = """
import numpy as np

def f(hp, budget=None):
    return {
        "float": 0.25,
        "numpy": np.float32(0.5),
        "array": np.array(0.75),
        "text": "0.5",
        "bool": True,
        "numpy_bool": np.bool_(False),
        "word_metric": {"loss": 1.0, "note": "abc"},
        "none": None,
    }[hp["kind"]]
"""
KINDS = ["float", "numpy", "array", "text", "bool", "numpy_bool", "word_metric", "none"]


def test_numbers_of_any_kind_score_and_other_values_fail_their_trial_naming_them(tmp_path):
    (tmp_path / "returns.py").write_text(OBJECTIVE, encoding="utf-8")
    config = {
        "name": "returns",
        "objective_function": "returns:f",
        "search_space": {"kind": {"type": "choice", "values": KINDS}},
        "strategy": {"name": "grid", "objective": "loss", "max_consecutive_failures": 10},
    }
    result = run_search(tuner_cli.load_config_dict(config, tmp_path), tmp_path, workers=0)
    by_kind = {t.hyperparameters["kind"]: t for t in result.trials}
    assert {k: t.score for k, t in by_kind.items() if t.status == "completed"} == {
        "float": 0.25,
        "numpy": 0.5,
        "array": 0.75,
    }
    messages = {k: t.error["message"] for k, t in by_kind.items() if t.status == "failed"}
    # the message itself: TrialError, kt-run's own class, said nothing to a user
    assert messages == {
        "text": "returns:f returned '0.5' (str) for 'loss'; a metric must be a number",
        "bool": "returns:f returned True (bool) for 'loss'; a metric must be a number",
        "numpy_bool": "returns:f returned np.False_ (bool) for 'loss'; a metric must be a number",
        "word_metric": "returns:f returned 'abc' (str) for 'note'; a metric must be a number",
        "none": "returns:f returned None (NoneType) for 'loss'; a metric must be a number",
    }


WITHOUT_BUDGET = """
def f(hp):
    return (hp["x"] - 0.3) ** 2

def keyword_budget(hp, *, budget):
    return {"loss": (hp["x"] - 0.3) ** 2 + 1 / budget}

def nothing():
    return 0.0
"""


def plain_study(tmp_path, function: str, strategy: str, max_trials: int, **settings):
    (tmp_path / "plain.py").write_text(WITHOUT_BUDGET, encoding="utf-8")
    config = {
        "name": "plain",
        "objective_function": f"plain:{function}",
        "search_space": {"x": {"type": "float", "min": 0.0, "max": 1.0}},
        "strategy": {"name": strategy, "objective": "loss", "max_trials": max_trials, **settings},
    }
    return tuner_cli.load_config_dict(config, tmp_path)


def test_a_function_of_the_hyperparameters_alone_runs_where_no_budget_is_given(tmp_path):
    """``def objective(hp):`` is what users of other tuners write first; every trial of it
    failed with a TypeError (two arguments given)."""
    result = run_search(plain_study(tmp_path, "f", "bayesian", 4), tmp_path, workers=0)
    assert [t.status for t in result.trials] == ["completed"] * 4
    assert {t.score for t in result.trials} == {
        (t.hyperparameters["x"] - 0.3) ** 2 for t in result.trials
    }


def test_a_keyword_only_budget_is_given_by_name(tmp_path):
    """``def f(hp, *, budget)`` takes a budget too: it was refused as taking neither form."""
    result = run_search(
        plain_study(tmp_path, "keyword_budget", "hyperband", 4, max_epochs=3), tmp_path, workers=0
    )
    assert {t.status for t in result.trials} == {"completed"}
    for trial in result.trials:
        assert (
            trial.score == (trial.hyperparameters["x"] - 0.3) ** 2 + 1 / trial.history[-1]["epoch"]
        )


def test_a_function_taking_nothing_is_a_config_error_naming_the_form(tmp_path):
    study = plain_study(tmp_path, "nothing", "random", 2)
    with pytest.raises(tuner_cli.ConfigError, match=r"def nothing\(hp, budget\)"):
        run_search(study, tmp_path, workers=0)
    assert not (tmp_path / "plain").exists()


def test_executions_per_trial_is_said_to_be_ignored_for_an_objective_function(tmp_path):
    """An objective function is called once a trial: executions_per_trial 3 was accepted
    without a word, each trial a single call, its score no mean of anything."""
    from tests.conftest import invoke

    (tmp_path / "returns.py").write_text(OBJECTIVE, encoding="utf-8")
    (tmp_path / "noisy.yaml").write_text(
        "name: noisy\nobjective_function: returns:f\n"
        "search_space: {kind: {type: choice, values: [float, numpy]}}\n"
        "strategy: {name: grid, objective: loss, executions_per_trial: 3}\n",
        encoding="utf-8",
    )
    expected = (
        "strategy.executions_per_trial is ignored for an objective_function, which is called "
        "once a trial (average its runs inside it)"
    )
    checked = invoke("validate", "noisy.yaml", cwd=tmp_path)
    assert checked.returncode == 0 and expected in " ".join(checked.stderr.split())
    searched = invoke("search", "noisy.yaml", "--workers", "0", "--quiet", cwd=tmp_path)
    assert searched.returncode == 0 and expected in " ".join(searched.stderr.split())
