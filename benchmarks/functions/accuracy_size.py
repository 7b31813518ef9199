"""A made-up accuracy-against-size trade-off with mixed parameters: accuracy maximised, size
minimised, as in choosing a network's architecture.

Size is ``layers * width^2`` (a width multiplier's parameters grow with its square). Accuracy
grows with capacity (``layers * width``), so deep and narrow is cheapest for a given accuracy;
but every layer beyond the first costs some accuracy (how much depends on the activation), and
the best learning rate depends on the activation and falls with depth. The front runs from one
narrow layer to several wide ones, through layers 1 to 7, with gelu on almost all of it.
Reference point: accuracy 0.7, size 1 (an eighth of the largest), so the hypervolume measures
the front's interesting part rather than the large region any trial dominates; the largest it
allows is about 0.156 (a grid over each activation, depth and 400 widths at the best rate).
"""

from __future__ import annotations

import math

REFERENCE = (0.7, 1.0)
"""In the objectives' own terms: accuracy, size."""
MAX_HYPERVOLUME = 0.1563
_ACTIVATION = {"relu": (0.006, -2.5), "tanh": (0.015, -2.0), "gelu": (0.003, -3.0)}
"""The accuracy each extra layer costs, and the best log10 learning rate of one layer."""


def objective(hp: dict, budget: int | None = None) -> dict:
    depth_cost, best_lr = _ACTIVATION[hp["activation"]]
    layers, width = hp["layers"], hp["width"]
    error = 0.04 + 0.6 * math.exp(-1.5 * layers * width) + depth_cost * (layers - 1) ** 1.5
    error += 0.08 * (math.log10(hp["learning_rate"]) - (best_lr - 0.1 * layers)) ** 2
    return {"accuracy": 1.0 - error, "size": layers * width**2}
