"""``model.builder``: a user's function or HyperModel-shaped class, called with an ``hp``.

Three shapes are accepted, as KerasTuner users write them: a function ``build(hp) -> model``;
a class with ``build(self, hp)`` and optionally ``fit(self, hp, model, *args, **kwargs)``
(created with no arguments); or such an object already made in the module. ``hp`` is
``tuner_cli.training.hyperparameters.HyperParameters``, which also reads like a dict, so
builders written for plain dicts keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tuner_cli.errors import ConfigError
from tuner_cli.training.hyperparameters import HyperParameters
from tuner_cli.training.imports import load_attribute
from tuner_cli.training.keras_tuner_stand_in import install_if_missing
from tuner_cli.training.user_code import user_location

if TYPE_CHECKING:
    from tuner_cli.config import StudyConfig

BUILDER_KEY = ("model", "builder")


@dataclass(frozen=True)
class ModelBuilder:
    spec: str
    build_model: Callable[[HyperParameters], Any]
    fit_model: Callable[..., Any] | None
    """The HyperModel's ``fit(hp, model, *args, **kwargs)``, when it has one."""
    overrides: Mapping[str, Any]
    """``search_space`` entries, which replace the builder's declarations of the same name."""

    def hyperparameters(self, values: Mapping[str, Any] | None = None) -> HyperParameters:
        return HyperParameters(values, self.overrides)

    def build(self, hp: HyperParameters) -> Any:
        return self.build_model(hp)

    def fit(self, hp: HyperParameters, model: Any, *args: Any, **kwargs: Any) -> Any:
        """The HyperModel's own ``fit`` if it has one (so fit arguments can be tuned), else
        ``model.fit``."""
        if self.fit_model is None:
            return model.fit(*args, **kwargs)
        return self.fit_model(hp, model, *args, **kwargs)


def load_builder(study: StudyConfig) -> ModelBuilder:
    spec = study.config.model.builder
    install_if_missing()  # `import keras_tuner as kt` works without KerasTuner installed
    target = load_attribute(spec, study.base_dir, BUILDER_KEY)
    if isinstance(target, type):
        try:
            target = target()
        except Exception as exc:  # noqa: BLE001 - the constructor is user code
            raise ConfigError(
                f"{spec} is a class, which kt-run creates with no arguments, and that failed: "
                f"{type(exc).__name__}: {exc}{user_location(exc)}. Give default values to its "
                "arguments, or name an object made in the module (my_module:hypermodel)",
                key_path=BUILDER_KEY,
            ) from None
    build = getattr(target, "build", None)
    if callable(build):
        fit = getattr(target, "fit", None)
        return ModelBuilder(spec, build, fit if callable(fit) else None, _overrides(study))
    if callable(target):
        return ModelBuilder(spec, target, None, _overrides(study))
    raise ConfigError(
        f"{spec} is a {type(target).__name__}; model.builder must name a function build(hp), "
        "a class with build(self, hp), or an object with a build(hp) method",
        key_path=BUILDER_KEY,
    )


def _overrides(study: StudyConfig) -> dict[str, Any]:
    return dict(study.config.search_space)


def batch_size_given(study: StudyConfig) -> bool:
    """Whether the config sets ``training.batch_size``. A HyperModel's own ``fit`` gets a
    batch size only then: KerasTuner users often choose it there (``hp.Choice`` in ``fit``),
    and Python refuses a keyword given twice."""
    training = study.raw.get("training") if isinstance(study.raw, dict) else None
    return isinstance(training, dict) and "batch_size" in training
