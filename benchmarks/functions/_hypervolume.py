"""Exact hypervolume of a set of points (every objective minimised), for the multi-objective
benchmarks: the volume the points dominate, bounded by a reference point.

Optuna 5.1 computes it only in a private module (``optuna._hypervolume``), so the benchmarks
carry their own: slicing along the last objective (the points below each level, one dimension
fewer, times the level's thickness), down to the staircase of two objectives. Exact, and fast
enough for the few dozen points of a benchmark run with two or three objectives.
"""

from __future__ import annotations

from collections.abc import Sequence


def hypervolume(points: Sequence[Sequence[float]], reference: Sequence[float]) -> float:
    """Volume dominated by ``points`` (all objectives minimised) inside ``reference``."""
    inside = [tuple(p) for p in points if all(v < r for v, r in zip(p, reference, strict=True))]
    return _volume(inside, tuple(reference))


def _volume(points: list[tuple[float, ...]], reference: tuple[float, ...]) -> float:
    if not points:
        return 0.0
    if len(reference) == 1:
        return reference[0] - min(p[0] for p in points)
    if len(reference) == 2:
        area, ceiling = 0.0, reference[1]
        for a, b in sorted(points):
            if b < ceiling:
                area += (reference[0] - a) * (ceiling - b)
                ceiling = b
        return area
    ordered = sorted(points, key=lambda p: p[-1])
    volume = 0.0
    for i, point in enumerate(ordered):
        top = ordered[i + 1][-1] if i + 1 < len(ordered) else reference[-1]
        if top > point[-1]:
            volume += (top - point[-1]) * _volume(
                [p[:-1] for p in ordered[: i + 1]], reference[:-1]
            )
    return volume
