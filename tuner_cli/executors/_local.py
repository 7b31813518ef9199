"""A Dask cluster of worker processes on this machine, started and stopped by the search.

Local runs use the same Dask path as multi-machine ones. Measured on the 2-core development
machine (see benchmarks/results/throughput.md): with the ``forkserver`` start method a
2-worker LocalCluster starts in about 1.2 s and stops in 0.1 s (``spawn``: 4.0 s and 1.2 s);
a ``concurrent.futures`` process pool starts in well under a second, but would need its own
code for worker death, recycling, memory limits and progress, which Dask's nanny already does.

Settings differ from Dask's defaults where a search needs it:
- ``allowed-failures: 0``: a trial that kills its worker is not retried on the next one (it
  would kill that too); it becomes a failed trial.
- no spilling and no pausing: a training worker's memory is not data Dask can move, and a
  paused worker would stall the search; only the hard ``memory_limit`` stops a worker.
- ``worker-saturation: 1.0``: one trial per worker process, never one queued behind another.
- no profiling, and a worker's own event-loop and system checks every second or five instead
  of every 20 ms and twice a second: Dask samples the stack of the running task every 10 ms
  for its dashboard, and each wake-up takes the GIL from the training thread. Under a Keras
  training loop profiling made a trial about 20% slower; the slower checks saved about 7-10%
  more with two workers on 2 cores, which brought a trial to what two plain Keras processes
  take side by side.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future
from contextlib import ExitStack
from typing import Any, ClassVar

import dask
from distributed import LocalCluster, Nanny

from tuner_cli.executors._base import NoWorkersError, WarningCallback
from tuner_cli.executors._forkserver import start_forkserver
from tuner_cli.executors._held_signals import held_signals
from tuner_cli.executors._scratch import search_scratch
from tuner_cli.executors.worker import usable_cores
from tuner_cli.training.image_check_memo import SCRATCH_ENV
from tuner_cli.wording import RESUME

START_GRACE_S = 30.0
"""How long a worker may be missing (starting, or being restarted by its nanny after its trial
killed it) before a new process is started in its place."""
START_TIMEOUT_S = 120.0
"""A replacement that has not joined by then is given up and tried again."""
MAX_FAILED_STARTS = 3
"""Failed starts in a row, with no worker left, after which the search stops."""
RETRY_BACKOFF_MAX_S = 60.0
STOP_S = 1.0
"""How long a worker process is given to stop by itself when the search ends, before it is
killed. A worker still in a trial (the search was stopped now, or failed) does not stop by
itself: Dask's close waited 4 s for it, for a result nobody reads."""


class ExitRecordingNanny(Nanny):
    """A nanny that remembers how its worker process ended, so a trial that killed it can
    say why (exit code 1, signal 9...); Dask itself reports only that the worker died."""

    exit_codes: ClassVar[dict[str, int]] = {}

    async def _on_worker_exit(self, exitcode: int) -> None:
        """Overrides a private hook of Dask's ``Nanny``; a Dask without it never calls this,
        and deaths are then reported without their exit code (``exit_codes`` stays empty)."""
        if self.worker_address:
            ExitRecordingNanny.exit_codes[self.worker_address] = exitcode
        parent = getattr(super(), "_on_worker_exit", None)
        if parent is not None:
            await parent(exitcode)


