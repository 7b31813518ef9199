"""A custom objective: any Python function of the hyperparameters, no Keras involved."""

import math


def branin(hp: dict, budget: int | None) -> dict:
    """The Branin function (minimum 0.397887); returns metrics, one of them the objective."""
    x, y = hp["x"], hp["y"]
    value = (
        (y - 5.1 / (4 * math.pi**2) * x**2 + 5 / math.pi * x - 6) ** 2
        + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x)
        + 10
    )
    return {"branin": value, "distance_to_origin": math.hypot(x, y)}
