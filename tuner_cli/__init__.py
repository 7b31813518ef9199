"""kt-run: hyperparameter search for Keras models, driven by one YAML file.

The Python API, beside the ``kt-run`` command::

    from tuner_cli import run_search, best_trials

    result = run_search("configs/digits.yaml", output="results", workers=0)
    print(result.best.hyperparameters)
    print(best_trials("results/digits-mlp", top=3))

``from tuner_cli import keras_tuner as kt`` stands for ``import keras_tuner as kt`` in a
notebook without KerasTuner (``kt.HyperModel``, ``kt.HyperParameters``).

Names are imported on first use, so ``kt-run best`` never loads the search machinery.
"""

from importlib import import_module
from typing import Any

from tuner_cli._version import __version__

_API = {
    "run_search": "tuner_cli.search",
    "SearchResult": "tuner_cli.search",
    "load_config": "tuner_cli.config",
    "load_config_dict": "tuner_cli.config",
    "read_trials": "tuner_cli.results",
    "best_trials": "tuner_cli.results",
    "TrialRecord": "tuner_cli.trial",
    "TrialStatus": "tuner_cli.trial",
    "SearchEvents": "tuner_cli.events",
    "KtRunError": "tuner_cli.errors",
    "ConfigError": "tuner_cli.errors",
    "SearchInterrupted": "tuner_cli.search",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name == "keras_tuner":  # a module, made when asked for
        from tuner_cli.training.keras_tuner_stand_in import keras_tuner

        return keras_tuner()
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'tuner_cli' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The lazy names too, so a notebook's ``tuner_cli.<Tab>`` offers ``run_search``."""
    return sorted({*globals(), "keras_tuner", *_API})
