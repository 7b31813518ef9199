"""Trials per minute: ``--workers 2`` against ``--workers 1`` and against KerasTuner.

Twenty trials of one fixed-size MLP on scikit-learn's digits: only the dropout rate varies,
which does not change the work, so every trial costs the same and the comparison is about
where trials run. Each run is a fresh process timed from start to exit (TensorFlow's import,
worker start-up and shutdown included), as a user would wait for it. KerasTuner's
``RandomSearch`` trains the same model on the same split with the same epochs and batch size
in its single process. Needs the ``bench`` extra (``pip install -e ".[bench]"``).

    .venv/bin/python benchmarks/throughput.py [--trials 20] [--epochs 10] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from keras_tuner_digits import keras_tuner_script

RESULTS = Path(__file__).parent / "results" / "throughput.md"

CONFIG = """\
name: throughput
seed: 0
data: {{source: sklearn, name: digits, validation_split: 0.2, scale: standard}}
search_space:
  dropout: {{type: float, min: 0.0, max: 0.2}}
model:
  layers:
    - Dense: {{units: 128, activation: relu}}
    - Dropout: {{rate: $dropout}}
    - Dense: {{units: 10, activation: softmax}}
  optimizer: {{name: adam, learning_rate: 0.001}}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {{epochs: {epochs}, batch_size: 32}}
strategy: {{name: random, objective: val_accuracy, max_trials: {trials}}}
models: none
"""

KERAS_TUNER = keras_tuner_script(
    """\
def build(hp):
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(hp.Float("dropout", 0.0, 0.2)),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model

tuner = keras_tuner.RandomSearch(
    build, objective="val_accuracy", max_trials=trials, seed=0, overwrite=True,
    directory=tempfile.mkdtemp(), project_name="throughput",
)
"""
)


def timed(command: list[str], cwd: Path) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "NO_COLOR": "1"}
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kt-throughput-"))
    (folder / "throughput.yaml").write_text(CONFIG.format(trials=args.trials, epochs=args.epochs))
    (folder / "keras_tuner_run.py").write_text(KERAS_TUNER)
    kt_run = [sys.executable, "-m", "tuner_cli", "search", "throughput.yaml", "-q", "--overwrite"]
    runs = {
        "kt-run --workers 2": kt_run + ["--workers", "2"],
        "kt-run --workers 1": kt_run + ["--workers", "1"],
        "KerasTuner (one process)": [
            sys.executable,
            "keras_tuner_run.py",
            str(args.trials),
            str(args.epochs),
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    load_before = os.getloadavg()
    for repeat in range(args.repeats):
        for name, command in runs.items():
            times[name].append(timed(command, folder))
            print(f"[{repeat + 1}/{args.repeats}] {name}: {times[name][-1]:.1f} s", flush=True)
    load_after = os.getloadavg()
    median = {name: statistics.median(values) for name, values in times.items()}
    two = median["kt-run --workers 2"]
    lines = [
        "# Throughput: parallel workers",
        "",
        f"{args.trials} trials of a fixed-size MLP (Dense 128, dropout varied) on digits, "
        f"{args.epochs} epochs, batch 32; wall time of the whole command, median of "
        f"{args.repeats} run(s). Machine: {len(os.sched_getaffinity(0))} usable cores; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after.",
        "",
        "| run | seconds | trials/min | `--workers 2` is faster by |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds in median.items():
        lines.append(
            f"| {name} | {seconds:.1f} | {60 * args.trials / seconds:.1f} | {seconds / two:.2f}x |"
        )
    lines += ["", f"Runs: {', '.join(f'{n}: {v}' for n, v in times.items())}", ""]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
