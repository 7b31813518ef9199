"""Multi-objective search: hypervolume after 40 trials, kt-run against Optuna.

Issue 16's target was set on BraninCurrin (``functions/branin_currin.py``, the default): kt-run
bayesian at least Optuna GP's hypervolume, at no more than 0.3 s a proposal. Since it will be
checked on other functions too, ``--problem`` runs the same comparison on any function of
``functions/`` that has a YAML with a list of objectives and a module giving ``REFERENCE`` (in
the objectives' own terms, a maximised one as its worst counted value) and ``MAX_HYPERVOLUME``
(or None): ZDT2, DTLZ2 with two and with three objectives, and a made-up accuracy-against-size
function with a categorical and an int parameter. Every optimiser gets the same seeds; the
hypervolume of the trials' Pareto front is exact (``functions/_hypervolume.py``). kt-run's
strategies are driven through ``ask`` with the records the search loop would hold (``scores``
in each record); Optuna's samplers through ask and tell, with the YAML's search space and
directions. Reported: the median hypervolume over seeds and the mean seconds per proposal.
Needs the ``bench`` extra (Optuna, and torch for its GP sampler).

    python benchmarks/multi_objective.py                   # BraninCurrin, 5 seeds, 40 trials
    python benchmarks/multi_objective.py --seeds 0 1 --trials 40
    python benchmarks/multi_objective.py --problem zdt2 dtlz2 dtlz2_3d accuracy_size

Writes benchmarks/results/multi_objective.md for BraninCurrin alone, otherwise
benchmarks/results/multi_objective_suite.md (or ``--out``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shlex
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

os.environ.setdefault("OMP_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "functions"))

from _hypervolume import hypervolume  # noqa: E402

from tuner_cli.config import load_config  # noqa: E402
from tuner_cli.config.models import StudyConfig  # noqa: E402
from tuner_cli.space import BoolParam, ChoiceParam, FloatParam, IntParam  # noqa: E402
from tuner_cli.strategies import make_strategy  # noqa: E402
from tuner_cli.trial import TrialRecord, TrialStatus  # noqa: E402

OPTIMISERS = (
    "kt-run bayesian",
    "kt-run random",
    "Optuna GP",
    "Optuna TPE",
    "Optuna NSGA-II",
    "Optuna random",
)


@dataclass(frozen=True)
class Problem:
    name: str
    study: StudyConfig
    module: ModuleType

    @classmethod
    def load(cls, name: str) -> Problem:
        return cls(
            name, load_config(HERE / "functions" / f"{name}.yaml"), importlib.import_module(name)
        )

    @property
    def signs(self) -> list[float]:
        """Turns each objective's value into one to minimise."""
        return [-1.0 if o.direction == "max" else 1.0 for o in self.study.objectives]

    def hypervolume(self, scores: list[dict]) -> float:
        names = [o.name for o in self.study.objectives]
        points = [
            [s * score[n] for s, n in zip(self.signs, names, strict=True)] for score in scores
        ]
        reference = [s * r for s, r in zip(self.signs, self.module.REFERENCE, strict=True)]
        return hypervolume(points, reference)


def run_kt_run(problem: Problem, name: str, seed: int, trials: int) -> tuple[float, float]:
    study = problem.study
    strategy = make_strategy(name, study.space, study.objective, seed, study.config.strategy)
    records: list[TrialRecord] = []
    seconds = []
    for i in range(trials):
        start = time.perf_counter()
        proposal = strategy.ask(records)
        seconds.append(time.perf_counter() - start)
        scores = problem.module.objective(proposal.hyperparameters)
        records.append(
            TrialRecord(
                i + 1,
                TrialStatus.COMPLETED,
                proposal.hyperparameters,
                score=scores[study.objective.name],
                extra={"scores": scores},
            )
        )
    return problem.hypervolume([r.extra["scores"] for r in records]), statistics.fmean(seconds)


def suggest(trial, problem: Problem) -> dict:
    """The YAML's search space through Optuna's ``suggest_*`` (no conditions)."""
    values = {}
    for name, param in problem.study.space.params.items():
        if param.when:
            raise NotImplementedError(f"{name}: conditional parameters are not translated")
        if isinstance(param, FloatParam):
            log = param.sampling == "log"
            values[name] = trial.suggest_float(name, param.min, param.max, log=log)
        elif isinstance(param, IntParam):
            log = param.sampling == "log"
            values[name] = trial.suggest_int(name, param.min, param.max, log=log)
        elif isinstance(param, ChoiceParam):
            values[name] = trial.suggest_categorical(name, param.values)
        elif isinstance(param, BoolParam):
            values[name] = trial.suggest_categorical(name, [False, True])
        else:
            raise NotImplementedError(f"{name}: {type(param).__name__}")
    return values


