"""How many workers one driver keeps busy: a simulated cluster of 64 single-thread workers.

Real worker processes do not fit 64 to a 2-core machine, but what the driver must do per trial
(propose, submit, wait, record) does not depend on what a worker is. This starts a Dask
scheduler with 64 thread workers (one thread each) in this process, and runs ``kt-run search
--scheduler`` against it as a separate process, with trials that sleep one second.

Slot utilisation = busy worker-seconds / available worker-seconds, where busy is the trials'
sleep time and available is 64 x the time from the first trial's start to the last one's end.
From the driver's CPU time per trial, the results estimate how many workers on 5-minute trials
one driver could feed.

    .venv/bin/python benchmarks/many_workers.py [--workers 64] [--trials 2560] [--sleep 1]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dask
import psutil
from distributed import Client, LocalCluster, as_completed

RESULTS = Path(__file__).parent / "results" / "many_workers.md"

OBJECTIVE = """\
import time


def nap(hp, budget):
    time.sleep({sleep})
    return {{"v": hp["x"]}}
"""

CONFIG = """\
name: many
seed: 0
objective_function: nap:nap
search_space:
  x: {{type: float, min: 0.0, max: 1.0}}
strategy: {{name: random, objective: {{name: v, direction: min}}, max_trials: {trials}}}
"""


def _nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def plain_dask_loop(cluster: LocalCluster, workers: int, trials: int, sleep: float) -> float:
    """The same trials from a bare client that resubmits as each finishes: the utilisation
    this simulated cluster allows at all, whatever drives it."""
    with Client(cluster) as client:
        started = time.monotonic()
        running = as_completed(
            [client.submit(_nap, sleep, pure=False) for _ in range(min(workers, trials))]
        )
        submitted = min(workers, trials)
        for _ in running:
            if submitted < trials:
                running.add(client.submit(_nap, sleep, pure=False))
                submitted += 1
        return trials * sleep / (workers * (time.monotonic() - started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--trials", type=int, default=2560)
    parser.add_argument("--sleep", type=float, default=1.0)
    parser.add_argument("--no-write", action="store_true", help="print, do not save results")
    args = parser.parse_args()
    # 64 workers share one process here: without these, their stack profilers (every 10 ms)
    # and monitors take the GIL from everything else; the README gives cluster workers the
    # same advice (DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False)
    dask.config.set(
        {
            "distributed.worker.profile.enabled": False,
            "distributed.admin.system-monitor.interval": "5s",
            "distributed.admin.tick.interval": "1s",
        }
    )
    with (
        tempfile.TemporaryDirectory(prefix="kt-many-") as folder,
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address=None,
        ) as cluster,
    ):
        work = Path(folder)
        (work / "nap.py").write_text(OBJECTIVE.format(sleep=args.sleep))
        (work / "many.yaml").write_text(CONFIG.format(trials=args.trials))
        command = [sys.executable, "-m", "tuner_cli", "search", "many.yaml", "--quiet"]
        started = time.monotonic()
        driver = subprocess.Popen(
            [*command, "--scheduler", cluster.scheduler_address],
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        watch = psutil.Process(driver.pid)
        trials_dir = work / "results" / "many" / "trials"
        first = None
        cpu = 0.0
        while driver.poll() is None:
            time.sleep(0.05)
            if first is None and trials_dir.is_dir() and any(trials_dir.iterdir()):
                first = time.monotonic()
            with contextlib.suppress(psutil.Error):
                cpu = sum(watch.cpu_times()[:2])
        stderr = driver.stderr.read()
        total = time.monotonic() - started
        records = list(trials_dir.glob("trial_*.json"))
        last = max(p.stat().st_mtime for p in records)
        first_wall = time.time() - (time.monotonic() - (first or started))
        window = last - first_wall
        anchor = plain_dask_loop(cluster, args.workers, args.trials, args.sleep)
    completed = len(records)
    busy = completed * args.sleep
    utilisation = busy / (args.workers * window)
    per_trial_ms = 1000 * cpu / completed
    feedable = 300 / (per_trial_ms / 1000)
    text = f"""# Many workers, simulated: slot utilisation of one driver

`benchmarks/many_workers.py`: a Dask scheduler with {args.workers} single-thread workers
(threads in one process, so they fit {os.cpu_count()} cores), `kt-run search --scheduler` as a
separate process, {args.trials} trials that each sleep {args.sleep} s. Exit code
{driver.returncode}{", stderr: " + stderr.strip() if stderr.strip() else ""}.

| measure | value |
|---|---:|
| trials recorded | {completed} |
| first trial start to last trial end | {window:.1f} s |
| ideal (trials x sleep / workers) | {busy / args.workers:.1f} s |
| slot utilisation | {100 * utilisation:.1f}% |
| whole command, start-up included | {total:.1f} s |
| driver CPU per trial | {per_trial_ms:.2f} ms |
| anchor: a plain Dask client loop on the same cluster (no kt-run) | {100 * anchor:.1f}% |
| kt-run's utilisation relative to the anchor | {utilisation / anchor:.2f} |

The driver spent {per_trial_ms:.2f} ms of CPU per trial (proposing, submitting, collecting and
recording it, writing the record twice). At that cost one driver core could keep about
{feedable:,.0f} workers busy on 5-minute trials (300 s / {per_trial_ms:.2f} ms); the scheduler
and the records on disk, not the driver loop, would limit first.
"""
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
