"""Rosenbrock 4-D on [-2, 2]^4: minimum 0 at (1, 1, 1, 1), at the end of a long curved valley.

Definition as in Surjanovic & Bingham, Virtual Library of Simulation Experiments
(https://www.sfu.ca/~ssurjano/rosen.html), after Rosenbrock (1960):
f(x) = sum_{i<d} 100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2. Values span about 0 to 3,600 here, so
the few very bad corners set the scale.
"""

from __future__ import annotations

OPTIMUM = 0.0
DIMENSIONS = 4


def objective(hp: dict, budget: int | None = None) -> float:
    x = [hp[f"x{i}"] for i in range(1, DIMENSIONS + 1)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(DIMENSIONS - 1))
