"""What a search optimises, and which way is better.

Kept free of Keras and NumPy so the read-only commands can rank trials cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

Direction = Literal["min", "max"]

_MAXIMISED = ("acc", "auc", "precision", "recall", "f1", "r2", "iou", "score", "fbeta")
_MINIMISED = ("loss", "error", "mse", "mae", "mape", "msle", "rmse", "hinge", "crossentropy")


def infer_direction(name: str) -> Direction:
    """Guess from the metric's name; a name that says neither must state its direction."""
    lowered = name.lower()
    if any(word in lowered for word in _MINIMISED):
        return "min"
    if any(word in lowered for word in _MAXIMISED):
        return "max"
    raise ValueError(
        f"cannot tell whether '{name}' should be minimised or maximised; "
        "write objective: {name: ..., direction: min|max}"
    )


@dataclass(frozen=True)
class Objective:
    name: str
    direction: Direction

    def described(self) -> str:
        """``val_loss (minimised)``: how messages and pages name an objective."""
        return f"{self.name} ({self.direction}imised)"

    def is_better(self, a: float | None, b: float | None) -> bool:
        """Whether score ``a`` beats ``b``; a missing or NaN score never wins."""
        if a is None or math.isnan(a):
            return False
        if b is None or math.isnan(b):
            return True
        return a > b if self.direction == "max" else a < b

    def sort_key(self, score: float | None) -> float:
        """Ascending sort puts the best score first and unscored trials last."""
        if score is None or math.isnan(score):
            return math.inf
        return -score if self.direction == "max" else score

    def rank_key(self, score: float | None, ident: int, budget: float = 0.0) -> tuple:
        """Ascending sort puts the best first: trained longest (``budget``, the epochs the
        score was measured at in a multi-fidelity study), then best score, then lowest id.

        A score after 1 epoch of 27 says little about the configuration trained fully, and
        where low budgets rank configurations differently (benchmarks/functions/
        hartmann6_fidelity.py) it can look better than every fully trained one: the best
        trial of Hyperband, BOHB or ASHA is the best of the largest budget reached."""
        return -budget, self.sort_key(score), ident

    def ranked(
        self,
        items: Iterable[T],
        score: Callable[[T], float | None] = attrgetter("score"),
        ident: Callable[[T], int] = attrgetter("id"),
        budget: Callable[[T], float] = attrgetter("measured_budget"),
    ) -> list[T]:
        """Best first (``rank_key``), unscored last: the one ranking every table, summary and
        export uses. Items are records by default; for dicts or rows give the accessors."""
        return sorted(items, key=lambda item: self.rank_key(score(item), ident(item), budget(item)))

    def passes(self, score: float | None, threshold: float) -> bool:
        if score is None or math.isnan(score):
            return False
        return score >= threshold if self.direction == "max" else score <= threshold


def objective_values(
    objectives: Sequence[Objective], score: Any, scores: Mapping[str, Any] | None
) -> list[Any]:
    """A trial's value of each objective, one table column or log entry each: one objective's
    is its ``score``; several come from its ``scores``, since ``score`` holds only the first."""
    if len(objectives) == 1:
        return [score]
    return [(scores or {}).get(o.name) for o in objectives]


def dominates(a: Sequence[float], b: Sequence[float], objectives: Sequence[Objective]) -> bool:
    """Whether scores ``a`` are at least as good as ``b`` everywhere and better somewhere."""
    better = False
    for x, y, objective in zip(a, b, objectives, strict=True):
        if objective.is_better(y, x):
            return False
        better = better or objective.is_better(x, y)
    return better


class ParetoFront(Generic[T]):
    """The Pareto front kept up to date one item at a time: an item is compared with the
    current members only, so a search of thousands of trials never rescans the others.

    Items without a finite value for every objective never join. Members keep the order they
    were added in; items with equal values are all members (neither dominates the other).
    """

    def __init__(
        self,
        objectives: Sequence[Objective],
        scores: Callable[[T], Mapping[str, float | None] | None],
    ):
        self.objectives = list(objectives)
        self.scores = scores
        self._members: list[tuple[T, list[float]]] = []

    def __len__(self) -> int:
        return len(self._members)

    @property
    def members(self) -> list[T]:
        return [item for item, _ in self._members]

    def add(self, item: T) -> bool:
        """Whether ``item`` joined the front (and pushed out the members it dominates)."""
        values = self.scores(item) or {}
        row = [values.get(o.name) for o in self.objectives]
        if not all(v is not None and math.isfinite(v) for v in row):
            return False
        if any(dominates(other, row, self.objectives) for _, other in self._members):
            return False
        self._members = [
            (member, other)
            for member, other in self._members
            if not dominates(row, other, self.objectives)
        ]
        self._members.append((item, row))
        return True


def pareto_front(
    items: Iterable[T],
    objectives: Sequence[Objective],
    scores: Callable[[T], Mapping[str, float | None] | None],
) -> list[T]:
    """The items no other item dominates, among those with a finite value for every objective,
    in their original order. ``scores`` gives an item's values by objective name."""
    front = ParetoFront(objectives, scores)
    for item in items:
        front.add(item)
    return front.members
