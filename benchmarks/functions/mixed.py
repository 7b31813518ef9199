"""A made-up training-like objective with every kind of parameter and a known minimum of 0.

Log-scaled learning rate (whose best value depends on the optimizer and on batch norm), log-
scaled int units coupled with an int depth, a float whose best value depends on a categorical
activation, a conditional momentum (only for sgd) and a bool. The minimum is at activation gelu,
x 0.5, optimizer adam, learning_rate 10**-2.5, units 128, layers 3, batch_norm true.
"""

from __future__ import annotations

import math

OPTIMUM = 0.0
_ACTIVATION = {"relu": (2.0, 0.3), "tanh": (-1.0, 0.6), "gelu": (0.5, 0.0), "elu": (-3.0, 0.45)}
"""Best x and the penalty of each activation."""


def objective(hp: dict, budget: int | None = None) -> float:
    best_x, penalty = _ACTIVATION[hp["activation"]]
    value = penalty + 0.3 * ((hp["x"] - best_x) / 2.5) ** 2
    best_lr = (-3.0 if hp["optimizer"] == "adam" else -1.5) + (0.5 if hp["batch_norm"] else 0.0)
    value += 0.5 * (math.log10(hp["learning_rate"]) - best_lr) ** 2
    if hp["optimizer"] == "sgd":
        value += 0.2 + 2.0 * (hp["momentum"] - 0.9) ** 2
    value += 0.0 if hp["batch_norm"] else 0.25
    a, b = math.log2(hp["units"]) - 7.0, hp["layers"] - 3.0
    return value + 0.3 * a * a + 0.2 * b * b + 0.2 * a * b