def start_local_cluster(
    workers: int, memory_limit: int | None, keras: bool, on_warning: WarningCallback
) -> LocalWorkers:
    """``workers`` single-threaded worker processes sharing this machine's cores.

    ``keras``: workers fork with Keras already imported (see ``_forkserver``). The Dask
    settings above hold while the cluster lives (workers started later read them too) and are
    undone when it closes, so a notebook's own Dask work after a search is left as it was.
    """
    threads = str(max(1, usable_cores() // workers))
    scope = ExitStack()
    # the scheduler's and workers' scratch space is a folder of this search's own, removed
    # when it ends, instead of Dask's shared <tmp>/dask-scratch-space
    scratch = scope.enter_context(search_scratch())
    scope.enter_context(
        dask.config.set(
            {
                "temporary-directory": scratch,
                "distributed.worker.multiprocessing-method": "forkserver",
                "distributed.scheduler.allowed-failures": 0,
                "distributed.scheduler.worker-saturation": 1.0,
                "distributed.worker.memory.target": False,
                "distributed.worker.memory.spill": False,
                "distributed.worker.memory.pause": False,
                "distributed.worker.memory.terminate": 1.0 if memory_limit else False,
                "distributed.worker.profile.enabled": False,
                "distributed.admin.system-monitor.interval": "5s",
                "distributed.admin.tick.interval": "1s",
                "distributed.worker.heartbeat-interval": "5s",
            }
        )
    )
    try:
        with held_signals() as held:
            start_forkserver(keras)
            cluster = _cluster(workers, memory_limit, threads, scratch)
    except BaseException:
        scope.close()
        raise
    local = LocalWorkers(cluster, workers, on_warning, scope)
    if held.received:
        local.close()
        held.deliver()
    return local


def _cluster(workers: int, memory_limit: int | None, threads: str, scratch: str) -> LocalCluster:
    verbose = os.environ.get("KT_RUN_VERBOSE") == "1"
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
        # no dashboard, but the scheduler still serves /health: on this machine only, on a
        # free port (Dask's default is 8787 on every interface, taken by the first search)
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        memory_limit=memory_limit or 0,
        worker_class=ExitRecordingNanny,
        silence_logs=logging.WARNING if verbose else logging.CRITICAL,
        env={
            "TF_NUM_INTRAOP_THREADS": threads,
            "TF_NUM_INTEROP_THREADS": threads,
            "OMP_NUM_THREADS": threads,
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
            SCRATCH_ENV: scratch,  # a folder's image check, kept for the next worker
            "TMPDIR": scratch,  # a trial's temporary files (worker.ScratchTemporaryFolder)
        },
    )


class LocalWorkers:
    """Keeps ``count`` worker processes alive in a cluster this search started.

    Recycling does not use Dask's ``restart_workers``: a restart that did not come back left
    a search waiting forever. Here a worker is replaced by a new process beside it (a new name
    in the cluster's plan, the old one retired), and the driver checks about once a second
    that every planned worker is connected; one missing for ``START_GRACE_S`` is replaced
    again, with a growing pause after each failed start. Only when no worker is left and
    ``MAX_FAILED_STARTS`` starts in a row failed does the search stop.
    """

    exit_codes = ExitRecordingNanny.exit_codes

    def __init__(
        self,
        cluster: LocalCluster,
        count: int,
        on_warning: WarningCallback,
        scope: ExitStack,
    ):
        self.cluster = cluster
        self._scope = scope
        """The Dask settings and scratch folder that last as long as the cluster."""
        self.count = count
        self.on_warning = on_warning
        self.on_change: Callable[[], None] = lambda: None
        """Called (on the cluster's thread) when a replacement has started or failed."""
        self._pending: dict[Future[Any], float] = {}
        self._missing_since: dict[Any, float] = {}
        self._failed_starts = 0
        self._retry_at = 0.0

    def replace(self, address: str) -> None:
        """Start a new process in place of the worker at ``address``; returns at once."""
        names = [n for n, w in self.cluster.workers.items() if w.worker_address == address]
        self._swap(names)

    def keep_alive(self, connected: Collection[Any], now: float) -> None:
        """Given the names of the workers the scheduler has, replace the planned ones that
        stayed away too long; ``NoWorkersError`` when none can be started at all."""
        for future, started in list(self._pending.items()):
            if future.done():
                del self._pending[future]
                error = None if future.cancelled() else future.exception()
                if error is not None:
                    self._start_failed(f"{type(error).__name__}: {error}", connected, now)
            elif now - started > START_TIMEOUT_S:
                del self._pending[future]
                future.cancel()
                self._start_failed(
                    f"no worker joined within {START_TIMEOUT_S:.0f} s", connected, now
                )
        missing = [name for name in self.cluster.worker_spec if name not in connected]
        self._missing_since = {n: self._missing_since.get(n, now) for n in missing}
        if not missing:
            self._failed_starts = 0
            return
        if self._pending or now < self._retry_at:
            return
        overdue = [n for n in missing if now - self._missing_since[n] >= START_GRACE_S]
        if overdue or self._failed_starts:
            self._swap(missing if self._failed_starts else overdue)

    def close(self) -> None:
        try:
            self._stop_workers()
            self.cluster.close(timeout=10)
        finally:
            self._scope.close()

    def _stop_workers(self) -> None:
        """Stop every worker process within ``STOP_S`` (an idle one ends by itself well
        within it); Dask's own close then finds them stopped."""

        async def stop() -> None:
            nannies = list(self.cluster.workers.values())
            await asyncio.gather(
                *(nanny.close(timeout=STOP_S) for nanny in nannies), return_exceptions=True
            )

        future = asyncio.run_coroutine_threadsafe(stop(), self.cluster.loop.asyncio_loop)
        try:
            future.result(timeout=3 * STOP_S)
        except Exception:  # noqa: BLE001 - the cluster's own close below still stops them
            future.cancel()

    def _swap(self, names: Collection[Any]) -> None:
        """Retire ``names`` and start as many new workers, on the cluster's event loop."""

        async def swap() -> None:
            # the new names first: a freed name would be handed out again, and the cluster
            # would take the "new" worker for the old one and start nothing
            plan = self.cluster.worker_spec
            while len(plan) - len([n for n in names if n in plan]) < self.count:
                plan.update(self.cluster.new_worker_spec())
            for name in names:
                plan.pop(name, None)
            await self.cluster

        future = asyncio.run_coroutine_threadsafe(swap(), self.cluster.loop.asyncio_loop)
        future.add_done_callback(lambda _: self.on_change())
        self._pending[future] = time.monotonic()

    def _start_failed(self, cause: str, connected: Collection[Any], now: float) -> None:
        self._failed_starts += 1
        if not connected and self._failed_starts >= MAX_FAILED_STARTS:
            raise NoWorkersError(
                f"could not start a local worker process ({self._failed_starts} attempts in a "
                f"row failed; the last: {cause}); the trials that were waiting are marked "
                f"interrupted: {RESUME}"
            )
        pause = min(2.0 ** (self._failed_starts - 1), RETRY_BACKOFF_MAX_S)
        self._retry_at = now + pause
        self.on_warning(
            f"a new local worker process did not start ({cause}); trying again in {pause:.0f} s"
        )
