"""``--workers 0``: trials run in the driver itself, for debugging (breakpoints, tracebacks).

No isolation: a trial that crashes the process ends the search, and memory is never given back.
``max_trial_time`` interrupts the trial with a signal, which reaches Python code only: a trial
hung inside native code needs worker processes, where the process itself is replaced. Keras is
imported before the signal is armed, and with Ctrl-C held until it is done: interrupted
halfway (its import takes seconds), it stayed half-made in ``sys.modules``, and every later use
in the process (a notebook's next search) failed with "module 'keras.src.backend' has no
attribute 'backend'".
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Collection, Iterator
from concurrent.futures import Future
from typing import Any

from tuner_cli.config import StudyConfig
from tuner_cli.errors import TrialError
from tuner_cli.executors._base import CheckRanTooLongError, ProgressCallback
from tuner_cli.executors._held_signals import held_signals
from tuner_cli.training.data import forget_loaded_data
from tuner_cli.training.execution import execute_trial
from tuner_cli.training.keras_import import import_keras
from tuner_cli.training.preflight import preflight
from tuner_cli.trial import TrialOutcome, TrialTask
from tuner_cli.wording import format_span


class InProcessExecutor:
    slots = 1

    def __init__(self, study: StudyConfig, on_progress: ProgressCallback):
        self.study = study
        self.on_progress = on_progress

    def preflight(self, seed: int) -> dict[str, dict[str, Any]] | None:
        seconds = self.study.config.strategy.trial_time_limit_s()
        self._import_keras()
        with _time_limit(seconds) as limit:
            try:
                return preflight(self.study, seed)
            except Exception:
                # the limit's error may come back wrapped (an import that failed is reported
                # as a ConfigError of ``objective_function``)
                if seconds is None or not limit.fired:
                    raise
                raise CheckRanTooLongError(seconds, self.study.is_keras) from None

    def submit(self, task: TrialTask) -> Future[TrialOutcome]:
        future: Future[TrialOutcome] = Future()
        view_errors: list[Exception] = []
        try:
            self._import_keras()
            with _time_limit(task.time_limit_s) as limit:

                def progress(epoch: int, epochs: int, logs: dict[str, float]) -> bool:
                    with limit.held():
                        try:
                            return self.on_progress(task.trial_id, epoch, epochs, logs)
                        except Exception as exc:  # noqa: BLE001 - raised below, outside the trial
                            view_errors.append(exc)
                            return True

                outcome = execute_trial(self.study, task, progress)
            future.set_result(outcome)
        except Exception as exc:  # noqa: BLE001 - handed to the runner like a remote failure
            future.set_exception(exc)
        if view_errors:
            # the caller's own view failed, not the trial: it stops the search, as it does
            # with workers, where the view runs in the driver (the trial is run again on resume)
            raise view_errors[0]
        return future

    def _import_keras(self) -> None:
        """Import Keras outside ``max_trial_time``'s signal, which must not cut it halfway, and
        with Ctrl-C and SIGTERM held until it is done (``held_signals``), for the same reason:
        a notebook's interrupt soon after the search starts lands in this import."""
        if self.study.is_keras and "keras" not in sys.modules:
            with held_signals(hold_all=True) as held:
                import_keras()
            held.deliver()

    def wait(self, futures: Collection[Future[TrialOutcome]]) -> set[Future[TrialOutcome]]:
        return {f for f in futures if f.done()}

    def close(self) -> None:
        forget_loaded_data()


def trials_can_be_timed() -> bool:
    """Whether ``max_trial_time`` can apply: the timer's signal reaches the main thread only,
    and a trial runs in the thread that called the search."""
    return threading.current_thread() is threading.main_thread()


class _TimeLimit:
    """``max_trial_time`` of a trial in this process: the alarm raises ``TrialError`` in the
    trial's own code, but waits for the caller's view to return (``held``): raised inside it,
    the time limit read as the view's own error and stopped the search."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self._holding = False
        self._expired = False
        self.fired = False
        """Whether the time ran out, so what was raised is the limit's doing."""

    def on_alarm(self, signum: int, frame: object) -> None:
        self.fired = True
        if self._holding:
            self._expired = True
            return
        raise self._error()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self._expired:
            raise self._error()

    def _error(self) -> TrialError:
        assert self.seconds is not None
        return TrialError(
            f"the trial ran longer than max_trial_time ({format_span(self.seconds)}) and was "
            "stopped"
        )


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[_TimeLimit]:
    """Raise ``TrialError`` in the trial's own code when it runs past ``seconds``."""
    limit = _TimeLimit(seconds)
    if seconds is None or not trials_can_be_timed():
        yield limit
        return
    previous = signal.signal(signal.SIGALRM, limit.on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield limit
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
