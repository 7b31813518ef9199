"""Search quality: kt-run's Bayesian strategy against KerasTuner's and Optuna's, in one run.

Every optimiser minimises the same test functions (``benchmarks/functions/*.yaml``, configs
with ``objective_function:``) with the same seeds. kt-run's strategies run through the real
search loop (config loading, ``SearchRunner``, the in-process executor and the results store,
one fresh results directory per run); KerasTuner's oracles and Optuna's samplers are driven
through their ask/tell interfaces. Each run goes to the largest trial count and is scored at
every count asked for (the first 30 trials of a 60-trial run are exactly a 30-trial run: no
optimiser here plans by its budget).

Reported: the median over seeds of the simple regret (best value found minus the known
minimum), the mean seconds per proposal (the optimiser's own time, not the function's), and
kt-run's proposal cost at 30 and 200 trials. Needs the ``bench`` extra.

    make bench-strategies                      # 5 seeds, 30 and 60 trials, table in results/
    python benchmarks/strategy_quality.py --quick    # 3 seeds, 30 trials, no 200-trial timing
    python benchmarks/strategy_quality.py --seeds 10 --functions branin mixed --jobs 2
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import yaml  # noqa: E402

from tuner_cli.config import StudyConfig, load_config, load_config_text  # noqa: E402
from tuner_cli.space import (  # noqa: E402
    BoolParam,
    ChoiceParam,
    FixedParam,
    FloatParam,
    IntParam,
    SearchSpace,
)
from tuner_cli.training.imports import load_callable  # noqa: E402

HERE = Path(__file__).resolve().parent
FUNCTIONS_DIR = HERE / "functions"
FUNCTIONS = ("branin", "hartmann3", "hartmann6", "mixed")
"""The functions the Bayesian strategy was tuned on, and the default."""
HELD_OUT = (
    "ackley",
    "levy",
    "rosenbrock",
    "styblinski_tang",
    "six_hump_camel",
    "shekel",
    "michalewicz",
    "mixed_schedule",
)
"""Functions the tuning never looked at (``held_out_quality.py``); chosen only by name."""
OPTIMISERS = (
    "kt-run bayesian",
    "kt-run random",
    "KerasTuner random",
    "KerasTuner Bayesian",
    "Optuna TPE",
    "Optuna GP",
)
TARGET_FACTOR = 0.5
"""kt-run's median regret must be at most this fraction of KerasTuner Bayesian's ..."""
TARGET_NO_WORSE_THAN = "Optuna TPE"
"""... and no worse than this optimiser's."""


@dataclass
class Run:
    function: str
    optimiser: str
    seed: int
    values: list[float]
    """Function values in trial order."""
    proposal_s: list[float]
    """Seconds each proposal took."""

    def regret(self, trials: int, optimum: float) -> float:
        return min(self.values[:trials]) - optimum

    def seconds_per_proposal(self, trials: int) -> float:
        return statistics.fmean(self.proposal_s[:trials])


@dataclass(frozen=True)
class Problem:
    name: str
    study: StudyConfig
    fn: Callable[[dict, int | None], float]
    optimum: float


def load_problem(name: str) -> Problem:
    study = load_config(FUNCTIONS_DIR / f"{name}.yaml")
    fn = load_callable(study.config.objective_function, study.base_dir, ("objective_function",))
    optimum = float(sys.modules[fn.__module__].OPTIMUM)
    return Problem(name, study, fn, optimum)


# kt-run, through the search loop


def run_kt_run(problem: Problem, strategy_name: str, seed: int, trials: int) -> Run:
    from tuner_cli.executors import InProcessExecutor
    from tuner_cli.search.runner import SearchEvents, SearchRunner
    from tuner_cli.search.study import open_study
    from tuner_cli.strategies import make_strategy

    raw = yaml.safe_load(problem.study.text)
    raw["seed"] = seed
    raw["strategy"] = {**raw["strategy"], "name": strategy_name, "max_trials": trials}
    study = load_config_text(yaml.safe_dump(raw, sort_keys=False), problem.study.path)
    with tempfile.TemporaryDirectory(prefix="kt-run-bench-") as output:
        store, info = open_study(study, Path(output), overwrite=True)
        settings = study.config.strategy
        strategy = make_strategy(strategy_name, study.space, study.objective, seed, settings)
        timed = _TimedStrategy(strategy)
        runner = SearchRunner(
            study,
            store,
            timed,
            InProcessExecutor(study, lambda *_: False),
            SearchEvents(),
            trials,
            seed=seed,
        )
        summary = runner.run()
    records = sorted(summary.trials, key=lambda r: r.id)
    values = [r.score for r in records if r.score is not None]
    return Run(problem.name, f"kt-run {strategy_name}", seed, values, timed.seconds)


