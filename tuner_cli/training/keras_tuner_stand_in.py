"""A stand-in ``keras_tuner`` module, for builder modules that import it when it is absent.

KerasTuner code usually starts with ``import keras_tuner as kt`` and subclasses
``kt.HyperModel``. kt-run runs such a builder without KerasTuner installed: when the builder's
module is imported and ``keras_tuner`` cannot be, this module answers the import with
kt-run's own ``HyperParameters`` and a ``HyperModel`` base class. Its tuners only explain that
the config's ``strategy`` runs the search. With KerasTuner installed, it is never used.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

from tuner_cli.training.hyperparameters import HyperParameters


class HyperModel:
    """The base of a KerasTuner HyperModel: ``build(hp)``, and ``fit`` passing through."""

    def __init__(self, name: str | None = None, tunable: bool = True):
        self.name = name
        self.tunable = tunable

    def build(self, hp: HyperParameters) -> Any:
        raise NotImplementedError("a HyperModel must define build(self, hp)")

    def fit(self, hp: HyperParameters, model: Any, *args: Any, **kwargs: Any) -> Any:
        return model.fit(*args, **kwargs)


class _Tuner:
    def __init__(self, *args: Any, **kwargs: Any):
        raise RuntimeError(
            f"kt-run runs the search itself: keras_tuner.{type(self).__name__} is not available "
            "here (KerasTuner is not installed). Set strategy.name in the config instead, and "
            "keep tuner code under `if __name__ == '__main__':`"
        )


def install_if_missing() -> None:
    """Answer ``import keras_tuner`` with this stand-in, unless KerasTuner is installed."""
    imported = sys.modules.get("keras_tuner", False)
    if imported:
        return
    if imported is False and importlib.util.find_spec("keras_tuner") is not None:
        return  # installed (a None entry in sys.modules blocks an import: treated as absent)
    module = types.ModuleType("keras_tuner", __doc__)
    module.HyperParameters = HyperParameters
    module.HyperModel = HyperModel
    for name in ("Tuner", "RandomSearch", "Hyperband", "BayesianOptimization", "GridSearch"):
        setattr(module, name, type(name, (_Tuner,), {}))
    module.__kt_run_stand_in__ = True
    sys.modules["keras_tuner"] = module
