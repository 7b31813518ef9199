"""Hyperparameter definitions and the search space they form.

Each hyperparameter maps the unit interval onto its values (``from_unit``/``to_unit``), so
random sampling, grids and model-based strategies share one encoding. A parameter with a
``when`` condition is active only for some values of others; inactive parameters are absent
from a trial's values, never filled with a placeholder.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from tuner_cli.errors import ConfigError, KeyPath, quoted
from tuner_cli.strict import KeyedError, StrictModel

Scalar = str | int | float | bool | None
Sampling = Literal["linear", "log", "reverse_log"]
GRID_SIZE_CAP = 1_000_000
MAX_STEPS = 10**12
MAX_BOUND = 1.7e308
"""The widest bounds a range may have; integers beyond it would not convert to floats."""
"""The most values a stepped float range may have: finer than this is a continuous range."""


class _Param(StrictModel):
    when: dict[str, Scalar | list[Scalar]] | None = None

    def grid_values(self) -> Sequence[Any] | None:
        """Every value a grid search visits, or None when the parameter is continuous."""
        raise NotImplementedError

    def from_unit(self, u: float) -> Any:
        raise NotImplementedError

    def to_unit(self, value: Any) -> float:
        raise NotImplementedError

    def default_value(self) -> Any:
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        values = self.grid_values()
        return values is not None and value in values

    def sample(self, rng: np.random.Generator) -> Any:
        return self.from_unit(float(rng.random()))

    @property
    def cardinality(self) -> int | None:
        values = self.grid_values()
        return None if values is None else len(values)

    def conditions(self) -> dict[str, list[Scalar]]:
        return {k: v if isinstance(v, list) else [v] for k, v in (self.when or {}).items()}


class _Numeric(_Param):
    sampling: Sampling = "linear"

    @model_validator(mode="after")
    def _check_range(self):
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must be <= max ({self.max})")
        if self.sampling != "linear" and self.min <= 0:
            raise ValueError(f"{self.sampling} sampling needs min > 0 (got {self.min})")
        if self.step is not None and self.step <= 0:
            raise ValueError(f"step must be > 0 (got {self.step})")
        for key, bound in (("min", self.min), ("max", self.max)):
            if isinstance(bound, float) and not math.isfinite(bound):
                raise KeyedError(key, f"{bound} is not a finite number")
            if abs(bound) > MAX_BOUND:
                raise KeyedError(key, f"must be within +-{MAX_BOUND:.1e}")
        self._check_steps()
        if self.default is not None and not self.contains(self.default):
            raise ValueError(f"default {self.default} is not a value of this range")
        return self

    def _check_steps(self) -> None:
        """Refuse a step too fine to count; called before ``default`` is checked, which
        counts the steps up to it."""

    def _warp(self, u: float) -> float:
        """Written so no intermediate overflows: a range of +-1.7e308 maps to finite values."""
        lo, hi = float(self.min), float(self.max)
        u = min(max(u, 0.0), 1.0)
        if lo == hi:
            return lo
        if self.sampling == "log":
            return _log_point(lo, hi, u)
        if self.sampling == "reverse_log":
            return min(max(hi - (_log_point(lo, hi, 1.0 - u) - lo), lo), hi)
        return min(max(lo * (1.0 - u) + hi * u, lo), hi)

    def _unwarp(self, x: float) -> float:
        lo, hi = float(self.min), float(self.max)
        if lo == hi:
            return 0.5
        span = math.log(hi) - math.log(lo) if self.sampling != "linear" else 0.0
        if self.sampling == "log":
            u = (math.log(x) - math.log(lo)) / span
        elif self.sampling == "reverse_log":
            u = 1.0 - (math.log((hi - x) + lo) - math.log(lo)) / span
        else:
            u = _linear_fraction(lo, hi, x)
        return min(max(u, 0.0), 1.0)

    def default_value(self) -> Any:
        return self.default if self.default is not None else self.min


class IntParam(_Numeric):
    type: Literal["int"]
    min: int
    max: int
    step: int | None = None
    default: int | None = None

    def grid_values(self) -> range:
        return range(self.min, self.max + 1, self.step or 1)

    def contains(self, value: Any) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.min <= value <= self.max
            and (value - self.min) % (self.step or 1) == 0
        )

    def from_unit(self, u: float) -> int:
        values_count = (self.max - self.min) // (self.step or 1) + 1
        if self.sampling == "linear":
            index = min(int(u * values_count), values_count - 1)
        else:
            index = round((self._warp(u) - self.min) / (self.step or 1))
        return self.min + min(max(index, 0), values_count - 1) * (self.step or 1)

    def to_unit(self, value: int) -> float:
        if self.sampling == "linear":
            values_count = (self.max - self.min) // (self.step or 1) + 1
            return ((value - self.min) // (self.step or 1) + 0.5) / values_count
        return self._unwarp(float(value))


class FloatParam(_Numeric):
    type: Literal["float"]
    min: float
    max: float
    step: float | None = None
    count: int | None = Field(
        default=None, ge=2, le=MAX_STEPS, description="grid points when there is no step"
    )
    default: float | None = None

    def _check_steps(self) -> None:
        if self.step is not None:
            steps = _step_count(self.min, self.max, self.step)
            if not math.isfinite(steps) or steps > MAX_STEPS:
                raise KeyedError(
                    "step",
                    f"step {self.step:g} divides [{self.min:g}, {self.max:g}] into more than "
                    f"{MAX_STEPS:.0e} values; use a larger step, or none (continuous)",
                )

    def grid_values(self) -> Sequence[float] | None:
        if self.step is not None:
            points = functools.partial(_step_point, self.min, self.max, self.step)
            return _LazyValues(_last_step(self.min, self.max, self.step) + 1, points)
        if self.count is not None:
            return _LazyValues(self.count, lambda i: _clean(self._warp(i / (self.count - 1))))
        return None

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not self.min <= value <= self.max:
            return False
        if self.step is None:
            return True
        k = _step_count(self.min, value, self.step)
        return abs(k - round(k)) < 1e-6

    def from_unit(self, u: float) -> float:
        """The value at ``u``; with a step or a count, the nearest grid point, so every
        strategy draws from the values a finite space enumerates (a Sobol point between two
        of a count's points was a configuration outside the grid the model then searched)."""
        if self.count is not None and self.step is None:
            u = round(min(max(u, 0.0), 1.0) * (self.count - 1)) / (self.count - 1)
        x = self._warp(u)
        if self.step is not None:
            return nearest_step(self.min, self.max, self.step, x)
        return _clean(x)

    def to_unit(self, value: float) -> float:
        return self._unwarp(float(value))


class ChoiceParam(_Param):
    type: Literal["choice"]
    values: list[Scalar]
    default: Scalar = None

    @field_validator("values")
    @classmethod
    def _check_values(cls, values: list[Scalar]) -> list[Scalar]:
        if not values:
            raise ValueError("needs at least one value")
        keys = [json.dumps(v) for v in values]
        if len(set(keys)) != len(keys):
            raise ValueError("values must be unique")
        return values

    @model_validator(mode="after")
    def _check_default(self):
        if self.default is not None and self.default not in self.values:
            raise ValueError(f"default {quoted(self.default)} is not one of the values")
        return self

    def grid_values(self) -> list[Scalar]:
        return list(self.values)

    def contains(self, value: Any) -> bool:
        return any(type(v) is type(value) and v == value for v in self.values)

    def from_unit(self, u: float) -> Scalar:
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def to_unit(self, value: Scalar) -> float:
        return (self.values.index(value) + 0.5) / len(self.values)

    def default_value(self) -> Scalar:
        return self.default if self.default is not None else self.values[0]


class BoolParam(_Param):
    type: Literal["bool"]
    default: bool = False

    def grid_values(self) -> list[bool]:
        return [False, True]

    def contains(self, value: Any) -> bool:
        return isinstance(value, bool)

    def from_unit(self, u: float) -> bool:
        return u >= 0.5

    def to_unit(self, value: bool) -> float:
        return 0.75 if value else 0.25

    def default_value(self) -> bool:
        return self.default


class FixedParam(_Param):
    type: Literal["fixed"]
    value: Any

    def grid_values(self) -> list[Any]:
        return [self.value]

    def contains(self, value: Any) -> bool:
        return value == self.value

    def from_unit(self, u: float) -> Any:
        return self.value

    def to_unit(self, value: Any) -> float:
        return 0.5

    def default_value(self) -> Any:
        return self.value


Hyperparameter = Annotated[
    IntParam | FloatParam | ChoiceParam | BoolParam | FixedParam, Field(discriminator="type")
]


class _LazyValues(Sequence):
    """Grid values computed when visited: a tiny step or a huge count costs no memory."""

    def __init__(self, length: int, value_at: Callable[[int], Any]):
        self.length = length
        self.value_at = value_at

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.length))]
        if not -self.length <= index < self.length:
            raise IndexError(index)
        return self.value_at(index % self.length)


