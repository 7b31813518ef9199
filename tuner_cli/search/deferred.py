"""An executor started only when the first trial needs it.

Starting workers loads TensorFlow in each (seconds); a rerun of a finished study, or one whose
every trial is done, must answer without paying for that. The search hands the runner this
stand-in, which starts (and checks) the real executor on the first submission.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future
from typing import Any

from tuner_cli.executors import Executor
from tuner_cli.trial import TrialOutcome, TrialTask


class DeferredExecutor:
    """Starts the executor from ``make`` and runs its pre-search check, once, when first
    needed: by ``preflight`` (a new study, checked before anything is written) or by the
    first trial of a resumed one."""

    def __init__(self, make: Callable[[], Executor], seed: int):
        self._make = make
        self._seed = seed
        self._executor: Executor | None = None
        self._declared: dict[str, dict[str, Any]] | None = None

    @property
    def started(self) -> bool:
        return self._executor is not None

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            executor = self._make()
            try:
                self._declared = executor.preflight(self._seed)
            except BaseException:
                executor.close()
                raise
            self._executor = executor
        return self._executor

    @property
    def slots(self) -> int:
        return self.executor.slots

    def preflight(self, seed: int) -> dict[str, dict[str, Any]] | None:
        self.executor  # noqa: B018 - starting it runs the check
        return self._declared

    def submit(self, task: TrialTask) -> Future[TrialOutcome]:
        return self.executor.submit(task)

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        return self.executor.wait(futures)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
