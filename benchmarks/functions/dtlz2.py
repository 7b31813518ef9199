"""DTLZ2 with two objectives in four variables on [0, 1]^4, both minimised (Deb, Thiele,
Laumanns and Zitzler, 2002).

``x0`` places a point along the front, a quarter circle; ``g``, the squared distance of
``x1..x3`` from 0.5, pushes it outwards: ``f = (1 + g) (cos(x0 pi/2), sin(x0 pi/2))``.
Reference point (1.1, 1.1); the largest hypervolume it allows is 1.21 - pi/4.
"""

from __future__ import annotations

import math

REFERENCE = (1.1, 1.1)
MAX_HYPERVOLUME = 1.21 - math.pi / 4


def dtlz2(x: list[float], objectives: int) -> list[float]:
    """DTLZ2's ``objectives`` values at ``x``: the first ``objectives - 1`` variables place
    the point on the unit sphere's positive part, the rest push it outwards."""
    g = sum((v - 0.5) ** 2 for v in x[objectives - 1 :])
    values = []
    for m in range(objectives):
        value = 1.0 + g
        for v in x[: objectives - 1 - m]:
            value *= math.cos(v * math.pi / 2)
        if m > 0:
            value *= math.sin(x[objectives - 1 - m] * math.pi / 2)
        values.append(value)
    return values


def objective(hp: dict, budget: int | None = None) -> dict:
    f1, f2 = dtlz2([hp[f"x{i}"] for i in range(4)], 2)
    return {"f1": f1, "f2": f2}
