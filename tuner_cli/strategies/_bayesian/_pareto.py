"""Expected hypervolume improvement for two objectives (both minimised).

The hypervolume of a front is the area it dominates up to a reference point; a candidate's
improvement is the area it would add. For two objectives this is a few array operations: the
front's dominated region is a staircase, and a point adds, on each step, the width of the step
it covers times how far it lies below the step. With one Gaussian process per objective the two
values are independent given the data, so the expectation of each step's product is the
product of two one-dimensional expectations of piecewise-linear functions of a normal variable,
both in closed form: the expected improvement is exact, with no sampling.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def nondominated(values: np.ndarray) -> np.ndarray:
    """The rows of ``values`` (n, 2) no other row dominates, sorted by the first column."""
    order = np.lexsort((values[:, 1], values[:, 0]))
    front, best_second = [], np.inf
    for i in order:
        if values[i, 1] < best_second:
            front.append(i)
            best_second = values[i, 1]
    return values[front]


def _steps(front: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, ...]:
    """The staircase under ``front`` as steps: start, end (clipped to the reference) and
    height of each, the first starting at minus infinity at the reference's height."""
    starts = np.concatenate([[-np.inf], front[:, 0]])
    ends = np.minimum(np.concatenate([front[:, 0], [reference[0]]]), reference[0])
    heights = np.minimum(np.concatenate([[reference[1]], front[:, 1]]), reference[1])
    return starts, ends, heights


def improvement(front: np.ndarray, reference: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The hypervolume each of ``points`` (..., 2) would add to ``front`` (sorted, from
    ``nondominated``), within ``reference``."""
    starts, ends, heights = _steps(front, reference)
    x, y = points[..., 0:1], points[..., 1:2]
    widths = np.clip(ends - np.maximum(starts, x), 0.0, None)
    rises = np.clip(heights - y, 0.0, None)
    return np.sum(widths * rises, axis=-1)


def expected_improvement(
    front: np.ndarray, reference: np.ndarray, means: np.ndarray, stds: np.ndarray
) -> np.ndarray:
    """The expected hypervolume improvement of candidates whose two values are independent
    normals with ``means`` and ``stds`` (n, 2)."""
    starts, ends, heights = _steps(front, reference)
    mu_x, sd_x = means[:, 0:1], stds[:, 0:1]
    mu_y, sd_y = means[:, 1:2], stds[:, 1:2]
    # E[max(0, end - max(start, X))]: the whole step when X is left of it, part when inside
    alpha = (starts - mu_x) / sd_x
    beta = (ends - mu_x) / sd_x
    cdf_a, cdf_b = ndtr(alpha), ndtr(beta)
    pdf_a = np.exp(-0.5 * np.square(np.where(np.isfinite(alpha), alpha, 0.0))) * INV_SQRT_2PI
    pdf_a = np.where(np.isfinite(alpha), pdf_a, 0.0)
    pdf_b = np.exp(-0.5 * beta * beta) * INV_SQRT_2PI
    span = np.where(np.isfinite(starts), ends - np.where(np.isfinite(starts), starts, 0.0), 0.0)
    left = span * cdf_a
    inside = (ends - mu_x) * (cdf_b - cdf_a) + sd_x * (pdf_b - pdf_a)
    width = np.clip(left + inside, 0.0, None) * (ends > starts)
    # E[max(0, height - Y)]
    z = (heights - mu_y) / sd_y
    rise = (heights - mu_y) * ndtr(z) + sd_y * np.exp(-0.5 * z * z) * INV_SQRT_2PI
    return np.sum(width * rise, axis=1)
