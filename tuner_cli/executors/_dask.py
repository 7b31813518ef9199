"""Trials on Dask: local worker processes (``--workers N``) or a cluster (``--scheduler ADDR``).

The runner sees plain ``concurrent.futures`` futures; this module turns Dask's outcomes into
them. A worker that dies under a trial makes that trial ``failed`` with the cause, and its
nanny starts a fresh process; a lost connection to the scheduler stops the search with an
error (the runner marks the trials in flight ``interrupted``, so a rerun trains them again).
Per-epoch progress comes back as Dask events on a topic private to this search.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import time
import uuid
from collections.abc import Collection, Mapping
from concurrent.futures import CancelledError, Future
from typing import Any

from distributed import Client, KilledWorker
from distributed import Future as DaskFuture

from tuner_cli.config import StudyConfig
from tuner_cli.errors import KtRunError
from tuner_cli.execution import TrialOutcome, TrialTask
from tuner_cli.executors._base import ProgressCallback, WarningCallback, ignore_warning
from tuner_cli.preflight import located
from tuner_cli.trial import TrialStatus
from tuner_cli.worker import IgnoreInterrupts, WorkerReply, check_in_worker, run_trial

POLL_S = 0.1
CLUSTER_INFO_TTL_S = 2.0
NO_WORKERS_WARNING_S = 10.0
EXIT_CODE_WAIT_S = 3.0
RELEASE_WAIT_S = 10.0
KEY_PREFIX = "kt-run-trial-"


class SchedulerLostError(KtRunError):
    """The driver lost the Dask scheduler; the search cannot go on without it."""


class DaskExecutor:
    """Runs each trial as one Dask task of ``tuner_cli.worker.run_trial``.

    ``exit_codes`` maps a worker address to how its process ended, when the workers' nannies
    live in this process (a local cluster); for remote workers only the address is known.
    """

    def __init__(
        self,
        client: Client,
        study: StudyConfig,
        on_progress: ProgressCallback,
        on_warning: WarningCallback = ignore_warning,
        *,
        resources: Mapping[str, float] | None = None,
        recycle_after: int | None = None,
        recycle_memory: int | None = None,
        exit_codes: Mapping[str, int] | None = None,
        owned_cluster: Any = None,
    ):
        self.client = client
        self.study = study
        self.on_progress = on_progress
        self.on_warning = on_warning
        self.resources = dict(resources or {})
        self.recycle_after = recycle_after
        self.recycle_memory = recycle_memory
        self.exit_codes = exit_codes if exit_codes is not None else {}
        self.nannies_here = exit_codes is not None
        self.owned_cluster = owned_cluster
        self.address = client.scheduler.address
        self.topic = f"kt-run-progress-{uuid.uuid4().hex}"
        self._events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._dask: dict[Future[TrialOutcome], DaskFuture] = {}
        self._memory_kills: dict[str, int] = {}
        self._info: dict[str, Any] = {}
        self._info_at = -CLUSTER_INFO_TTL_S
        self._no_workers_since: float | None = None
        self._warned_threads = False
        self._finished: list[tuple[WorkerReply, str]] = []
        """Trials returned but not yet checked for recycling their worker: that waits until
        the next submission, so the runner records the trial first."""
        self._allowed_failures = self._scheduler_allowed_failures()
        client.subscribe_topic(self.topic, lambda event: self._events.put(("progress", event)))
        client.subscribe_topic("all", lambda event: self._events.put(("cluster", event)))
        client.subscribe_topic(
            "worker-restart-memory", lambda event: self._events.put(("memory", event))
        )

    @property
    def slots(self) -> int:
        """Worker processes that can take a trial (one trial each), at least one."""
        workers = self._cluster_info().get("workers", {}).values()
        if not self.resources:
            return max(1, len(workers))
        return max(1, sum(self._fits(w.get("resources", {})) for w in workers))

    def _fits(self, offered: Mapping[str, float]) -> int:
        return min(int(offered.get(name, 0) // need) for name, need in self.resources.items())

    def preflight(self) -> None:
        """The pre-search check, on a worker as a trial would run: the driver needs no
        TensorFlow, and the worker it ran on starts its first trial warm."""
        check = self.client.submit(
            check_in_worker,
            self.study.text,
            str(self.study.path.resolve()),
            key=f"kt-run-check-{uuid.uuid4().hex[:8]}",
            pure=False,
            resources=self.resources or None,
        )
        try:
            while not check.done():
                self._handle_events()
                self._watch_workers()
                self._next_event()
            if check.status == "cancelled":
                raise SchedulerLostError(
                    f"lost the connection to the Dask scheduler at {self.address} during the "
                    "pre-search check"
                )
            error = check.exception() if check.status == "error" else None
            if isinstance(error, KilledWorker):
                raise KtRunError(
                    "the pre-search check (building the model at the default hyperparameter "
                    f"values) failed: {self._death_cause(error)}"
                )
            if error is not None:
                raise error
            problem = check.result()
        finally:
            check.release()
        if problem is not None:
            raise located(self.study, problem)

    def submit(self, task: TrialTask) -> Future[TrialOutcome]:
        while self._finished:
            self._maybe_recycle(*self._finished.pop())
        future: Future[TrialOutcome] = Future()
        future.set_running_or_notify_cancel()
        self._dask[future] = self.client.submit(
            run_trial,
            self.study.text,
            str(self.study.path.resolve()),
            task,
            self.topic,
            key=f"{KEY_PREFIX}{task.trial_id:04d}-{uuid.uuid4().hex[:8]}",
            pure=False,
            resources=self.resources or None,
        )
        return future

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        while True:
            self._handle_events()
            done = {f for f in futures if f.done() or self._settle(f)}
            if done:
                return done
            self._watch_workers()
            self._next_event()

    def close(self) -> None:
        for dask_future in self._dask.values():
            dask_future.release()
        self._dask.clear()
        try:
            for topic in (self.topic, "all", "worker-restart-memory"):
                self.client.unsubscribe_topic(topic)
            self.client.close(timeout=5)
        except Exception:  # noqa: BLE001 - closing after a lost scheduler must not hide the cause
            pass
        if self.owned_cluster is not None:
            self.owned_cluster.close(timeout=10)

    # outcomes

    def _settle(self, future: Future[TrialOutcome]) -> bool:
        """Resolve ``future`` if its Dask task ended; True when it did."""
        dask_future = self._dask[future]
        status = dask_future.status
        if status == "finished":
            try:
                reply: WorkerReply = dask_future.result()
            except CancelledError:
                raise SchedulerLostError(
                    f"lost the connection to the Dask scheduler at {self.address} while "
                    "fetching a result; rerun the same command to resume"
                ) from None
            self._forget(future)
            future.set_result(reply.outcome)
            self._finished.append((reply, dask_future.key))
            return True
        if status == "error":
            error = dask_future.exception()
            if isinstance(error, KilledWorker):
                future.set_result(self._died(error))
            else:
                future.set_exception(error)
        elif status == "cancelled":
            raise SchedulerLostError(
                f"lost the connection to the Dask scheduler at {self.address}; the trials "
                "that were running are marked interrupted: rerun the same command to resume"
            )
        else:
            return False
        self._forget(future)
        return True

    def _forget(self, future: Future[TrialOutcome]) -> None:
        """Release the result on the cluster: a worker lost while still holding a wanted
        result makes Dask run that trial again."""
        self._dask.pop(future).release()

    def _died(self, error: KilledWorker) -> TrialOutcome:
        worker = error.last_worker
        return TrialOutcome(
            status=TrialStatus.FAILED,
            error={"message": self._death_cause(error), "traceback": ""},
            worker=f"{worker.address} (pid {worker.pid})" if worker.pid else worker.address,
        )

    def _death_cause(self, error: KilledWorker) -> str:
        worker = error.last_worker
        rss = self._memory_kills.get(worker.address)
        code = self._exit_code(worker.address)
        if rss is not None:
            cause = (
                f"worker process was stopped for going over its memory limit "
                f"({rss / 2**20:.0f} MiB used, limit {worker.memory_limit / 2**20:.0f} MiB)"
            )
        elif code is not None:
            cause = f"worker process died ({_describe_exit(code)})"
        else:
            cause = f"worker process died or was lost ({worker.address})"
        if error.allowed_failures > 0:
            cause += f"; {error.allowed_failures + 1} workers died running this trial"
        return cause

    def _exit_code(self, address: str) -> int | None:
        """The scheduler may notice the lost connection before the nanny sees the process
        end, so a local nanny gets a moment to record the exit code."""
        deadline = time.monotonic() + (EXIT_CODE_WAIT_S if self.nannies_here else 0)
        while address not in self.exit_codes and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.exit_codes.get(address)

    def _maybe_recycle(self, reply: WorkerReply, key: str) -> None:
        """Replace a worker process that ran its share of trials or holds too much memory.

        Called before the next submission, so no trial of ours can be on it; the finished
        trial's result must be gone from the scheduler first, or Dask would recompute it on the
        replacement.
        """
        too_many = self.recycle_after is not None and reply.trials_done >= self.recycle_after
        too_big = self.recycle_memory is not None and reply.rss > self.recycle_memory
        if not (too_many or too_big):
            return
        deadline = time.monotonic() + RELEASE_WAIT_S
        while self._scheduler_holds(key) and time.monotonic() < deadline:
            time.sleep(0.02)
        worker = self._cluster_info(fresh=True).get("workers", {}).get(reply.address)
        if worker is None or not worker.get("nanny"):
            return
        if self.client.processing(workers=[reply.address]).get(reply.address):
            return
        try:
            self.client.restart_workers([reply.address], timeout=120, raise_for_error=True)
        except Exception as exc:  # noqa: BLE001 - a failed recycle is worth a line, not a stop
            self.on_warning(f"could not replace worker {reply.address}: {exc}")

    # events from the cluster

    def _handle_events(self) -> None:
        while True:
            try:
                self._handle(*self._events.get_nowait())
            except queue.Empty:
                return

    def _next_event(self) -> None:
        """Wait up to ``POLL_S`` for one event from the cluster and handle it."""
        with contextlib.suppress(queue.Empty):
            self._handle(*self._events.get(timeout=POLL_S))

    def _handle(self, kind: str, event: tuple[float, Any]) -> None:
        message = event[1]
        if kind == "progress":
            self.on_progress(message["trial"], message["epoch"], message["epochs"], message["logs"])
        elif kind == "memory":
            self._memory_kills[message["worker"]] = message["rss"]
        elif kind == "cluster" and message.get("action") == "remove-worker":
            self._worker_removed(message)

    def _worker_removed(self, message: dict[str, Any]) -> None:
        if message.get("expected") or self._allowed_failures == 0:
            return
        ours = sorted(
            int(key[len(KEY_PREFIX) :].split("-")[0])
            for key in message.get("processing-tasks", ())
            if isinstance(key, str) and key.startswith(KEY_PREFIX)
        )
        if ours:
            trials = ", ".join(map(str, ours))
            self.on_warning(
                f"worker {message['worker']} was lost while running trial {trials}; Dask runs "
                f"it again on another worker (a trial is failed after "
                f"{self._allowed_failures + 1} lost workers)"
            )

    def _watch_workers(self) -> None:
        if self.client.status not in ("running", "connecting", "newly-created"):
            raise SchedulerLostError(
                f"lost the connection to the Dask scheduler at {self.address} "
                f"(client {self.client.status})"
            )
        workers = self._cluster_info().get("workers", {})
        if workers:
            self._no_workers_since = None
            self._warn_about_threads(workers)
            return
        now = time.monotonic()
        if self._no_workers_since is None:
            self._no_workers_since = now
        elif now - self._no_workers_since > NO_WORKERS_WARNING_S:
            self.on_warning(
                f"the Dask scheduler at {self.address} has no workers; trials wait until one "
                "joins (start one with `dask worker " + self.address + " --nthreads 1`)"
            )
            self._no_workers_since = float("inf")

    def _warn_about_threads(self, workers: Mapping[str, Any]) -> None:
        threaded = sorted(a for a, w in workers.items() if w.get("nthreads", 1) > 1)
        if threaded and not self._warned_threads:
            self._warned_threads = True
            self.on_warning(
                f"worker {threaded[0]} has {workers[threaded[0]]['nthreads']} threads, but "
                "trials in one process run one at a time (Keras state is per process); start "
                "workers with `--nthreads 1` and use `--nworkers` for more processes"
            )

    def _cluster_info(self, fresh: bool = False) -> dict[str, Any]:
        now = time.monotonic()
        if fresh or now - self._info_at > CLUSTER_INFO_TTL_S:
            try:
                self._info = dict(self.client.scheduler_info(n_workers=-1))
            except Exception as exc:  # noqa: BLE001 - any comm failure means the same here
                raise SchedulerLostError(
                    f"lost the connection to the Dask scheduler at {self.address}: {exc}"
                ) from None
            self._info_at = now
        return self._info

    def _scheduler_holds(self, key: str) -> bool:
        holds = self.client.run_on_scheduler(lambda dask_scheduler: key in dask_scheduler.tasks)
        return bool(holds)

    def _scheduler_allowed_failures(self) -> int:
        """How often Dask reruns a trial whose worker died; an inline function travels by
        value, so a scheduler without kt-run installed can run it."""
        return int(
            self.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
        )


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"exit code {code}, {signal.Signals(-code).name}"
        except ValueError:
            return f"exit code {code}"
    return f"exit code {code}"


def connect(address: str) -> Client:
    """A client of the scheduler at ``address``, or an error that says what to check."""
    try:
        return Client(address, timeout="15s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise KtRunError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start one with "
            "`dask scheduler` and check the address and port"
        ) from None


def local_client(workers: int, memory_limit: int | None, keras: bool) -> tuple[Client, Any]:
    from tuner_cli.executors._local import start_local_cluster

    cluster = start_local_cluster(workers, memory_limit, keras)
    client = Client(cluster, set_as_default=False)
    client.register_plugin(IgnoreInterrupts())
    return client, cluster
