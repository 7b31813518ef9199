"""Image folders larger than a worker's memory limit, and what streaming costs per epoch.

1. Writes ``--images`` generated PNG images (``--size`` pixels square, RGB, 10 classes of
   coloured gradients with noise) whose decoded float32 size is above ``--memory-limit``, runs
   ``kt-run search`` on them with one local worker under that limit (one trial, one epoch, a
   tiny model), samples the resident memory of kt-run's processes five times a second, and
   reports the worker's peak against the limit (and whether the trial completed), and the
   peak of the same search on 200 images, for the worker's own baseline.
2. Times one pass over the training images as a trial reads them (``load_dataset`` and the
   trial's batched, prefetched pipeline) against a plain Keras script reading the same folder
   with ``image_dataset_from_directory(batch_size=32)``, alternating, ``--repeats`` times each.

    .venv/bin/python benchmarks/streaming_data.py [--images 6000] [--size 128]
        [--memory-limit 1GB] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

RESULTS = Path(__file__).parent / "results" / "streaming_data.md"
MIB = 2**20

CONFIG = """\
name: streaming
seed: 0
data: {{source: images, path: {path}, image_size: [{size}, {size}], scale: 0.00392156862745098}}
search_space:
  units: {{type: fixed, value: 16}}
model:
  layers:
    - Conv2D: {{filters: 4, kernel_size: 3, strides: 4, activation: relu}}
    - GlobalAveragePooling2D: {{}}
    - Dense: {{units: $units, activation: relu}}
    - Dense: {{units: 10, activation: softmax}}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {{epochs: 1, batch_size: 32}}
strategy: {{name: random, objective: val_accuracy, max_trials: 1}}
execution: {{workers: 1, memory_limit: {limit}}}
"""


def write_images(folder: Path, count: int, size: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, size, dtype="float32")
    for index in range(count):
        label = index % 10
        colour = np.array([(label * 37) % 256, (label * 91) % 256, (label * 53) % 256])
        pixels = ramp[:, None, None] * colour + rng.normal(0, 20, (size, size, 3))
        subfolder = folder / f"class_{label}"
        subfolder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.clip(pixels, 0, 255).astype("uint8")).save(subfolder / f"{index}.png")


def search_under_limit(folder: Path, size: int, limit: str) -> dict:
    work = Path(tempfile.mkdtemp())
    (work / "config.yaml").write_text(CONFIG.format(path=folder, size=size, limit=limit))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tuner_cli", "search", "config.yaml"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peaks: dict[int, int] = {}
    names: dict[int, str] = {}
    driver = psutil.Process(process.pid)

    def sample() -> None:
        while process.poll() is None:
            try:
                for child in driver.children(recursive=True):
                    try:
                        rss = child.memory_info().rss
                        names.setdefault(child.pid, " ".join(child.cmdline())[-60:])
                    except psutil.Error:
                        continue
                    peaks[child.pid] = max(peaks.get(child.pid, 0), rss)
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    sampler.join()
    return {
        "exit": process.returncode,
        "seconds": time.perf_counter() - started,
        "worker_peak": max(peaks.values(), default=0),
        "peaks": {f"{names.get(pid, '')} (pid {pid})": rss for pid, rss in peaks.items()},
        "completed": "1 completed" in output or "(1 completed)" in output,
        "tail": output.strip().splitlines()[-3:],
    }


def kt_run_pass(folder: Path, size: int) -> tuple[float, float]:
    """The first load (once per worker: checking the folder, building the pipelines) and one
    pass over the training images as a trial reads them."""
    from tuner_cli import load_config_dict
    from tuner_cli.training import data as data_module

    data_module._cached.cache_clear()
    config = {
        "name": "pass",
        "data": {"source": "images", "path": str(folder), "image_size": [size, size]},
        "search_space": {"u": {"type": "fixed", "value": 1}},
        "model": {"layers": [{"Dense": {"units": 1}}], "loss": "mse"},
    }
    started = time.perf_counter()
    data = data_module.load_dataset(load_config_dict(config), seed=0)
    loaded = time.perf_counter()
    for _ in data.fit_arguments(batch_size=32)["x"]:
        pass
    return loaded - started, time.perf_counter() - loaded


def plain_keras_pass(folder: Path, size: int) -> float:
    import keras

    started = time.perf_counter()
    train = keras.utils.image_dataset_from_directory(
        folder,
        image_size=(size, size),
        batch_size=32,
        validation_split=0.2,
        subset="training",
        seed=0,
        verbose=False,
    )
    for _ in train:
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6000)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tuner_cli.config import parse_size

    folder = Path(tempfile.mkdtemp()) / "images"
    started = time.perf_counter()
    write_images(folder, args.images, args.size)
    written = time.perf_counter() - started
    on_disk = sum(p.stat().st_size for p in folder.rglob("*.png"))
    decoded = args.images * args.size * args.size * 3 * 4
    limit = parse_size(args.memory_limit)
    search = search_under_limit(folder, args.size, args.memory_limit)
    small = folder.parent / "small"
    write_images(small, 200, args.size)
    baseline = search_under_limit(small, args.size, args.memory_limit)

    kt_run, plain, loads = [], [], []
    for _ in range(args.repeats):
        plain.append(plain_keras_pass(folder, args.size))
        load, one_pass = kt_run_pass(folder, args.size)
        loads.append(load)
        kt_run.append(one_pass)
    ratio = statistics.median(kt_run) / statistics.median(plain)
    lines = [
        "# Streaming image folders",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `benchmarks/streaming_data.py --images "
        f"{args.images} --size {args.size} --memory-limit {args.memory_limit} --repeats "
        f"{args.repeats}` on a shared 2-core machine (other agents' jobs ran at the same time, "
        "so absolute times are noisy), OMP_NUM_THREADS=1.",
        "",
        f"- Data: {args.images} PNG files, {args.size}x{args.size} RGB, 10 classes; "
        f"{on_disk / MIB:.0f} MiB on disk, {decoded / MIB:.0f} MiB decoded as float32 "
        f"(written in {written:.0f} s).",
        f"- Search, one worker with `memory_limit: {args.memory_limit}` "
        f"({limit / MIB:.0f} MiB), one trial of one epoch: exit {search['exit']}, trial "
        f"completed: {search['completed']}, {search['seconds']:.0f} s; the highest peak "
        f"resident memory of kt-run's child processes {search['worker_peak'] / MIB:.0f} MiB, "
        f"{search['worker_peak'] / limit:.0%} of the limit and "
        f"{search['worker_peak'] / decoded:.0%} of the decoded data. The same search on 200 "
        f"of these images (cached in memory) peaks at {baseline['worker_peak'] / MIB:.0f} MiB.",
        "- Peak per child process (the big folder; a worker is forked from the forkserver, so "
        "it shows the same command line): "
        + "; ".join(f"`{name}` {rss / MIB:.0f} MiB" for name, rss in search["peaks"].items())
        + ".",
        f"- One pass over the training images (80%), what each trial pays: kt-run's trial "
        f"pipeline {statistics.median(kt_run):.1f} s (runs: "
        f"{', '.join(f'{t:.1f}' for t in kt_run)}), a plain Keras script reading the folder "
        f"{statistics.median(plain):.1f} s (runs: {', '.join(f'{t:.1f}' for t in plain)}, its "
        f"indexing included): ratio {ratio:.2f}. kt-run's first load, once per worker (checking "
        f"every image header, indexing, building the pipelines): median "
        f"{statistics.median(loads):.1f} s.",
        "",
        "Last lines of the search's output: " + " / ".join(search["tail"]),
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
