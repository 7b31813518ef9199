"""TensorBoard and MLflow logging, read back with their own readers; the event fan-out."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, block_tensorflow, invoke, run_cli
from tuner_cli.config import load_config_text
from tuner_cli.integrations import EventFanout, EventPair
from tuner_cli.search.runner import SearchEvents
from tuner_cli.trial import TrialRecord, TrialStatus

CONFIG = """\
name: tracked
seed: 1
objective_function: objectives:quadratic
search_space:
  x: {type: float, min: -2.0, max: 2.0}
  kind: {type: choice, values: [a, b]}
  flag: {type: bool}
strategy: {name: random, objective: {name: loss, direction: min}, max_trials: 4}
"""

OBJECTIVES = """\
def quadratic(hp, budget):
    if hp["x"] > 1.5:
        raise ValueError("too far")
    return {"loss": hp["x"] ** 2, "other": 1.0}
"""


def records() -> list[TrialRecord]:
    history = [{"epoch": e, "loss": 1.0 / e, "val_loss": 1.5 / e} for e in (1, 2, 3)]
    common = {"started_at": "2025-01-01T00:00:00+00:00", "finished_at": "2025-01-01T00:01:00+00:00"}
    return [
        TrialRecord(
            id=1,
            status=TrialStatus.COMPLETED,
            hyperparameters={"x": 0.5, "kind": "a", "flag": True},
            score=0.5,
            history=history,
            best_epoch=3,
            **common,
        ),
        TrialRecord(
            id=2,
            status=TrialStatus.PRUNED,
            hyperparameters={"x": -1.0, "kind": "b", "flag": False},
            score=1.0,
            history=history[:1],
            best_epoch=1,
            **common,
        ),
        TrialRecord(
            id=3,
            status=TrialStatus.FAILED,
            hyperparameters={"x": 1.9, "kind": "a", "flag": False},
            error={"message": "ValueError: too far", "traceback": ""},
            **common,
        ),
    ]


def study_config(tmp_path: Path, logging: str = ""):
    text = CONFIG + logging
    (tmp_path / "objectives.py").write_text(OBJECTIVES)
    (tmp_path / "config.yaml").write_text(text)
    return load_config_text(text, tmp_path / "config.yaml")


def test_tensorboard_events_read_back_with_hparams(tmp_path):
    """Written in a process where TensorFlow cannot be imported; read with EventAccumulator."""
    study_config(tmp_path)
    logdir = tmp_path / "tb"
    script = (
        "import sys; from pathlib import Path\n"
        "from tests.integrations.test_integrations import records, study_config\n"
        "from tuner_cli.integrations.tensorboard import TensorBoardLogger\n"
        f"tmp = Path({str(tmp_path)!r})\n"
        "logger = TensorBoardLogger(tmp / 'tb', study_config(tmp))\n"
        "for record in records():\n"
        "    logger.trial_finished(record, None)\n"
        "assert 'tensorflow' not in sys.modules\n"
    )
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": f"{block_tensorflow(tmp_path)}:{REPO}", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    run = EventAccumulator(str(logdir / "trial_0001"))
    run.Reload()
    assert sorted(run.Tags()["scalars"]) == ["loss", "val_loss"]
    scalars = run.Scalars("loss")
    assert [e.step for e in scalars] == [1, 2, 3]
    assert [e.value for e in scalars] == pytest.approx([1.0, 0.5, 1 / 3])  # float32 on disk
    content = run.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content[metadata.SESSION_START_INFO_TAG]
    ).session_start_info
    assert start.hparams["x"].number_value == 0.5
    assert start.hparams["kind"].string_value == "a"
    assert start.hparams["flag"].bool_value is True
    end = plugin_data_pb2.HParamsPluginData.FromString(content[metadata.SESSION_END_INFO_TAG])
    assert end.session_end_info.status == api_pb2.STATUS_SUCCESS

    failed = EventAccumulator(str(logdir / "trial_0003"))
    failed.Reload()
    end = plugin_data_pb2.HParamsPluginData.FromString(
        failed.PluginTagToContent("hparams")[metadata.SESSION_END_INFO_TAG]
    )
    assert end.session_end_info.status == api_pb2.STATUS_FAILURE

    root = EventAccumulator(str(logdir))
    root.Reload()
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        root.PluginTagToContent("hparams")[metadata.EXPERIMENT_TAG]
    ).experiment
    infos = {h.name: h for h in experiment.hparam_infos}
    assert list(infos) == ["x", "kind", "flag"]
    assert infos["x"].domain_interval.max_value == 2.0
    assert [v.string_value for v in infos["kind"].domain_discrete.values] == ["a", "b"]
    assert [m.name.tag for m in experiment.metric_infos] == ["loss", "val_loss"]


def test_mlflow_runs_in_a_file_store(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from tuner_cli.integrations.mlflow import MlflowLogger

    uri = (tmp_path / "mlruns").as_uri()
    logger = MlflowLogger(uri, study_config(tmp_path))
    for record in records():
        logger.trial_finished(record, None)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("tracked")
    runs = {
        r.data.tags["kt_run.trial_id"]: r for r in client.search_runs([experiment.experiment_id])
    }
    assert sorted(runs) == ["1", "2", "3"]
    first = runs["1"]
    assert first.info.run_name == "trial_0001"
    assert first.info.status == "FINISHED"
    assert first.data.params == {"x": "0.5", "kind": "a", "flag": "True"}
    history = client.get_metric_history(first.info.run_id, "loss")
    assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [
        (1, 1.0),
        (2, 0.5),
        (3, 1 / 3),
    ]
    assert first.data.metrics["score"] == 0.5
    assert runs["2"].info.status == "KILLED"
    assert runs["2"].data.tags["kt_run.status"] == "pruned"
    assert runs["3"].info.status == "FAILED"
    assert runs["3"].data.tags["kt_run.error"] == "ValueError: too far"


def test_search_logs_to_both(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    study_config(tmp_path, "logging: {tensorboard: tb, mlflow: 'file:./mlruns'}\n")
    result = invoke("search", "config.yaml", "--workers", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    trials = json.loads(invoke("trials", "--format", "json", cwd=tmp_path).stdout)
    assert len(trials) == 4
    assert sorted(p.name for p in (tmp_path / "tb").glob("trial_*")) == [
        f"trial_{t['id']:04d}" for t in trials
    ]
    from mlflow.tracking import MlflowClient

    # kt-run opened the file store without leaving MLflow's opt-in behind in the environment.
    assert "MLFLOW_ALLOW_FILE_STORE" not in os.environ
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=f"file:{tmp_path / 'mlruns'}")
    experiment = client.get_experiment_by_name("tracked")
    assert len(client.search_runs([experiment.experiment_id])) == 4


def test_missing_tracker_package_is_a_config_error(tmp_path):
    study_config(tmp_path, "logging: {mlflow: 'file:./mlruns'}\n")
    blocker = tmp_path / "blocked" / "mlflow"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named mlflow')\n")
    result = run_cli("search", "config.yaml", cwd=tmp_path, PYTHONPATH=str(blocker.parent))
    assert result.returncode == 2
    assert "logging.mlflow" in result.stderr
    assert "pip install 'kt-run[mlflow]'" in result.stderr
    assert not (tmp_path / "results" / "tracked" / "trials").exists()


def test_validate_names_a_missing_tracker_package_before_the_search_does(tmp_path):
    """``validate`` said "Config is valid." and the search then stopped at logging.mlflow: a CI
    job that validates first learnt of the missing package one step late."""
    study_config(tmp_path, "logging: {mlflow: 'file:./mlruns'}\n")
    blocker = tmp_path / "blocked" / "mlflow"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named mlflow')\n")
    path = os.pathsep.join([str(blocker.parent), str(REPO)])
    result = run_cli("validate", "config.yaml", "--no-build", cwd=tmp_path, PYTHONPATH=path)
    assert result.returncode == 2, result.stdout
    assert "logging.mlflow" in result.stderr
    assert "pip install 'kt-run[mlflow]'" in result.stderr
    assert "(config.yaml:9)" in result.stderr  # the line of logging.mlflow
    assert "Config is valid" not in result.stdout
    assert not (tmp_path / "mlruns").exists()


def test_validate_creates_no_tracker_folder(tmp_path):
    study_config(tmp_path, "logging: {tensorboard: tb, mlflow: 'file:./mlruns'}\n")
    result = invoke("validate", "config.yaml", "--no-build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "objectives.py"]


class _Recorder(SearchEvents):
    def __init__(self):
        self.calls: list[str] = []
        self.warnings: list[str] = []

    def trial_finished(self, record, best):
        self.calls.append(f"finished {record.id}")

    def epoch_ended(self, trial_id, epoch, epochs, logs):
        self.calls.append(f"epoch {trial_id}.{epoch}")

    def warning(self, message):
        self.warnings.append(message)


class _Broken(SearchEvents):
    def trial_finished(self, record, best):
        raise OSError("disk full")


def test_fanout_reaches_everyone_and_drops_a_failing_tracker():
    view, other = _Recorder(), _Recorder()
    fanout = EventFanout(view, [_Broken(), other])
    record = records()[0]
    with fanout:
        fanout.epoch_ended(1, 1, 3, {"loss": 1.0})
        fanout.trial_finished(record, record)
        fanout.trial_finished(record, record)
    assert view.calls == ["epoch 1.1", "finished 1", "finished 1"]
    assert other.calls == view.calls
    assert view.warnings == ["_Broken stopped logging: OSError: disk full"]


class _Stopping(_Recorder):
    def stop_requested(self, message):
        self.calls.append(f"stop {message}")


def test_a_pair_gives_both_views_every_event_and_the_first_ctrl_c_line_once(capfd):
    """``run_search(progress=True, events=...)``: the printed lines and the caller's own object
    both see warnings and the other events a tracker never gets; the line ``SearchEvents``
    writes on Ctrl-C comes once, not once for each view that keeps that default."""
    first, second = _Recorder(), _Stopping()
    pair = EventPair(first, second)
    with pair:
        pair.warning("slow")
        pair.trial_finished(records()[0], None)
        pair.stop_requested("finishing")
    assert first.warnings == second.warnings == ["slow"]
    assert first.calls == ["finished 1"]
    assert second.calls == ["finished 1", "stop finishing"]
    assert capfd.readouterr().err == "warning: finishing\n"
    EventPair(_Recorder(), _Recorder()).stop_requested("finishing")
    assert capfd.readouterr().err == "warning: finishing\n"


def _closed_port() -> int:
    """A local port nothing listens on: a connection to it is refused at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_mlflow_server_that_is_not_there_stops_the_search_at_once(tmp_path):
    """``mlflow: http://...`` with no server: MLflow's own retries (7, backing off to two
    minutes) held the search for four minutes after the first trial, then logged nothing. The
    tracker asks the server once, briefly, before any trial: exit 2 naming logging.mlflow."""
    import time

    url = f"http://127.0.0.1:{_closed_port()}"
    study_config(tmp_path, f"logging: {{mlflow: '{url}'}}\n")
    began = time.monotonic()
    result = run_cli("search", "config.yaml", "--workers", "0", cwd=tmp_path, timeout=120)
    assert time.monotonic() - began < 60
    assert result.returncode == 2, result.stderr
    assert "logging.mlflow" in result.stderr
    assert url in result.stderr
    assert "Connection refused" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


