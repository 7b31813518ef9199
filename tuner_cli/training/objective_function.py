"""The user's ``objective_function``, called the way its signature asks.

The contract is ``fn(hp, budget)`` (``budget`` positional or keyword-only), but a search
without budgets (``random``, ``grid``, ``bayesian``) has nothing to give as ``budget``, and
``def objective(hp):`` is what users of other tuners write first: every trial of it failed
with a ``TypeError``. Such a function is called with the hyperparameters alone; under a
multi-fidelity strategy, which gives each trial its epochs, it is a config error at validate,
as is a signature that takes neither form.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tuner_cli.config import MULTI_FIDELITY, StudyConfig
from tuner_cli.errors import ConfigError
from tuner_cli.training.imports import load_callable

Objective = Callable[[dict[str, Any], "int | None"], Any]
KEY_PATH = ("objective_function",)


def load_objective_function(study: StudyConfig) -> Objective:
    """Import the study's function and return it as ``call(hp, budget)``."""
    spec = study.config.objective_function
    assert spec is not None
    function = load_callable(spec, study.base_dir, KEY_PATH)
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # no signature to read (a builtin): called as documented
        return function
    if _accepts(signature, {}, None):
        return function
    if _accepts(signature, {}, budget=None):
        return lambda hp, budget: function(hp, budget=budget)
    if not _accepts(signature, {}):
        raise ConfigError(
            f"{spec} must take the hyperparameters and the trial's budget: "
            f"def {_name(function)}(hp, budget) (it is {_name(function)}{signature})",
            key_path=KEY_PATH,
        )
    strategy = study.config.strategy.name
    if strategy in MULTI_FIDELITY:
        raise ConfigError(
            f"{spec} takes only the hyperparameters, but {strategy} gives each trial a budget "
            f"(its epochs) to train for: def {_name(function)}(hp, budget)",
            key_path=KEY_PATH,
        )
    return lambda hp, budget: function(hp)


def _accepts(signature: inspect.Signature, *arguments: Any, **keywords: Any) -> bool:
    try:
        signature.bind(*arguments, **keywords)
    except TypeError:
        return False
    return True


def _name(function: Callable[..., Any]) -> str:
    return getattr(function, "__name__", "objective")
