"""TensorBoard: per-epoch scalars for each trial, and the HParams dashboard for the study.

Written with TensorBoard's own record writer and protocol buffers, never through TensorFlow, so
the driver pays no TensorFlow import for it. Layout (``tensorboard --logdir DIR``)::

    DIR/events.out.tfevents...            the HParams experiment: parameters and metrics
    DIR/trial_0001/events.out.tfevents... epoch scalars, session start (values), session end

A trial Hyperband (or BOHB, ASHA) continues gets one more file in its folder per run, with
only the epochs that run trained.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

from tuner_cli.config import StudyConfig
from tuner_cli.events import SearchEvents
from tuner_cli.integrations._continued import epochs_before_this_run, measured_once, rows_after
from tuner_cli.space import BoolParam, ChoiceParam, FixedParam, FloatParam, IntParam
from tuner_cli.trial import TrialRecord, TrialStatus

_STATUS = {
    TrialStatus.COMPLETED: api_pb2.STATUS_SUCCESS,
    TrialStatus.PRUNED: api_pb2.STATUS_SUCCESS,
    TrialStatus.FAILED: api_pb2.STATUS_FAILURE,
}


class EventFile:
    """One ``events.out.tfevents`` file: a version record, then one event per ``write``."""

    _count = 0

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        EventFile._count += 1
        name = (
            f"events.out.tfevents.{time.time():.6f}.{socket.gethostname()}."
            f"{os.getpid()}.{EventFile._count}"
        )
        self._handle = open(folder / name, "wb")  # noqa: SIM115 - closed by close()
        self._writer = RecordWriter(self._handle)
        self.write(event_pb2.Event(file_version="brain.Event:2"))

    def write(self, event: event_pb2.Event) -> None:
        if not event.wall_time:
            event.wall_time = time.time()
        self._writer.write(event.SerializeToString())

    def summary(self, summary: summary_pb2.Summary, step: int = 0, wall_time: float = 0) -> None:
        self.write(event_pb2.Event(summary=summary, step=step, wall_time=wall_time))

    def close(self) -> None:
        self._handle.flush()
        self._handle.close()


def hparams_summary(tag: str, data: plugin_data_pb2.HParamsPluginData) -> summary_pb2.Summary:
    summary = summary_pb2.Summary()
    summary.value.add(
        tag=tag, metadata=metadata.create_summary_metadata(data), tensor=metadata.NULL_TENSOR
    )
    return summary


class TensorBoardLogger(SearchEvents):
    def __init__(self, folder: Path, study: StudyConfig):
        self.folder = folder
        self.study = study
        self.metrics: list[str] = []
        folder.mkdir(parents=True, exist_ok=True)

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        once = measured_once(record)
        names = [k for row in record.history for k in row if k != "epoch"] + list(once)
        new = [n for n in dict.fromkeys(names) if n not in self.metrics]
        if new or not self.metrics:
            self.metrics += new
            self._write_experiment()
        folder = self.folder / f"trial_{record.id:04d}"
        # a continued trial's earlier runs are in its folder already; without one (the logging
        # was added on resume) the whole history goes in
        logged = epochs_before_this_run(record) if folder.is_dir() else 0
        run = EventFile(folder)
        try:
            start = _epoch_seconds(record.started_at)
            session = plugin_data_pb2.SessionStartInfo(
                group_name=f"trial_{record.id:04d}", start_time_secs=start
            )
            for name, value in record.hyperparameters.items():
                _set_value(session.hparams[name], value)
            run.summary(
                hparams_summary(
                    metadata.SESSION_START_INFO_TAG,
                    plugin_data_pb2.HParamsPluginData(session_start_info=session),
                ),
                wall_time=start,
            )
            for epoch, row in rows_after(record, logged):
                summary = summary_pb2.Summary()
                for name, value in row.items():
                    if name != "epoch" and isinstance(value, (int, float)):
                        summary.value.add(tag=name, simple_value=float(value))
                run.summary(summary, step=epoch)
            if once:
                summary = summary_pb2.Summary()
                for name, value in once.items():
                    summary.value.add(tag=name, simple_value=value)
                run.summary(summary, step=_last_epoch(record))
            end = plugin_data_pb2.SessionEndInfo(
                status=_STATUS.get(record.status, api_pb2.STATUS_UNKNOWN),
                end_time_secs=_epoch_seconds(record.finished_at),
            )
            run.summary(
                hparams_summary(
                    metadata.SESSION_END_INFO_TAG,
                    plugin_data_pb2.HParamsPluginData(session_end_info=end),
                )
            )
        finally:
            run.close()

    def _write_experiment(self) -> None:
        """The dashboard's columns: every hyperparameter with its domain, every metric seen."""
        experiment = api_pb2.Experiment(
            name=self.study.config.name,
            time_created_secs=time.time(),
            hparam_infos=[_hparam_info(n, p) for n, p in self.study.space.params.items()],
            metric_infos=[
                api_pb2.MetricInfo(
                    name=api_pb2.MetricName(tag=name),
                    display_name=name,
                    dataset_type=api_pb2.DATASET_VALIDATION
                    if name.startswith("val_")
                    else api_pb2.DATASET_TRAINING,
                )
                for name in self.metrics or [self.study.objective.name]
            ],
        )
        root = EventFile(self.folder)
        try:
            root.summary(
                hparams_summary(
                    metadata.EXPERIMENT_TAG,
                    plugin_data_pb2.HParamsPluginData(experiment=experiment),
                )
            )
        finally:
            root.close()


def _hparam_info(name: str, param: Any) -> api_pb2.HParamInfo:
    info = api_pb2.HParamInfo(name=name, display_name=name)
    if isinstance(param, IntParam | FloatParam):
        info.type = api_pb2.DATA_TYPE_FLOAT64
        info.domain_interval.min_value = float(param.min)
        info.domain_interval.max_value = float(param.max)
        return info
    values = param.grid_values() if isinstance(param, ChoiceParam | BoolParam | FixedParam) else []
    kinds = {_data_type(v) for v in values}
    if len(kinds) == 1:
        info.type = kinds.pop()
        for value in values:
            _set_value(info.domain_discrete.values.add(), value)
    return info


def _data_type(value: Any) -> int:
    if isinstance(value, bool):
        return api_pb2.DATA_TYPE_BOOL
    if isinstance(value, int | float):
        return api_pb2.DATA_TYPE_FLOAT64
    return api_pb2.DATA_TYPE_STRING


def _set_value(target: Any, value: Any) -> None:
    """A ``google.protobuf.Value``: booleans, numbers and strings as such, anything else as text."""
    if isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int | float):
        target.number_value = float(value)
    else:
        target.string_value = value if isinstance(value, str) else str(value)


def _last_epoch(record: TrialRecord) -> int:
    return int(record.history[-1].get("epoch", len(record.history))) if record.history else 0


def _epoch_seconds(iso: str | None) -> float:
    from datetime import datetime

    if not iso:
        return time.time()
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return time.time()
