"""Levy 4-D on [-10, 10]^4: minimum 0 at (1, 1, 1, 1), among many local ones.

Definition as in Surjanovic & Bingham, Virtual Library of Simulation Experiments
(https://www.sfu.ca/~ssurjano/levy.html), after Laguna & Marti (2005): with
w_i = 1 + (x_i - 1) / 4, f(x) = sin^2(pi w_1) + sum_{i<d} (w_i - 1)^2 (1 + 10 sin^2(pi w_i + 1))
+ (w_d - 1)^2 (1 + sin^2(2 pi w_d)).
"""

from __future__ import annotations

import math

OPTIMUM = 0.0
DIMENSIONS = 4


def objective(hp: dict, budget: int | None = None) -> float:
    w = [1 + (hp[f"x{i}"] - 1) / 4 for i in range(1, DIMENSIONS + 1)]
    value = math.sin(math.pi * w[0]) ** 2
    for wi in w[:-1]:
        value += (wi - 1) ** 2 * (1 + 10 * math.sin(math.pi * wi + 1) ** 2)
    return value + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
