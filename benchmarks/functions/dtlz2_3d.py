"""DTLZ2 with three objectives in five variables on [0, 1]^5, all minimised (Deb et al.,
2002; see ``dtlz2.py``): the front is the positive eighth of the unit sphere. Reference point
(1.1, 1.1, 1.1); the largest hypervolume it allows is 1.331 - pi/6.
"""

from __future__ import annotations

import math

from dtlz2 import dtlz2

REFERENCE = (1.1, 1.1, 1.1)
MAX_HYPERVOLUME = 1.331 - math.pi / 6


def objective(hp: dict, budget: int | None = None) -> dict:
    f1, f2, f3 = dtlz2([hp[f"x{i}"] for i in range(5)], 3)
    return {"f1": f1, "f2": f2, "f3": f3}
