"""MLflow: each finished trial becomes a run in an experiment named after the study.

A run carries the trial's hyperparameters as params, its per-epoch history as metrics (step =
epoch), its score, and its status (completed -> FINISHED, failed -> FAILED, pruned -> KILLED,
with the exact kt-run status in the ``kt_run.status`` tag).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

from tuner_cli.config import StudyConfig
from tuner_cli.events import SearchEvents
from tuner_cli.trial import TrialRecord, TrialStatus

_RUN_STATUS = {
    TrialStatus.COMPLETED: "FINISHED",
    TrialStatus.FAILED: "FAILED",
    TrialStatus.PRUNED: "KILLED",
}
PARAM_LIMIT = 6000
"""MLflow rejects longer parameter values."""


class MlflowLogger(SearchEvents):
    def __init__(self, tracking_uri: str, study: StudyConfig):
        with _file_store_allowed(tracking_uri):
            self.client = MlflowClient(tracking_uri=tracking_uri)
        self.study = study
        self._experiment_id: str | None = None

    @property
    def experiment_id(self) -> str:
        if self._experiment_id is None:
            name = self.study.config.name
            found = self.client.get_experiment_by_name(name)
            self._experiment_id = (
                found.experiment_id if found else self.client.create_experiment(name)
            )
        return self._experiment_id

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        objective = self.study.objective
        tags = {
            "kt_run.study": self.study.config.name,
            "kt_run.trial_id": str(record.id),
            "kt_run.status": record.status.value,
            "kt_run.objective": f"{objective.name} ({objective.direction})",
        }
        if record.error:
            tags["kt_run.error"] = record.error.get("message", "")[:PARAM_LIMIT]
        run = self.client.create_run(
            self.experiment_id,
            start_time=_millis(record.started_at),
            tags=tags,
            run_name=f"trial_{record.id:04d}",
        )
        run_id = run.info.run_id
        params = [Param(name, _param_text(value)) for name, value in record.hyperparameters.items()]
        metrics = [
            Metric(name, float(value), _millis(record.finished_at), int(row.get("epoch", step)))
            for step, row in enumerate(record.history, start=1)
            for name, value in row.items()
            if name != "epoch" and isinstance(value, (int, float))
        ]
        if record.score is not None:
            metrics.append(Metric("score", record.score, _millis(record.finished_at), 0))
        for start in range(0, max(len(metrics), 1), 1000):
            self.client.log_batch(
                run_id,
                metrics=metrics[start : start + 1000],
                params=params if start == 0 else [],
            )
        self.client.set_terminated(
            run_id,
            status=_RUN_STATUS.get(record.status, "KILLED"),
            end_time=_millis(record.finished_at),
        )


@contextmanager
def _file_store_allowed(uri: str) -> Iterator[None]:
    """MLflow 3 keeps its file store in maintenance mode and refuses to open it unless asked;
    a config that names a file: URI is asking.

    The permission lasts while the client opens its store (MLflow keeps it cached by URI), so
    the caller's own environment, a notebook's for instance, is left as it was.
    """
    is_file_store = uri.startswith("file:") or "://" not in uri and not uri.startswith("databricks")
    if not is_file_store or "MLFLOW_ALLOW_FILE_STORE" in os.environ:
        yield
        return
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        yield
    finally:
        del os.environ["MLFLOW_ALLOW_FILE_STORE"]


def _param_text(value: Any) -> str:
    return (value if isinstance(value, str) else repr(value))[:PARAM_LIMIT]


def _millis(iso: str | None) -> int:
    if iso:
        try:
            return int(datetime.fromisoformat(iso).timestamp() * 1000)
        except ValueError:
            pass
    return int(time.time() * 1000)
