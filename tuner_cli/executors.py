"""Where trials run. The runner submits tasks and waits; an executor decides the process.

``InProcessExecutor`` trains in the driver itself: simplest, and what ``--workers 0`` gives for
debugging.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future
from typing import Protocol

from tuner_cli.config import StudyConfig
from tuner_cli.execution import TrialOutcome, TrialTask, execute_trial

ProgressCallback = Callable[[int, int, int, dict[str, float]], bool]
"""``(trial_id, epoch, epochs, logs) -> prune``."""


class Executor(Protocol):
    slots: int
    """How many trials may run at once."""

    def submit(self, task: TrialTask) -> Future[TrialOutcome]: ...

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        """Block until at least one future is done, delivering progress meanwhile."""
        ...

    def close(self) -> None: ...


class InProcessExecutor:
    slots = 1

    def __init__(self, study: StudyConfig, on_progress: ProgressCallback):
        self.study = study
        self.on_progress = on_progress

    def submit(self, task: TrialTask) -> Future[TrialOutcome]:
        future: Future[TrialOutcome] = Future()
        try:
            future.set_result(
                execute_trial(
                    self.study,
                    task,
                    lambda epoch, epochs, logs: self.on_progress(
                        task.trial_id, epoch, epochs, logs
                    ),
                )
            )
        except Exception as exc:  # noqa: BLE001 - handed to the runner like a remote failure
            future.set_exception(exc)
        return future

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        return {f for f in futures if f.done()}

    def close(self) -> None:
        pass
