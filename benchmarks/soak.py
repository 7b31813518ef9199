"""Long searches that must finish: the driver's rate over time, and its memory and the workers'.

Three runs, side by side in one invocation:
- ``instant, --workers 0``: an objective that returns at once, trained in the driver;
- ``instant, default``: the same through the default executor (one local Dask worker);
- ``instant, --workers 2``: through two local workers;
- ``keras, --workers 2`` (``--keras N``): N small Keras trials (iris, one epoch).

Each ``kt-run search`` runs as a user would start it, with a hard time limit. A sampler watches
the study's ``trials/`` folder and the process tree five times a second: the time at which each
thousandth trial record appeared gives the rate over time, and the resident memory (RSS) of the
driver and of the worker processes gives their peaks. A search that stops making progress for
``--stall`` seconds is reported as stalled and killed.

    .venv/bin/python benchmarks/soak.py [--trials 10000] [--keras 300] [--stall 120]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

RESULTS = Path(__file__).parent / "results" / "soak.md"
KT_RUN = [sys.executable, "-m", "tuner_cli"]
MIB = 2**20

OBJECTIVE = """\
def instant(hp, budget):
    return {"v": hp["x"] ** 2 + hp["y"]}
"""

INSTANT = """\
name: soak
seed: 0
objective_function: instant:instant
search_space:
  x: {type: float, min: -5.0, max: 10.0}
  y: {type: float, min: 0.0, max: 15.0}
strategy: {name: random, objective: {name: v, direction: min}, max_trials: 10}
"""

KERAS = """\
name: soak
seed: 0
data: {source: sklearn, name: iris, validation_split: 0.2, scale: standard}
search_space:
  units: {type: int, min: 4, max: 64}
  learning_rate: {type: float, min: 1.0e-3, max: 1.0e-1, sampling: log}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 3, activation: softmax}
  optimizer: {name: adam, learning_rate: $learning_rate}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 1, batch_size: 16}
strategy: {name: random, objective: val_accuracy, max_trials: 10}
models: none
"""


@dataclass
class Run:
    label: str
    config: str
    trials: int
    options: list[str]
    seconds: float = 0.0
    exit_code: int | None = None
    stalled: bool = False
    every: int = 1000
    """Trials per stretch in the rate-over-time line."""
    marks: list[tuple[int, float]] = field(default_factory=list)
    """(trial records on disk, seconds since the first one)."""
    driver_peak: int = 0
    workers_peak: int = 0
    driver_cpu: float = 0.0
    completed: int = 0


def run(spec: Run, folder: Path, stall_s: float) -> None:
    (folder / "instant.py").write_text(OBJECTIVE)
    (folder / "soak.yaml").write_text(spec.config)
    trials_dir = folder / "results" / "soak" / "trials"
    command = [*KT_RUN, "search", "soak.yaml", "--quiet", "--max-trials", str(spec.trials)]
    started = time.monotonic()
    process = subprocess.Popen(
        [*command, *spec.options], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    driver = psutil.Process(process.pid)
    first = None
    last_count, last_change = 0, started
    next_mark = every = spec.every
    while process.poll() is None:
        time.sleep(0.2)
        now = time.monotonic()
        count = len(os.listdir(trials_dir)) if trials_dir.is_dir() else 0
        if count and first is None:
            first = now
        while count >= next_mark:
            spec.marks.append((next_mark, now - first))
            next_mark += every
        if count != last_count:
            last_count, last_change = count, now
        elif now - last_change > stall_s:
            spec.stalled = True
            process.kill()
            break
        try:
            spec.driver_peak = max(spec.driver_peak, driver.memory_info().rss)
            spec.driver_cpu = sum(driver.cpu_times()[:2])
            # local workers are forked by the forkserver, which is the driver's child
            forkservers = [p for p in driver.children() if "forkserver" in _cmdline(p)]
            workers = [w for f in forkservers for w in f.children(recursive=True)]
            spec.workers_peak = max(
                [spec.workers_peak, *(_rss(p) for p in workers)],
            )
        except psutil.Error:
            pass
    process.wait()
    spec.exit_code = process.returncode
    spec.seconds = time.monotonic() - started
    spec.completed = sum(
        '"status": "completed"' in p.read_text() for p in trials_dir.glob("trial_*.json")
    )


def _cmdline(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def report(runs: list[Run]) -> str:
    lines = [
        "# Soak: long searches, rate over time and memory",
        "",
        "`benchmarks/soak.py`: each search run as `kt-run search --quiet`, watched five times a "
        f"second. Machine: {os.cpu_count()} cores; load average before: "
        f"{os.getloadavg()[0]:.1f}.",
        "",
        "| run | trials | exit | completed | wall s | trials/s (whole run) "
        "| driver peak MiB | worker peak MiB | driver CPU ms/trial |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        rate = r.completed / r.seconds if r.seconds else 0
        exit_text = "stalled" if r.stalled else str(r.exit_code)
        lines.append(
            f"| {r.label} | {r.trials} | {exit_text} | {r.completed} | {r.seconds:.1f} | "
            f"{rate:.1f} | {r.driver_peak / MIB:.0f} | {r.workers_peak / MIB:.0f} | "
            f"{1000 * r.driver_cpu / max(r.completed, 1):.2f} |"
        )
    lines += ["", "Trials per second over the run, a stretch of trials at a time:", ""]
    for r in runs:
        rates, previous = [], 0.0
        for _, at in r.marks:
            rates.append(r.every / (at - previous) if at > previous else float("inf"))
            previous = at
        shown = ", ".join(f"{x:.3g}" for x in rates)
        lines.append(f"- {r.label} (every {r.every} trials): {shown}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--keras", type=int, default=300)
    parser.add_argument("--stall", type=float, default=120.0)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="print, do not save results")
    args = parser.parse_args()
    runs = [
        Run("instant, --workers 0", INSTANT, args.trials, ["--workers", "0"]),
        Run("instant, default (1 local worker)", INSTANT, args.trials, []),
        Run("instant, --workers 2", INSTANT, args.trials, ["--workers", "2"]),
    ]
    for spec in runs:
        spec.every = args.every
    if args.keras:
        every = max(1, args.keras // 10)
        runs.append(
            Run("keras iris, --workers 2", KERAS, args.keras, ["--workers", "2"], every=every)
        )
    for spec in runs:
        with tempfile.TemporaryDirectory(prefix="kt-soak-") as folder:
            run(spec, Path(folder), args.stall)
        print(
            f"{spec.label}: exit {spec.exit_code}, {spec.completed} completed, "
            f"{spec.seconds:.1f} s",
            flush=True,
        )
    text = report(runs)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
