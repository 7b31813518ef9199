"""Trials on Dask: local worker processes (``--workers N``) or a cluster (``--scheduler ADDR``).

The runner sees plain ``concurrent.futures`` futures; this module turns Dask's outcomes into
them. A worker that dies under a trial makes that trial ``failed`` with the cause, and a fresh
process takes its place; a connection to the scheduler that breaks and comes back costs the
running trials a new start, and one that does not come back stops the search with an error (the
runner marks the trials in flight ``interrupted``, so a rerun trains them again). Per-epoch
progress comes back as Dask events on a topic private to this search.

Waiting is driven by events: a finished Dask future or a progress message wakes the driver at
once, and the driver otherwise sleeps until the next thing it must check (a trial's time limit,
the workers about once a second). Every wait has a bound: a trial past ``max_trial_time`` is
failed and its worker replaced, and a cluster without workers for ``no_worker_timeout`` ends
the search.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import CancelledError, Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from distributed import Client, KilledWorker
from distributed import Future as DaskFuture
from distributed.comm import connect as open_comm
from distributed.comm.addressing import parse_address, parse_host_port

from tuner_cli.config import StudyConfig
from tuner_cli.errors import LESS_MEMORY, ConfigError, KtRunError, UsageError
from tuner_cli.executors._base import (
    CheckRanTooLongError,
    NoWorkersError,
    ProgressCallback,
    WarningCallback,
    ignore_warning,
)
from tuner_cli.executors._held_signals import held_signals
from tuner_cli.executors._local import LocalWorkers
from tuner_cli.executors.worker import (
    IgnoreInterrupts,
    ScratchTemporaryFolder,
    WorkerReply,
    check_in_worker,
    run_trial,
)
from tuner_cli.training.imports import ShippedObjects
from tuner_cli.trial import TrialOutcome, TrialStatus, TrialTask
from tuner_cli.wording import RESUME, format_span, plural

if TYPE_CHECKING:
    from distributed.scheduler import WorkerState

T = TypeVar("T")

WATCH_S = 1.0
"""How often the driver looks at the cluster's workers when nothing else wakes it."""
NO_WORKERS_FIRST_WARNING_S = 10.0
NO_WORKERS_WARNING_EVERY_S = 60.0
EXIT_CODE_WAIT_S = 3.0
RELEASE_WAIT_S = 10.0
RETIRE_TIMEOUT_S = 10.0
RESTART_TIMEOUT_S = 120.0
RECONNECT_WAIT_S = 30.0
"""How long a client that lost the scheduler's connection is given to get it back (Dask's
client tries for its connect timeout, 15 s here)."""
RESUBMITS = 3
"""Times one trial's task cancelled on the cluster is submitted again before the search stops."""
KEY_PREFIX = "kt-run-trial-"
CHECK_PREFIX = "kt-run-check-"
REPLACED = "its worker process was replaced"


class SchedulerLostError(KtRunError):
    """The driver lost the Dask scheduler; the search cannot go on without it."""


