"""Michalewicz 5-D (m = 10) on [0, pi]^5: minimum -4.687658, steep ridges and valleys.

Definition as in Surjanovic & Bingham, Virtual Library of Simulation Experiments
(https://www.sfu.ca/~ssurjano/michal.html), after Molga & Smutnicki (2005):
f(x) = -sum_i sin(x_i) sin^(2m)(i x_i^2 / pi). Separable: each term's minimum over [0, pi] was
found on a grid of 2,000,001 points and refined by L-BFGS-B (minimisers 2.20291, 1.57080,
1.28499, 1.92306, 1.72047); OPTIMUM is their sum (the textbook value is -4.687658).
"""

from __future__ import annotations

import math

OPTIMUM = -4.687658179088134
DIMENSIONS = 5


def objective(hp: dict, budget: int | None = None) -> float:
    value = 0.0
    for i in range(1, DIMENSIONS + 1):
        x = hp[f"x{i}"]
        value -= math.sin(x) * math.sin(i * x * x / math.pi) ** 20
    return value
