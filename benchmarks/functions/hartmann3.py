"""Hartmann 3-D on [0, 1]^3: one global minimum of -3.86278 among four local ones."""

from __future__ import annotations

import numpy as np
from _hartmann import hartmann

OPTIMUM = -3.86278214782076
_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)


def objective(hp: dict, budget: int | None = None) -> float:
    return hartmann(np.array([hp["x1"], hp["x2"], hp["x3"]]), _A, _P)
