"""What each strategy is told: small typed settings built once from ``strategy:`` in the config.

A strategy sees only the values it uses, so a new key for one strategy never reaches another,
and tests build a strategy from a few values instead of a whole config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tuner_cli.config import StrategyConfig
from tuner_cli.objective import Objective
from tuner_cli.space import SearchSpace
from tuner_cli.trial import TrialRecord


@dataclass(frozen=True)
class SamplingSettings:
    """Random and grid search."""

    initial_points: tuple[Mapping[str, Any], ...] = ()
    """Configurations to run first, in order (``strategy.initial_points``, checked already)."""

    def learns_from(self) -> Sequence[TrialRecord]:
        """Another study's trials a model learns from (``strategy.warm_start``): none
        without a model."""
        return ()


@dataclass(frozen=True)
class BayesianSettings(SamplingSettings):
    num_initial_points: int | None = None
    """Space-filling trials before the model; None chooses from the number of dimensions."""
    acquisition: str = "ei"
    objectives: tuple[Objective, ...] = ()
    """Two or more for a multi-objective search (scalarised by ParEGO); else empty."""
    known_trials: tuple[TrialRecord, ...] = ()
    """Finished trials of another study (``strategy.warm_start``): the model learns from them,
    they are never proposed again, and they are not this study's trials."""

    def learns_from(self) -> Sequence[TrialRecord]:
        return self.known_trials


@dataclass(frozen=True)
class HyperbandSettings(SamplingSettings):
    """Hyperband's brackets; BOHB adds the model of ``BayesianSettings`` to choose
    configurations, and ASHA uses the same rungs without brackets."""

    max_epochs: int = 1
    factor: int = 3
    min_epochs: int = 1
    iterations: int = 1
    model: BayesianSettings | None = None
    """BOHB's model settings; None samples new configurations at random (plain Hyperband)."""

    def learns_from(self) -> Sequence[TrialRecord]:
        return self.model.known_trials if self.model else ()


Settings = SamplingSettings | BayesianSettings | HyperbandSettings


def settings_for(
    config: StrategyConfig, space: SearchSpace, known_trials: Sequence[TrialRecord] = ()
) -> Settings:
    """The settings ``config.name`` reads."""
    points = tuple(space.point(values) for values in config.initial_points or ())
    model = BayesianSettings(
        initial_points=points,
        num_initial_points=config.num_initial_points,
        acquisition=config.acquisition,
        objectives=tuple(config.objectives()) if isinstance(config.objective, list) else (),
        known_trials=tuple(known_trials),
    )
    if config.name == "bayesian":
        return model
    if config.name in ("hyperband", "bohb", "asha"):
        return HyperbandSettings(
            initial_points=points,
            max_epochs=config.max_epochs or 1,
            factor=config.factor,
            min_epochs=config.min_epochs,
            iterations=config.hyperband_iterations,
            model=model if config.name == "bohb" else None,
        )
    return SamplingSettings(initial_points=points)
