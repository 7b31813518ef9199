"""A stand-in ``keras_tuner`` module, for builder modules that import it when it is absent.

KerasTuner code usually starts with ``import keras_tuner as kt`` and subclasses
``kt.HyperModel``. kt-run runs such a builder without KerasTuner installed: when the builder's
module is imported and ``keras_tuner`` cannot be, this module answers the import with
kt-run's own ``HyperParameters``, a ``HyperModel`` base class and ``Objective``. Its tuners
only explain that the config's ``strategy`` runs the search. With KerasTuner installed, it is
never used. A notebook or script, which imports before any config is loaded, gets it as
``from tuner_cli import keras_tuner as kt``.
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


class Objective:
    """``kt.Objective(name, direction)``: KerasTuner code often makes one at module level
    (``OBJECTIVE = kt.Objective("val_auc", direction="max")``) or imports the name, so the
    stand-in must answer it for the module to import. kt-run reads its objective from the
    config's ``strategy.objective``, not from this object."""

    def __init__(self, name: str, direction: str):
        self.name = name
        self.direction = direction

    def __repr__(self) -> str:
        return f"Objective(name={self.name!r}, direction={self.direction!r})"


class _Tuner:
    def __init__(self, *args: Any, **kwargs: Any):
        raise RuntimeError(
            f"kt-run runs the search itself: keras_tuner.{type(self).__name__} is not available "
            "here (KerasTuner is not installed). Set strategy.name in the config instead, and "
            "keep tuner code under `if __name__ == '__main__':`"
        )


TUNERS = {
    name: type(name, (_Tuner,), {})
    for name in ("Tuner", "RandomSearch", "Hyperband", "BayesianOptimization", "GridSearch")
}
"""KerasTuner's tuners, by name: each explains that the config's strategy runs the search."""

PACKAGE_NAMES = ("keras_tuner", "kerastuner")
"""``kerastuner`` is what the package was called before version 1.1; older code imports it."""
MEMBERS = {"HyperParameters": HyperParameters, "HyperModel": HyperModel, "Objective": Objective}
SUBMODULES = {
    "engine": {},
    "engine.hypermodel": {"HyperModel": HyperModel},
    "engine.hyperparameters": {"HyperParameters": HyperParameters},
    "engine.tuner": {"Tuner": TUNERS["Tuner"]},
    "tuners": {name: tuner for name, tuner in TUNERS.items() if name != "Tuner"},
}
"""Where older KerasTuner code imports the same classes from (``from kerastuner.tuners import
RandomSearch``, as tutorials written before version 1.1 do)."""


def install_if_missing() -> None:
    """Answer ``import keras_tuner`` (and the older ``kerastuner``, with their ``engine``
    submodules) with this stand-in, unless that package is installed."""
    for package in PACKAGE_NAMES:
        imported = sys.modules.get(package, False)
        if imported and not _is_folder(imported):
            continue
        if imported is False and _installed(package):
            continue  # (a None entry in sys.modules blocks an import: absent)
        _install(package)


def _installed(package: str) -> bool:
    spec = importlib.util.find_spec(package)
    return spec is not None and spec.origin not in (None, "namespace")


def _is_folder(module: types.ModuleType) -> bool:
    """A namespace package: a plain folder named ``keras_tuner`` on the path (a config's
    folder holding one, as ``examples/`` does), which is not KerasTuner."""
    return getattr(module, "__file__", None) is None and hasattr(module, "__path__")


def keras_tuner() -> types.ModuleType:
    """``from tuner_cli import keras_tuner as kt``: KerasTuner when it is installed, else the
    stand-in. A notebook or script cannot ``import keras_tuner`` without it (kt-run answers
    that import only in the modules a config names); this is the one line to change. The
    stand-in is not put in ``sys.modules``, where other libraries would take it for
    KerasTuner."""
    imported = sys.modules.get("keras_tuner")
    if imported is not None and getattr(imported, "__spec__", None) is None:
        return imported  # the stand-in, installed for a config's module
    if _installed("keras_tuner"):
        return importlib.import_module("keras_tuner")
    return _stand_in("keras_tuner")[0]


def _install(package: str) -> None:
    for module in _stand_in(package):
        sys.modules[module.__name__] = module


def _stand_in(package: str) -> list[types.ModuleType]:
    """The stand-in package ``package``, then its submodules (parents first)."""
    module = types.ModuleType(package, __doc__)
    module.__path__ = []  # a package, so its submodules import
    module.__dict__.update(MEMBERS)
    module.__dict__.update(TUNERS)
    module.__kt_run_stand_in__ = True
    made = {package: module}
    for dotted, members in SUBMODULES.items():
        submodule = types.ModuleType(f"{package}.{dotted}")
        submodule.__path__ = []
        submodule.__dict__.update(members)
        made[submodule.__name__] = submodule
        parent_name, _, leaf = submodule.__name__.rpartition(".")
        setattr(made[parent_name], leaf, submodule)
    return list(made.values())
