"""Multi-fidelity strategies side by side: hyperband, bohb and asha, in one run.

1. Regret against budget on a synthetic multi-fidelity function (``--function``, one or
   more names under ``functions/``; by default ``hartmann6_fidelity``: Hartmann6 whose
   low-budget ranking differs from the full-budget one). Each function module has
   ``MAX_BUDGET``, ``OPTIMUM`` and ``objective(hp, budget)``, and a ``.yaml`` beside it.
   Each strategy runs through ``run_search`` (config, runner, in-process
   executor, results store). After every run of a trial the budget spent so far (epochs newly
   trained, a continued trial counting only its new epochs) and the regret of the incumbent
   (the best configuration evaluated at the full budget, minus the optimum) are noted.
   Target: BOHB reaches random Hyperband's final regret (median over seeds) in at most 1/3 of
   Hyperband's total budget, median over seeds.
2. Worker utilisation: ``hartmann6_fidelity``, the function that sleeps (``--sleep`` seconds
   per epoch) and stamps its calls' start and end, with
   ``--threads`` simulated workers (a thread pool in the driver) and with two real local
   worker processes (``--workers 2``). Utilisation = seconds spent inside the objective over
   (workers x wall seconds from the first call's start to the last call's end), read from the
   calls' own timestamps. Target: ASHA >= 95%.

    python benchmarks/multifidelity_strategies.py                        # the full run
    python benchmarks/multifidelity_strategies.py --seeds 0 1 --iterations 1   # reduced
    python benchmarks/multifidelity_strategies.py --function branin_fidelity hartmann3_shift \
        --skip-utilisation --out benchmarks/results/multifidelity_suite.md       # part 1 only
    python benchmarks/multifidelity_strategies.py --function currin_fidelity park_fidelity \
        borehole_fidelity curves_crossing --skip-utilisation --out ...  # held-out functions

Writes benchmarks/results/multifidelity_strategies.md (``--out``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

os.environ.setdefault("OMP_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "functions"))

import yaml  # noqa: E402

from tests.fakes import ThreadWorkers  # noqa: E402
from tuner_cli import load_config_dict, run_search  # noqa: E402
from tuner_cli.events import SearchEvents  # noqa: E402
from tuner_cli.trial import TrialRecord  # noqa: E402

STRATEGIES = ("hyperband", "bohb", "asha")
FUNCTIONS = HERE / "functions"
SLEEP_VARIABLE = "KT_BENCH_SLEEP_PER_EPOCH"
ASHA_TRIALS = 150
"""Configurations per Hyperband iteration's worth of ASHA: more than its budget needs."""
DEFAULT_FUNCTION = "hartmann6_fidelity"


@dataclass(frozen=True)
class Function:
    """A function module under ``functions/`` and the study of its YAML file. Worker
    processes import the module themselves, by the config's ``objective_function``."""

    module: ModuleType
    base: dict

    @classmethod
    def load(cls, name: str) -> Function:
        base = yaml.safe_load((FUNCTIONS / f"{name}.yaml").read_text())
        return cls(importlib.import_module(name), base)

    @property
    def max_budget(self) -> int:
        return self.module.MAX_BUDGET

    def config(self, strategy: str, seed: int, iterations: int, name: str) -> dict:
        raw = {**self.base, "name": name, "seed": seed}
        raw["strategy"] = {**self.base["strategy"], "name": strategy}
        if strategy != "asha":
            raw["strategy"]["hyperband_iterations"] = iterations
        return raw


class BudgetCurve(SearchEvents):
    """Budget spent and incumbent regret after every run of a trial."""

    def __init__(self, function: Function) -> None:
        self.function = function
        self.trained: dict[int, int] = {}
        self.spent = 0
        self.best_full = float("inf")
        self.points: list[tuple[int, float]] = []

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        epochs = int(record.extra.get("budget") or self.function.max_budget)
        self.spent += epochs - self.trained.get(record.id, 0)
        self.trained[record.id] = epochs
        if epochs >= self.function.max_budget and record.score is not None:
            self.best_full = min(self.best_full, record.score)
        self.points.append((self.spent, self.best_full - self.function.module.OPTIMUM))


def regret_run(function: Function, strategy: str, seed: int, iterations: int) -> BudgetCurve:
    """ASHA has no brackets to bound its budget: it runs ``ASHA_TRIALS`` configurations, and
    its curve is read up to Hyperband's total budget."""
    curve = BudgetCurve(function)
    trials = ASHA_TRIALS * iterations if strategy == "asha" else None
    raw = function.config(strategy, seed, iterations, f"{strategy}-{seed}")
    study = load_config_dict(raw, FUNCTIONS)
    with tempfile.TemporaryDirectory() as output:
        run_search(study, output, workers=0, events=curve, max_trials=trials)
    return curve


def budget_to_reach(curve: BudgetCurve, regret: float) -> float:
    return next((spent for spent, r in curve.points if r <= regret), float("inf"))


# utilisation


