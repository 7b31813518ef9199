"""Search strategies: each proposes trials from the records so far."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module

from tuner_cli.config import StrategyConfig
from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace
from tuner_cli.strategies.base import WAIT, Proposal, Strategy, Wait
from tuner_cli.strategies.settings import settings_for
from tuner_cli.trial import TrialRecord

__all__ = ["WAIT", "Proposal", "Strategy", "Wait", "make_strategy"]

_STRATEGIES = {
    "random": ("tuner_cli.strategies._random", "RandomSearch"),
    "grid": ("tuner_cli.strategies._grid", "GridSearch"),
    "bayesian": ("tuner_cli.strategies._bayesian", "BayesianSearch"),
    "hyperband": ("tuner_cli.strategies._hyperband", "Hyperband"),
    "bohb": ("tuner_cli.strategies._hyperband", "Hyperband"),
    "asha": ("tuner_cli.strategies._asha", "Asha"),
}


def make_strategy(
    name: str,
    space: SearchSpace,
    objective: Objective,
    seed: int,
    config: StrategyConfig | None,
    known_trials: Sequence[TrialRecord] = (),
) -> Strategy:
    """The strategy ``name`` with its settings from ``config`` (defaults when None), told
    ``known_trials`` (``strategy.warm_start``). Imports only the chosen strategy's module."""
    if config is None:
        config = StrategyConfig.model_construct(name=name)
    elif config.name != name:
        config = config.model_copy(update={"name": name})
    module_name, class_name = _STRATEGIES[name]
    strategy_class = getattr(import_module(module_name), class_name)
    return strategy_class(space, objective, seed, settings_for(config, space, known_trials))
