"""What a search needs from an executor: check the study, submit a trial, wait, close."""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future
from typing import Any, Protocol

from tuner_cli.errors import KtRunError
from tuner_cli.trial import TrialOutcome, TrialTask

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