@dataclass
class Utilisation:
    whole: float
    """Over the whole run."""
    steady: float
    """Up to the start of the last new configuration."""
    wall: float
    """Seconds from the first call's start to the last call's end."""
    backfilled: int
    """ASHA's runs that backfilled the end of the search."""

    def __str__(self) -> str:
        return (
            f"{self.whole:.1%} ({self.steady:.1%}), {self.wall:.1f} s, {self.backfilled} backfilled"
        )


def utilisation(trials: list[TrialRecord], workers: int) -> Utilisation:
    """Over the whole run, and up to the start of the last new configuration (after it, no
    strategy has new configurations to give every worker: the tail of any finite search)."""
    calls = [h for t in trials for h in t.history if "started" in h]
    first = min(h["started"] for h in calls)
    last_new = max(t.history[0]["started"] for t in trials if t.history)
    end = max(h["ended"] for h in calls)

    def share(until: float) -> float:
        busy = sum(max(0.0, min(h["ended"], until) - h["started"]) for h in calls)
        return busy / (workers * (until - first))

    backfilled = sum(
        len(t.extra["rungs"]) - t.extra["backfill_rung"]
        for t in trials
        if "backfill_rung" in t.extra
    )
    return Utilisation(share(end), share(last_new), end - first, backfilled)


def threaded_run(
    function: Function,
    strategy: str,
    seed: int,
    threads: int,
    sleep: float,
    trials: int,
    seconds: float | None = None,
) -> Utilisation:
    """``seconds``: a time budget (``max_time``) instead of a number of configurations, with
    enough Hyperband iterations (and ASHA configurations) never to run out before it."""
    from tuner_cli.search.runner import SearchRunner
    from tuner_cli.search.study import open_study
    from tuner_cli.strategies import make_strategy

    os.environ[SLEEP_VARIABLE] = str(sleep)
    try:
        raw = function.config(strategy, seed, 1 if seconds is None else 50, f"{strategy}-t{seed}")
        if seconds is not None:
            raw["strategy"]["max_time"] = seconds
            trials = 100_000
        study = load_config_dict(raw, FUNCTIONS)
        settings = study.config.strategy
        with tempfile.TemporaryDirectory() as output:
            store, info = open_study(study, Path(output), overwrite=True)
            strategy_ = make_strategy(strategy, study.space, study.objective, seed, settings)
            runner = SearchRunner(
                study,
                store,
                strategy_,
                ThreadWorkers(study, threads),
                SearchEvents(),
                trials,
                seed=seed,
            )
            summary = runner.run()
        return utilisation(summary.trials, threads)
    finally:
        del os.environ[SLEEP_VARIABLE]


def process_run(
    function: Function, strategy: str, seed: int, sleep: float, trials: int
) -> Utilisation:
    """Two local worker processes; the sleep reaches them through the environment."""
    os.environ[SLEEP_VARIABLE] = str(sleep)
    try:
        raw = function.config(strategy, seed, 1, f"{strategy}-p{seed}")
        study = load_config_dict(raw, FUNCTIONS)
        with tempfile.TemporaryDirectory() as output:
            result = run_search(study, output, workers=2, max_trials=trials)
        return utilisation(result.trials, 2)
    finally:
        del os.environ[SLEEP_VARIABLE]