def run_optuna(problem: Problem, kind: str, seed: int, trials: int) -> tuple[float, float]:
    import warnings

    import optuna

    warnings.filterwarnings("ignore")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = {
        "GP": optuna.samplers.GPSampler,
        "TPE": optuna.samplers.TPESampler,
        "NSGA-II": optuna.samplers.NSGAIISampler,
        "random": optuna.samplers.RandomSampler,
    }[kind](seed=seed)
    objectives = problem.study.objectives
    directions = ["maximize" if o.direction == "max" else "minimize" for o in objectives]
    study = optuna.create_study(sampler=sampler, directions=directions)
    results, seconds = [], []
    for _ in range(trials):
        start = time.perf_counter()
        trial = study.ask()
        hp = suggest(trial, problem)
        seconds.append(time.perf_counter() - start)
        scores = problem.module.objective(hp)
        results.append(scores)
        study.tell(trial, [scores[o.name] for o in objectives])
    return problem.hypervolume(results), statistics.fmean(seconds)


def run_problem(
    problem: Problem, optimisers: list[str], seeds: list[int], trials: int
) -> dict[str, list[tuple[float, float]]]:
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in optimisers}
    started = time.time()
    for seed in seeds:
        for name in optimisers:
            family, kind = name.split(" ", 1)
            run = run_kt_run if family == "kt-run" else run_optuna
            results[name].append(run(problem, kind, seed, trials))
        print(f"{problem.name}: seed {seed} done after {time.time() - started:.0f} s", flush=True)
    return results


def table(problem: Problem, results: dict[str, list[tuple[float, float]]]) -> list[str]:
    objectives = ", ".join(f"{o.name} ({o.direction})" for o in problem.study.objectives)
    reference = ", ".join(f"{r:g}" for r in problem.module.REFERENCE)
    largest = problem.module.MAX_HYPERVOLUME
    lines = [
        f"Objectives {objectives}; {len(problem.study.space.params)} hyperparameters; "
        f"reference point ({reference})"
        + (f", largest possible hypervolume {largest:.4g}." if largest else "."),
        "",
        "| optimiser | hypervolume | seconds per proposal | per seed |",
        "|---|---|---|---|",
    ]
    for name, runs in results.items():
        lines.append(
            f"| {name} | {statistics.median(h for h, _ in runs):.4g} | "
            f"{statistics.fmean(s for _, s in runs):.3f} | "
            + ", ".join(f"{h:.4g}" for h, _ in runs)
            + " |"
        )
    if "kt-run bayesian" in results and "Optuna GP" in results:
        ours = statistics.median(h for h, _ in results["kt-run bayesian"])
        theirs = statistics.median(h for h, _ in results["Optuna GP"])
        cost = statistics.fmean(s for _, s in results["kt-run bayesian"])
        met = "met" if ours >= theirs and cost <= 0.3 else "not met"
        lines += [
            "",
            f"Target (kt-run bayesian >= Optuna GP, <= 0.3 s a proposal): {met} "
            f"({ours:.4g} against {theirs:.4g}, {cost:.3f} s).",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problem", nargs="+", default=["branin_currin"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--optimisers", nargs="+", default=list(OPTIMISERS), choices=OPTIMISERS)
    parser.add_argument("--out", help="file name under benchmarks/results")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    started = time.time()
    sections = []
    for name in args.problem:
        problem = Problem.load(name)
        results = run_problem(problem, args.optimisers, args.seeds, args.trials)
        sections.append((problem, results))
    alone = args.problem == ["branin_currin"]
    title = "BraninCurrin" if alone else "a suite of functions"
    lines = [
        f"# Multi-objective: hypervolume on {title}",
        "",
        f"Generated by `python benchmarks/multi_objective.py {shlex.join(sys.argv[1:])}` on "
        f"{date.today()} ({platform.machine()}, {os.cpu_count()} cores shared with other jobs, "
        f"load average {load:.1f} at the start, OMP_NUM_THREADS=1; "
        f"{time.time() - started:.0f} s in all). {args.trials} trials; seeds "
        f"{', '.join(map(str, args.seeds))}. Cells: median hypervolume over seeds "
        "(mean seconds per proposal).",
    ]
    for problem, results in sections:
        lines += ["", f"## {problem.name}", "", *table(problem, results)]
    out = (
        HERE
        / "results"
        / (args.out or ("multi_objective.md" if alone else "multi_objective_suite.md"))
    )
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
