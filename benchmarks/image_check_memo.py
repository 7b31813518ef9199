"""What a fresh worker pays to load an image folder, with the check of the worker before it.

Writes ``--images`` JPEG photos (``--width`` x ``--height``, noise, 2 classes) and times the
first ``load_dataset`` of a worker process (checking every image, indexing, building the
pipelines), each in a fresh Python process as a recycled worker is: without the search's
scratch folder (``--workers 0``, a remote worker, before this change), then with one, for the
first worker (it checks and keeps the result) and for a second one (it reads it).

    .venv/bin/python benchmarks/image_check_memo.py [--images 3000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results" / "image_check_memo.md"

LOAD = """
import json, sys, time
import keras  # a local worker forks with Keras imported already
from tuner_cli import load_config_dict
from tuner_cli.training.data import load_dataset
config = {
    "name": "memo",
    "data": {"source": "images", "path": sys.argv[1], "image_size": [64, 64]},
    "search_space": {"u": {"type": "fixed", "value": 1}},
    "model": {"layers": [{"Dense": {"units": 1}}], "loss": "mse"},
}
study = load_config_dict(config)
started = time.perf_counter()
load_dataset(study, seed=0)
print(json.dumps(time.perf_counter() - started))
"""


def write_photos(folder: Path, count: int, width: int, height: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(count):
        label = folder / f"class{i % 2}"
        label.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(label / f"{i}.jpg", quality=85)


def first_load(folder: Path, scratch: Path | None) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KT_RUN_SCRATCH", None)
    if scratch is not None:
        env["KT_RUN_SCRATCH"] = str(scratch)
    out = subprocess.run(
        [sys.executable, "-c", LOAD, str(folder)], env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    folder = work / "photos"
    write_photos(folder, args.images, args.width, args.height)
    without, first, second = [], [], []
    for repeat in range(args.repeats):
        scratch = work / f"scratch{repeat}"
        scratch.mkdir()
        without.append(first_load(folder, None))
        first.append(first_load(folder, scratch))
        second.append(first_load(folder, scratch))
    median = statistics.median

    def runs(times: list[float]) -> str:
        return f"{median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})"

    lines = [
        "# An image folder's check, kept for the next worker",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `benchmarks/image_check_memo.py --images "
        f"{args.images} --repeats {args.repeats}` on a shared 2-core machine (other agents' jobs "
        "ran at the same time), each load in a fresh Python process.",
        "",
        f"- Data: {args.images} JPEG photos of {args.width}x{args.height} (noise), 2 classes, "
        f"{sum(p.stat().st_size for p in folder.rglob('*.jpg')) / 2**20:.0f} MiB.",
        f"- A worker's first `load_dataset`, no scratch folder (every image checked): "
        f"{runs(without)}.",
        f"- With the search's scratch folder, the first worker (checks, keeps the result): "
        f"{runs(first)}.",
        f"- The next worker (reads the result; stats every file): {runs(second)}: "
        f"{median(second) / median(without):.2f} of the first load without it.",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
