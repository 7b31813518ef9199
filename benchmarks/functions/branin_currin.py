"""BraninCurrin: two objectives on [0, 1]^2, both minimised (Belakaria et al., 2019).

The usual reference point is (18, 6); the largest hypervolume it allows is about 59.36.
"""

from __future__ import annotations

import math

REFERENCE = (18.0, 6.0)
MAX_HYPERVOLUME = 59.36011874867746


def objective(hp: dict, budget: int | None = None) -> dict:
    x0, x1 = hp["x0"], hp["x1"]
    u, v = 15 * x0 - 5, 15 * x1
    branin = (v - 5.1 / (4 * math.pi**2) * u**2 + 5 / math.pi * u - 6) ** 2
    branin += 10 * (1 - 1 / (8 * math.pi)) * math.cos(u) + 10
    factor = 1 - math.exp(-1 / (2 * x1)) if x1 > 0 else 1.0
    currin = factor * (2300 * x0**3 + 1900 * x0**2 + 2092 * x0 + 60)
    currin /= 100 * x0**3 + 500 * x0**2 + 4 * x0 + 20
    return {"branin": branin, "currin": currin}
