"""What a CI job's log holds when kt-run's output is a file or a pipe: whole lines, no panel."""

from __future__ import annotations

import io
import json
import os

from rich.console import Console

from tests.conftest import invoke
from tuner_cli.cli import console as console_module
from tuner_cli.objective import Objective

LONG = (
    "this objective fails on purpose with a message that runs well past eighty columns, "
    "as a Keras shape error does"
)


def test_search_warnings_and_failed_trials_on_stderr_are_one_line_each(tmp_path):
    """Off a terminal rich wrapped stderr at 80 columns: a CI log split every warning and
    failed trial's error in two, and a grep for the message found half of it."""
    (tmp_path / "ci_log_objective.py").write_text(
        f"def fail(hp, budget):\n    raise ValueError({LONG!r})\n", encoding="utf-8"
    )
    (tmp_path / "study.yaml").write_text(
        "name: ci-log\nseed: 0\nobjective_function: ci_log_objective:fail\n"
        "search_space:\n  x: {type: float, min: 0.0, max: 1.0}\n"
        "strategy:\n  name: random\n  objective: {name: score, direction: max}\n"
        "  max_trials: 1\n  initial_points: [{x: 0.1}, {x: 0.2}, {x: 0.3}]\n",
        encoding="utf-8",
    )
    result = invoke("search", "study.yaml", "--workers", "0", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    warning = next(line for line in lines if line.startswith("warning: strategy.initial_points"))
    assert warning.endswith("will not run"), lines
    failed = next(line for line in lines if line.startswith("trial 1 failed: "))
    assert failed.endswith(LONG), lines


def test_forced_colour_off_a_terminal_prints_lines_not_the_live_panel(monkeypatch):
    """FORCE_COLOR (common in CI for coloured logs) makes rich treat a pipe as a terminal;
    the live panel then wrote a cursor-moving frame four times a second into the log."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    piped = Console(file=io.StringIO(), width=1000)
    assert piped.is_terminal  # what FORCE_COLOR does to a console on a pipe
    monkeypatch.setattr(console_module, "console", piped)
    view = console_module.search_view([Objective("val_accuracy", "max")], quiet=False)
    assert type(view) is console_module.PlainSearchLog


def test_a_real_terminal_still_gets_the_live_panel(monkeypatch):
    monkeypatch.delenv("JPY_PARENT_PID", raising=False)
    main, replica = os.openpty()
    with os.fdopen(replica, "w") as terminal:
        monkeypatch.setattr(console_module, "console", Console(file=terminal, width=100))
        view = console_module.search_view([Objective("val_accuracy", "max")], quiet=False)
        assert type(view) is console_module.LiveSearchView
    os.close(main)


def test_a_notebooks_shell_command_prints_lines_though_it_runs_on_a_terminal(monkeypatch):
    """``!kt-run search`` in Jupyter runs on a pseudo-terminal (IPython's ``!``) whose output
    the notebook shows as text, colours but no cursor moves: every redraw of the panel piled
    up under the cell. A kernel, and whatever it starts, has ``JPY_PARENT_PID``."""
    monkeypatch.setenv("JPY_PARENT_PID", "1")
    main, replica = os.openpty()
    with os.fdopen(replica, "w") as terminal:
        monkeypatch.setattr(console_module, "console", Console(file=terminal, width=100))
        view = console_module.search_view([Objective("val_accuracy", "max")], quiet=False)
        assert type(view) is console_module.PlainSearchLog
    os.close(main)


def test_fail_under_names_the_digits_that_fail_the_gate(tmp_path):
    """0.89996 against --fail-under 0.9 read 'best score 0.9000 is worse than --fail-under
    0.9': four significant digits hid the very difference the job failed on."""
    (tmp_path / "ci_gate_objective.py").write_text(
        "def close(hp, budget):\n    return {'score': 0.89996}\n", encoding="utf-8"
    )
    (tmp_path / "study.yaml").write_text(
        "name: ci-gate\nseed: 0\nobjective_function: ci_gate_objective:close\n"
        "search_space:\n  x: {type: choice, values: [1]}\n"
        "strategy:\n  name: random\n  objective: {name: score, direction: max}\n"
        "  max_trials: 1\n",
        encoding="utf-8",
    )
    assert invoke("search", "study.yaml", "--workers", "0", cwd=tmp_path).returncode == 0
    result = invoke("best", "--fail-under", "0.9", cwd=tmp_path)
    assert result.returncode == 1
    assert "best score 0.89996 is worse than --fail-under 0.9 (maximised)" in result.stderr
    assert invoke("best", "--fail-under", "0.8", cwd=tmp_path).returncode == 0


def _gate_study(tmp_path):
    (tmp_path / "ci_strategy_objective.py").write_text(
        "def score(hp, budget):\n    return {'score': hp['x']}\n", encoding="utf-8"
    )
    config = tmp_path / "gate.yaml"
    config.write_text(
        "name: gate\nseed: 0\nobjective_function: ci_strategy_objective:score\n"
        "search_space:\n  x: {type: float, min: 0.0, max: 1.0}\n"
        "strategy:\n  name: random\n  objective: {name: score, direction: max}\n"
        "  max_trials: 2\n",
        encoding="utf-8",
    )
    return config


def test_best_of_a_config_searched_with_strategy_names_the_study_it_made(tmp_path):
    """`search gate.yaml --strategy bayesian` writes results/gate-bayesian; `best gate.yaml`
    in the next CI step said only that results/gate had no results, and once results/gate
    existed it gated on that other study without a word."""
    _gate_study(tmp_path)
    run = ("search", "gate.yaml", "--workers", "0", "--quiet")
    assert invoke(*run, "--strategy", "bayesian", cwd=tmp_path).returncode == 0
    result = invoke("best", "gate.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "results/gate-bayesian" in result.stderr and "--strategy" in result.stderr
    assert invoke(*run, cwd=tmp_path).returncode == 0
    result = invoke("best", "gate.yaml", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["id"] in (1, 2)
    assert "results/gate-bayesian" in result.stderr, "stderr names the other study"
