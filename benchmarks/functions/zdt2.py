"""ZDT2 in five variables: two objectives on [0, 1]^5, both minimised (Zitzler, Deb and
Thiele, 2000).

``f1`` is ``x0``; ``f2`` is ``g (1 - (x0 / g)^2)`` with ``g = 1 + 9 mean(x1..x4)``, so the
Pareto front (``x1..x4 = 0``, ``f2 = 1 - f1^2``) is concave, which a weighted sum of the
objectives cannot reach inside its ends. Reference point (1.1, 1.1); the largest hypervolume
it allows is 1.21 - 2/3.
"""

from __future__ import annotations

REFERENCE = (1.1, 1.1)
MAX_HYPERVOLUME = 1.21 - 2.0 / 3.0


def objective(hp: dict, budget: int | None = None) -> dict:
    x = [hp[f"x{i}"] for i in range(5)]
    g = 1.0 + 9.0 * sum(x[1:]) / (len(x) - 1)
    return {"f1": x[0], "f2": g * (1.0 - (x[0] / g) ** 2)}