class _TimedStrategy:
    """Delegates to a strategy and keeps the seconds each ``ask`` took."""

    def __init__(self, strategy: Any):
        self.strategy = strategy
        self.seconds: list[float] = []

    def ask(self, trials: Sequence[Any]) -> Any:
        start = time.perf_counter()
        proposal = self.strategy.ask(trials)
        self.seconds.append(time.perf_counter() - start)
        return proposal

    def __getattr__(self, name: str) -> Any:
        return getattr(self.strategy, name)


# KerasTuner, through its oracles


def run_keras_tuner(problem: Problem, kind: str, seed: int, trials: int) -> Run:
    import keras_tuner as kt

    hp = _keras_tuner_space(kt, problem.study.space)
    oracle_class = {
        "random": kt.oracles.RandomSearchOracle,
        "Bayesian": kt.oracles.BayesianOptimizationOracle,
    }[kind]
    oracle = oracle_class(
        objective=kt.Objective("value", "min"), max_trials=trials, seed=seed, hyperparameters=hp
    )
    values, seconds = [], []
    with tempfile.TemporaryDirectory(prefix="kt-bench-") as directory:
        oracle._set_project_dir(directory, "bench")
        with contextlib.redirect_stdout(io.StringIO()):
            for _ in range(trials):
                start = time.perf_counter()
                trial = oracle.create_trial("bench")
                seconds.append(time.perf_counter() - start)
                if trial.status != "RUNNING":
                    seconds.pop()
                    break
                hps = trial.hyperparameters
                active = {k: v for k, v in hps.values.items() if hps.is_active(k)}
                value = problem.fn(active, None)
                values.append(value)
                oracle.update_trial(trial.trial_id, {"value": value})
                trial.status = "COMPLETED"
                oracle.end_trial(trial)
    return Run(problem.name, f"KerasTuner {kind}", seed, values, seconds)


def _keras_tuner_space(kt: Any, space: SearchSpace) -> Any:
    hp = kt.HyperParameters()
    for name in space.order:
        param = space.params[name]
        with contextlib.ExitStack() as scopes:
            for parent, allowed in param.conditions().items():
                scopes.enter_context(hp.conditional_scope(parent, allowed))
            if isinstance(param, IntParam):
                hp.Int(name, param.min, param.max, step=param.step, sampling=param.sampling)
            elif isinstance(param, FloatParam):
                hp.Float(name, param.min, param.max, step=param.step, sampling=param.sampling)
            elif isinstance(param, ChoiceParam):
                hp.Choice(name, param.values)
            elif isinstance(param, BoolParam):
                hp.Boolean(name)
            elif isinstance(param, FixedParam):
                hp.Fixed(name, param.value)
    return hp


# Optuna, through ask and tell


def run_optuna(problem: Problem, kind: str, seed: int, trials: int) -> Run:
    import warnings

    import optuna

    warnings.filterwarnings("ignore", module="optuna")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = {"TPE": optuna.samplers.TPESampler, "GP": optuna.samplers.GPSampler}[kind](seed=seed)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    values, seconds = [], []
    for _ in range(trials):
        start = time.perf_counter()
        trial = study.ask()
        config = _optuna_suggest(trial, problem.study.space)
        seconds.append(time.perf_counter() - start)
        value = problem.fn(config, None)
        values.append(value)
        study.tell(trial, value)
    return Run(problem.name, f"Optuna {kind}", seed, values, seconds)