def regret_section(name: str, args: argparse.Namespace) -> tuple[list[str], str]:
    """Part 1 on ``functions/<name>.py``: its section of the results, and its summary row."""
    function = Function.load(name)
    started = time.time()
    load = os.getloadavg()[0]
    curves = {
        s: [regret_run(function, s, seed, args.iterations) for seed in args.seeds]
        for s in STRATEGIES
    }
    hb_final = statistics.median(c.points[-1][1] for c in curves["hyperband"])
    hb_budget = statistics.median(c.spent for c in curves["hyperband"])
    title = " ".join((function.module.__doc__ or name).strip().split("\n\n")[0].split()).rstrip(".")
    lines = [
        f"## 1. Regret against budget: `{name}` ({title})",
        "",
        f"max_epochs {function.max_budget}, factor 3, hyperband_iterations {args.iterations} "
        f"(asha: {ASHA_TRIALS} configurations per iteration, its columns read at Hyperband's "
        "total budget); seeds "
        f"{', '.join(map(str, args.seeds))}. Regret: the best full-budget value found minus "
        "the optimum (inf until a configuration ran at the full budget). Budget: epochs "
        f"trained in all. Medians over seeds. {time.time() - started:.0f} s, load average "
        f"{load:.1f} at the start.",
        "",
        "| strategy | total budget | final regret | regret at 1/3 of Hyperband's budget | "
        "budget to reach Hyperband's final regret |",
        "|---|---|---|---|---|",
    ]
    finals, reaches = {}, {}
    for strategy in STRATEGIES:
        group = curves[strategy]
        third = [_regret_at(c, hb_budget / 3) for c in group]
        reaches[strategy] = statistics.median(budget_to_reach(c, hb_final) for c in group)
        finals[strategy] = statistics.median(_regret_at(c, hb_budget) for c in group)
        lines.append(
            f"| {strategy} | {statistics.median(min(c.spent, hb_budget) for c in group):.0f} | "
            f"{finals[strategy]:.4g} | "
            f"{statistics.median(third):.4g} | {reaches[strategy]:.0f} |"
        )
    met = "met" if reaches["bohb"] <= hb_budget / 3 else "not met"
    lines += [
        "",
        f"Target (BOHB reaches Hyperband's final regret {hb_final:.4g} within "
        f"{hb_budget / 3:.0f} epochs, a third of Hyperband's {hb_budget:.0f}): {met} "
        f"({reaches['bohb']:.0f} epochs).",
        "",
        "Per seed (final regret; budget to reach Hyperband's median final regret):",
        "",
    ]
    for strategy in STRATEGIES:
        cells = [
            f"seed {seed}: {_regret_at(c, hb_budget):.4g}; {budget_to_reach(c, hb_final):.0f}"
            for seed, c in zip(args.seeds, curves[strategy], strict=True)
        ]
        lines.append(f"- {strategy}: " + " | ".join(cells))
    row = (
        f"| {name} | {hb_budget:.0f} | "
        + " | ".join(f"{finals[s]:.4g}" for s in STRATEGIES)
        + f" | {reaches['bohb']:.0f} | {reaches['asha']:.0f} | {hb_budget / 3:.0f} | {met} |"
    )
    return lines, row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--function", nargs="+", default=[DEFAULT_FUNCTION], help="names under functions/"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--iterations", type=int, default=2, help="hyperband_iterations")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--sleep", type=float, default=0.3, help="seconds per epoch")
    parser.add_argument("--utilisation-trials", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=30.0, help="the time-budget column")
    parser.add_argument("--skip-processes", action="store_true")
    parser.add_argument("--skip-utilisation", action="store_true", help="part 1 only")
    parser.add_argument("--out", type=Path, default=HERE / "results/multifidelity_strategies.md")
    args = parser.parse_args()

    started = time.time()
    load = os.getloadavg()[0]
    sections, rows = [], []
    for name in args.function:
        section, row = regret_section(name, args)
        sections += ["", *section]
        rows.append(row)
    lines = [
        "# Multi-fidelity strategies: hyperband, bohb, asha",
        "",
        f"Generated by `python benchmarks/multifidelity_strategies.py "
        f"{' '.join(sys.argv[1:])}` on {date.today()} ({platform.machine()}, "
        f"{os.cpu_count()} cores shared with other jobs, load average "
        f"{load:.1f} at the start, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}), "
        f"{time.time() - started:.0f} s for part 1.",
    ]
    if len(rows) > 1:
        lines += [
            "",
            "Final regret (median over seeds, at Hyperband's total budget), and the budget "
            "(epochs, median) for BOHB and ASHA to reach Hyperband's final median regret; the "
            "target is BOHB within a third of Hyperband's budget.",
            "",
            "| function | Hyperband's budget | hyperband | bohb | asha | bohb's budget to reach "
            "| asha's budget to reach | a third | BOHB's target |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    lines += sections
    if args.skip_utilisation:
        args.out.write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        return
    function = Function.load(DEFAULT_FUNCTION)
    lines += [
        "",
        "## 2. Worker utilisation",
        "",
        f"`{DEFAULT_FUNCTION}` sleeping {args.sleep} s per epoch; {args.utilisation_trials} "
        f"configurations at most (max_epochs {function.max_budget}, factor 3), seed "
        f"{args.seeds[0]}. Utilisation: seconds inside the objective / (workers x wall "
        "seconds from the first call's start to the last call's end); in brackets, the same up "
        "to the start of the last new configuration (the steady state, before the tail where "
        "only promoted trials are left to run); then the wall seconds of the run and the "
        "number of runs that backfilled its end (ASHA). The max_time column stops starting "
        "trials after that many seconds instead of after a number of configurations, as a "
        "search with a time budget does; then only the trials running at that moment make "
        "the tail. Target: ASHA >= 95%.",
        "",
        "| strategy | "
        + f"{args.threads} simulated thread workers | "
        + f"{args.threads} simulated thread workers, max_time {args.seconds:g} s | "
        + ("2 local worker processes |" if not args.skip_processes else ""),
        "|---|---|---|" + ("---|" if not args.skip_processes else ""),
    ]
    for name in ("hyperband", "asha"):
        seed, sleep, trials = args.seeds[0], args.sleep, args.utilisation_trials
        runs = [
            threaded_run(function, name, seed, args.threads, sleep, trials),
            threaded_run(function, name, seed, args.threads, sleep, trials, args.seconds),
        ]
        if not args.skip_processes:
            runs.append(process_run(function, name, seed, sleep, trials))
        lines.append(f"| {name} | " + " | ".join(str(run) for run in runs) + " |")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _regret_at(curve: BudgetCurve, budget: float) -> float:
    reached = [r for spent, r in curve.points if spent <= budget]
    return reached[-1] if reached else float("inf")


if __name__ == "__main__":
    main()
