"""Run one trial: train the Keras model (or call the objective function) and measure it.

This is what a worker executes, wherever it runs. It returns an outcome instead of writing
files: the driver alone owns the results directory. A failure inside the trial becomes a
``failed`` outcome; a ``ConfigError`` (a misspelt objective, say) propagates, since every
other trial would fail the same way. A template that cannot be built at one trial's values
(the defaults built before the search) fails that trial alone, naming the entry.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import threading
import time
import traceback

from tuner_cli.config import StudyConfig
from tuner_cli.errors import ConfigError, KeyPath, SignalInterrupt, TrialError, failure_message
from tuner_cli.training.keras_import import import_keras
from tuner_cli.training.objective_function import load_objective_function
from tuner_cli.trial import EpochCallback, TrialOutcome, TrialStatus, TrialTask, metric_number


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute_trial(
    study: StudyConfig, task: TrialTask, on_epoch: EpochCallback | None = None
) -> TrialOutcome:
    started = time.monotonic()
    try:
        if study.is_keras:
            import_keras()
            from tuner_cli.training.keras_training import train_trial

            outcome = train_trial(study, task, on_epoch or _no_progress)
            missing = _missing(study, outcome.metrics)
            if missing:
                raise TrialError(_missing_message(missing, outcome.metrics))
        else:
            outcome = _call_objective(study, task)
    except ConfigError:
        raise
    except SignalInterrupt:
        raise  # Ctrl-C or SIGTERM (with --workers 0): the search stops
    except KeyboardInterrupt as exc:
        if _keystroke():
            raise
        outcome = _failed(exc)
    except Exception as exc:  # noqa: BLE001 - any error inside user code fails only this trial
        outcome = _failed(exc)
    except BaseException as exc:  # noqa: BLE001 - sys.exit() or a BaseException of user code
        # In a worker process these fail the trial (the worker catches them or dies); with
        # --workers 0 they would end the search itself: sys.exit(0) an exit code 0 with trials
        # left to run, another BaseException a traceback.
        outcome = _failed(exc)
    outcome.worker = worker_name()
    outcome.run_s = time.monotonic() - started
    return outcome


def _keystroke() -> bool:
    """Whether a plain ``KeyboardInterrupt`` is Ctrl-C rather than user code giving up: only
    in the main thread (Python delivers signals there alone) while Python's own handler is the
    one installed (a search installs kt-run's, which raise ``SignalInterrupt``)."""
    return (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )


def _failed(exc: BaseException) -> TrialOutcome:
    """A failed trial naming the user's exception. A ``KeyboardInterrupt`` outside the main
    thread (a worker's task thread) was raised by user code, not by a signal: left to propagate
    it would kill the worker process and hide what happened."""
    return TrialOutcome(
        status=TrialStatus.FAILED,
        error={"message": failure_message(exc), "traceback": traceback.format_exc()},
    )


def _no_progress(epoch: int, epochs: int, logs: dict[str, float]) -> bool:
    return False


def _call_objective(study: StudyConfig, task: TrialTask) -> TrialOutcome:
    objective = load_objective_function(study)
    result = objective(dict(task.hyperparameters), task.budget)
    name = study.objective.name
    metrics = {name: result} if not isinstance(result, dict) else dict(result)
    missing = _missing(study, metrics)
    if missing and task.objective_seen:
        raise TrialError(_missing_message(missing, metrics))
    if missing:
        # Before any result had it: a misspelt objective, which every call would miss alike.
        raise study.locate(
            ConfigError(
                f"{_names(missing)} {'is' if len(missing) == 1 else 'are'} not among the metrics "
                f"{study.config.objective_function} returns "
                f"({', '.join(map(str, metrics)) or 'none'}); name one of them",
                key_path=_objective_key(study, missing[0]),
            )
        )
    metrics = {k: _number(study, k, v) for k, v in metrics.items()}
    for objective in study.objectives:
        if not math.isfinite(metrics[objective.name]):
            raise TrialError(f"the objective '{objective.name}' is {metrics[objective.name]}")
    entry = metrics if task.budget is None else {"epoch": task.budget, **metrics}
    return TrialOutcome(
        status=TrialStatus.COMPLETED,
        score=metrics[name],
        metrics=metrics,
        history=[*task.history, entry],
    )


def _number(study: StudyConfig, name: object, value: object) -> float:
    number = metric_number(value)
    if number is None:
        raise TrialError(
            f"{study.config.objective_function} returned {value!r:.80} ({type(value).__name__}) "
            f"for '{name}'; a metric must be a number"
        )
    return number


def _missing(study: StudyConfig, metrics: dict[str, object]) -> list[str]:
    """Objectives a trial's metrics lack: a multi-objective trial needs every one of them, or
    its record would be ``completed`` with no place on the front and nothing to learn from."""
    return [o.name for o in study.objectives if o.name not in metrics]


def _objective_key(study: StudyConfig, name: str) -> KeyPath:
    """Where the config names the objective ``name``: its entry of a list, for its line."""
    if not isinstance(study.config.strategy.objective, list):
        return ("strategy", "objective")
    return ("strategy", "objective", [o.name for o in study.objectives].index(name))


def _missing_message(missing: list[str], metrics: dict[str, object]) -> str:
    objectives = "the objective" if len(missing) == 1 else "the objectives"
    verb = "is" if len(missing) == 1 else "are"
    returned = ", ".join(map(str, metrics)) or "none"
    return f"{objectives} {_names(missing)} {verb} not among the returned metrics: {returned}"


def _names(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)