def test_mlflow_requests_are_bounded_unless_the_user_set_their_own(monkeypatch):
    """Every call to a server gives up within seconds (a few retries, a short timeout), so a
    server lost mid-search only switches the tracker off; the user's own settings win, and the
    environment is left as it was."""
    pytest.importorskip("mlflow")
    from mlflow.environment_variables import (
        MLFLOW_HTTP_REQUEST_MAX_RETRIES,
        MLFLOW_HTTP_REQUEST_TIMEOUT,
    )

    from tuner_cli.integrations.mlflow import _client_environment

    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "3")
    before = dict(os.environ)
    with _client_environment("http://127.0.0.1:1"):
        assert MLFLOW_HTTP_REQUEST_MAX_RETRIES.get() <= 2
        assert MLFLOW_HTTP_REQUEST_TIMEOUT.get() == 3
    assert dict(os.environ) == before


@pytest.mark.slow
def test_a_continued_hyperband_trial_is_one_run_with_each_epoch_once(tmp_path, monkeypatch):
    """A trial Hyperband promoted was logged again at each rung: its TensorBoard run repeated
    the earlier rungs' steps (1, 1, 2, 1, 2, 4) and MLflow held one run per rung, all named
    trial_0001. Now each trial is one run, each epoch logged once, also across a resume."""
    pytest.importorskip("mlflow")
    text = CONFIG.replace("max_trials: 4}", "max_epochs: 4, factor: 2}").replace(
        "name: random", "name: hyperband"
    )
    (tmp_path / "objectives.py").write_text(
        "def quadratic(hp, budget):\n    return {'loss': hp['x'] ** 2 + 1.0 / budget}\n"
    )
    (tmp_path / "config.yaml").write_text(
        text + "logging: {tensorboard: tb, mlflow: 'file:./mlruns'}\n"
    )
    first = invoke("search", "config.yaml", "--workers", "0", "--max-trials", "3", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    done = invoke("search", "config.yaml", "--workers", "0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "results" / "tracked" / "trials"
    trials = [json.loads(f.read_text()) for f in sorted(folder.glob("trial_*.json"))]
    continued = [t for t in trials if len(t["history"]) > 1]
    assert continued
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for trial in trials:
        run = EventAccumulator(str(tmp_path / "tb" / f"trial_{trial['id']:04d}"))
        run.Reload()
        steps = [e.step for e in run.Scalars("loss")]
        assert steps == [row["epoch"] for row in trial["history"]], trial["id"]
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=f"file:{tmp_path / 'mlruns'}")
    experiment = client.get_experiment_by_name("tracked")
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.info.run_name for r in runs) == [f"trial_{t['id']:04d}" for t in trials]
    for run in runs:
        trial = next(t for t in trials if t["id"] == int(run.data.tags["kt_run.trial_id"]))
        history = client.get_metric_history(run.info.run_id, "loss")
        assert sorted(m.step for m in history) == [row["epoch"] for row in trial["history"]]
        assert run.data.metrics["score"] == trial["score"]
        assert run.info.status == "FINISHED"


