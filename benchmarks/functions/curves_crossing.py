"""Learning curves that cross: the configurations with the best final value converge slowly.

Written for this benchmark (not from the literature). A 5-D training run: learning rate (log
scale), dropout, weight decay (as a fraction ``decay`` of its range), the number of layers (int)
and the optimizer (categorical). At budget b (epochs) the value is

    value(x, b) = final(x) + gap(x) (b^-rate(x) - MAX_BUDGET^-rate(x))
                             / (1 - MAX_BUDGET^-rate(x)),

the power law ``final + gap * b^-rate`` of a learning curve, shifted and rescaled so that the
value is ``final(x) + gap(x)`` after 1 epoch and ``final(x)`` exactly at ``MAX_BUDGET``: a small
rate leaves most of the gap to close after 3 and 9 epochs (about 0.5 and 0.2 of it at rate
0.38), a large one closes it almost at once. ``final`` is a convex quadratic in (log10 lr + 3.5,
dropout - 0.45, decay - 0.3) with one cross term, a ripple ``0.05 (1 - cos(6 pi (decay -
0.3)))`` that vanishes at its optimum, ``0.03 (layers - 4)^2`` and an offset per optimizer (sgd
0, adam 0.04, rmsprop 0.08). Every term is at least 0 and all vanish together, so the minimum,
``OPTIMUM`` = 0.05, is at lr 10^-3.5, dropout 0.45, decay 0.3, 4 layers, sgd (a grid of
161 x 141 x 201 points per layers and optimizer agrees). ``rate`` grows with the learning
rate and falls with dropout, with depth and for sgd (adam 1.0, rmsprop 0.9, sgd 0.55 times);
``gap`` grows with dropout and depth. The optimum's curve is slow (rate 0.38, gap 2.5); a large
learning rate with adam, no dropout and one layer converges at once with a gap near 0.8. So
low budgets prefer shallow nets without dropout and with large learning rates: over 3,000
random points the best at budget 1 has a full-budget regret of 0.67, the best at 3 of 0.46,
the best at 9 of 0.08, and 38%, 29% and 2% of them rank ahead of the optimum itself at
budgets 1, 3 and 9. Over 2,000 random points (``fidelity_correlation.py``) the Spearman
correlation with the full-budget values is 0.15 at budget 1, 0.20 at 3 and 0.72 at 9 (0.00,
0.09 and 0.30 among the best tenth).
"""

from __future__ import annotations

import math

MAX_BUDGET = 27
OPTIMUM = 0.05
"""final(x) at lr 10^-3.5, dropout 0.45, decay 0.3, 4 layers, sgd (every term is 0 there)."""
_OFFSET = {"sgd": 0.0, "adam": 0.04, "rmsprop": 0.08}
_SPEED = {"sgd": 0.55, "adam": 1.0, "rmsprop": 0.9}


def final(hp: dict) -> float:
    u = math.log10(hp["learning_rate"]) + 3.5
    d = hp["dropout"] - 0.45
    w = hp["decay"] - 0.3
    quadratic = 0.12 * u**2 + 1.5 * d**2 + 0.8 * w**2 + 0.25 * u * w
    ripple = 0.05 * (1.0 - math.cos(6.0 * math.pi * w))
    return 0.05 + quadratic + ripple + 0.03 * (hp["layers"] - 4) ** 2 + _OFFSET[hp["optimizer"]]


def rate(hp: dict) -> float:
    speed = (math.log10(hp["learning_rate"]) + 5.0) / 4.0
    slow = (1.0 - 0.6 * hp["dropout"]) * (1.0 - 0.08 * (hp["layers"] - 1))
    return 0.25 + 1.8 * speed**1.5 * slow * _SPEED[hp["optimizer"]]


def gap(hp: dict) -> float:
    return 0.6 + 2.5 * hp["dropout"] + 0.2 * hp["layers"]


def objective(hp: dict, budget: int | None = None) -> float:
    b = min(budget or MAX_BUDGET, MAX_BUDGET)
    r = rate(hp)
    return final(hp) + gap(hp) * (b**-r - MAX_BUDGET**-r) / (1.0 - MAX_BUDGET**-r)
