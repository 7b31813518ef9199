"""Resident memory over a long search: kt-run's driver and worker against KerasTuner.

KerasTuner trains every trial in its one process, whose memory grows trial after trial; kt-run
trains in a worker process that can be replaced. This runs 100 trials of a small MLP on digits
(2 epochs each, so it finishes in minutes) and samples the resident memory (RSS) of every
process involved five times a second. A trial's number comes from the search's own output
(kt-run's plain log, a callback printing in KerasTuner), so each sample is charged to the trial
that was running. Reported: peak RSS during trials 10 and 100 (and every 10th), for kt-run's
driver, its worker process, and KerasTuner's process. Needs the ``bench`` extra.

    .venv/bin/python benchmarks/memory.py [--trials 100] [--epochs 2] [--recycle-after N]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil
from keras_tuner_digits import keras_tuner_script

RESULTS = Path(__file__).parent / "results" / "memory.md"
MIB = 2**20

CONFIG = """\
name: memory
seed: 0
data: {{source: sklearn, name: digits, validation_split: 0.2, scale: standard}}
search_space:
  units: {{type: int, min: 32, max: 256, step: 32}}
  dropout: {{type: float, min: 0.0, max: 0.3}}
model:
  layers:
    - Dense: {{units: $units, activation: relu}}
    - Dropout: {{rate: $dropout}}
    - Dense: {{units: 10, activation: softmax}}
  optimizer: {{name: adam, learning_rate: 0.001}}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {{epochs: {epochs}, batch_size: 32}}
strategy: {{name: random, objective: val_accuracy, max_trials: {trials}}}
"""

KERAS_TUNER = keras_tuner_script(
    """\
def build(hp):
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(hp.Int("units", 32, 256, step=32), activation="relu"),
        keras.layers.Dropout(hp.Float("dropout", 0.0, 0.3)),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model

class Announce(keras_tuner.RandomSearch):
    def on_trial_begin(self, trial):
        super().on_trial_begin(trial)
        print(f"trial {len(self.oracle.trials)} started", flush=True)

tuner = Announce(
    build, objective="val_accuracy", max_trials=trials, seed=0, overwrite=True,
    directory=tempfile.mkdtemp(), project_name="memory",
)
"""
)

STARTED = re.compile(r"^trial (\d+)(?:/\d+)? started")


class Sampler:
    """Peak RSS per (role, trial) while a command runs; roles come from ``classify``."""

    def __init__(self, process: subprocess.Popen, classify):
        self.root = psutil.Process(process.pid)
        self.classify = classify
        self.trial = 0
        self.peaks: dict[str, dict[int, int]] = defaultdict(dict)
        self.done = threading.Event()

    def read_output(self, stream) -> None:
        for line in stream:
            match = STARTED.match(line)
            if match:
                self.trial = int(match.group(1))

    def sample(self) -> None:
        while not self.done.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            usage: dict[str, int] = {}
            for process in processes:
                try:
                    role = self.classify(self.root, process)
                    usage[role] = max(usage.get(role, 0), process.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
            for role, rss in usage.items():
                if role and self.trial:
                    peaks = self.peaks[role]
                    peaks[self.trial] = max(peaks.get(self.trial, 0), rss)
            time.sleep(0.2)


def kt_run_role(root: psutil.Process, process: psutil.Process) -> str:
    """The driver is the command itself; its direct children are helpers (the forkserver
    that holds Keras preloaded for forking, the resource tracker); the worker processes are
    forked from the forkserver, so they are the driver's grandchildren."""
    if process.pid == root.pid:
        return "kt-run driver"
    if process.ppid() == root.pid:
        return "kt-run forkserver" if process.memory_info().rss > 200 * MIB else ""
    return "kt-run worker"


def keras_tuner_role(root: psutil.Process, process: psutil.Process) -> str:
    return "KerasTuner process" if process.pid == root.pid else ""


def run(command: list[str], cwd: Path, classify) -> dict[str, dict[int, int]]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "NO_COLOR": "1"}
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    sampler = Sampler(process, classify)
    thread = threading.Thread(target=sampler.sample, daemon=True)
    thread.start()
    sampler.read_output(process.stdout)
    process.wait()
    sampler.done.set()
    thread.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return sampler.peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--recycle-after", type=int, default=None)
    parser.add_argument("--skip-keras-tuner", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kt-memory-"))
    (folder / "memory.yaml").write_text(CONFIG.format(trials=args.trials, epochs=args.epochs))
    (folder / "keras_tuner_run.py").write_text(KERAS_TUNER)
    command = [sys.executable, "-m", "tuner_cli", "search", "memory.yaml", "--overwrite"]
    if args.recycle_after:
        command += ["--recycle-after", str(args.recycle_after)]
    peaks = run(command, folder, kt_run_role)
    if not args.skip_keras_tuner:
        kt_command = [sys.executable, "keras_tuner_run.py", str(args.trials), str(args.epochs)]
        peaks.update(run(kt_command, folder, keras_tuner_role))
    marks = sorted({10, *range(10, args.trials + 1, 10), args.trials})
    recycle = f", workers replaced every {args.recycle_after} trials" if args.recycle_after else ""
    lines = [
        "# Memory over a long search",
        "",
        f"{args.trials} trials of a small MLP on digits ({args.epochs} epochs each){recycle}; "
        "peak resident memory (MiB) while each trial ran, sampled every 0.2 s; 'highest' is "
        "the top over all trials (with recycling, the top of the saw-tooth).",
        "",
        "| process | " + " | ".join(f"trial {m}" for m in marks) + " | last / 10th | highest |",
        "|---|" + "---:|" * (len(marks) + 2),
    ]
    for role, by_trial in peaks.items():
        values = [by_trial.get(m) for m in marks]
        ratio = f"{values[-1] / values[0]:.3f}" if values[0] and values[-1] else "-"
        shown = " | ".join("-" if v is None else f"{v / MIB:.0f}" for v in values)
        highest = max(by_trial.values()) / MIB
        lines.append(f"| {role} | {shown} | {ratio} | {highest:.0f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    results = (
        RESULTS.with_name(f"memory_recycle_{args.recycle_after}.md")
        if args.recycle_after
        else RESULTS
    )
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(text)


if __name__ == "__main__":
    main()
