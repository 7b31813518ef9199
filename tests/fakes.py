"""A search loop driven by the test: a real runner, strategy and store; a scripted executor.

``ScriptedExecutor`` finishes trials in the order the test chooses (the newest first: out of
order, as parallel workers do) with the outcome it chooses, so the rules of the runner and of
each strategy are checked without starting a process.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from tuner_cli import load_config_dict
from tuner_cli.events import SearchEvents
from tuner_cli.results.store import StudyStore
from tuner_cli.search.runner import SearchRunner
from tuner_cli.strategies import make_strategy
from tuner_cli.trial import TrialOutcome, TrialRecord, TrialStatus, TrialTask

REPO = Path(__file__).resolve().parent.parent

Outcome = Callable[[TrialTask], TrialOutcome]


def score_x(task: TrialTask) -> TrialOutcome:
    return TrialOutcome(TrialStatus.COMPLETED, score=float(task.hyperparameters["x"]))


class ScriptedExecutor:
    """Holds submitted trials until ``wait``, then finishes the newest first (out of order)."""

    def __init__(self, slots: int, outcome: Outcome = score_x, stop_after: int | None = None):
        self.slots = slots
        self.outcome = outcome
        self.stop_after = stop_after
        """Submissions after which ``wait`` raises ``KeyboardInterrupt``, as a Ctrl-C would."""
        self.pending: list[tuple[Future[TrialOutcome], TrialTask]] = []
        self.submitted: list[TrialTask] = []
        self.most_at_once = 0
        self.closed = False

    def preflight(self, seed: int) -> None:
        pass

    def submit(self, task: TrialTask) -> Future[TrialOutcome]:
        future: Future[TrialOutcome] = Future()
        self.pending.append((future, task))
        self.submitted.append(task)
        self.most_at_once = max(self.most_at_once, len(self.pending))
        return future

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        if self.stop_after is not None and len(self.submitted) > self.stop_after:
            raise KeyboardInterrupt
        future, task = self.pending.pop()
        try:
            future.set_result(self.outcome(task))
        except Exception as exc:  # noqa: BLE001 - the runner sees it as a failed future
            future.set_exception(exc)
        return {future}

    def close(self) -> None:
        self.closed = True


class Recorder(SearchEvents):
    def __init__(self) -> None:
        self.bests: list[float | None] = []
        self.warnings: list[str] = []

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        self.bests.append(best.score if best else None)

    def warning(self, message: str) -> None:
        self.warnings.append(message)


def runner_for(
    tmp_path: Path,
    executor: ScriptedExecutor,
    *,
    space: dict[str, Any] | None = None,
    strategy: dict[str, Any] | None = None,
    max_trials: int | None = 6,
    events: SearchEvents | None = None,
) -> SearchRunner:
    config = {
        "name": "fake",
        "seed": 1,
        "objective_function": "objectives:branin",
        "search_space": space or {"x": {"type": "int", "min": 0, "max": 1000}},
        "strategy": {
            "name": "random",
            "objective": {"name": "x", "direction": "max"},
            **(strategy or {}),
        },
    }
    study = load_config_dict(config, REPO / "examples")
    settings = study.config.strategy
    store = StudyStore(tmp_path / "fake")
    store.root.mkdir(parents=True, exist_ok=True)
    chosen = make_strategy(settings.name, study.space, study.objective, 1, settings)
    return SearchRunner(
        study, store, chosen, executor, events or SearchEvents(), max_trials, seed=1
    )


class ThreadWorkers:
    """``slots`` workers as threads of this process, running an objective function: workers
    that take real time, without processes (also the utilisation benchmark's)."""

    def __init__(self, study, slots: int):
        from tuner_cli.training.execution import execute_trial

        self.study, self.slots, self._execute = study, slots, execute_trial
        self._pool = ThreadPoolExecutor(slots)

    def preflight(self, seed: int) -> None:
        pass

    def submit(self, task: TrialTask) -> Future[TrialOutcome]:
        return self._pool.submit(self._execute, self.study, task, lambda *_: False)

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        return wait(futures, return_when=FIRST_COMPLETED).done

    def close(self) -> None:
        self._pool.shutdown()
