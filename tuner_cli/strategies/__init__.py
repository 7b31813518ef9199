"""Search strategies: each proposes trials from the records so far."""

from __future__ import annotations

from importlib import import_module

from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace
from tuner_cli.strategies.base import WAIT, Proposal, Strategy, Wait

__all__ = ["WAIT", "Proposal", "Strategy", "Wait", "make_strategy"]

_STRATEGIES = {
    "random": ("tuner_cli.strategies._random", "RandomSearch"),
    "grid": ("tuner_cli.strategies._grid", "GridSearch"),
    "bayesian": ("tuner_cli.strategies._bayesian", "BayesianSearch"),
    "hyperband": ("tuner_cli.strategies._hyperband", "Hyperband"),
}


def make_strategy(
    name: str, space: SearchSpace, objective: Objective, seed: int, settings
) -> Strategy:
    """Import only the chosen strategy: the Bayesian one pulls in scikit-optimize."""
    module_name, class_name = _STRATEGIES[name]
    strategy_class = getattr(import_module(module_name), class_name)
    return strategy_class(space, objective, seed, settings)