def _optuna_suggest(trial: Any, space: SearchSpace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in space.order:
        if not space.is_active(name, values):
            continue
        param = space.params[name]
        log = getattr(param, "sampling", "linear") == "log"
        if isinstance(param, IntParam):
            values[name] = trial.suggest_int(
                name, param.min, param.max, step=param.step or 1, log=log
            )
        elif isinstance(param, FloatParam):
            values[name] = trial.suggest_float(name, param.min, param.max, step=param.step, log=log)
        elif isinstance(param, ChoiceParam):
            values[name] = trial.suggest_categorical(name, param.values)
        elif isinstance(param, BoolParam):
            values[name] = trial.suggest_categorical(name, [False, True])
        else:
            values[name] = param.value
    return {name: values[name] for name in space.params if name in values}


# one job, the table


def run_one(job: tuple[str, str, int, int]) -> Run:
    function, optimiser, seed, trials = job
    problem = load_problem(function)
    family, kind = optimiser.split(" ", 1)
    if family == "kt-run":
        return run_kt_run(problem, kind, seed, trials)
    if family == "KerasTuner":
        return run_keras_tuner(problem, kind, seed, trials)
    return run_optuna(problem, kind, seed, trials)


def proposal_cost(function: str, trials: int, seed: int = 0) -> list[float]:
    """Seconds per kt-run Bayesian proposal over a long run (the cost grows with the trials)."""
    return run_kt_run(load_problem(function), "bayesian", seed, trials).proposal_s


def render(
    runs: list[Run],
    functions: Sequence[str],
    optimisers: Sequence[str],
    budgets: Sequence[int],
    seeds: Sequence[int],
    costs: dict[str, list[float]],
    command: str,
    load: tuple[float, float],
) -> str:
    optima = {f: load_problem(f).optimum for f in functions}
    by_key: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        by_key.setdefault((run.function, run.optimiser), []).append(run)

    def median_regret(function: str, optimiser: str, budget: int) -> float:
        group = by_key[(function, optimiser)]
        return statistics.median(r.regret(budget, optima[function]) for r in group)

    lines = [
        "# Search quality: kt-run's Bayesian strategy against KerasTuner and Optuna",
        "",
        f"Generated by `{command}` on {date.today().isoformat()} ({platform.machine()}, "
        f"{os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, "
        f"load average {load[0]:.1f} at the start and {load[1]:.1f} at the end: seconds grow "
        "with it). "
        f"Seeds {', '.join(map(str, seeds))}; each cell: median simple regret over the seeds "
        "(lower is better) and, in brackets, mean seconds per proposal. "
        f"Target: kt-run bayesian no worse than {TARGET_NO_WORSE_THAN} and at most "
        f"{TARGET_FACTOR:g} x KerasTuner Bayesian on every function.",
        "",
    ]
    for budget in budgets:
        lines += [f"## {budget} trials", ""]
        head = ["function", *optimisers]
        check = "kt-run bayesian" in optimisers and {
            TARGET_NO_WORSE_THAN,
            "KerasTuner Bayesian",
        } <= set(optimisers)
        if check:
            head.append("target met")
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for function in functions:
            cells = [function]
            for optimiser in optimisers:
                group = by_key[(function, optimiser)]
                seconds = statistics.fmean(r.seconds_per_proposal(budget) for r in group)
                regret = median_regret(function, optimiser, budget)
                cells.append(f"{regret:.3g} ({seconds:.3f} s)")
            if check:
                ours = median_regret(function, "kt-run bayesian", budget)
                bound = min(
                    median_regret(function, TARGET_NO_WORSE_THAN, budget),
                    TARGET_FACTOR * median_regret(function, "KerasTuner Bayesian", budget),
                )
                cells.append(f"{'yes' if ours <= bound else 'NO'} (<= {bound:.3g})")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if "kt-run bayesian" in optimisers:
        lines += ["## kt-run bayesian, regret per seed", ""]
        lines += ["| function | trials | " + " | ".join(f"seed {s}" for s in seeds) + " |"]
        lines += ["|" + "---|" * (len(seeds) + 2)]
        for function in functions:
            group = sorted(by_key[(function, "kt-run bayesian")], key=lambda r: r.seed)
            for budget in budgets:
                regrets = " | ".join(f"{r.regret(budget, optima[function]):.3g}" for r in group)
                lines.append(f"| {function} | {budget} | {regrets} |")
        lines.append("")
    if costs:
        lines += [
            "## kt-run bayesian, seconds per proposal as trials grow (seed 0, one run each)",
            "",
            "| function | proposals 21-30 (mean / max) | proposals 191-200 (mean / max) |",
            "|---|---|---|",
        ]
        for function, seconds in costs.items():
            early, late = seconds[20:30], seconds[190:200]
            lines.append(
                f"| {function} | {statistics.fmean(early):.3f} / {max(early):.3f} | "
                f"{statistics.fmean(late):.3f} / {max(late):.3f} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--trials", type=int, nargs="+", default=[30, 60])
    parser.add_argument(
        "--functions", nargs="+", default=list(FUNCTIONS), choices=FUNCTIONS + HELD_OUT
    )
    parser.add_argument(
        "--optimisers", nargs="+", default=list(OPTIMISERS), choices=OPTIMISERS, metavar="NAME"
    )
    parser.add_argument("--cost-trials", type=int, default=200, help="0 skips the cost runs")
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel (timings suffer)")
    parser.add_argument("--quick", action="store_true", help="3 seeds, 30 trials, no cost runs")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "strategy_quality.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.trials, args.cost_trials = 3, [30], 0
    seeds = list(range(args.seeds))
    budgets = sorted(set(args.trials))
    jobs = [
        (function, optimiser, seed, budgets[-1])
        for function in args.functions
        for optimiser in args.optimisers
        for seed in seeds
    ]
    runs: list[Run] = []
    started, load_before = time.monotonic(), os.getloadavg()[0]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for run in pool.map(run_one, jobs):
            runs.append(run)
            print(
                f"[{time.monotonic() - started:6.0f} s] {run.function:10} {run.optimiser:20} "
                f"seed {run.seed}: best {min(run.values):.5g}, "
                f"{statistics.fmean(run.proposal_s):.3f} s/proposal",
                flush=True,
            )
    costs = {}
    if args.cost_trials >= 200 and "kt-run bayesian" in args.optimisers:
        for function in args.functions:
            costs[function] = proposal_cost(function, args.cost_trials)
            print(f"cost run {function}: {statistics.fmean(costs[function][190:200]):.3f} s")
    command = "python benchmarks/strategy_quality.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    load = (load_before, os.getloadavg()[0])
    text = render(
        runs, args.functions, args.optimisers, budgets, seeds, costs, command.strip(), load
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
