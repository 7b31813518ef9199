"""ZDT3 in six variables: two objectives on [0, 1]^6, both minimised (Zitzler, Deb and
Thiele, 2000).

``f1`` is ``x0``; ``f2`` is ``g (1 - sqrt(x0 / g) - (x0 / g) sin(10 pi x0))`` with
``g = 1 + 9 mean(x1..x5)``. The Pareto front (``x1..x5 = 0``) is five disconnected pieces, and
``f2`` goes below 0 on it (to about -0.77). Reference point (1.1, 1.1); the largest
hypervolume it allows is about 1.3318 (the front on a grid of 10^6 values of ``x0``).
"""

from __future__ import annotations

import math

REFERENCE = (1.1, 1.1)
MAX_HYPERVOLUME = 1.3318


def objective(hp: dict, budget: int | None = None) -> dict:
    x = [hp[f"x{i}"] for i in range(6)]
    g = 1.0 + 9.0 * sum(x[1:]) / (len(x) - 1)
    ratio = x[0] / g
    return {"f1": x[0], "f2": g * (1.0 - math.sqrt(ratio) - ratio * math.sin(10 * math.pi * x[0]))}
