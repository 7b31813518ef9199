"""Held-out search quality: kt-run's Bayesian strategy against Optuna on functions its tuning
never looked at (``strategy_quality.HELD_OUT``), seed by seed.

Every run goes through ``strategy_quality.py``'s drivers (kt-run through the real search loop,
Optuna through ask and tell) and is appended as one JSON line to ``--runs`` as soon as it
ends, so a long measurement can be stopped and resumed (runs already in the file are skipped)
and the table rendered from the file alone (``--render-only``).

    python benchmarks/held_out_quality.py --seeds 10 --runs /tmp/held_out.jsonl
    python benchmarks/held_out_quality.py --seeds 20 --seed-offset 10 \\
        --optimisers "kt-run bayesian" "Optuna GP" --runs /tmp/held_out.jsonl
    python benchmarks/held_out_quality.py --render-only --runs /tmp/held_out.jsonl

Target, per function and per block of ten seeds (0-9, 10-19, ...): kt-run's worst regret no
worse than Optuna GP's median, and kt-run's median no worse than Optuna GP's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from strategy_quality import FUNCTIONS, HELD_OUT, load_problem, run_one  # noqa: E402

OPTIMISERS = ("kt-run bayesian", "Optuna GP", "Optuna TPE")


def load_runs(path: Path) -> dict[tuple[str, str, int], dict]:
    runs: dict[tuple[str, str, int], dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                run = json.loads(line)
                runs[(run["function"], run["optimiser"], run["seed"])] = run
    return runs


def regret(run: dict, trials: int, optimum: float) -> float:
    return min(run["values"][:trials]) - optimum


def render(runs: dict[tuple[str, str, int], dict], trials: int) -> str:
    functions = [f for f in (*HELD_OUT, *FUNCTIONS) if any(k[0] == f for k in runs)]
    optimisers = [o for o in OPTIMISERS if any(k[1] == o for k in runs)]
    lines = [
        f"## Summary, {trials} trials (regret: best value found minus the optimum)",
        "",
        "Cells: median / worst over the seeds; s: mean seconds per proposal. Target per block "
        "of ten seeds: kt-run's worst <= Optuna GP's median (and kt-run's median <= Optuna GP's "
        "median).",
        "",
    ]
    head = ["function", "seeds"]
    for optimiser in optimisers:
        head += [f"{optimiser} median / worst", "s"]
    head += ["target per block: kt-run worst / Optuna GP median"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    per_seed: list[str] = []
    for function in functions:
        optimum = load_problem(function).optimum
        seeds = sorted({k[2] for k in runs if k[0] == function and k[1] == "kt-run bayesian"})
        cells = [function, f"{seeds[0]}-{seeds[-1]}" if seeds else "-"]
        for optimiser in optimisers:
            group = [runs[k] for k in sorted(runs) if k[0] == function and k[1] == optimiser]
            values = [regret(r, trials, optimum) for r in group]
            if not values:
                cells += ["-", "-"]
                continue
            seconds = statistics.fmean(statistics.fmean(r["proposal_s"][:trials]) for r in group)
            cells += [
                f"{statistics.median(values):.3g} / {max(values):.3g} ({len(values)})",
                f"{seconds:.3f}",
            ]
        blocks = []
        for start in range(0, (max(seeds) // 10 + 1) * 10 if seeds else 0, 10):
            block = range(start, start + 10)
            ours = [runs.get((function, "kt-run bayesian", s)) for s in block]
            gp = [runs.get((function, "Optuna GP", s)) for s in block]
            if any(r is None for r in ours + gp):
                continue
            worst = max(regret(r, trials, optimum) for r in ours)
            ours_median = statistics.median(regret(r, trials, optimum) for r in ours)
            gp_median = statistics.median(regret(r, trials, optimum) for r in gp)
            mark = "✓" if worst <= gp_median else "✗"
            median_mark = "" if ours_median <= gp_median else " (median worse)"
            blocks.append(f"{start}-{start + 9}: {worst:.4g} / {gp_median:.4g} {mark}{median_mark}")
        cells.append("; ".join(blocks) or "-")
        lines.append("| " + " | ".join(cells) + " |")
        for optimiser in optimisers:
            group = [runs[k] for k in sorted(runs) if k[0] == function and k[1] == optimiser]
            if group:
                values = " ".join(
                    f"{r['seed']}:{regret(r, trials, optimum):.3g}"
                    for r in sorted(group, key=lambda r: r["seed"])
                )
                per_seed.append(f"| {function} | {optimiser} | {values} |")
    lines += ["", f"## Regret per seed, {trials} trials (seed:regret)", ""]
    lines += ["| function | optimiser | seed:regret |", "|---|---|---|", *per_seed, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--functions", nargs="+", default=list(HELD_OUT), choices=HELD_OUT + FUNCTIONS
    )
    parser.add_argument("--optimisers", nargs="+", default=list(OPTIMISERS), choices=OPTIMISERS)
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds")
    parser.add_argument("--seed-offset", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--runs", type=Path, required=True, help="JSON lines, one per run")
    parser.add_argument("--render-only", action="store_true")
    args = parser.parse_args()
    runs = load_runs(args.runs)
    if not args.render_only:
        started = time.monotonic()
        for function in args.functions:
            for optimiser in args.optimisers:
                for seed in range(args.seed_offset, args.seed_offset + args.seeds):
                    if (function, optimiser, seed) in runs:
                        continue
                    run = run_one((function, optimiser, seed, args.trials))
                    record = {
                        "function": function,
                        "optimiser": optimiser,
                        "seed": seed,
                        "values": run.values,
                        "proposal_s": run.proposal_s,
                    }
                    runs[(function, optimiser, seed)] = record
                    with args.runs.open("a", encoding="utf-8") as file:
                        file.write(json.dumps(record) + "\n")
                    optimum = load_problem(function).optimum
                    print(
                        f"[{time.monotonic() - started:6.0f} s] {function:16} {optimiser:16} "
                        f"seed {seed}: regret {regret(record, args.trials, optimum):.4g}, "
                        f"{statistics.fmean(run.proposal_s):.3f} s/proposal",
                        flush=True,
                    )
    print(render(runs, args.trials))


if __name__ == "__main__":
    main()