def test_a_relative_mlflow_store_is_beside_the_config_as_tensorboard_is(tmp_path, monkeypatch):
    """``mlflow: file:./mlruns`` went to the working folder while ``tensorboard: tb`` went beside
    the config; and MLflow keeps the store it opened for that text, so a second search in this
    process from another folder (a notebook's next cell) stopped on "'./mlruns' does not
    exist". Both are now the config's folder, as every other path in a config is."""
    pytest.importorskip("mlflow")
    configs, elsewhere = tmp_path / "configs", tmp_path / "elsewhere"
    configs.mkdir()
    elsewhere.mkdir()
    study_config(configs, "logging: {tensorboard: tb, mlflow: 'file:./mlruns'}\n")
    from tuner_cli.search import run_search

    for round_, cwd in enumerate([elsewhere, tmp_path], start=1):
        monkeypatch.chdir(cwd)
        run_search(
            configs / "config.yaml", output=tmp_path / "results", workers=0, max_trials=2 * round_
        )
    assert not (elsewhere / "mlruns").exists()
    assert not (tmp_path / "mlruns").exists()
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=(configs / "mlruns").as_uri())
    experiment = client.get_experiment_by_name("tracked")
    assert len(client.search_runs([experiment.experiment_id])) == 4


def test_a_measure_outside_the_history_is_logged_too(tmp_path, monkeypatch):
    """A multi-objective study's ``params`` objective (the model's size) is in the trial's
    metrics but no epoch's row: neither tracker had it, so the HParams dashboard and MLflow
    showed one side of the trade-off only."""
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from tuner_cli.integrations.mlflow import MlflowLogger
    from tuner_cli.integrations.tensorboard import TensorBoardLogger

    study = study_config(tmp_path)
    record = records()[0]
    record.metrics = {"loss": 1 / 3, "val_loss": 0.5, "params": 2410}
    TensorBoardLogger(tmp_path / "tb", study).trial_finished(record, None)
    run = EventAccumulator(str(tmp_path / "tb" / "trial_0001"))
    run.Reload()
    assert [(e.step, e.value) for e in run.Scalars("params")] == [(3, 2410.0)]
    uri = (tmp_path / "mlruns").as_uri()
    MlflowLogger(uri, study).trial_finished(record, None)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=uri)
    (found,) = client.search_runs([client.get_experiment_by_name("tracked").experiment_id])
    assert found.data.metrics["params"] == 2410
    assert found.data.tags["kt_run.objective"] == "loss (min)"
    assert [m.step for m in client.get_metric_history(found.info.run_id, "loss")] == [1, 2, 3]
