"""Acquisition functions, for minimisation on standardised targets.

Each returns a score to maximise (``mean`` is not offered to users: the search uses it for its
exploitation turns) and, for one point, its gradient from the posterior mean and
standard deviation gradients. Expected improvement is computed in log space: plain EI
underflows to exactly zero far from the incumbent, which leaves the optimiser of the
acquisition with a flat landscape once the model is confident.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
PI_MARGIN = 0.01
"""Improvement that probability of improvement asks for, in standard deviations of y."""
LCB_KAPPA = 1.96

Score = Callable[[np.ndarray, np.ndarray, float], np.ndarray]


def _mills(z: np.ndarray) -> np.ndarray:
    """Phi(z) / phi(z), stable for very negative z."""
    return np.sqrt(np.pi / 2.0) * erfcx(-z / np.sqrt(2.0))


def _log_h(z: np.ndarray) -> np.ndarray:
    """log(phi(z) + z * Phi(z)), the log of EI over sigma; factored through phi below -1."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    low = z < -1.0
    zl, zh = z[low], z[~low]
    out[low] = -0.5 * zl * zl - LOG_SQRT_2PI + np.log1p(np.maximum(zl * _mills(zl), -1.0 + 1e-16))
    out[~low] = np.log(np.exp(-0.5 * zh * zh - LOG_SQRT_2PI) + zh * ndtr(zh))
    return out


def log_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    z = (best - mean) / std
    return np.log(std) + _log_h(z)


def log_pi(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    return log_ndtr((best - PI_MARGIN - mean) / std)


def neg_lcb(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    return -(mean - LCB_KAPPA * std)


def neg_mean(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """Pure exploitation: the model's expected value, uncertainty ignored."""
    return -mean


SCORES: dict[str, Score] = {"ei": log_ei, "pi": log_pi, "lcb": neg_lcb, "mean": neg_mean}


def score_gradient(
    name: str, mean: float, std: float, d_mean: np.ndarray, d_std: np.ndarray, best: float
) -> tuple[float, np.ndarray]:
    """The acquisition ``name`` at one point and its gradient in the model's features."""
    if name == "mean":
        return -mean, -d_mean
    if name == "lcb":
        return -(mean - LCB_KAPPA * std), -(d_mean - LCB_KAPPA * d_std)
    if name == "ei":
        z = (best - mean) / std
        log_h = float(_log_h(np.array([z]))[0])
        value = np.log(std) + log_h
        dlogh_dz = float(np.exp(log_ndtr(z) - log_h))
    else:
        z = (best - PI_MARGIN - mean) / std
        value = float(log_ndtr(z))
        dlogh_dz = 1.0 / max(float(_mills(np.array(z))), 1e-300)
    dz = (-d_mean - z * d_std) / std
    grad = dlogh_dz * dz
    if name == "ei":
        grad = grad + d_std / std
    return value, grad
