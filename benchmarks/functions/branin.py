"""Branin-Hoo on [-5, 10] x [0, 15]: three global minima of 0.397887."""

from __future__ import annotations

import math

OPTIMUM = 0.397887357729739


def objective(hp: dict, budget: int | None = None) -> float:
    x1, x2 = hp["x1"], hp["x2"]
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10