class DaskExecutor:
    """Runs each trial as one Dask task of ``tuner_cli.executors.worker.run_trial``.

    ``local_workers`` is set when this search started the cluster: it then owns the worker
    processes, replaces them itself and knows how each one ended. On someone else's cluster
    only the addresses are known, and a worker is restarted through its nanny, if it has one.
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
        no_worker_timeout: float | None = None,
        local_workers: LocalWorkers | None = None,
        shipped: ShippedObjects | None = None,
    ):
        self.client = client
        self.study = study
        self.on_progress = on_progress
        self.on_warning = on_warning
        self.resources = dict(resources or {})
        self.recycle_after = recycle_after
        self.recycle_memory = recycle_memory
        self.no_worker_timeout = no_worker_timeout
        self.local = local_workers
        self.address = client.scheduler.address
        self.topic = f"kt-run-progress-{uuid.uuid4().hex}"
        self.shipped = shipped
        """The ``__main__`` objects (and a cluster's config folder code) each task carries:
        not a worker plugin: with one registered, a trial sent to a worker its nanny was
        restarting after a hung trial was lost (test_replacing_a_hung_trial_s_worker_...)."""
        self._wake = threading.Event()
        self._events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._dask: dict[Future[TrialOutcome], DaskFuture] = {}
        self._tasks: dict[Future[TrialOutcome], TrialTask] = {}
        self._running_since: dict[int, tuple[float, str]] = {}
        """Trial id -> (when its worker began it, the worker's address)."""
        self._check_since: tuple[float, str] | None = None
        """When a worker began the pre-search check, and which one."""
        self._checking = False
        """Whether the pre-search check is waiting or running: a search that ends then has
        started no trial."""
        self._memory_kills: dict[str, int] = {}
        self._info: dict[str, Any] = {}
        self._nthreads: dict[str, int] | None = None
        self._restarts: list[threading.Thread] = []
        self._next_watch = 0.0
        self._no_workers_since: float | None = None
        self._no_workers_warned_at = 0.0
        self._warned_threads = False
        self._finished: list[tuple[WorkerReply, str]] = []
        """Trials returned but not yet checked for recycling their worker: that waits until
        the next submission, so the runner records the trial first."""
        self._resubmits: dict[int, int] = {}
        self._recycles_put_off: set[str] = set()
        """Cluster workers whose recycle waits because they run others' tasks (warned once)."""
        self._allowed_failures = self._scheduler_allowed_failures()
        self._subscribe()
        if self.local is not None:
            self.local.on_change = self._wake.set
        self._restore_logs = _quiet_client_logs() if self.local is None else lambda: None

    def _subscribe(self) -> None:
        """Listen to this search's progress and the cluster's events; sent again after a lost
        connection, since a scheduler restarted meanwhile knows no subscriptions."""
        for topic, kind in ((self.topic, "progress"), ("all", "cluster")):
            self.client.subscribe_topic(topic, lambda event, kind=kind: self._event(kind, event))
        self.client.subscribe_topic("worker-restart-memory", self._memory_kill)

    @property
    def slots(self) -> int:
        """Trials at once: the workers this search keeps, or those the cluster has now."""
        if self.local is not None:
            return self.local.count
        workers = self._workers().values()
        if not self.resources:
            return max(1, len(workers))
        return max(1, sum(self._fits(w.get("resources", {})) for w in workers))

    def _fits(self, offered: Mapping[str, float]) -> int:
        """How many trials at once a worker offering ``offered`` takes (1 when none needs
        resources, a worker running one trial at a time)."""
        return min(
            (int(offered.get(name, 0) // need) for name, need in self.resources.items()),
            default=1,
        )

    def preflight(self, seed: int) -> dict[str, dict[str, Any]] | None:
        """The pre-search check, on a worker as a trial would run: the driver needs no
        TensorFlow, and the worker it ran on starts its first trial warm. Returns the space a
        KerasTuner-style builder declares, found there."""
        if self.local is None:
            self._free_held_workers()
        check = self.client.submit(
            check_in_worker,
            self.study.text,
            str(self.study.path.resolve()),
            seed,
            self.topic,
            self.shipped,
            key=f"{CHECK_PREFIX}{uuid.uuid4().hex[:8]}",
            pure=False,
            resources=self.resources or None,
        )
        check.add_done_callback(lambda _: self._wake.set())
        limit = self.study.config.strategy.trial_time_limit_s()
        self._checking = True
        try:
            while not check.done():
                if limit is not None and self._check_since is not None:
                    since, worker = self._check_since
                    if time.monotonic() - since >= limit:
                        self._stop_check(check, worker)
                        raise CheckRanTooLongError(limit, self.study.is_keras)
                    self._idle(min(since + limit, time.monotonic() + WATCH_S))
                else:
                    self._idle(time.monotonic() + WATCH_S)
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
            answer = check.result()
        finally:
            self._checking = False
            check.release()
        if isinstance(answer, ConfigError):
            raise self.study.locate(answer)
        return answer

    def _stop_check(self, check: DaskFuture, worker: str) -> None:
        """Free the worker a hung check holds, as for a hung trial: a local one is stopped
        when the search closes its cluster; a cluster's is restarted by its nanny (or taken
        off the cluster), so the next search does not queue behind it."""
        check.release()
        if self.local is None:
            self._wait_released(check.key)
            self._replace(worker, "the pre-search check ran past max_trial_time", stuck=True)

    def submit(self, task: TrialTask) -> Future[TrialOutcome]:
        while self._finished:
            self._maybe_recycle(*self._finished.pop())
        self._await_restarts()
        future: Future[TrialOutcome] = Future()
        future.set_running_or_notify_cancel()
        self._dask[future] = self._submit_task(task)
        self._tasks[future] = task
        return future

    def _submit_task(self, task: TrialTask) -> DaskFuture:
        dask_future = self.client.submit(
            run_trial,
            self.study.text,
            str(self.study.path.resolve()),
            task,
            self.topic,
            self.shipped,
            key=f"{KEY_PREFIX}{task.trial_id:04d}-{uuid.uuid4().hex[:8]}",
            pure=False,
            resources=self.resources or None,
        )
        dask_future.add_done_callback(lambda _: self._wake.set())
        return dask_future

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        while True:
            self._handle_events()
            self._collect_results(futures)
            done = {f for f in futures if f.done() or self._settle(f)}
            done |= self._stop_overdue(futures)
            if done:
                return done
            self._idle(self._next_deadline(futures))

    def close(self) -> None:
        """Release the trials and let the cluster go, with Ctrl-C and SIGTERM held until done
        (``held_signals``): the close follows a "stop now" as often as a finished search, and
        one interrupted halfway left Dask's exit hook to close the cluster again, with its
        traceback. The first signal held is delivered afterwards."""
        with held_signals(hold_all=True) as held:
            self._close()
        held.deliver()

    def _close(self) -> None:
        self._await_restarts()  # a hung worker left behind would hold a slot forever
        for dask_future in self._dask.values():
            dask_future.release()
        self._dask.clear()
        self._tasks.clear()
        try:
            for topic in (self.topic, "all", "worker-restart-memory"):
                self.client.unsubscribe_topic(topic)
            self.client.close(timeout=5)
        except Exception:  # noqa: BLE001 - closing after a lost scheduler must not hide the cause
            pass
        finally:
            self._restore_logs()
        if self.local is not None:
            self.local.close()

    # waiting

    def _event(self, kind: str, event: tuple[float, Any]) -> None:
        """Called on the client's thread: queue the event and wake the driver."""
        self._events.put((kind, event))
        self._wake.set()

    def _idle(self, until: float) -> None:
        """Sleep until woken or ``until``; look at the workers when that is due."""
        now = time.monotonic()
        if now >= self._next_watch:
            self._watch_workers(now)
            self._next_watch = now + WATCH_S
        self._wake.wait(max(0.0, min(until, self._next_watch) - now))
        self._wake.clear()
        self._handle_events()

    def _next_deadline(self, futures: Collection[Future[TrialOutcome]]) -> float:
        limits = [
            self._running_since[task.trial_id][0] + task.time_limit_s
            for task in (self._tasks[f] for f in futures if f in self._tasks)
            if task.time_limit_s is not None and task.trial_id in self._running_since
        ]
        return min(limits, default=time.monotonic() + WATCH_S)

    def _stop_overdue(self, futures: Collection[Future[TrialOutcome]]) -> set[Future]:
        """Fail each trial that has run longer than its time limit, and replace its worker:
        a hung trial holds the process, and nothing but a new one gives the slot back."""
        now = time.monotonic()
        overdue = set()
        for future in futures:
            task = self._tasks.get(future)
            if task is None or task.time_limit_s is None or future.done():
                continue
            since, worker = self._running_since.get(task.trial_id, (now, ""))
            if now - since < task.time_limit_s:
                continue
            key = self._dask[future].key
            self._forget(future)
            self._running_since.pop(task.trial_id, None)
            self._wait_released(key)
            fate = self._replace(
                worker, reason=f"trial {task.trial_id} ran past max_trial_time", stuck=True
            )
            future.set_result(
                TrialOutcome(
                    status=TrialStatus.FAILED,
                    error={
                        "message": f"the trial ran longer than max_trial_time "
                        f"({format_span(task.time_limit_s)}) and was stopped; {fate}",
                        "traceback": "",
                    },
                    worker=worker,
                    run_s=now - since,  # not the wait for a restarting worker before it
                )
            )
            overdue.add(future)
        return overdue

    # outcomes

    def _collect_results(self, futures: Collection[Future[TrialOutcome]]) -> None:
        """Fetch every finished trial's reply in one round trip: one by one, a driver feeding
        dozens of workers would spend its time waiting on each in turn."""
        finished = [f for f in futures if not f.done() and self._dask[f].status == "finished"]
        if not finished:
            return
        try:
            replies: list[WorkerReply] = self.client.gather([self._dask[f] for f in finished])
        except CancelledError:
            if any(self._dask[f].status == "cancelled" for f in finished):
                return  # cancelled since it finished: ``_settle`` submits it again
            raise SchedulerLostError(
                f"lost the connection to the Dask scheduler at {self.address} while "
                f"fetching a result; {RESUME}"
            ) from None
        for future, reply in zip(finished, replies, strict=True):
            self._finished.append((reply, self._dask[future].key))
            self._forget(future)
            future.set_result(reply.outcome)

    def _settle(self, future: Future[TrialOutcome]) -> bool:
        """Resolve ``future`` if its Dask task failed or was lost; True when it did."""
        status = self._dask[future].status
        if status == "error":
            error = self._dask[future].exception()
            if isinstance(error, KilledWorker):
                future.set_result(self._died(error))
            else:
                future.set_exception(self._as_named(error))
        elif status == "cancelled":
            self._submit_again(future)
            return False
        else:
            return False
        self._forget(future)
        return True

    def _as_named(self, error: BaseException) -> BaseException:
        """A config error a trial raised names the config as the user did (``study.yaml:11``),
        not by the absolute path the workers were given, as the same error does without
        workers."""
        if isinstance(error, ConfigError) and error.source == str(self.study.path.resolve()):
            error.source = str(self.study.path)
        return error

    def _submit_again(self, future: Future[TrialOutcome]) -> None:
        """Submit again a trial whose task the cluster cancelled while this search still waits
        for it: the client cancels every task when its connection to the scheduler breaks, then
        connects again (a network blip used to stop a multi-machine search), and anyone may
        cancel a task with ``force=True``. A connection that does not come back, or a trial
        cancelled ``RESUBMITS`` times, stops the search."""
        task = self._tasks[future]
        reason = _cancel_reason(self._dask[future])
        if not self._connected():
            raise SchedulerLostError(
                f"lost the connection to the Dask scheduler at {self.address} ({reason}); the "
                f"trials that were running are marked interrupted: {RESUME}"
            )
        count = self._resubmits[task.trial_id] = self._resubmits.get(task.trial_id, 0) + 1
        if count > RESUBMITS:
            raise SchedulerLostError(
                f"trial {task.trial_id}'s task was cancelled on the Dask cluster at "
                f"{self.address} {count} times (last: {reason}); the trials that were "
                f"running are marked interrupted: {RESUME}"
            )
        self.on_warning(
            f"trial {task.trial_id}'s task was cancelled on the Dask cluster ({reason}); "
            "submitting it again"
        )
        self._subscribe()
        self._dask.pop(future).release()
        started = self._running_since.pop(task.trial_id, None)
        if started is not None:
            # Dask cannot stop a running task: the cancelled run would hold its worker (for
            # ever, if it hangs, with nothing left to time it) and the new one queue behind it
            held = f"it still runs trial {task.trial_id}'s cancelled task"
            self.on_warning(f"replacing worker {started[1]}: {held}")
            self._replace(started[1], held, stuck=True)
            self._await_restarts()
        self._dask[future] = self._submit_task(task)

    def _connected(self) -> bool:
        """Whether the client is connected to the scheduler, after waiting out a reconnection."""
        if self.client.status == "connecting":
            self.on_warning(
                f"lost the connection to the Dask scheduler at {self.address}; waiting for it "
                "to come back"
            )
        deadline = time.monotonic() + RECONNECT_WAIT_S
        while self.client.status == "connecting" and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.client.status == "running"

    def _forget(self, future: Future[TrialOutcome]) -> None:
        """Release the result on the cluster: a worker lost while still holding a wanted
        result makes Dask run that trial again."""
        self._dask.pop(future).release()
        task = self._tasks.pop(future)
        self._running_since.pop(task.trial_id, None)

    def _died(self, error: KilledWorker) -> TrialOutcome:
        worker = error.last_worker
        return TrialOutcome(
            status=TrialStatus.FAILED,
            error={"message": self._death_cause(error), "traceback": ""},
            worker=f"{worker.address} (pid {worker.pid})" if worker.pid else worker.address,
        )

    def _death_cause(self, error: KilledWorker) -> str:
        worker = error.last_worker
        code = self._exit_code(worker.address)
        rss = self._rss_when_stopped(worker, code)
        if rss is not None:
            cause = (
                "out of memory: the worker process went over its memory limit "
                f"({rss / 2**20:.0f} MiB used, limit {worker.memory_limit / 2**20:.0f} MiB) and "
                "was stopped"
            )
        elif code is not None:
            cause = f"worker process died ({_describe_exit(code)})"
        else:
            cause = f"worker process died or was lost ({worker.address})"
        if error.allowed_failures > 0:
            cause += f"; {error.allowed_failures + 1} workers died running this trial"
        if rss is not None:  # what helps, as a MemoryError's message says it
            more = "--memory-limit" if self.local is not None else "`dask worker --memory-limit`"
            cause += f"; {LESS_MEMORY}, or give workers more with {more}"
        return cause

    def _rss_when_stopped(self, worker: WorkerState, code: int | None) -> int | None:
        """The memory used by a worker its nanny stopped for going over its memory limit.
        The nanny tells the scheduler and sends SIGTERM at once; under load the scheduler
        passed on the lost worker first, and the trial read "died (SIGTERM)"."""
        if worker.memory_limit and code in (None, -signal.SIGTERM):
            return _awaited(self._memory_kills, worker.address)
        return self._memory_kills.get(worker.address)

    def _exit_code(self, address: str) -> int | None:
        """The scheduler may notice the lost connection before the nanny sees the process
        end, so a local nanny gets a moment to record the exit code."""
        if self.local is None:
            return None
        return _awaited(self.local.exit_codes, address)

    # keeping workers fresh

    def _maybe_recycle(self, reply: WorkerReply, key: str) -> None:
        """Replace a worker process that ran its share of trials or holds too much memory.

        Called before the next submission, so no trial of ours can be on it.
        """
        too_many = self.recycle_after is not None and reply.trials_done >= self.recycle_after
        too_big = self.recycle_memory is not None and reply.rss > self.recycle_memory
        if not (too_many or too_big):
            return
        self._wait_released(key)
        reason = (
            f"it ran {plural(reply.trials_done, 'trial')}"
            if too_many
            else f"it holds {reply.rss / 2**20:.0f} MiB"
        )
        self._replace(reply.address, reason)

    def _wait_released(self, key: str) -> None:
        """Before its worker is replaced, a trial's task must be gone from the scheduler: one
        still wanted when its worker goes is run again elsewhere (a finished trial recomputed,
        a hung one hanging a second worker that nothing then watches)."""
        deadline = time.monotonic() + RELEASE_WAIT_S
        while self._scheduler_holds(key) and time.monotonic() < deadline:
            time.sleep(0.02)

    def _replace(self, address: str, reason: str, stuck: bool = False) -> str:
        """A fresh process for the worker at ``address``; returns without waiting for it,
        saying what became of the worker (for the failed trial's message).

        A worker this search started is taken off the scheduler at once (so no trial goes to
        it) and a new process started beside it. Someone else's worker is restarted by its
        nanny, in the background. One without a nanny keeps running, unless it is ``stuck``
        (a trial that never returns still holds its thread): Dask would go on handing it
        trials that never start, and so never time out, so it is taken off the cluster.
        """
        if self.local is not None:
            try:
                self._retire(address, close=False)
            except Exception as exc:  # noqa: BLE001 - the replacement below still happens
                self.on_warning(f"could not retire worker {address} ({reason}): {exc}")
            self.local.replace(address)
            return REPLACED
        worker = self._cluster_info(fresh=True).get("workers", {}).get(address)
        if worker is None:
            return "its worker had already left the cluster"
        if not stuck and self._busy_elsewhere(address, reason):
            return "its worker process was left running"
        if not worker.get("nanny"):
            return self._without_nanny(address, reason, stuck)
        restart = threading.Thread(target=self._restart_remote, args=(address, reason), daemon=True)
        restart.start()
        self._restarts.append(restart)
        return REPLACED

    def _busy_elsewhere(self, address: str, reason: str) -> bool:
        """Whether a cluster worker due for recycling runs or holds tasks that are not ours:
        on a shared cluster, a task queued behind our trial (another search's trial, another
        user's work) starts there the moment the trial ends, and a result it keeps for its
        owner is lost with the process; the restart killed the one and lost the other, and
        Dask ran them again (and failed a task after a few such restarts). The recycle then
        waits for a later trial of ours after which the worker runs and holds nothing else."""
        others = {
            *self._asked(lambda: self.client.processing(workers=[address])).get(address, ()),
            *self._asked(lambda: self.client.has_what(workers=[address])).get(address, ()),
        }
        if not others:
            return False
        if address not in self._recycles_put_off:
            self._recycles_put_off.add(address)
            self.on_warning(
                f"worker {address} is not replaced now ({reason}): it runs or holds the result "
                f"of {plural(len(others), 'other task')} (another search's or another user's); "
                "it is replaced after a later trial, once it runs and holds nothing else"
            )
        return True

    def _retire(self, address: str, close: bool) -> None:
        """Take the worker off the scheduler, so no trial goes to it; ``close`` also asks its
        process to stop (a local one is stopped by its own manager instead)."""
        self.client.sync(
            self.client.scheduler.retire_workers,
            workers=[address],
            close_workers=close,
            remove=True,
            callback_timeout=RETIRE_TIMEOUT_S,
        )

    def _without_nanny(self, address: str, reason: str, stuck: bool) -> str:
        """Nothing can restart a worker that has no nanny: a healthy one keeps running; a stuck
        one is retired from the cluster (its process stays, still running the stuck trial)."""
        advice = "start workers with `dask worker` (which has one) to let kt-run replace them"
        if not stuck:
            self.on_warning(
                f"worker {address} should be replaced ({reason}) but has no nanny to restart "
                f"it; {advice}"
            )
            return "its worker process was left running"
        try:
            self._retire(address, close=True)
        except Exception as exc:  # noqa: BLE001 - the search goes on without it either way
            self.on_warning(
                f"worker {address} has no nanny to restart it ({reason}) and could not be "
                f"taken off the cluster ({exc}); stop its process yourself; {advice}"
            )
            return "its worker had no nanny to restart it and could not be taken off the cluster"
        self.on_warning(
            f"worker {address} was taken off the cluster ({reason}): it has no nanny to restart "
            f"it, and its process may still be running the trial, so stop it yourself; {advice}"
        )
        return "its worker had no nanny to restart it and was taken off the cluster"

    def _free_held_workers(self) -> None:
        """Restart (or retire) workers still running kt-run trials that nobody waits for.

        A search killed (kill -9, a lost laptop) while its trials ran leaves them running on
        the cluster: Dask forgets them but cannot stop a running task, so a hung one holds its
        worker for ever, and the next search's check and trials queue behind it without
        starting, so neither max_trial_time nor no_worker_timeout could end that wait. Done
        before the check, and waited for (a bounded restart), so no new task lands on a worker
        being restarted.
        """
        try:
            held = self.client.run(_abandoned_tasks(), on_error="ignore")
        except Exception:  # noqa: BLE001 - an old Dask or a busy worker: nothing to free
            return
        held = {address: keys for address, keys in held.items() if keys}
        if not held:
            return
        workers = self._cluster_info(fresh=True).get("workers", {})
        with_nanny = [a for a in held if workers.get(a, {}).get("nanny")]
        for address in held:
            tasks = _trials_of(held[address]) or "its pre-search check"
            reason = f"it still runs {tasks} of a search that ended"
            if address in with_nanny:
                self.on_warning(f"restarting worker {address}: {reason}")
            else:
                self._without_nanny(address, reason, stuck=True)
        if with_nanny:
            try:
                self.client.restart_workers(with_nanny, timeout=RESTART_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - the check then waits as it did before
                self.on_warning(f"could not restart workers {', '.join(with_nanny)}: {exc}")

    def _await_restarts(self) -> None:
        """Wait (bounded) for the cluster workers being restarted to come back.

        The scheduler sees a worker being restarted as idle (its hung or finished trial was
        released), so a trial submitted meanwhile could go to it and be killed by the restart:
        Dask then ran it again, or failed it where the scheduler allows no lost workers.
        """
        deadline = time.monotonic() + RESTART_TIMEOUT_S
        for restart in self._restarts:
            restart.join(max(0.0, deadline - time.monotonic()))
        self._restarts = [r for r in self._restarts if r.is_alive()]

    def _restart_remote(self, address: str, reason: str) -> None:
        try:
            self.client.restart_workers([address], timeout=RESTART_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - a failed restart is worth a line, not a stop
            self._event("warning", (0.0, f"could not restart worker {address} ({reason}): {exc}"))

    # events from the cluster

    def _memory_kill(self, event: tuple[float, Any]) -> None:
        """Called on the client's thread and kept at once, not queued: the trial's error can
        reach the driver before this event, and ``_death_cause`` waits for it."""
        self._memory_kills[event[1]["worker"]] = event[1]["rss"]

    def _handle_events(self) -> None:
        while True:
            try:
                self._handle(*self._events.get_nowait())
            except queue.Empty:
                return

    def _handle(self, kind: str, event: tuple[float, Any]) -> None:
        message = event[1]
        if kind == "progress":
            if "printed" in message:
                # where the driver's own output goes: above the live panel, in a notebook cell
                print(message["printed"], file=getattr(sys, message["stream"]), flush=True)
            elif message.get("check"):
                self._check_since = (time.monotonic(), message["worker"])
            elif message.get("started"):
                self._running_since[message["trial"]] = (time.monotonic(), message["worker"])
            else:
                self.on_progress(
                    message["trial"], message["epoch"], message["epochs"], message["logs"]
                )
        elif kind == "warning":
            self.on_warning(message)
        elif kind == "cluster" and message.get("action") == "remove-worker":
            self._worker_removed(message)

    def _worker_removed(self, message: dict[str, Any]) -> None:
        if message.get("expected") or self._allowed_failures == 0:
            return
        # every search on the cluster hears of every lost worker: name only our own trials
        ours = {dask_future.key for dask_future in self._dask.values()}
        trials = _trials_of([k for k in message.get("processing-tasks", ()) if k in ours])
        if trials:
            self.on_warning(
                f"worker {message['worker']} was lost while running {trials}; Dask runs "
                f"it again on another worker (a trial is failed after "
                f"{self._allowed_failures + 1} lost workers)"
            )

    def _watch_workers(self, now: float) -> None:
        """Check the connection, keep local workers alive, and bound the wait for workers."""
        if self.client.status not in ("running", "connecting", "newly-created"):
            raise SchedulerLostError(
                f"lost the connection to the Dask scheduler at {self.address} "
                f"(client {self.client.status})"
            )
        workers = self._workers(fresh=True)
        if self.local is not None:
            self.local.keep_alive({w.get("name") for w in workers.values()}, now)
        if workers:
            self._warn_about_threads(workers)
        # a worker without the resources a trial needs never gets one: with only such
        # workers, trials waited for ever without a word, though the cluster had workers
        if any(self._fits(w.get("resources", {})) for w in workers.values()):
            self._no_workers_since = None
            return
        if self._no_workers_since is None:
            self._no_workers_since = now
            self._no_workers_warned_at = now - NO_WORKERS_WARNING_EVERY_S
            return
        waited = now - self._no_workers_since
        if self.no_worker_timeout is not None and waited >= self.no_worker_timeout:
            waiting = (
                "the pre-search check did not run and no trial started; start a worker, then "
                "rerun the same command"
                if self._checking
                else f"the trials that were waiting are marked interrupted: {RESUME}"
            )
            raise NoWorkersError(
                f"the Dask scheduler at {self.address} had {self._no_worker()} for "
                f"{format_span(self.no_worker_timeout)} (execution.no_worker_timeout); {waiting}"
            )
        due = self._no_workers_warned_at + NO_WORKERS_WARNING_EVERY_S
        if waited >= NO_WORKERS_FIRST_WARNING_S and now >= due:
            self._no_workers_warned_at = now
            # whole seconds waited: the watch ticks late under load, and "for 11 s" after a
            # 10 s threshold read as a wrong threshold
            self.on_warning(self._no_workers_message(int(waited), len(workers)))

    def _no_worker(self) -> str:
        """``no workers``, or ``no worker that offers GPU=1`` when trials need resources."""
        return f"no worker that offers {self._needs(' and ')}" if self.resources else "no workers"

    def _needs(self, joined: str) -> str:
        """The resources a trial needs, as ``dask worker --resources`` takes them."""
        return joined.join(f"{name}={need:g}" for name, need in self.resources.items())

    def _no_workers_message(self, waited: float, count: int) -> str:
        limit = (
            f"the search stops after {format_span(self.no_worker_timeout)}"
            if self.no_worker_timeout is not None
            else "it waits without limit"
        )
        if self.local is not None:
            return (
                f"no local worker process has been running for {format_span(waited)}; "
                f"starting new ones ({limit})"
            )
        do = "does" if count == 1 else "do"
        others = f" (its {plural(count, 'worker')} {do} not)" if count and self.resources else ""
        needs = self._needs(" ")
        offer = (
            f" --resources {needs if len(self.resources) == 1 else repr(needs)}"
            if self.resources
            else ""
        )
        return (
            f"the Dask scheduler at {self.address} has had {self._no_worker()} for "
            f"{format_span(waited)}{others}; trials wait until one joins (start one with `dask "
            f"worker {self.address} --nthreads 1{offer}`; {limit})"
        )

    def _warn_about_threads(self, workers: Mapping[str, Any]) -> None:
        threaded = sorted(a for a, w in workers.items() if w.get("nthreads", 1) > 1)
        if threaded and not self._warned_threads:
            self._warned_threads = True
            self.on_warning(
                f"worker {threaded[0]} has {workers[threaded[0]]['nthreads']} threads, but "
                "trials in one process run one at a time (Keras state is per process); start "
                "workers with `--nthreads 1` and use `--nworkers` for more processes"
            )

    def _workers(self, fresh: bool = False) -> dict[str, dict[str, Any]]:
        """The cluster's workers by address, from the cheapest source that says enough: a
        cluster this search started keeps its own list; elsewhere the thread counts suffice
        unless trials need resources. A full ``scheduler_info`` of 64 workers costs the
        scheduler more than the trials it would schedule meanwhile."""
        if self.local is not None:
            return dict(self.local.cluster.scheduler_info.get("workers", {}))
        if self.resources:
            return self._cluster_info(fresh).get("workers", {})
        if fresh or self._nthreads is None:
            self._nthreads = self._asked(self.client.nthreads)
        return {address: {"nthreads": n} for address, n in self._nthreads.items()}

    def _cluster_info(self, fresh: bool = False) -> dict[str, Any]:
        if fresh or not self._info:
            self._info = dict(self._asked(lambda: self.client.scheduler_info(n_workers=-1)))
        return self._info

    def _asked(self, question: Callable[[], T]) -> T:
        """The scheduler's answer to ``question``; any failure to get it is a lost scheduler."""
        try:
            return question()
        except Exception as exc:  # noqa: BLE001 - any comm failure means the same here
            raise SchedulerLostError(
                f"lost the connection to the Dask scheduler at {self.address}: {exc}"
            ) from None

    def _scheduler_holds(self, key: str) -> bool:
        holds = self.client.run_on_scheduler(lambda dask_scheduler: key in dask_scheduler.tasks)
        return bool(holds)

    def _scheduler_allowed_failures(self) -> int:
        """How often Dask reruns a trial whose worker died; an inline function travels by
        value, so a scheduler without kt-run installed can run it."""
        return int(
            self.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
        )


def _cancel_reason(dask_future: DaskFuture) -> str:
    """Dask's word for why a task was cancelled, as its result raises it ("unknown" for a
    ``cancel`` without one)."""
    try:
        dask_future.result(timeout=5)
    except CancelledError as exc:
        return str(getattr(exc, "reason", "unknown"))
    except Exception:  # noqa: BLE001 - no longer cancelled
        pass
    return "unknown"


def _awaited(found: Mapping[str, T], key: str) -> T | None:
    """``found[key]`` once another thread has put it there, or None after
    ``EXIT_CODE_WAIT_S``: news of a dead worker comes by several ways, in no set order."""
    deadline = time.monotonic() + EXIT_CODE_WAIT_S
    while key not in found and time.monotonic() < deadline:
        time.sleep(0.02)
    return found.get(key)


def _trials_of(keys: Collection[Any]) -> str:
    """``trial 3, 7`` for the kt-run trial tasks among Dask keys; "" when there are none."""
    ids = sorted(
        int(key[len(KEY_PREFIX) :].split("-")[0])
        for key in keys
        if isinstance(key, str) and key.startswith(KEY_PREFIX)
    )
    return f"trial {', '.join(map(str, ids))}" if ids else ""


def _abandoned_tasks() -> Callable[[Any], list[str]]:
    """A function for ``Client.run``: on each worker, the kt-run tasks holding a thread that
    the scheduler has let go (cancelled: their search stopped waiting for them, or ended).
    Made here so that it travels by value: a worker with another kt-run version runs it too."""

    def held(dask_worker: Any, prefixes: tuple[str, ...] = (KEY_PREFIX, CHECK_PREFIX)) -> list[str]:
        running = getattr(dask_worker.state, "all_running_tasks", set())
        return sorted(
            str(ts.key)
            for ts in running
            if ts.state == "cancelled" and str(ts.key).startswith(prefixes)
        )

    return held


def _quiet_client_logs() -> Callable[[], None]:
    """Keep Dask's client from logging, for as long as the search uses a cluster it did not
    start, what kt-run reports itself in one line: a lost scheduler came with two tracebacks
    ("Failed to reconnect"), a worker lost before its result was fetched with a timestamped
    "Couldn't gather keys". ``--verbose`` keeps them. Returns what puts the level back, so a
    notebook's own Dask logging is as it was after the search. (A local cluster's
    ``silence_logs`` does the same for the clusters kt-run starts.)"""
    if os.environ.get("KT_RUN_VERBOSE") == "1":
        return lambda: None
    logger = logging.getLogger("distributed.client")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    return lambda: logger.setLevel(level)


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"exit code {code}, {signal.Signals(-code).name}"
        except ValueError:
            return f"exit code {code}"
    return f"exit code {code}"


ANSWER_WAIT_S = 15.0
"""How long the scheduler has to answer Dask's handshake once connected. A server of another
kind at that port (the dashboard's 8787 given for the scheduler's 8786, a web server) accepts
the connection and never answers, and the client waited for ever; one that answers in its own
words had its reply read as a Dask message ("Unable to allocate 3.07 EiB")."""
CLIENT_WAIT_S = 45.0
"""A bound on the client's start after the handshake passed (its own timeouts are 15 s)."""
NOT_A_SCHEDULER = (
    "is it a Dask scheduler's address and port? (`dask scheduler` listens on 8786 by default; "
    "8787 is its dashboard)"
)


def connect(address: str) -> Client:
    """A client of the scheduler at ``address``, or an error that says what to check.

    A port nobody listens on is refused at once, but Dask retries it for its whole timeout:
    one plain TCP connection first makes that mistake (a wrong port, no scheduler started) an
    immediate error instead of a 15 s wait. The client is made on a thread of its own, so that
    a server that never answers costs ``ANSWER_WAIT_S``, not the search."""
    _check_address(address)
    try:
        _refused_at_once(address)
    except OSError as exc:
        raise KtRunError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start one with "
            "`dask scheduler` and check the address and port"
        ) from None
    made: list[Client] = []
    failed: list[BaseException] = []
    given_up = threading.Event()

    def make() -> None:
        try:
            # the handshake first, on this thread's own event loop: a client whose start
            # failed blocks 30 s and prints a traceback when Python collects it
            asyncio.run(_answers(address))
            client = Client(address, timeout="15s", set_as_default=False)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller, in words
            failed.append(exc)
            return
        if given_up.is_set():
            client.close(timeout=5)  # answered too late: nobody will use it
        else:
            made.append(client)

    thread = threading.Thread(target=make, name="kt-run-connect", daemon=True)
    thread.start()
    thread.join(ANSWER_WAIT_S + CLIENT_WAIT_S)
    given_up.set()
    if made:
        return made[0]
    if not failed:
        cause = f"connected, but the client did not start within {CLIENT_WAIT_S:.0f} s"
    elif isinstance(failed[0], (OSError, TimeoutError)):
        cause = str(failed[0])
    else:  # a peer of another kind whose reply was read as a Dask message
        cause = f"the answer was not Dask's: {type(failed[0]).__name__}: {str(failed[0])[:100]}"
    raise KtRunError(f"cannot reach the Dask scheduler at {address} ({cause}); {NOT_A_SCHEDULER}")


async def _answers(address: str) -> None:
    """Open and close one connection with Dask's handshake, within ``ANSWER_WAIT_S`` (Dask's
    own timeout does not cover a peer that never answers). ``tcp://`` only: other schemes
    need the security settings the client reads itself."""
    if address.rpartition("://")[0] not in ("", "tcp"):
        return
    try:
        comm = await asyncio.wait_for(open_comm(address, timeout=ANSWER_WAIT_S), ANSWER_WAIT_S)
    except asyncio.TimeoutError:
        raise TimeoutError(f"connected, but no answer within {ANSWER_WAIT_S:.0f} s") from None
    await comm.close()


def _check_address(address: str) -> None:
    """An address Dask cannot parse (``hostA``: no port) was an internal error, then a 30 s
    wait while Python collected the half-made client."""
    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as exc:
        host = address.rpartition("://")[2] or "HOST"
        raise UsageError(
            f"--scheduler {address} (scheduler= from Python): {exc}; give the scheduler's "
            f"address with its port, as in tcp://{host}:8786"
        ) from None


def _refused_at_once(address: str) -> None:
    """Raise ``ConnectionRefusedError`` when a ``tcp://`` address refuses connections."""
    scheme, _, location = address.rpartition("://")
    host, _, port = location.rpartition(":")
    if scheme not in ("", "tcp") or not port.isdigit():
        return  # tls://, ucx:// and the like: Dask's own connect says what is wrong
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=5).close()
    except ConnectionRefusedError:
        raise
    except OSError:
        return  # slow or unresolvable: Dask's connect (with its timeout) decides


def _unguarded_main_script() -> str | None:
    """The script Python runs (``python search.py``) when its source has no ``__main__`` guard.

    Local workers start from multiprocessing's forkserver, which imports that script in every
    worker process: a ``run_search`` at its top level runs again there and the worker never
    starts, which Dask reports only as "Nanny failed to start worker process". A notebook, the
    ``kt-run`` command and ``python -m`` (whose ``__main__`` multiprocessing leaves out) are
    never re-imported."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    if not path or (spec is not None and spec.name.endswith("__main__")):
        return None
    try:
        source = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return None if "__main__" in source else path


def local_client(
    workers: int, memory_limit: int | None, keras: bool, on_warning: WarningCallback
) -> tuple[Client, LocalWorkers]:
    from tuner_cli.executors._local import start_local_cluster

    try:
        local = start_local_cluster(workers, memory_limit, keras, on_warning)
    except Exception as exc:  # noqa: BLE001 - Dask says only "failed to start", with its cause
        cause = exc.__cause__ or exc
        script = _unguarded_main_script()
        if script is not None:
            raise NoWorkersError(
                f"could not start local worker processes: {type(cause).__name__}: {cause}. "
                f"Each worker process imports the script that runs ({script}), which has no "
                '`if __name__ == "__main__":`, so every worker starts the search again: put the '
                "code that searches under that guard, as Python's multiprocessing asks (or pass "
                "workers=0)"
            ) from None
        raise NoWorkersError(
            f"could not start local worker processes: {type(cause).__name__}: {cause}; rerun "
            "with --verbose (KT_RUN_VERBOSE=1 from Python) to see the workers' own messages"
        ) from None
    client = Client(local.cluster, set_as_default=False)
    client.register_plugin(IgnoreInterrupts())
    client.register_plugin(ScratchTemporaryFolder())
    return client, local
