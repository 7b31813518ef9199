"""Experiment trackers fed from the search loop's events: TensorBoard and MLflow.

The runner takes one ``SearchEvents``; ``fan_out`` puts the trackers named in the config's
``logging:`` section beside the terminal view. Trackers run in the driver when a trial finishes
(its record carries the per-epoch history), so workers need none of them.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from tuner_cli.errors import ConfigError
from tuner_cli.integrations._fanout import EventFanout

if TYPE_CHECKING:
    from tuner_cli.config import StudyConfig
    from tuner_cli.runner import SearchEvents

__all__ = ["EventFanout", "fan_out", "integration_sinks"]

_PACKAGES = {"tensorboard": "tensorboard", "mlflow": "mlflow"}


def integration_sinks(study: StudyConfig) -> list[SearchEvents]:
    """The trackers the config asks for; a missing package is a config error (exit 2)."""
    logging = study.config.logging
    if logging is None:
        return []
    for key, package in _PACKAGES.items():
        if getattr(logging, key) is not None and importlib.util.find_spec(package) is None:
            raise ConfigError(
                f"logging to {key} needs the '{package}' package: "
                f"pip install 'kt-run[{key}]' (or remove logging.{key})",
                key_path=("logging", key),
                source=str(study.path),
            )
    sinks: list[SearchEvents] = []
    try:
        if logging.tensorboard is not None:
            from tuner_cli.integrations.tensorboard import TensorBoardLogger

            sinks.append(TensorBoardLogger(study.resolve_path(logging.tensorboard), study))
        if logging.mlflow is not None:
            from tuner_cli.integrations.mlflow import MlflowLogger

            sinks.append(MlflowLogger(logging.mlflow, study))
    except Exception as exc:  # noqa: BLE001 - a tracker's set-up errors come in many types
        key = "mlflow" if sinks or logging.tensorboard is None else "tensorboard"
        raise ConfigError(
            f"cannot log to {key}: {type(exc).__name__}: {exc}",
            key_path=("logging", key),
            source=str(study.path),
        ) from None
    return sinks


def fan_out(view: SearchEvents, sinks: list[SearchEvents]) -> SearchEvents:
    """The view itself when there is nothing to add, else a fan-out with the view first."""
    return EventFanout(view, sinks) if sinks else view