def nearest_step(low: float, high: float, step: float, value: float) -> float:
    """The value of the stepped range ``[low, high]`` nearest to ``value``, made as the sampler
    and the grid make theirs: a value snapped elsewhere (a builder's default) is then one of
    them, and reads ``0.3`` as they do, not ``0.30000000000000004``. Steps too many to count
    (a range ``FloatParam`` refuses, saying so) leave ``value`` as it is."""
    if not math.isfinite(_step_count(low, high, step)):
        return value
    k = round(_step_count(low, min(max(value, low), high), step))
    return _step_point(low, high, step, min(k, _last_step(low, high, step)))


def _last_step(low: float, high: float, step: float) -> int:
    return int(math.floor(_step_count(low, high, step) + 1e-9))


def _step_point(low: float, high: float, step: float, k: int) -> float:
    """The k-th value of a stepped range, halved on the way so a wide range cannot overflow."""
    return _clean(min((low / 2 + k * (step / 2)) * 2, high))


def _step_count(low: float, high: float, step: float) -> float:
    """``(high - low) / step`` without overflowing on the way (inf if the result does)."""
    half = (high / 2 - low / 2) / step
    return half * 2 if half < 1e307 else math.inf


def _linear_fraction(lo: float, hi: float, x: float) -> float:
    """How far ``x`` lies along ``[lo, hi]`` (lo < hi). Halved first only when the width
    overflows (a range of +-1.7e308): halving a subnormal range ([0, 5e-324]) rounds its
    width to zero. Halving is exact for normal floats, so both ways agree where both work."""
    width = hi - lo
    if math.isfinite(width):
        return (x - lo) / width
    return (x / 2 - lo / 2) / (hi / 2 - lo / 2)


