"""MLflow: each finished trial becomes a run in an experiment named after the study.

A run carries the trial's hyperparameters as params, its per-epoch history as metrics (step =
epoch), its score, and its status (completed -> FINISHED, failed -> FAILED, pruned -> KILLED,
with the exact kt-run status in the ``kt_run.status`` tag). A trial Hyperband (or BOHB, ASHA)
continues stays one run, which each further run adds its epochs to.

Every request to a tracking server is bounded (a short timeout, two retries): MLflow's own
defaults (seven retries backing off to two minutes) held the search for minutes when no server
answered. A server that does not answer when the search starts stops it there, before any
trial; one lost later only switches the tracker off (``EventFanout``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

from tuner_cli.config import StudyConfig
from tuner_cli.events import SearchEvents
from tuner_cli.integrations._continued import epochs_before_this_run, measured_once, rows_after
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
        self.uri = _store_uri(tracking_uri, study)
        self.study = study
        with _client_environment(self.uri):
            self.client = MlflowClient(tracking_uri=self.uri)
            name = study.config.name
            # asked now, so a store that cannot be reached is said before the first trial
            found = self.client.get_experiment_by_name(name)
            self.experiment_id = (
                found.experiment_id if found else self.client.create_experiment(name)
            )

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        with _client_environment(self.uri):
            self._log(record)

    def _log(self, record: TrialRecord) -> None:
        objectives = ", ".join(f"{o.name} ({o.direction})" for o in self.study.objectives)
        tags = {
            "kt_run.study": self.study.config.name,
            "kt_run.trial_id": str(record.id),
            "kt_run.status": record.status.value,
            "kt_run.objective": objectives,
        }
        if record.error:
            tags["kt_run.error"] = record.error.get("message", "")[:PARAM_LIMIT]
        logged = epochs_before_this_run(record)
        run_id = self._earlier_run(record) if logged else None
        if run_id is None:
            logged = 0
            run = self.client.create_run(
                self.experiment_id,
                start_time=_millis(record.started_at),
                tags=tags,
                run_name=f"trial_{record.id:04d}",
            )
            run_id = run.info.run_id
            params = [
                Param(name, _param_text(value)) for name, value in record.hyperparameters.items()
            ]
        else:
            self.client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
            params = []
        at = _millis(record.finished_at)
        rows = rows_after(record, logged)
        metrics = [
            Metric(name, float(value), at, epoch)
            for epoch, row in rows
            for name, value in row.items()
            if name != "epoch" and isinstance(value, (int, float))
        ]
        # at the trial's last epoch, so a continued trial's score has one point per run
        step = rows[-1][0] if rows else logged
        metrics += [Metric(name, value, at, step) for name, value in measured_once(record).items()]
        if record.score is not None:
            metrics.append(Metric("score", record.score, at, step))
        for start in range(0, max(len(metrics), 1), 1000):
            self.client.log_batch(
                run_id,
                metrics=metrics[start : start + 1000],
                params=params if start == 0 else [],
            )
        self.client.set_terminated(
            run_id, status=_RUN_STATUS.get(record.status, "KILLED"), end_time=at
        )

    def _earlier_run(self, record: TrialRecord) -> str | None:
        """The run a continued trial's earlier runs logged to, if this store has one."""
        found = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.`kt_run.trial_id` = '{record.id}'",
            max_results=1,
        )
        return found[0].info.run_id if found else None


def _is_file_store(uri: str) -> bool:
    return uri.startswith("file:") or "://" not in uri and not uri.startswith("databricks")


def _store_uri(uri: str, study: StudyConfig) -> str:
    """A file store as an absolute ``file:`` URI, its folder made: a relative one is from the
    config's folder, as every path in a config is (``tensorboard:`` too), not from wherever
    the search was started. MLflow keeps the store it opened for a URI's text for the life of
    the process, so a relative one, or a folder since removed, failed the next search there."""
    if not _is_file_store(uri):
        return uri
    path = uri.removeprefix("file:")
    if path.startswith("//"):
        path = urlparse(uri).path
    folder = study.resolve_path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder.as_uri()


_BOUNDED_REQUESTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}
"""At most about half a minute per request to a server that does not answer."""


@contextmanager
def _client_environment(uri: str) -> Iterator[None]:
    """The settings kt-run's calls to MLflow run with, for their duration only, so the
    caller's own environment (a notebook's, for instance) is left as it was; a variable the
    user set is theirs and wins.

    Requests are bounded (``_BOUNDED_REQUESTS``). MLflow 3 keeps its file store in maintenance
    mode and refuses to open it unless asked; a config that names a file: URI is asking.
    """
    wanted = dict(_BOUNDED_REQUESTS)
    if _is_file_store(uri):
        wanted["MLFLOW_ALLOW_FILE_STORE"] = "true"
    added = {name: value for name, value in wanted.items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _param_text(value: Any) -> str:
    return (value if isinstance(value, str) else repr(value))[:PARAM_LIMIT]


def _millis(iso: str | None) -> int:
    if iso:
        try:
            return int(datetime.fromisoformat(iso).timestamp() * 1000)
        except ValueError:
            pass
    return int(time.time() * 1000)
