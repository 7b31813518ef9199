"""Kursawe in three variables: two objectives on [-5, 5]^3, both minimised (F. Kursawe, "A
variant of evolution strategies for vector optimization", Parallel Problem Solving from Nature
(PPSN I), 1991; in the form of Deb's 2001 book and Van Veldhuizen and Lamont's suite).

``f1 = sum_{i=1,2} -10 exp(-0.2 sqrt(x_i^2 + x_{i+1}^2))``,
``f2 = sum_{i=1..3} |x_i|^0.8 + 5 sin(x_i^3)``. The front is disconnected (an isolated point at
``x = 0``, (-20, 0), and three more pieces); its Pareto set lies in [-1.16, 0]^3, where
``sin(x^3)`` reaches -1 at ``x = -(pi/2)^(1/3)``. The front spans f1 in [-20, -14.45] and f2
in [-11.63, 0]; reference point (-14, 1), about a tenth of each range past the nadir. The
largest hypervolume it allows is about 37.35 (no closed form: a grid over [-5, 5]^3 with step
0.025 finds the Pareto set inside [-1.15, 0]^3; a grid over [-1.25, 0.05]^3 with step 0.0025
gives 37.333, and ten rounds of sampling around its nondominated points, down to a radius of
2e-5, raise it to 37.3491, each round adding less than the one before).
"""

from __future__ import annotations

import math

REFERENCE = (-14.0, 1.0)
MAX_HYPERVOLUME = 37.35


def objective(hp: dict, budget: int | None = None) -> dict:
    x = [hp[f"x{i}"] for i in range(3)]
    f1 = sum(-10.0 * math.exp(-0.2 * math.hypot(x[i], x[i + 1])) for i in range(2))
    f2 = sum(abs(v) ** 0.8 + 5.0 * math.sin(v**3) for v in x)
    return {"f1": f1, "f2": f2}
