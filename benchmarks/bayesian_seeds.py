"""kt-run's Bayesian strategy, one seed at a time: the regret of every seed on the quality
benchmark's functions, and the GP's view of the optimum when a seed goes badly.

The same proposals as ``strategy_quality.py`` makes through the search loop (the records are
the same), without the other optimisers, so ten seeds of one function take about a minute.

    python benchmarks/bayesian_seeds.py --functions mixed hartmann6 --seeds 10 --trials 30
    python benchmarks/bayesian_seeds.py --seeds 10 --seed-offset 10   # seeds 10..19

Each row: the regret of each seed, then the median and the worst.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from strategy_quality import FUNCTIONS, HELD_OUT, load_problem  # noqa: E402

from tuner_cli.strategies import make_strategy  # noqa: E402
from tuner_cli.trial import TrialRecord, TrialStatus  # noqa: E402


def regret(function: str, seed: int, trials: int) -> float:
    problem = load_problem(function)
    study = problem.study
    strategy = make_strategy("bayesian", study.space, study.objective, seed, study.config.strategy)
    records: list[TrialRecord] = []
    for i in range(trials):
        proposal = strategy.ask(records)
        value = problem.fn(proposal.hyperparameters, None)
        records.append(
            TrialRecord(i + 1, TrialStatus.COMPLETED, proposal.hyperparameters, score=value)
        )
    return min(r.score for r in records) - problem.optimum


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--functions", nargs="+", default=list(FUNCTIONS), choices=FUNCTIONS + HELD_OUT
    )
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds")
    parser.add_argument("--seed-offset", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--trials", type=int, default=30)
    args = parser.parse_args()
    for function in args.functions:
        started = time.time()
        seeds = range(args.seed_offset, args.seed_offset + args.seeds)
        values = [regret(function, seed, args.trials) for seed in seeds]
        cells = " | ".join(f"{v:.3g}" for v in values)
        summary = f"{statistics.median(values):.3g} | {max(values):.3g}"
        print(f"| {function} | {cells} | {summary} | {time.time() - started:.0f} s |", flush=True)


if __name__ == "__main__":
    main()
