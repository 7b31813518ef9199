"""What every executor promises, checked against each: in the driver (``--workers 0``), local
worker processes, and a hand-started Dask scheduler with its own workers.

The same search runs on each, through ``run_search`` as a notebook would call it: Hyperband,
whose rounds make the loop WAIT, over a conditional space, stopped half way and resumed. Every
trial must finish exactly once, no configuration may run twice, conditions must hold, and the
resumed study must keep what the first run recorded. And the search must leave the
process's Dask settings as it found them (a notebook goes on using Dask after it), and write
nothing in the shared temporary folder.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path

import dask
import distributed  # noqa: F401 - its defaults join dask.config on import
import pytest

from tests.conftest import cli_env
from tests.executors.test_dask import Cluster
from tuner_cli import load_config_dict, run_search

OBJECTIVE = """
def measure(hp, budget):
    momentum = hp.get("momentum", 0.0)
    return {"score": hp["x"] * budget + momentum, "budget_seen": float(budget)}
"""

CONFIG = {
    "name": "contract",
    "seed": 5,
    "objective_function": "contract_objective:measure",
    "search_space": {
        "optimizer": {"type": "choice", "values": ["adam", "sgd"]},
        "momentum": {"type": "float", "min": 0.0, "max": 0.9, "when": {"optimizer": "sgd"}},
        "x": {"type": "float", "min": 0.0, "max": 1.0},
    },
    "strategy": {
        "name": "hyperband",
        "objective": {"name": "score", "direction": "max"},
        "max_epochs": 4,
        "factor": 2,
    },
}


@pytest.fixture
def on_dask_cluster(tmp_path: Path):
    running = Cluster(tmp_path, cli_env())
    try:
        running.start()
        yield {"scheduler": running.address}
    finally:
        running.stop()


EXECUTORS = {
    "in the driver": pytest.param(lambda request: {"workers": 0}, id="workers-0"),
    "local workers": pytest.param(
        lambda request: {"workers": 2}, id="local-workers", marks=pytest.mark.slow
    ),
    "a scheduler": pytest.param(
        lambda request: request.getfixturevalue("on_dask_cluster"),
        id="scheduler",
        marks=pytest.mark.slow,
    ),
}


@pytest.mark.parametrize("where", EXECUTORS.values())
def test_a_stopped_and_resumed_hyperband_search(tmp_path, request, monkeypatch, where):
    options = where(request)
    # short enough for the Unix socket local workers start from, wherever pytest runs
    temporary = Path(tempfile.mkdtemp(prefix="kt-contract-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(temporary, ignore_errors=True))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    (tmp_path / "contract_objective.py").write_text(OBJECTIVE)
    study = load_config_dict(CONFIG, tmp_path)
    settings_before = copy.deepcopy(dask.config.config)
    first = run_search(study, tmp_path / "results", max_trials=3, **options)
    kept = {t.id: (t.hyperparameters, t.history, t.extra.get("rungs")) for t in first.trials}

    result = run_search(study, tmp_path / "results", **options)

    trials = result.trials
    assert [t.id for t in trials] == list(range(1, len(trials) + 1)) and len(trials) > 3
    assert all(t.status.value == "completed" for t in trials), [t.error for t in trials]
    configurations = [json.dumps(t.hyperparameters, sort_keys=True) for t in trials]
    assert len(set(configurations)) == len(trials)
    for trial in trials:
        hp = trial.hyperparameters
        assert ("momentum" in hp) == (hp["optimizer"] == "sgd")
        rungs = trial.extra["rungs"]
        assert [r["epochs"] for r in rungs] == sorted({r["epochs"] for r in rungs})
        assert trial.metrics["budget_seen"] == rungs[-1]["epochs"]
    for trial_id, (hp, _, rungs) in kept.items():
        again = next(t for t in trials if t.id == trial_id)
        assert again.hyperparameters == hp
        assert again.extra["rungs"][: len(rungs)] == rungs
    assert result.best.score == max(t.score for t in trials)
    assert dask.config.config == settings_before
    # Dask's scratch space went into a folder of the search's own, removed at its end
    assert not (temporary / "dask-scratch-space").exists()
