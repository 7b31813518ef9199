"""Configurations as points the Gaussian process can compare.

Two representations, both arrays with one row per configuration:

- *raw*: one column per non-fixed hyperparameter; a number in [0, 1] (the space's unit
  encoding) for int and float, the index of the value for choice and bool, NaN when inactive.
  Random and space-filling samples are drawn here, and a row decodes to one configuration.
- *features*: what the model sees. Numbers are snapped to the values they decode to (so 3.4 and
  3.6 for an int look the same), choices become one-hot blocks (categories, not ordinals),
  bools one 0/1 column, and an inactive parameter gets a neutral constant (0.5, or all-zero
  one-hot), so configurations that differ only in inactive values coincide.

Conditions (``when``) are evaluated column-wise on raw arrays, in the space's dependency order,
so thousands of candidates are encoded without decoding each one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuner_cli.space import (
    BoolParam,
    ChoiceParam,
    FixedParam,
    FloatParam,
    IntParam,
    SearchSpace,
)

INACTIVE_NUMBER = 0.5
CATEGORY_CHANGE = 0.5
"""How many length scales apart, a priori, two configurations are that differ in one categorical
value (choice or bool): a kernel correlation of about 0.83. The numbers' prior (length scales
of half the cube) put them 2 to 2.8 length scales apart, almost uncorrelated: with tens of
trials the data hardly move those length scales, so every category combination not yet tried
looked like the prior mean (the worst value seen) whatever its parts did elsewhere, and
searches stayed with the categories of the first good trial."""


@dataclass(frozen=True)
class _Column:
    name: str
    param: Any
    categories: int
    """0 for numbers, else how many values (2 for bool)."""
    first_feature: int
    width: int


class SpaceEncoding:
    def __init__(self, space: SearchSpace):
        self.space = space
        self.columns: list[_Column] = []
        feature = 0
        for name in space.order:
            param = space.params[name]
            if isinstance(param, FixedParam):
                continue
            if isinstance(param, ChoiceParam):
                k = len(param.values)
                width = 0 if k == 1 else (1 if k == 2 else k)
                column = _Column(name, param, k, feature, width)
            elif isinstance(param, BoolParam):
                column = _Column(name, param, 2, feature, 1)
            else:
                column = _Column(name, param, 0, feature, 1)
            self.columns.append(column)
            feature += column.width
        self.n_features = feature
        self._index = {c.name: i for i, c in enumerate(self.columns)}
        self._conditions = {c.name: self._condition_tests(c.name) for c in self.columns}

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    @property
    def has_categories(self) -> bool:
        return any(c.categories for c in self.columns)

    def numeric_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.categories == 0]

    def continuous_columns(self) -> list[int]:
        """Numeric columns whose values are not a finite grid: worth refining by gradient."""
        return [
            i
            for i, c in enumerate(self.columns)
            if c.categories == 0 and c.param.grid_values() is None
        ]

    def log_length_prior(self, number: float) -> np.ndarray:
        """Prior means of the model's log length scales, feature by feature: ``number`` for
        numbers; for categories, whatever puts one change of value ``CATEGORY_CHANGE`` length
        scales away (a change flips one 0/1 feature, or two of a one-hot block)."""
        prior = np.full(self.n_features, number)
        for column in self.columns:
            if column.categories and column.width:
                flipped = 2.0 if column.width > 1 else 1.0
                span = slice(column.first_feature, column.first_feature + column.width)
                prior[span] = np.log(np.sqrt(flipped) / CATEGORY_CHANGE)
        return prior

    # raw <-> configurations

    def raw_from_config(self, values: Mapping[str, Any]) -> np.ndarray:
        row = np.full(self.n_columns, np.nan)
        for i, column in enumerate(self.columns):
            if column.name not in values:
                continue
            unit = column.param.to_unit(values[column.name])
            row[i] = (
                min(int(unit * column.categories), column.categories - 1)
                if (column.categories)
                else unit
            )
        return row

    def config_from_raw(self, row: np.ndarray) -> dict[str, Any]:
        units: dict[str, float] = {}
        for value, column in zip(row, self.columns, strict=True):
            if np.isnan(value):
                continue
            units[column.name] = float(
                (value + 0.5) / column.categories if column.categories else value
            )
        return self.space.from_units(units)

    def raw_from_unit_cube(self, cube: np.ndarray) -> np.ndarray:
        """Rows of [0, 1]^columns (random or Sobol) as raw rows, categories as indices."""
        raw = np.array(cube, dtype=float)
        for i, column in enumerate(self.columns):
            if column.categories:
                raw[:, i] = np.minimum(
                    np.floor(cube[:, i] * column.categories), column.categories - 1
                )
        return raw

    def sample_raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.raw_from_unit_cube(rng.random((n, self.n_columns)))

    # raw -> features

    def snap(self, raw: np.ndarray) -> np.ndarray:
        """Move numbers onto the unit codes of the values they decode to."""
        out = np.array(raw, dtype=float)
        for i, column in enumerate(self.columns):
            if column.categories:
                continue
            out[:, i] = _snap_numeric(column.param, out[:, i])
        return out

    def active(self, raw: np.ndarray) -> np.ndarray:
        """Which entries are active, given the conditions, as a boolean array like ``raw``."""
        active = ~np.isnan(raw)
        for i, column in enumerate(self.columns):
            for parent, test in self._conditions[column.name]:
                if parent is None:
                    active[:, i] = False
                    continue
                j = self._index[parent]
                active[:, i] &= active[:, j] & test(raw[:, j])
        return active

    def features(self, raw: np.ndarray, snapped: bool = True) -> np.ndarray:
        """Model inputs for raw rows; ``snapped=False`` keeps numbers continuous (for gradients)."""
        raw = self.snap(raw) if snapped else raw
        active = self.active(raw)
        out = np.zeros((len(raw), self.n_features))
        for i, column in enumerate(self.columns):
            if column.width == 0:
                continue
            on = active[:, i]
            if column.width == 1:
                out[:, column.first_feature] = np.where(on, raw[:, i], INACTIVE_NUMBER)
            else:
                index = np.where(on, raw[:, i], 0).astype(int)
                rows = np.flatnonzero(on)
                out[rows, column.first_feature + index[rows]] = 1.0
        return out

    def _condition_tests(self, name: str) -> list[tuple[str | None, Any]]:
        """For each parent, a vectorised test of whether its raw value allows ``name``.

        Each test asks the space itself (``is_active``) with the other parents set to allowed
        values, so the rules are exactly the ones used to decode configurations.
        """
        conditions = self.space.params[name].conditions()
        tests: list[tuple[str | None, Any]] = []
        for parent in conditions:
            parent_param = self.space.params[parent]
            others = {p: values[0] for p, values in conditions.items() if p != parent}
            if isinstance(parent_param, FixedParam):
                if not self.space.is_active(name, {**others, parent: parent_param.value}):
                    tests.append((None, None))
                continue
            column = self.columns[self._index[parent]]

            def allows(value: Any, others=others, parent=parent) -> bool:
                return self.space.is_active(name, {**others, parent: value})

            if column.categories:
                decoded = [
                    parent_param.from_unit((k + 0.5) / column.categories)
                    for k in range(column.categories)
                ]
                table = np.array([allows(v) for v in decoded])
                tests.append(
                    (parent, lambda col, table=table: table[np.nan_to_num(col).astype(int)])
                )
            else:
                tests.append(
                    (
                        parent,
                        lambda col, p=parent_param, allows=allows: np.array(
                            [not np.isnan(u) and allows(p.from_unit(u)) for u in col], dtype=bool
                        ),
                    )
                )
        return tests


def _snap_numeric(param: IntParam | FloatParam, u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    if isinstance(param, FloatParam) and param.step is None:
        return u
    if isinstance(param, IntParam) and param.sampling == "linear":
        count = (param.max - param.min) // (param.step or 1) + 1
        return (np.minimum(np.floor(u * count), count - 1) + 0.5) / count
    return np.array(
        [np.nan if np.isnan(x) else param.to_unit(param.from_unit(float(x))) for x in u]
    )
