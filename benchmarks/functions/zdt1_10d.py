"""ZDT1 in ten variables: two objectives on [0, 1]^10, both minimised (Zitzler, Deb and
Thiele, 2000).

``f1`` is ``x0``; ``f2`` is ``g (1 - sqrt(x0 / g))`` with ``g = 1 + 9 mean(x1..x9)``: the
Pareto front (``x1..x9 = 0``, ``f2 = 1 - sqrt(f1)``) is convex, and nine of the ten variables
only have to find their bound, which tests the search's reach in more dimensions rather than
the shape of the front. Reference point (1.1, 1.1); the largest hypervolume it allows is
1.21 - 1/3.
"""

from __future__ import annotations

import math

REFERENCE = (1.1, 1.1)
MAX_HYPERVOLUME = 1.21 - 1.0 / 3.0


def objective(hp: dict, budget: int | None = None) -> dict:
    x = [hp[f"x{i}"] for i in range(10)]
    g = 1.0 + 9.0 * sum(x[1:]) / (len(x) - 1)
    return {"f1": x[0], "f2": g * (1.0 - math.sqrt(x[0] / g))}
