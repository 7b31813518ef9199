"""Experiment trackers fed from the search loop's events: TensorBoard and MLflow.

The runner takes one ``SearchEvents``; ``fan_out`` puts the trackers named in the config's
``logging:`` section beside the terminal view. Trackers run in the driver when a trial finishes
(its record carries the per-epoch history), so workers need none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuner_cli.errors import ConfigError
from tuner_cli.integrations._fanout import EventFanout

if TYPE_CHECKING:
    from tuner_cli.config import StudyConfig
    from tuner_cli.events import SearchEvents

__all__ = ["EventFanout", "fan_out", "integration_sinks"]


def integration_sinks(study: StudyConfig) -> list[SearchEvents]:
    """The trackers the config asks for; a missing package is a config error (exit 2)."""
    logging = study.config.logging
    if logging is None:
        return []
    sinks: list[SearchEvents] = []
    for key in ("tensorboard", "mlflow"):
        target = getattr(logging, key)
        if target is None:
            continue
        try:
            sinks.append(_make(key, target, study))
        except ImportError as exc:
            raise ConfigError(
                f"logging to {key} needs the '{key}' package ({exc}): "
                f"pip install 'kt-run[{key}]', or remove logging.{key}",
                key_path=("logging", key),
                source=str(study.path),
            ) from None
        except Exception as exc:  # noqa: BLE001 - a tracker's set-up errors come in many types
            raise ConfigError(
                f"cannot log to {key} at {target!r}: {type(exc).__name__}: {exc}",
                key_path=("logging", key),
                source=str(study.path),
            ) from None
    return sinks


def _make(key: str, target: str, study: StudyConfig) -> SearchEvents:
    if key == "tensorboard":
        from tuner_cli.integrations.tensorboard import TensorBoardLogger

        return TensorBoardLogger(study.resolve_path(target), study)
    from tuner_cli.integrations.mlflow import MlflowLogger

    return MlflowLogger(target, study)


def fan_out(view: SearchEvents, sinks: list[SearchEvents]) -> SearchEvents:
    """The view itself when there is nothing to add, else a fan-out with the view first."""
    return EventFanout(view, sinks) if sinks else view
