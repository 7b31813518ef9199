"""What the search loop's events feed besides the caller's view: TensorBoard and MLflow, and
the plain progress log (``progress_log``) that the command line and ``run_search(progress=True)``
print.

The runner takes one ``SearchEvents``; ``fan_out`` puts the trackers named in the config's
``logging:`` section beside the terminal view, and ``EventPair`` the progress log beside a
caller's own. Trackers run in the driver when a trial finishes
(its record carries the per-epoch history), so workers need none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuner_cli.errors import ConfigError
from tuner_cli.integrations._fanout import EventFanout, EventPair

if TYPE_CHECKING:
    from tuner_cli.config import StudyConfig
    from tuner_cli.events import SearchEvents

__all__ = ["EventFanout", "EventPair", "check_trackers", "fan_out", "integration_sinks"]

TRACKERS = ("tensorboard", "mlflow")


def integration_sinks(study: StudyConfig) -> list[SearchEvents]:
    """The trackers the config asks for; a missing package is a config error (exit 2)."""
    sinks: list[SearchEvents] = []
    for key, target in _named(study):
        logger = _logger_class(key, study)
        try:
            where = study.resolve_path(target) if key == "tensorboard" else target
            sinks.append(logger(where, study))
        except Exception as exc:  # noqa: BLE001 - a tracker's set-up errors come in many types
            raise _error(
                study, key, f"cannot log to {key} at {target!r}: {type(exc).__name__}: {exc}"
            ) from None
    return sinks


def check_trackers(study: StudyConfig) -> None:
    """``validate``: every tracker the config names can be imported, so a missing package is
    the config error the search would stop on; nothing is created (no log folder, no store)."""
    for key, _ in _named(study):
        _logger_class(key, study)


def _named(study: StudyConfig) -> list[tuple[str, str]]:
    logging = study.config.logging
    if logging is None:
        return []
    return [(key, getattr(logging, key)) for key in TRACKERS if getattr(logging, key) is not None]


def _logger_class(key: str, study: StudyConfig) -> type[SearchEvents]:
    try:
        if key == "tensorboard":
            from tuner_cli.integrations.tensorboard import TensorBoardLogger

            return TensorBoardLogger
        from tuner_cli.integrations.mlflow import MlflowLogger

        return MlflowLogger
    except ImportError as exc:
        raise _error(
            study,
            key,
            f"logging to {key} needs the '{key}' package ({exc}): "
            f"pip install 'kt-run[{key}]', or remove logging.{key}",
        ) from None


def _error(study: StudyConfig, key: str, message: str) -> ConfigError:
    """A config error at ``logging.KEY``, with the file and the line that key is on."""
    return study.locate(ConfigError(message, key_path=("logging", key)))


def fan_out(view: SearchEvents, sinks: list[SearchEvents]) -> SearchEvents:
    """The view itself when there is nothing to add, else a fan-out with the view first."""
    return EventFanout(view, sinks) if sinks else view
