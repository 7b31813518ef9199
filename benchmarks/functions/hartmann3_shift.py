"""Hartmann 3-D whose landscape is shifted at low budgets: the best region moves.

At budget b (epochs, out of ``MAX_BUDGET``) the function is Hartmann3 evaluated at
``x - SHIFT * (1 - b / MAX_BUDGET)``: the whole landscape, global minimum included, is
translated by up to ``SHIFT`` (0.26 of the cube's side), so at budget 1 the best value lies
near (0.26, 0.68, 0.68) instead of the full budget's (0.11, 0.56, 0.85). Over 2,000 random
points the Spearman correlation with the full-budget values is 0.52 at budget 1, 0.59 at 3 and
0.76 at 9, but -0.26, -0.23 and -0.05 among the best tenth: low budgets find the good region
and rank within it backwards, so the low rungs promote configurations on the wrong side of it.
At ``MAX_BUDGET`` the function is Hartmann3 exactly.
"""

from __future__ import annotations

import numpy as np
from _hartmann import hartmann
from hartmann3 import _A, _P, OPTIMUM  # noqa: F401 - OPTIMUM is read by the benchmark

MAX_BUDGET = 27
SHIFT = np.array([0.15, 0.125, -0.175])


def objective(hp: dict, budget: int | None = None) -> float:
    w = 1.0 - min(budget or MAX_BUDGET, MAX_BUDGET) / MAX_BUDGET
    x = np.array([hp["x1"], hp["x2"], hp["x3"]])
    return hartmann(x - SHIFT * w, _A, _P)
