"""``--workers 0``: trials run in the driver itself, for debugging (breakpoints, tracebacks).

No isolation: a trial that crashes the process ends the search, and memory is never given back.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import Future

from tuner_cli.config import StudyConfig
from tuner_cli.execution import TrialOutcome, TrialTask, execute_trial
from tuner_cli.executors._base import ProgressCallback
from tuner_cli.preflight import preflight


class InProcessExecutor:
    slots = 1

    def __init__(self, study: StudyConfig, on_progress: ProgressCallback):
        self.study = study
        self.on_progress = on_progress

    def preflight(self) -> None:
        preflight(self.study)

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
