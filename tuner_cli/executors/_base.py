"""What a search needs from an executor: check the study, submit a trial, wait, close."""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future
from typing import Any, Protocol

from tuner_cli.errors import KtRunError
from tuner_cli.trial import TrialOutcome, TrialTask
from tuner_cli.wording import format_span

ProgressCallback = Callable[[int, int, int, dict[str, float]], bool]
"""``(trial_id, epoch, epochs, logs) -> prune``."""

WarningCallback = Callable[[str], None]
"""A line for the user about where trials run (a worker lost, a trial re-queued)."""


class Executor(Protocol):
    slots: int
    """How many trials may run at once; read before every submission, so it may change."""

    def preflight(self, seed: int) -> dict[str, dict[str, Any]] | None:
        """Check, where trials will run, what would fail every trial
        (``tuner_cli.training.preflight``); a ``ConfigError`` when something does. Called once,
        before the search writes anything; ``seed`` is the study's (it splits the data).
        Returns the space a KerasTuner-style builder declares (found there, since finding it
        builds models), for ``StudyConfig.with_builder_space``."""
        ...

    def submit(self, task: TrialTask) -> Future[TrialOutcome]: ...

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        """Block until at least one future is done, delivering progress meanwhile."""
        ...

    def close(self) -> None: ...


def ignore_warning(message: str) -> None:
    """The default ``on_warning``: nobody is listening."""


class NoWorkersError(KtRunError):
    """No worker could run trials for too long; the search stops instead of waiting forever."""


class CheckRanTooLongError(KtRunError):
    """The pre-search check ran past ``max_trial_time``. It does what a first trial does before
    training (imports the user's module, loads the data, builds the model), so one that never
    returns would hang every trial too; without this bound it hung the search for ever."""

    def __init__(self, seconds: float, keras: bool):
        work = (
            "loading the data and building the model at the default values"
            if keras
            else "importing the objective function's module"
        )
        suspects = "the data loader or the model builder" if keras else "the module's import"
        super().__init__(
            f"the pre-search check ({work}, as each trial does first) ran longer than "
            f"strategy.max_trial_time ({format_span(seconds)}) and was stopped: does "
            f"{suspects} ever return?"
        )
