"""Expected hypervolume improvement for two objectives (both minimised).

The hypervolume of a front is the area it dominates up to a reference point; a candidate's
improvement is the area it would add. With one Gaussian process per objective, the expected
improvement is estimated from joint samples of the two posteriors (common random numbers for
every candidate, so candidates are compared on the same draws). For two objectives the
improvement of many points at once is a few array operations: the front's dominated region is
a staircase, and a point adds, on each step, the part of its own rectangle above the step.
"""

from __future__ import annotations

import numpy as np

SAMPLES = 128


def nondominated(values: np.ndarray) -> np.ndarray:
    """The rows of ``values`` (n, 2) no other row dominates, sorted by the first column."""
    order = np.lexsort((values[:, 1], values[:, 0]))
    front, best_second = [], np.inf
    for i in order:
        if values[i, 1] < best_second:
            front.append(i)
            best_second = values[i, 1]
    return values[front]


def improvement(front: np.ndarray, reference: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The hypervolume each of ``points`` (..., 2) would add to ``front`` (sorted, from
    ``nondominated``), within ``reference``."""
    r1, r2 = reference
    starts = np.concatenate([[-np.inf], front[:, 0]])
    ends = np.concatenate([front[:, 0], [r1]])
    heights = np.concatenate([[r2], front[:, 1]])
    x, y = points[..., 0:1], points[..., 1:2]
    widths = np.clip(np.minimum(ends, r1) - np.maximum(starts, x), 0.0, None)
    rises = np.clip(np.minimum(heights, r2) - y, 0.0, None)
    return np.sum(widths * rises, axis=-1)


def expected_improvement(
    front: np.ndarray,
    reference: np.ndarray,
    means: np.ndarray,
    stds: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Monte Carlo expected hypervolume improvement of candidates with independent normal
    posteriors ``means``, ``stds`` (n, 2)."""
    normal = rng.standard_normal((SAMPLES, 1, 2))
    draws = means[None, :, :] + stds[None, :, :] * normal
    return improvement(front, reference, draws).mean(axis=0)
