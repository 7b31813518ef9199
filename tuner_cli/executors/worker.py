"""What a Dask worker process runs for one trial, on this machine or another.

The driver sends the config's text and path rather than the validated objects: the text is
small and plain, and each worker process validates it once. What the config names in the
driver's ``__main__`` (a notebook's own builder), and on a cluster the config folder's Python,
travel with every task (``ShippedObjects``) and are set up once per worker process. Data is
loaded in the worker (``load_dataset`` caches per process), relative to the config's folder,
which must therefore exist on every worker machine. The worker
writes nothing to the results directory: it returns the outcome, model bytes included, and
the driver records it.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import psutil
from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from tuner_cli.config import StudyConfig, load_config_text
from tuner_cli.errors import ConfigError
from tuner_cli.training.execution import execute_trial
from tuner_cli.training.image_check_memo import SCRATCH_ENV
from tuner_cli.training.imports import ShippedObjects, shipped_main
from tuner_cli.training.keras_import import import_keras
from tuner_cli.training.preflight import check_study
from tuner_cli.trial import TrialOutcome, TrialTask

_one_trial_at_a_time = threading.Lock()
"""Keras keeps global state (the session, the random seeds): a worker process started with
several threads still trains one trial at a time. Objective functions are the user's own
plain Python and run on every thread at once."""

_trials_done = 0
_threads_set = False


@dataclass
class WorkerReply:
    """The outcome, and what the driver needs to decide whether to recycle this process."""

    outcome: TrialOutcome
    address: str
    pid: int
    trials_done: int
    rss: int


_installed: OrderedDict[str, ShippedObjects] = OrderedDict()
"""The shipped code this process has set up, by content: every task of a search carries the
same, unpickled and written to disk once here. A few at most (a long-lived cluster's worker
serves one search after another)."""
INSTALLED_KEPT = 4
_installing = threading.Lock()


def _shipped(shipped: ShippedObjects | None) -> ShippedObjects | None:
    """This process's copy of ``shipped`` (a task's argument): the first one of its content,
    with the objects it has loaded and its config folder's code written under the worker's
    local directory (which Dask removes when the worker stops)."""
    if shipped is None:
        return None
    with _installing:  # a worker with several threads runs objective functions side by side
        if shipped.digest not in _installed:
            if shipped.sources:
                folder = Path(get_worker().local_directory) / f"kt-run-code-{shipped.digest[:16]}"
                shipped.write_sources(folder)
            _installed[shipped.digest] = shipped
            while len(_installed) > INSTALLED_KEPT:
                _installed.popitem(last=False)
        _installed.move_to_end(shipped.digest)
        return _installed[shipped.digest]


def run_trial(
    config_text: str,
    config_path: str,
    task: TrialTask,
    topic: str,
    shipped: ShippedObjects | None = None,
) -> WorkerReply:
    """Train one trial in this worker process; epoch progress goes to the driver on ``topic``.
    ``shipped``: the search's ``__main__`` objects and, on a cluster, its config folder's code."""
    global _trials_done
    worker = get_worker()
    # the driver's clock for max_trial_time starts here, and it learns which worker to free
    # should the task be cancelled (Dask cannot stop a running one)
    worker.log_event(topic, {"trial": task.trial_id, "started": True, "worker": worker.address})
    study = _study(config_text, config_path)
    if study.is_keras:
        _limit_tensorflow_threads(worker.state.nthreads)

    def on_epoch(epoch: int, epochs: int, logs: dict[str, float]) -> bool:
        message = {"trial": task.trial_id, "epoch": epoch, "epochs": epochs, "logs": logs}
        worker.log_event(topic, message)
        return False

    with (
        _one_trial_at_a_time if study.is_keras else contextlib.nullcontext(),
        shipped_main(_shipped(shipped)),
        _printed_to_driver(worker, topic, task.trial_id),
    ):
        outcome = execute_trial(study, task, on_epoch)
        _trials_done += 1
        rss = psutil.Process().memory_info().rss
    return WorkerReply(outcome, worker.address, os.getpid(), _trials_done, rss)


def check_in_worker(
    config_text: str,
    config_path: str,
    seed: int,
    topic: str | None = None,
    shipped: ShippedObjects | None = None,
) -> ConfigError | dict[str, dict[str, Any]] | None:
    """The pre-search check (``tuner_cli.training.preflight``) in the process that will train.

    A problem is returned, not raised, so a worker of someone's cluster does not log it as a
    failed task; the error keeps its key, file and line on the way back. Otherwise the space a
    KerasTuner-style builder declares (None without one). As ``run_trial`` does, it tells the
    driver on ``topic`` when it starts, which starts the driver's clock for ``max_trial_time``.
    """
    if topic is not None:
        worker = get_worker()
        worker.log_event(topic, {"check": True, "started": True, "worker": worker.address})
    study = _study(config_text, config_path)
    if study.is_keras:
        _limit_tensorflow_threads(get_worker().state.nthreads)
    with (
        _one_trial_at_a_time,
        shipped_main(_shipped(shipped)),
        _printed_to_driver(get_worker(), topic, None),
    ):
        try:
            return check_study(study, seed)
        except ConfigError as exc:
            return _elsewhere(exc, study)
        except KeyboardInterrupt:
            # signals are ignored in workers, so user code raised it; raised on, it would kill
            # the worker and the search would report a dead worker instead
            return ConfigError(
                "user code (the data loader or the model builder) raised KeyboardInterrupt "
                "during the pre-search check",
                key_path=("model",) if study.is_keras else ("objective_function",),
            )


MAX_PRINTED_LINES = 1_000
"""Lines of one trial's prints sent to the driver; a print in a training loop's every step
would flood the scheduler and the screen."""


class _LinesToDriver(io.TextIOBase):
    """What user code prints in a worker, sent to the driver a line at a time, which prints it
    where its own output goes: written to the terminal the worker shares, a line landed inside
    the live panel and the next redraw erased it (and a notebook never showed it). A line
    redrawn with ``\r`` (a progress bar) is sent as it ends."""

    def __init__(self, send: Callable[[str], None]):
        self._send = send
        self._pending = ""
        self._sent = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self._line(line.rsplit("\r", 1)[-1])
        return len(text)

    def close_lines(self) -> None:
        if self._pending:
            self._line(self._pending.rsplit("\r", 1)[-1])
            self._pending = ""

    def _line(self, line: str) -> None:
        self._sent += 1
        if self._sent <= MAX_PRINTED_LINES:
            self._send(line)
        elif self._sent == MAX_PRINTED_LINES + 1:
            self._send(f"(more printed lines left out after {MAX_PRINTED_LINES:,})")


@contextlib.contextmanager
def _printed_to_driver(worker: Any, topic: str | None, trial_id: int | None) -> Iterator[None]:
    """``print`` and ``sys.stderr`` of user code, sent to the driver on ``topic`` while it
    runs. Only in a worker that runs one task at a time: the streams are the process's."""
    if topic is None or worker.state.nthreads != 1:
        yield
        return
    streams = {
        name: _LinesToDriver(
            lambda line, name=name: worker.log_event(
                topic, {"trial": trial_id, "printed": line, "stream": name}
            )
        )
        for name in ("stdout", "stderr")
    }
    try:
        with (
            contextlib.redirect_stdout(streams["stdout"]),
            contextlib.redirect_stderr(streams["stderr"]),
        ):
            yield
    finally:
        for stream in streams.values():
            stream.close_lines()


