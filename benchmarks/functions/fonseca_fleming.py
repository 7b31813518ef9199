"""Fonseca-Fleming in three variables: two objectives on [-4, 4]^3, both minimised (C. M.
Fonseca and P. J. Fleming, "An overview of evolutionary algorithms in multiobjective
optimization", Evolutionary Computation 3(1), 1995; as listed in Deb, "Multi-Objective
Optimization using Evolutionary Algorithms", 2001, and Van Veldhuizen and Lamont's test suite).

``f1 = 1 - exp(-sum (x_i - 1/sqrt(3))^2)``, ``f2 = 1 - exp(-sum (x_i + 1/sqrt(3))^2)``. The
Pareto set is the diagonal segment ``x_1 = x_2 = x_3 = t``, ``|t| <= 1/sqrt(3)``; along it, with
``s = sqrt(3) t``, the front is ``(1 - exp(-(s - 1)^2), 1 - exp(-(s + 1)^2))`` for ``s`` in
[-1, 1], a concave curve from (0, 0.982) to (0.982, 0). Away from the origin both objectives
are flat at almost 1, which is what makes it hard for a small budget. Reference point (1, 1),
the objectives' bound; the largest hypervolume it allows is 0.34212 (the front on 2 * 10^6
values of ``s``: 0.3421153 as a staircase, 0.3421156 by the trapezoid rule).
"""

from __future__ import annotations

import math

REFERENCE = (1.0, 1.0)
MAX_HYPERVOLUME = 0.34212


def objective(hp: dict, budget: int | None = None) -> dict:
    x = [hp[f"x{i}"] for i in range(3)]
    shift = 1.0 / math.sqrt(len(x))
    f1 = 1.0 - math.exp(-sum((v - shift) ** 2 for v in x))
    f2 = 1.0 - math.exp(-sum((v + shift) ** 2 for v in x))
    return {"f1": f1, "f2": f2}
