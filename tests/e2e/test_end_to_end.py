"""The spine, as a user runs it: search with the real CLI, then read the results."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import REPO, block_tensorflow

pytestmark = pytest.mark.slow  # each test runs kt-run as a separate process, as a user does

DIGITS = """\
name: digits-e2e
seed: 5
data: {source: sklearn, name: digits, scale: standard}
search_space:
  units: {type: int, min: 16, max: 64, step: 16}
  learning_rate: {type: choice, values: [1.0e-3, 1.0e-2]}
  optimizer: {type: choice, values: [adam, sgd]}
  momentum: {type: float, min: 0.0, max: 0.9, step: 0.45, when: {optimizer: sgd}}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 10, activation: softmax}
  optimizer: {name: $optimizer, learning_rate: $learning_rate, momentum: $momentum}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 1, batch_size: 64}
strategy: {name: random, objective: val_accuracy, max_trials: 3}
"""


@pytest.fixture(scope="module")
def digits_study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    (folder / "digits.yaml").write_text(DIGITS)
    from tests.conftest import run_cli

    result = run_cli("search", "digits.yaml", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, result


@pytest.mark.slow
def test_search_writes_the_results_layout(digits_study):
    folder, result = digits_study
    study = folder / "results" / "digits-e2e"
    assert (study / "config.yaml").read_text() == DIGITS
    info = json.loads((study / "study.json").read_text())
    assert info["objective"] == {"name": "val_accuracy", "direction": "max"}
    records = [json.loads(p.read_text()) for p in sorted((study / "trials").glob("*.json"))]
    assert [r["id"] for r in records] == [1, 2, 3]
    for record in records:
        assert record["status"] == "completed"
        assert 0.0 <= record["score"] <= 1.0
        assert record["best_epoch"] == 1 and len(record["history"]) == 1
        assert record["metrics"]["val_accuracy"] == record["score"]
        hp = record["hyperparameters"]
        assert ("momentum" in hp) == (hp["optimizer"] == "sgd")
        assert record["worker"] and record["duration_s"] > 0
    assert len({json.dumps(r["hyperparameters"], sort_keys=True) for r in records}) == 3
    assert len(list((study / "models").glob("*.keras"))) == 1
    assert "Top 3 trials" in result.stdout
    assert "Traceback" not in result.stderr
    assert "absl" not in result.stderr and "cuda" not in result.stderr.lower()


@pytest.mark.slow
def test_best_json_matches_the_best_record(digits_study, kt_run):
    folder, _ = digits_study
    result = kt_run("best", "--format", "json", cwd=folder)
    assert result.returncode == 0, result.stderr
    best = json.loads(result.stdout)
    records = [
        json.loads(p.read_text()) for p in (folder / "results/digits-e2e/trials").glob("*.json")
    ]
    assert best["score"] == max(r["score"] for r in records)
    top = json.loads(kt_run("best", "--format", "json", "--top", "2", cwd=folder).stdout)
    assert len(top) == 2 and top[0]["score"] >= top[1]["score"]


@pytest.mark.slow
def test_read_commands_never_import_tensorflow(digits_study, kt_run, tmp_path):
    folder, _ = digits_study
    blocked = {"PYTHONPATH": block_tensorflow(tmp_path)}
    for args in (
        ["best"],
        ["best", "--format", "yaml"],
        ["best", "--format", "env"],
        ["best", "digits.yaml", "--format", "json"],
        ["trials"],
        ["trials", "--format", "csv"],
        ["show", "2"],
    ):
        result = kt_run(*args, cwd=folder, **blocked)
        assert result.returncode == 0, (args, result.stderr)
        assert "blocked" not in result.stderr


@pytest.mark.slow
def test_fail_under_gates_on_the_best_score(digits_study, kt_run):
    folder, _ = digits_study
    assert kt_run("best", "--fail-under", "0.01", cwd=folder).returncode == 0
    failing = kt_run("best", "--fail-under", "1.01", cwd=folder)
    assert failing.returncode == 1
    assert "worse than --fail-under" in failing.stderr


@pytest.mark.slow
def test_rerun_resumes_and_overwrite_starts_over(digits_study, kt_run, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(digits_study[0], folder)
    trials = folder / "results/digits-e2e/trials"
    before = {p.name: p.read_text() for p in trials.glob("*.json")}
    interrupted = json.loads((trials / "trial_0003.json").read_text())
    interrupted.update(status="running", score=None, finished_at=None)
    (trials / "trial_0003.json").write_text(json.dumps(interrupted))
    result = kt_run("search", "digits.yaml", "--max-trials", "4", "-w", "0", cwd=folder)
    assert result.returncode == 0, result.stderr
    after = {p.name: json.loads(p.read_text()) for p in trials.glob("*.json")}
    assert sorted(after) == [f"trial_000{i}.json" for i in range(1, 5)]
    for name in ("trial_0001.json", "trial_0002.json"):
        assert json.loads(before[name]) == after[name]
    assert after["trial_0003.json"]["status"] == "completed"
    assert after["trial_0003.json"]["hyperparameters"] == interrupted["hyperparameters"]
    assert "Resuming: 2 finished" in result.stdout

    result = kt_run(
        "search", "digits.yaml", "--max-trials", "1", "--overwrite", "-w", "0", cwd=folder
    )
    assert result.returncode == 0, result.stderr
    assert [p.name for p in trials.glob("*.json")] == ["trial_0001.json"]


def test_objective_function_search_runs_without_tensorflow(kt_run, tmp_path):
    for name in ("objective.yaml", "objectives.py"):
        shutil.copy(REPO / "examples" / name, tmp_path / name)
    blocked = {"PYTHONPATH": block_tensorflow(tmp_path)}
    result = kt_run("search", "objective.yaml", "--max-trials", "6", cwd=tmp_path, **blocked)
    assert result.returncode == 0, result.stderr
    best = json.loads(kt_run("best", "--format", "json", cwd=tmp_path, **blocked).stdout)
    assert best["metrics"]["branin"] == best["score"] >= 0.397887
    assert set(best["metrics"]) == {"branin", "distance_to_origin"}


def test_failing_objective_exits_1_after_consecutive_failures(kt_run, write_config, tmp_path):
    (tmp_path / "broken.py").write_text("def fn(hp, budget):\n    raise RuntimeError('boom')\n")
    path = write_config(
        "name: broken\nobjective_function: broken:fn\n"
        "search_space: {x: {type: float, min: 0, max: 1}}\n"
        "strategy: {objective: {name: loss, direction: min}, max_trials: 10}\n"
    )
    result = kt_run("search", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert "3 trials failed in a row" in result.stderr
    assert "RuntimeError: boom" in result.stderr + result.stdout
    records = list((tmp_path / "results/broken/trials").glob("*.json"))
    assert len(records) == 3
    record = json.loads(records[0].read_text())
    assert record["status"] == "failed" and "boom" in record["error"]["traceback"]


@pytest.mark.parametrize("workers", ["0", pytest.param("1", marks=pytest.mark.slow)])
def test_misspelt_objective_of_an_objective_function_is_a_config_error(kt_run, tmp_path, workers):
    for name in ("objective.yaml", "objectives.py"):
        shutil.copy(REPO / "examples" / name, tmp_path / name)
    config = tmp_path / "objective.yaml"
    config.write_text(config.read_text().replace("name: branin,", "name: branni,"))
    result = kt_run("search", "objective.yaml", "--workers", workers, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "strategy.objective: 'branni' is not among the metrics objectives:branin" in (
        result.stderr
    )
    assert "(branin, distance_to_origin)" in result.stderr
    # the config as the user named it, wherever the first trial ran
    assert "(objective.yaml:11)" in result.stderr
    assert "failed" not in result.stdout and "--overwrite" not in result.stderr
    assert not (tmp_path / "results").exists(), "bad input leaves nothing behind"
    (tmp_path / "results" / "branin").mkdir(parents=True)
    again = kt_run("search", "objective.yaml", "--workers", workers, cwd=tmp_path)
    assert again.returncode == 2 and (tmp_path / "results" / "branin").is_dir(), (
        "a folder kt-run did not make is never removed"
    )


def test_grid_search_runs_every_combination(kt_run, write_config, tmp_path):
    (tmp_path / "objectives.py").write_text((REPO / "examples/objectives.py").read_text())
    path = write_config(
        "name: grid\nobjective_function: objectives:branin\n"
        "search_space:\n  x: {type: float, min: -5, max: 10, count: 4}\n"
        "  y: {type: choice, values: [0.0, 15.0]}\n"
        "strategy: {name: grid, objective: {name: branin, direction: min}}\n"
    )
    result = kt_run("search", str(path), "-w", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "search space exhausted" in result.stdout or "max_trials reached" in result.stdout
    assert len(list((tmp_path / "results/grid/trials").glob("*.json"))) == 8
