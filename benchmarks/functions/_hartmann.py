"""The Hartmann family on the unit cube (shared by hartmann3.py and hartmann6.py)."""

from __future__ import annotations

import numpy as np

ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann(x: np.ndarray, a: np.ndarray, p: np.ndarray) -> float:
    return float(-np.sum(ALPHA * np.exp(-np.sum(a * (x - p) ** 2, axis=1))))