def _log_point(lo: float, hi: float, u: float) -> float:
    """The point a fraction ``u`` along [lo, hi] on a log scale (lo > 0)."""
    return min(max(math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))), lo), hi)


def _clean(x: float) -> float:
    """Round away float noise so 0.1 + 0.2 is recorded as 0.3."""
    return float(f"{x:.12g}")


class SearchSpace:
    """Named hyperparameters in dependency order, with their ``when`` conditions checked."""

    def __init__(self, params: Mapping[str, _Param]):
        self.params = dict(params)
        self._check_conditions()
        self.order = self._dependency_order()

    def _check_conditions(self) -> None:
        import difflib

        for name, param in self.params.items():
            for parent, values in param.conditions().items():
                where = ("search_space", name, "when", parent)
                if parent == name:
                    raise ConfigError("a parameter cannot depend on itself", key_path=where)
                if parent not in self.params:
                    close = difflib.get_close_matches(parent, list(self.params), n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    raise ConfigError(f"unknown hyperparameter '{parent}'{hint}", key_path=where)
                self._check_condition_values(name, parent, values, where)

    def _check_condition_values(
        self, name: str, parent: str, values: list[Scalar], where: KeyPath
    ) -> None:
        """Values a trial can draw: one no trial draws leaves ``name`` never active, silently."""
        if not values:
            raise ConfigError(
                f"the condition lists no values of '{parent}', so '{name}' would never be active",
                key_path=where,
            )
        param = self.params[parent]
        drawn = param.grid_values()
        if drawn is None:
            raise ConfigError(
                f"'{parent}' is a continuous float, which no trial draws at exactly "
                f"{quoted(values[0])}, so '{name}' would never be active: give '{parent}' a "
                "step or a count, or make it a choice",
                key_path=where,
            )
        for value in values:
            if not param.contains(value):
                raise ConfigError(
                    f"{quoted(value)} is not a possible value of '{parent}' ({_possible(param)})",
                    key_path=where,
                )
            if not isinstance(param, FloatParam) or param.step is not None:
                continue
            # a float with a count: contains() admits its range (an initial point may lie
            # between the points), but trials draw only the points
            nearest = param.from_unit(param.to_unit(value))
            if not _same(value, nearest):
                listed = ", ".join(map(str, drawn)) if len(drawn) <= 10 else ""
                raise ConfigError(
                    f"{quoted(value)} is not one of the {len(drawn)} values a trial draws for "
                    f"'{parent}' ({listed or f'the nearest is {nearest}'})",
                    key_path=where,
                )

    def _dependency_order(self) -> list[str]:
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(name: str, chain: list[str]) -> None:
            if state.get(name) == "done":
                return
            if state.get(name) == "visiting":
                cycle = " -> ".join(chain[chain.index(name) :] + [name])
                raise ConfigError(
                    f"conditions form a cycle: {cycle}", key_path=("search_space", name, "when")
                )
            state[name] = "visiting"
            for parent in self.params[name].conditions():
                visit(parent, chain + [name])
            state[name] = "done"
            order.append(name)

        for name in self.params:
            visit(name, [])
        return order

    def is_active(self, name: str, values: Mapping[str, Any]) -> bool:
        return all(
            parent in values and any(_same(values[parent], v) for v in allowed)
            for parent, allowed in self.params[name].conditions().items()
        )

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        return self.from_units({name: float(rng.random()) for name in self.order})

    def from_units(self, units: Mapping[str, float]) -> dict[str, Any]:
        """Decode a point of the unit cube, keeping only the parameters that are active."""
        values: dict[str, Any] = {}
        for name in self.order:
            if self.is_active(name, values):
                values[name] = self.params[name].from_unit(units.get(name, 0.5))
        return {name: values[name] for name in self.params if name in values}

    def defaults(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.order:
            if self.is_active(name, values):
                values[name] = self.params[name].default_value()
        return {name: values[name] for name in self.params if name in values}

    def point(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` as a configuration of this space, the way sampling would give it (fixed
        parameters filled in, floats as floats); ``KeyedError`` names the first parameter that
        is unknown, missing, inactive or out of range."""
        import difflib

        for name in values:
            if name not in self.params:
                close = difflib.get_close_matches(str(name), list(self.params), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise KeyedError(str(name), f"unknown hyperparameter {quoted(name)}{hint}")
        point: dict[str, Any] = {}
        for name in self.order:
            param = self.params[name]
            active = self.is_active(name, point)
            if not active:
                if name in values:
                    raise KeyedError(name, f"'{name}' is inactive here: {_condition(param)}")
                continue
            if isinstance(param, FixedParam):
                value = values.get(name, param.value)
            elif name not in values:
                raise KeyedError(name, f"no value for '{name}' (give every active parameter)")
            else:
                value = values[name]
            if not param.contains(value):
                raise KeyedError(
                    name,
                    f"{quoted(value)} is not a possible value of '{name}' ({_possible(param)})",
                )
            if isinstance(param, FloatParam):
                value = param.from_unit(param.to_unit(value)) if param.step else float(value)
            point[name] = value
        return {name: point[name] for name in self.params if name in point}

    def continuous(self) -> list[str]:
        return [n for n, p in self.params.items() if p.grid_values() is None]

    def grid(self) -> Iterator[dict[str, Any]]:
        """Every combination of active values, in a stable order."""
        if self.continuous():
            raise ConfigError(
                "grid search needs every float to have a step or a count",
                key_path=("search_space", self.continuous()[0]),
            )
        yield from self._enumerate(0, {})

    def _enumerate(self, index: int, values: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if index == len(self.order):
            yield {name: values[name] for name in self.params if name in values}
            return
        name = self.order[index]
        if not self.is_active(name, values):
            yield from self._enumerate(index + 1, values)
            return
        for value in self.params[name].grid_values():
            values[name] = value
            yield from self._enumerate(index + 1, values)
        del values[name]

    def on_grid(self, point: Mapping[str, Any]) -> bool:
        """Whether ``point`` is one of the configurations ``grid`` enumerates. A value the
        space holds may still be off it: a float between the points of its ``count`` (an
        initial point, a warm start's trial from a continuous study), which a search runs as
        a configuration of its own, beside every one of the grid."""
        return all(
            name in self.params and _on_grid(self.params[name], value)
            for name, value in point.items()
        )

    def possible(self, name: str) -> str:
        """What values ``name`` takes, in words (``an integer from 1 to 3``)."""
        return _possible(self.params[name])

    def size(self) -> int | None:
        """Number of distinct configurations: None if infinite, capped at GRID_SIZE_CAP + 1."""
        if self.continuous():
            return None
        if not any(p.when for p in self.params.values()):
            return math.prod(p.cardinality for p in self.params.values())
        count = 0
        for _ in self.grid():
            count += 1
            if count > GRID_SIZE_CAP:
                break
        return count

    def fingerprint(self) -> str:
        """Changes whenever the space changes, so a resume can tell."""
        text = json.dumps(
            {n: p.model_dump(mode="json") for n, p in self.params.items()}, sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _on_grid(param: _Param, value: Any) -> bool:
    if not param.contains(value):
        return False
    if not isinstance(param, FloatParam) or param.step is not None or param.count is None:
        return True
    values = param.grid_values()
    nearest = round(param.to_unit(value) * (len(values) - 1))
    return math.isclose(values[nearest], value, rel_tol=1e-9, abs_tol=1e-12)


def _possible(param: _Param) -> str:
    """What a parameter's values are, for an error about one that is not among them."""
    if isinstance(param, IntParam | FloatParam):
        kind = "an integer" if isinstance(param, IntParam) else "a number"
        steps = f" in steps of {param.step}" if param.step else ""
        return f"{kind} from {param.min} to {param.max}{steps}"
    if isinstance(param, BoolParam):
        return "true or false"
    if isinstance(param, FixedParam):
        return f"fixed at {quoted(param.value)}"
    values = param.grid_values() or []
    return "one of " + ", ".join(quoted(v) for v in values)


def _condition(param: _Param) -> str:
    """``when: {optimizer: sgd}`` as words: ``active only when optimizer = sgd``."""
    parts = [
        f"{parent} = {values[0]}" if len(values) == 1 else f"{parent} in {values}"
        for parent, values in param.conditions().items()
    ]
    return "active only when " + " and ".join(parts)


def config_key(values: Mapping[str, Any]) -> str:
    """A canonical text for a configuration, so repeats are found by equality."""
    return json.dumps(dict(values), sort_keys=True, default=str)


def _same(a: Any, b: Any) -> bool:
    return (
        type(a) is type(b)
        and a == b
        or (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and not isinstance(a, bool)
            and not isinstance(b, bool)
            and a == b
        )
    )
