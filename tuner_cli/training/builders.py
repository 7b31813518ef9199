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

from tuner_cli.config import MULTI_FIDELITY
from tuner_cli.errors import ConfigError
from tuner_cli.training.hyperparameters import HyperParameters
from tuner_cli.training.imports import load_attribute
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
    epochs_given: str = ""
    """How the config sets the epochs, as advice to undo it (``epochs_given``); "" when it
    does not, and a HyperModel's ``fit`` may."""
    recompile: Callable[[Any, dict[str, Any]], None] | None = None
    """``recompile(model, values)``: the config's ``model.optimizer``/``loss``/``metrics``
    over the builder's own, as KerasTuner's ``Tuner(loss=...)`` does; None without them."""

    def hyperparameters(self, values: Mapping[str, Any] | None = None) -> HyperParameters:
        return HyperParameters(values, self.overrides)

    def build(self, hp: HyperParameters) -> Any:
        model = self.build_model(hp)
        if self.recompile is not None and hasattr(model, "compile"):
            self.recompile(model, hp.values)
        return model

    def fit(self, hp: HyperParameters, model: Any, *args: Any, **kwargs: Any) -> Any:
        """The HyperModel's own ``fit`` if it has one (so fit arguments can be tuned), else
        ``model.fit``."""
        if self.fit_model is None:
            return model.fit(*args, **kwargs)
        try:
            return self.fit_model(hp, model, *args, **kwargs)
        except TypeError as exc:
            if BATCH_SIZE_TWICE in str(exc) and "batch_size" in kwargs:
                raise ConfigError(
                    f"{self.spec}'s fit sets batch_size itself (batch_size=... in its "
                    "model.fit call), so the config cannot set it too: remove "
                    "training.batch_size",
                    key_path=("training", "batch_size"),
                ) from None
            if EPOCHS_TWICE not in str(exc) or "epochs" not in kwargs:
                raise
            if self.epochs_given:
                raise ConfigError(
                    f"{self.spec}'s fit sets epochs itself (epochs=... in its model.fit call), "
                    f"so the config cannot set them too: {self.epochs_given}",
                    key_path=BUILDER_KEY,
                ) from None
        # the fit chooses its epochs (``epochs=hp.Int(...)``), as KerasTuner code does when
        # search() is given none: its choice stands, as there
        kwargs.pop("epochs")
        return self.fit_model(hp, model, *args, **kwargs)


def load_builder(study: StudyConfig) -> ModelBuilder:
    spec = study.config.model.builder
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
    recompile = _recompile(study)
    build = getattr(target, "build", None)
    if callable(build):
        fit = getattr(target, "fit", None)
        fit = fit if callable(fit) else None
        return ModelBuilder(spec, build, fit, _overrides(study), epochs_given(study), recompile)
    if callable(target):
        return ModelBuilder(spec, target, None, _overrides(study), recompile=recompile)
    raise ConfigError(
        f"{spec} is a {type(target).__name__}; model.builder must name a function build(hp), "
        "a class with build(self, hp), or an object with a build(hp) method",
        key_path=BUILDER_KEY,
    )


def _recompile(study: StudyConfig) -> Callable[[Any, dict[str, Any]], None] | None:
    from tuner_cli.training.builder_compile import compile_with_config, given_compile_keys

    if not given_compile_keys(study):
        return None
    return lambda model, values: compile_with_config(model, study, values, study.base_dir)


def _overrides(study: StudyConfig) -> dict[str, Any]:
    return dict(study.config.search_space)


EPOCHS_TWICE = "got multiple values for keyword argument 'epochs'"
"""Python's complaint when a HyperModel's fit passes ``epochs`` and kt-run's too."""
BATCH_SIZE_TWICE = "got multiple values for keyword argument 'batch_size'"
"""Likewise for ``batch_size``, which kt-run passes only when the config sets it."""


def batch_size_given(study: StudyConfig) -> bool:
    """Whether the config sets ``training.batch_size``. A HyperModel's own ``fit`` gets a
    batch size only then: KerasTuner users often choose it there (``hp.Choice`` in ``fit``),
    and Python refuses a keyword given twice."""
    return "batch_size" in study.given("training")


def epochs_given(study: StudyConfig) -> str:
    """How the config decides how many epochs a trial trains, as what to change (""
    when it does not): ``training.epochs``, or a strategy that trains in rounds of set
    budgets. Otherwise a HyperModel's own ``fit`` may choose them (``epochs=hp.Int(...)``),
    as KerasTuner code does when ``search()`` is given none."""
    name = study.config.strategy.name
    if name in MULTI_FIDELITY:
        return f"{name} trains in rounds of set epochs; use random, grid or bayesian"
    if "epochs" in study.given("training"):
        return "remove training.epochs"
    return ""
