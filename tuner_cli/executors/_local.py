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

import logging
import os
from typing import ClassVar

import dask
from distributed import LocalCluster, Nanny

from tuner_cli.executors._forkserver import start_forkserver
from tuner_cli.worker import usable_cores


class ExitRecordingNanny(Nanny):
    """A nanny that remembers how its worker process ended, so a trial that killed it can
    say why (exit code 1, signal 9...); Dask itself reports only that the worker died."""

    exit_codes: ClassVar[dict[str, int]] = {}

    async def _on_worker_exit(self, exitcode: int) -> None:
        if self.worker_address:
            ExitRecordingNanny.exit_codes[self.worker_address] = exitcode
        await super()._on_worker_exit(exitcode)


def start_local_cluster(workers: int, memory_limit: int | None, keras: bool) -> LocalCluster:
    """``workers`` single-threaded worker processes sharing this machine's cores.

    ``keras``: workers fork with Keras already imported (see ``_forkserver``).
    """
    threads = str(max(1, usable_cores() // workers))
    dask.config.set(
        {
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
    start_forkserver(keras)
    verbose = os.environ.get("KT_RUN_VERBOSE") == "1"
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
        memory_limit=memory_limit or 0,
        worker_class=ExitRecordingNanny,
        silence_logs=logging.WARNING if verbose else logging.CRITICAL,
        env={
            "TF_NUM_INTRAOP_THREADS": threads,
            "TF_NUM_INTEROP_THREADS": threads,
            "OMP_NUM_THREADS": threads,
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
        },
    )
