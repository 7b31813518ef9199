"""Shekel 4-D with m = 10 on [0, 10]^4: minimum -10.536443 near (4, 4, 4, 4), ten narrow wells.

Definition as in Surjanovic & Bingham, Virtual Library of Simulation Experiments
(https://www.sfu.ca/~ssurjano/shekel.html), after Shekel (1971):
f(x) = -sum_{i=1}^{m} 1 / (sum_j (x_j - C_ji)^2 + beta_i),
beta = (1, 2, 2, 4, 4, 6, 3, 7, 5, 5) / 10, C as below.
OPTIMUM from BFGS (gradient 1e-13) started at each well's centre, the best of the ten (at
(4.00075, 3.99951, 4.00075, 3.99951); the textbook value is -10.5364). Most of the box is a flat
plateau near 0: a hard needle-in-a-haystack test for 30 trials.
"""

from __future__ import annotations

import numpy as np

OPTIMUM = -10.536443153483505
DIMENSIONS = 4
_BETA = 0.1 * np.array([1, 2, 2, 4, 4, 6, 3, 7, 5, 5], dtype=float)
_C = np.array(
    [
        [4, 1, 8, 6, 3, 2, 5, 8, 6, 7],
        [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
        [4, 1, 8, 6, 3, 2, 5, 8, 6, 7],
        [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
    ],
    dtype=float,
)


def objective(hp: dict, budget: int | None = None) -> float:
    x = np.array([hp[f"x{i}"] for i in range(1, DIMENSIONS + 1)], dtype=float)
    return float(-np.sum(1.0 / (np.sum((x[:, None] - _C) ** 2, axis=0) + _BETA)))
