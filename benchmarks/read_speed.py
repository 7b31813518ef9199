"""How fast the read-only commands answer on a study of 10,000 trial records.

KerasTuner needs a multi-second TensorFlow import before it can read its results; ``kt-run
best``, ``trials`` and ``show`` should answer in well under half a second. This script writes a
study in the real record format through ``StudyStore`` (or reuses one with ``--study``), then
times each command as a fresh subprocess, several times, and prints the median and its ratio to
``python -c pass`` (the floor any Python command pays).

    .venv/bin/python benchmarks/read_speed.py [--trials 10000] [--repeats 7] [--study DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tuner_cli.results.store import StudyStore
from tuner_cli.trial import TrialRecord, TrialStatus

CONFIG = """\
name: bench
seed: 1
data: {source: sklearn, name: digits}
search_space:
  units: {type: int, min: 32, max: 512, step: 32}
  num_layers: {type: int, min: 1, max: 3}
  dropout: {type: float, min: 0.0, max: 0.5}
  learning_rate: {type: float, min: 1.0e-4, max: 1.0e-1, sampling: log}
  activation: {type: choice, values: [relu, tanh, gelu]}
  optimizer: {type: choice, values: [adam, sgd]}
  batch_size: {type: choice, values: [32, 64, 128]}
model:
  layers:
    - Dense: {units: $units, activation: $activation}
    - Dense: {units: 10, activation: softmax}
  optimizer: {name: $optimizer, learning_rate: $learning_rate}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 10, batch_size: $batch_size}
strategy: {name: random, objective: val_accuracy, max_trials: 10000}
"""


def make_study(root: Path, count: int, seed: int = 0) -> StudyStore:
    """A study of ``count`` records: mostly completed, some failed and pruned, 10 epochs each."""
    rng = random.Random(seed)
    store = StudyStore(root)
    info = {
        "name": "bench",
        "strategy": "random",
        "objective": {"name": "val_accuracy", "direction": "max"},
        "space_fingerprint": "bench",
        "seed": 1,
    }
    store.create(CONFIG, info, overwrite=True)
    for trial_id in range(1, count + 1):
        store.write_trial(_record(trial_id, rng))
    return store


def _record(trial_id: int, rng: random.Random) -> TrialRecord:
    hp = {
        "units": rng.randrange(32, 513, 32),
        "num_layers": rng.randint(1, 3),
        "dropout": rng.random() * 0.5,
        "learning_rate": 10 ** rng.uniform(-4, -1),
        "activation": rng.choice(["relu", "tanh", "gelu"]),
        "optimizer": rng.choice(["adam", "sgd"]),
        "batch_size": rng.choice([32, 64, 128]),
    }
    roll = rng.random()
    started = f"2025-01-01T00:{trial_id // 60 % 60:02d}:{trial_id % 60:02d}+00:00"
    if roll < 0.05:
        return TrialRecord(
            id=trial_id,
            status=TrialStatus.FAILED,
            hyperparameters=hp,
            started_at=started,
            finished_at=started,
            duration_s=0.5,
            error={"message": "ValueError: loss became nan", "traceback": "Traceback...\n" * 5},
            worker="host:1",
        )
    epochs = 3 if roll < 0.15 else 10
    ceiling = rng.uniform(0.7, 0.99)
    history = []
    for epoch in range(1, epochs + 1):
        acc = ceiling * (1 - 0.5**epoch)
        history.append(
            {
                "epoch": epoch,
                "accuracy": acc + 0.01,
                "loss": 1 - acc,
                "val_accuracy": acc,
                "val_loss": 1.1 - acc,
            }
        )
    best = max(range(epochs), key=lambda i: history[i]["val_accuracy"])
    return TrialRecord(
        id=trial_id,
        status=TrialStatus.PRUNED if epochs == 3 else TrialStatus.COMPLETED,
        hyperparameters=hp,
        score=history[best]["val_accuracy"],
        metrics={k: v for k, v in history[best].items() if k != "epoch"},
        history=history,
        best_epoch=best + 1,
        started_at=started,
        finished_at=started,
        duration_s=rng.uniform(1, 60),
        worker="host:1",
    )


def median_seconds(command: list[str], repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the command's process.

    CPU time barely moves when other work shares the machine; wall time is what a user waits.
    """
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--study", type=Path, help="reuse (or create) the study in this folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = args.study or Path(tmp) / "bench"
        if not (root / "study.json").is_file():
            start = time.perf_counter()
            make_study(root, args.trials)
            print(f"wrote {args.trials} records in {time.perf_counter() - start:.1f} s")
        script = Path(sys.executable).with_name("kt-run")
        kt = [str(script)] if script.is_file() else [sys.executable, "-m", "tuner_cli"]
        # The first run after writing builds any derived cache; time warm answers.
        subprocess.run([*kt, "best", str(root)], check=True, capture_output=True)
        floor, floor_cpu = median_seconds([sys.executable, "-c", "pass"], args.repeats)
        print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"{'command':44} {'wall s':>7} {'ratio':>6} {'cpu s':>7} {'ratio':>6}")
        print(f"{'python -c pass':44} {floor:7.3f} {1:6.1f} {floor_cpu:7.3f} {1:6.1f}")
        for argv in (
            ["best"],
            ["best", "--format", "json"],
            ["best", "--format", "env"],
            ["best", "--top", "10"],
            ["trials"],
            ["trials", "--format", "json"],
            ["trials", "--format", "csv"],
            ["trials", "--sort", "score", "--status", "completed"],
            ["show", "5000"],
            ["show", "5000", "--format", "json"],
        ):
            wall, cpu = median_seconds([*kt, *argv, str(root)], args.repeats)
            print(
                f"{'kt-run ' + ' '.join(argv):44} {wall:7.3f} {wall / floor:6.1f} "
                f"{cpu:7.3f} {cpu / floor_cpu:6.1f}"
            )


if __name__ == "__main__":
    main()
