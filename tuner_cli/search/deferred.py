"""An executor started only when the first trial needs it.

Starting workers loads TensorFlow in each (seconds); a rerun of a finished study, or one whose
every trial is done, must answer without paying for that. The search hands the runner this
stand-in, which starts (and checks) the real executor on the first submission.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future

from tuner_cli.executors import Executor
from tuner_cli.trial import TrialOutcome, TrialTask


class DeferredExecutor:
    def __init__(self, start: Callable[[], Executor]):
        self._start = start
        self._executor: Executor | None = None

    @property
    def started(self) -> bool:
        return self._executor is not None

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = self._start()
        return self._executor

    @property
    def slots(self) -> int:
        return self.executor.slots

    def preflight(self, seed: int) -> None:
        self.executor.preflight(seed)

    def submit(self, task: TrialTask) -> Future[TrialOutcome]:
        return self.executor.submit(task)

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        return self.executor.wait(futures)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
