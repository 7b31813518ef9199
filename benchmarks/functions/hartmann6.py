"""Hartmann 6-D on [0, 1]^6: one global minimum of -3.32237 among six local ones."""

from __future__ import annotations

import numpy as np
from _hartmann import hartmann

OPTIMUM = -3.32236801141551
_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def objective(hp: dict, budget: int | None = None) -> float:
    return hartmann(np.array([hp[f"x{i}"] for i in range(1, 7)]), _A, _P)
