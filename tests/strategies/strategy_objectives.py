"""Instant objective functions the strategy tests search, through the real search loop."""

from __future__ import annotations

import math
import time


def bowl(hp: dict, budget: int | None) -> dict:
    """A quadratic bowl around x = 0.3 that a larger budget lowers, like more epochs would."""
    return {"loss": (hp["x"] - 0.3) ** 2 + 1.0 / (budget or 1), "budget_seen": float(budget or 0)}


def branin(hp: dict, budget: int | None) -> dict:
    x, y = hp["x"], hp["y"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return {"loss": (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10}


def two_bowls(hp: dict, budget: int | None) -> dict:
    """Two objectives whose Pareto front is the segment from (0, 0) to (1, 1)."""
    x, y = hp["x"], hp["y"]
    near = x * x + y * y
    far = (x - 1) ** 2 + (y - 1) ** 2
    return {"near": near, "far": far, "sum": near + far + (hp.get("z") or 0.0)}


SLEEP_PER_EPOCH = 0.02


def slow_bowl(hp: dict, budget: int | None) -> dict:
    """``bowl`` taking ``SLEEP_PER_EPOCH`` seconds an epoch of its budget, as an objective
    function called again with the whole larger budget does: runs that take real time. The
    result says when the run ended (``ended``, seconds since the epoch)."""
    time.sleep(SLEEP_PER_EPOCH * (budget or 1))
    return {**bowl(hp, budget), "ended": time.time()}


def deceptive_bowl(hp: dict, budget: int | None) -> dict:
    """A bowl around x = 0.3 at full training whose short runs look better than any full
    one, and best near x = 0.9: low budgets rank configurations differently."""
    b = budget or 9
    full = (hp["x"] - 0.3) ** 2 + 0.5
    early = (hp["x"] - 0.9) ** 2
    return {"loss": full if b >= 9 else early * b / 9}


def two_bowls_but_far(hp: dict, budget: int | None) -> dict:
    """``two_bowls`` without ``far`` when ``hp["drop"]``: a result that lacks an objective."""
    values = two_bowls(hp, budget)
    return {k: v for k, v in values.items() if k != "far" or not hp["drop"]}
