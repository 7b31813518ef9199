"""Which hyperparameters mattered: a random forest fitted to the trials, asked what it used.

Kept free of the config and of Keras: the encoding is read off the recorded values, so any
study folder can be analysed. Numbers go to [0, 1] (on a log scale when they are positive and
span more than ``LOG_SPAN``x, as learning rates do), choices and booleans become ordinal codes
(a tree can split codes in any grouping), and a parameter that was inactive in a trial (its
``when`` did not hold) is coded -1, so "being switched off" can matter too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tuner_cli.trial import union_names

LOG_SPAN = 20.0
MIN_TRIALS = 5
TREES = 200


@dataclass
class Importance:
    values: dict[str, float]
    """Hyperparameter -> share of the forest's impurity decrease (they sum to 1), largest first."""
    method: str
    """The method in words, for the report."""


def is_log_scale(values: list[float]) -> bool:
    """Positive values spanning more than ``LOG_SPAN``x and bunched at the low end, as values
    sampled on a log scale are (a uniform sample's median sits mid-range, a log one's near 0)."""
    if not values or min(values) <= 0 or max(values) / min(values) <= LOG_SPAN:
        return False
    ordered = sorted(values)
    median = ordered[len(ordered) // 2]
    return (median - ordered[0]) / (ordered[-1] - ordered[0]) < 0.2


def encode_column(values: list[Any]) -> list[float]:
    """One hyperparameter's recorded values (``None`` = inactive) as numbers for a tree."""
    present = [v for v in values if v is not None]
    numeric = [v for v in present if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if present and len(numeric) == len(present):
        warp = math.log10 if is_log_scale(numeric) else float
        lo, hi = min(map(warp, numeric)), max(map(warp, numeric))
        half = (hi / 2 - lo / 2) or 0.5  # in halves: the span of -1e308..1e308 is no float
        return [-1.0 if v is None else (warp(v) / 2 - lo / 2) / half for v in values]
    codes = {key: i for i, key in enumerate(sorted({repr(v) for v in present}))}
    return [-1.0 if v is None else float(codes[repr(v)]) for v in values]


def hyperparameter_importance(
    hyperparameters: list[dict[str, Any]], scores: list[float], seed: int = 0
) -> Importance | None:
    """Importance from completed trials' values and scores; None when there are too few.

    The forest's out-of-bag R² is part of the method text: near zero means it explains little
    of the scores, and its importances should not be trusted.
    """
    if len(scores) < MIN_TRIALS:
        return None
    names = union_names(hyperparameters)
    varying = [n for n in names if len({repr(hp.get(n)) for hp in hyperparameters}) > 1]
    if not varying:
        return None
    import numpy as np
    from sklearn.ensemble import RandomForestRegressor

    columns = [encode_column([hp.get(n) for hp in hyperparameters]) for n in varying]
    x = np.array(columns, dtype=float).T
    y = np.array(scores, dtype=float)
    largest = float(np.abs(y).max())
    if largest > 1e100:
        # the impurity squares the scores, which overflows; its shares and R² do not
        # change with the scores' scale
        y = y / largest
    forest = RandomForestRegressor(
        n_estimators=TREES, min_samples_leaf=2, oob_score=True, random_state=seed, n_jobs=1
    )
    forest.fit(x, y)
    shares = forest.feature_importances_
    total = float(shares.sum()) or 1.0
    ranked = sorted(
        ((n, float(s) / total) for n, s in zip(varying, shares, strict=True)),
        key=lambda item: -item[1],
    )
    method = (
        f"Random forest regression ({TREES} trees, scikit-learn) of the objective on the "
        f"{len(varying)} varying hyperparameters of {len(scores)} completed trials; importance "
        f"is each one's share of the mean decrease in impurity. Out-of-bag R\u00b2 = "
        f"{forest.oob_score_:.2f} (how much of the score variation the forest explains)."
    )
    return Importance(dict(ranked), method)
