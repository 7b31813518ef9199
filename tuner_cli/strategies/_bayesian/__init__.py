"""Gaussian-process Bayesian optimisation (own GP: scikit-optimize's fell short on Hartmann6)."""

from tuner_cli.strategies._bayesian._search import BayesianSearch

__all__ = ["BayesianSearch"]
