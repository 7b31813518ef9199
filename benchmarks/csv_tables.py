"""How long a large CSV export takes to reach a first trial, and how much memory it needs.

A user's spreadsheet export of 200 columns by 50,000 rows (about 70 MB) should pass ``kt-run
init`` and ``kt-run validate`` in seconds, in a small multiple of the file's size. This script
writes three such files (seeded): ``numeric`` (numbers only, a whole-number label: one array),
``mixed`` (three word columns and 1% gaps: a table encoded inside the model) and ``comma``
(``numeric`` written with ``;`` between cells and a decimal comma). For each it times, as fresh
processes, ``kt-run init``, ``kt-run validate`` (which builds the model, so it loads the data)
and the data loading a search worker does (``load_dataset`` in a process that imported Keras
first, so its time and memory are the load's alone), and ``kt-run search`` (one trial of one
epoch, a tiny model, one worker). Wall time and peak resident memory: of the process (init,
validate, load) or the highest of any process of the search, sampled five times a second.

``--before DIR`` measures a second checkout too (a folder holding ``tuner_cli``, e.g.
``git archive BASE tuner_cli | tar -x -C DIR``), alternating with this one, for a before/after
table.

    .venv/bin/python benchmarks/csv_tables.py [--rows 50000] [--columns 200] [--repeats 1]
        [--before DIR] [--kinds numeric,mixed,comma] [--no-search]
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

RESULTS = Path(__file__).parent / "results" / "csv_tables.md"
HERE = Path(__file__).resolve().parent.parent
MIB = 2**20
CITIES = ("Lyon", "Graz", "Porto", "Turku", "Gent", "Brno")

SEARCH = """\
name: {name}
seed: 0
data: {data}
search_space:
  units: {{type: fixed, value: 8}}
model:
  layers:
    - Dense: {{units: $units, activation: relu}}
    - Dense: {{units: 10, activation: softmax}}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {{epochs: 1, batch_size: 256}}
strategy: {{name: random, objective: val_accuracy, max_trials: 1}}
execution: {{workers: 1}}
"""

LOAD = """\
import resource, sys, time
import keras
from tuner_cli import load_config
from tuner_cli.training.data import load_dataset
study = load_config(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
data = load_dataset(study, seed=0)
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("loaded", seconds, before * 1024, after * 1024)
"""


def write_csv(path: Path, kind: str, rows: int, columns: int) -> None:
    """``columns - 1`` features and a label from 0 to 9; numbers with four decimals."""
    rng = np.random.default_rng(0)
    values = rng.normal(0, 1, (rows, columns - 1)).round(4)
    labels = rng.integers(0, 10, rows)
    names = [f"f{i}" for i in range(columns - 1)] + ["label"]
    if kind == "mixed":
        names[:3] = ["city", "plan", "channel"]
    delimiter = ";" if kind == "comma" else ","
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(delimiter.join(names) + "\n")
        for row in range(rows):
            cells = [f"{v:.4f}" for v in values[row]]
            if kind == "comma":
                cells = [c.replace(".", ",") for c in cells]
            if kind == "mixed":
                cells[0] = CITIES[row % len(CITIES)]
                cells[1] = ("basic", "plus", "pro")[labels[row] % 3]
                cells[2] = ("web", "shop", "")[row % 3]
                if row % 100 == 0:  # 1% of the rows have a gap in a numeric column
                    cells[3 + row // 100 % (columns - 4)] = ""
            handle.write(delimiter.join([*cells, str(labels[row])]) + "\n")


def timed(command: list[str], code: Path, cwd: Path) -> tuple[float, int, str]:
    """Wall time, peak resident memory (of the process and those it waited for), output."""
    env = {**os.environ, "PYTHONPATH": str(code), "OMP_NUM_THREADS": "1"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return seconds, usage.ru_maxrss * 1024, output


def search_peak(config: Path, code: Path) -> tuple[float, int]:
    """Wall time of ``kt-run search`` and the highest resident memory of any of its processes
    (the driver, the forkserver, the worker that loads the data and trains)."""
    env = {**os.environ, "PYTHONPATH": str(code), "OMP_NUM_THREADS": "1"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    out = Path(tempfile.mkdtemp())
    command = [sys.executable, "-m", "tuner_cli", "search", str(config), "--output", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=config.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peak = 0
    driver = psutil.Process(process.pid)

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            try:
                for member in [driver, *driver.children(recursive=True)]:
                    try:
                        peak = max(peak, member.memory_info().rss)
                    except psutil.Error:
                        continue
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    sampler.join()
    if process.returncode != 0 or b"1 completed" not in output:
        raise SystemExit(f"search failed:\n{output.decode()}")
    return time.perf_counter() - started, peak


def measure(kind: str, csv: Path, code: Path, search: bool) -> dict[str, tuple[float, int]]:
    """Each command's (seconds, peak bytes) on one file with one checkout of kt-run."""
    work = Path(tempfile.mkdtemp())
    kt_run = [sys.executable, "-m", "tuner_cli"]
    config = work / f"{kind}.yaml"
    seconds, rss, _ = timed([*kt_run, "init", str(csv), "-o", str(config)], code, work)
    results = {"init": (seconds, rss)}
    seconds, rss, _ = timed([*kt_run, "validate", str(config)], code, work)
    results["validate"] = (seconds, rss)
    small = work / "search.yaml"
    small.write_text(SEARCH.format(name=kind, data=_data_line(config)))
    _, _, output = timed([sys.executable, "-c", LOAD, str(small)], code, work)
    line = next(line for line in output.splitlines() if line.startswith("loaded "))
    seconds, before, after = line.split()[1:]
    results["load"] = (float(seconds), int(after) - int(before))
    if search:
        results["search"] = search_peak(small, code)
    return results


def _data_line(config: Path) -> str:
    """init's ``data:`` section as one flow mapping, for the search config."""
    import yaml

    return yaml.safe_dump(yaml.safe_load(config.read_text())["data"], default_flow_style=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--before", type=Path, help="a folder holding the old tuner_cli")
    parser.add_argument("--kinds", default="numeric,mixed,comma")
    parser.add_argument("--no-search", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    codes = {"after": HERE, **({"before": args.before.resolve()} if args.before else {})}
    table = []
    for kind in args.kinds.split(","):
        csv = folder / f"{kind}.csv"
        write_csv(csv, kind, args.rows, args.columns)
        size = csv.stat().st_size
        runs: dict[str, list[dict]] = {label: [] for label in codes}
        for _ in range(args.repeats):
            for label, code in reversed(codes.items()):
                runs[label].append(measure(kind, csv, code, not args.no_search))
                print(kind, label, runs[label][-1], flush=True)
        for command in runs["after"][0]:
            cells = [f"{kind} ({size / MIB:.0f} MiB)", f"`{command}`"]
            for label in reversed(codes):
                seconds = statistics.median(run[command][0] for run in runs[label])
                rss = max(run[command][1] for run in runs[label])
                cells += [f"{seconds:.1f}", f"{rss / MIB:.0f}"]
            table.append("| " + " | ".join(cells) + " |")
    heads = [f"{label} s | {label} MiB" for label in reversed(codes)]
    lines = [
        "| file | command | " + " | ".join(heads) + " |",
        "|---|---|" + "---:|---:|" * len(codes),
        *table,
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
