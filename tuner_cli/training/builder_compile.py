"""The config's ``model.optimizer``, ``loss`` and ``metrics`` applied to a builder's model.

KerasTuner's ``Tuner(optimizer=..., loss=..., metrics=...)`` compiles every model the builder
returns with those, replacing what the builder's own ``compile`` set and keeping the rest; a
builder that returns an uncompiled model relies on it. The config's keys play that part
here: a key the file gives replaces the builder's choice, one it leaves out keeps it. Without
any of them the builder's model is used as it comes (and must be compiled).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuner_cli.config import StudyConfig

COMPILE_KEYS = ("optimizer", "loss", "metrics")


def given_compile_keys(study: StudyConfig) -> tuple[str, ...]:
    """The compile keys the file itself writes under ``model`` (``optimizer`` has a
    default, which is not a choice the user made)."""
    given = study.given("model")
    return tuple(key for key in COMPILE_KEYS if key in given)


def compile_with_config(
    model: Any, study: StudyConfig, values: dict[str, Any], base_dir: Path
) -> None:
    """Compile ``model`` with the given keys over what its own ``compile`` set. An
    uncompiled model without ``model.optimizer`` gets the config's default (adam), as a
    template does; ``values`` resolve ``$name`` references."""
    from tuner_cli.config.references import resolve
    from tuner_cli.training.keras_objects import make_objects
    from tuner_cli.training.template import make_optimizer

    given = given_compile_keys(study)
    compiled = getattr(model, "_compile_config", None)
    arguments: dict[str, Any] = dict(compiled.config) if compiled is not None else {}
    config = study.config.model
    if "optimizer" in given or arguments.get("optimizer") is None:
        arguments["optimizer"] = make_optimizer(config.optimizer, values, base_dir)
    if "loss" in given:
        loss = resolve(config.loss, values)
        arguments["loss"] = make_objects(loss, "loss", ("model", "loss"), base_dir)
    if "metrics" in given:
        metrics = resolve(list(config.metrics), values)
        arguments["metrics"] = make_objects(metrics, "metrics", ("model", "metrics"), base_dir)
    model.compile(**arguments)