def _elsewhere(error: ConfigError, study: StudyConfig) -> ConfigError:
    """A worker of a cluster, on a machine without the config's folder, says so: a data file
    it cannot find exists on the driver's machine, where the user looks first."""
    if study.base_dir.is_dir():
        return error
    return ConfigError(
        f"{error.message} (on the worker {get_worker().address}, whose machine has no "
        f"{study.base_dir}: kt-run sends the folder's Python to the cluster, but data files "
        "must be at the same path on every worker machine)",
        key_path=error.key_path,
    )


def usable_cores() -> int:
    """Cores this process may run on (a container or ``taskset`` may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@lru_cache(maxsize=4)
def _study(config_text: str, config_path: str) -> StudyConfig:
    return load_config_text(config_text, Path(config_path))


def _limit_tensorflow_threads(nthreads: int) -> None:
    """Share the cores among the trials this machine runs at once, before TensorFlow's first op.

    Local workers get ``TF_NUM_INTRAOP_THREADS`` from the driver (cores // workers); a worker
    started by hand uses its environment's value, else its machine's cores divided by its own
    thread count.
    """
    global _threads_set
    if _threads_set:
        return
    _threads_set = True
    per_trial = int(os.environ.get("TF_NUM_INTRAOP_THREADS") or max(1, usable_cores() // nthreads))
    os.environ.setdefault("OMP_NUM_THREADS", str(per_trial))
    import_keras()
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(per_trial)
        tf.config.threading.set_inter_op_parallelism_threads(per_trial)
    except RuntimeError:  # TensorFlow already ran something in this process: keep its pools
        pass


class IgnoreInterrupts(WorkerPlugin):
    """Ctrl-C in a terminal reaches every process of the group, local workers included; the
    driver decides what it means (finish the running trials, or stop), so workers ignore it.
    So with SIGHUP, when the terminal closes: the driver stops them, its trials interrupted
    rather than failed with a dead worker."""

    name = "kt-run-ignore-interrupts"

    def setup(self, worker) -> None:
        import signal

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            # blocked since the forkserver started (``_forkserver``); a trial's own
            # subprocesses then start with the usual signal mask
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class ScratchTemporaryFolder(WorkerPlugin):
    """A local worker makes its temporary files in the search's scratch folder, which the
    search removes when it ends (and the next search, when it was killed).

    A worker stopped mid-trial (a second Ctrl-C, ``max_trial_time``, a memory limit, a killed
    search) never removes what its trial had made through ``tempfile``: Keras' ``model.save``
    folders, TensorFlow's autograph files. In the temporary directory they stayed for good,
    under names kt-run cannot tell from anyone else's. ``TMPDIR`` is set for the worker by its
    nanny, but a worker forked from a forkserver that imported Keras inherits ``tempfile``'s
    folder already chosen, so it is chosen again here."""

    name = "kt-run-scratch-temporary-folder"

    def setup(self, worker) -> None:
        folder = os.environ.get(SCRATCH_ENV)
        if folder and os.path.isdir(folder):
            tempfile.tempdir = folder
