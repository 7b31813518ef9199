"""A KerasTuner-compatible ``hp`` for model builders, without KerasTuner.

People tuning Keras models already have builders written against ``keras_tuner``'s
``HyperParameters``: ``hp.Int('units', 32, 512, step=32)``, ``hp.Choice(...)``,
``hp.conditional_scope(...)``. The same calls work here, with the same answers: a declared
hyperparameter returns the trial's value (its default when the trial has none), one whose
conditions do not hold returns ``None``, ``hp.get`` and ``hp[name]`` raise for unknown and
inactive names. The object also reads like the plain dict older kt-run builders were given
(``hp["units"]``, ``hp.get(name, default)``, ``dict(hp)``), so those keep working.
``hp.name_scope``, ``hp.space`` and ``hp.copy()`` are there too; what KerasTuner's tuners use
internally (``merge``, ``get_config``, protos) is not, since kt-run's strategies do that work.

Every declaration is recorded as a ``tuner_cli.space`` parameter with its ``when`` conditions:
calling the builder is how the search space is discovered (``tuner_cli.training.discovery``).
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tuner_cli.errors import quoted
from tuner_cli.space import Hyperparameter, Scalar, nearest_step
from tuner_cli.trial import HYPERPARAMETER_NAME, env_name

SAMPLINGS = ("linear", "log", "reverse_log")
MAX_LOG_STEPS = 10_000
"""A log-stepped range (``step`` multiplies) becomes a choice of its values; more is a typo."""
_MISSING = object()
_PARAM = TypeAdapter(Hyperparameter)

Conditions = tuple[tuple[str, tuple[Scalar, ...]], ...]
"""``((parent, (value, ...)), ...)``: every parent must hold one of its values."""


class HyperparameterError(ValueError):
    """A declaration kt-run cannot use (a bad range, a name kt-run cannot store)."""


@dataclass(frozen=True)
class Declaration:
    """One ``hp.X(...)`` call: the parameter and the scopes it was declared under."""

    name: str
    param: Any
    """A ``tuner_cli.space`` parameter (``IntParam``, ``ChoiceParam``...), without ``when``."""
    conditions: Conditions

    def as_space_entry(self) -> dict[str, Any]:
        """The ``search_space`` entry this declaration stands for, as plain data."""
        entry = self.param.model_dump(mode="json", exclude_none=True, exclude={"when"})
        if self.conditions:
            entry["when"] = {parent: list(values) for parent, values in self.conditions}
        return entry


class HyperParameters:
    """The ``hp`` a builder receives for one trial (or for a discovery run).

    ``values``: the trial's values, active ones only; a declaration adds its default there
    when it is active and has none. ``overrides``: ``search_space`` entries that replace the
    builder's declaration of the same name (their default is used instead of the builder's).
    """

    def __init__(
        self, values: Mapping[str, Any] | None = None, overrides: Mapping[str, Any] | None = None
    ):
        self.values: dict[str, Any] = dict(values or {})
        self.overrides = dict(overrides or {})
        self.declarations: dict[str, Declaration] = {}
        self.active_scopes: list[Conditions] = []
        self.inactive_scopes: list[Conditions] = []
        self._conditions: list[tuple[str, tuple[Scalar, ...]]] = []
        self._name_scopes: list[str] = []

    # declarations, as KerasTuner names and orders their arguments

    def Int(  # noqa: N802 - KerasTuner's name
        self,
        name: str,
        min_value: int,
        max_value: int,
        step: int | None = None,
        sampling: str | None = "linear",
        default: int | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> int | None:
        low = _whole(name, "min_value", min_value)
        high = _whole(name, "max_value", max_value)
        spec = _numeric("int", name, low, high, _plain(step), sampling, _plain(default))
        with self._maybe_scope(parent_name, parent_values):
            return self._declare(name, spec, "Int")

    def Float(  # noqa: N802 - KerasTuner's name
        self,
        name: str,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str | None = "linear",
        default: float | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> float | None:
        low, high = _plain(min_value), _plain(max_value)
        spec = _numeric("float", name, low, high, _plain(step), sampling, _plain(default))
        with self._maybe_scope(parent_name, parent_values):
            return self._declare(name, spec, "Float")

    def Choice(  # noqa: N802 - KerasTuner's name
        self,
        name: str,
        values: Sequence[Scalar],
        ordered: bool | None = None,
        default: Scalar = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Scalar:
        listed = [_plain(v) for v in values]
        spec: dict[str, Any] = {"type": "choice", "values": listed}
        if default is not None:
            spec["default"] = _as_listed(_plain(default), listed)
        with self._maybe_scope(parent_name, parent_values):
            return self._declare(name, spec, "Choice")

    def Boolean(  # noqa: N802 - KerasTuner's name
        self,
        name: str,
        default: bool = False,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> bool | None:
        with self._maybe_scope(parent_name, parent_values):
            return self._declare(name, {"type": "bool", "default": _plain(default)}, "Boolean")

    def Fixed(  # noqa: N802 - KerasTuner's name
        self, name: str, value: Any, parent_name: str | None = None, parent_values: Any = None
    ) -> Any:
        with self._maybe_scope(parent_name, parent_values):
            return self._declare(name, {"type": "fixed", "value": _plain(value)}, "Fixed")

    @contextlib.contextmanager
    def name_scope(self, name: str) -> Iterator[None]:
        """Names declared or read inside get ``name/`` in front, as in KerasTuner: one
        function can build several blocks (``block_1/units``, ``block_2/units``)."""
        self._name_scopes.append(str(name))
        try:
            yield
        finally:
            self._name_scopes.pop()

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """Declarations inside are active only while ``parent_name`` holds one of
        ``parent_values``; the code inside runs either way (guard it with an ``if``)."""
        parent_name = self._scoped(parent_name)
        if parent_name not in self.declarations and parent_name not in self.overrides:
            raise HyperparameterError(
                f"conditional_scope({parent_name!r}, ...): no hyperparameter {parent_name!r} "
                "has been declared before it"
            )
        listed = parent_values if isinstance(parent_values, (list, tuple)) else [parent_values]
        values = tuple(_plain(v) for v in listed)
        self._conditions.append((parent_name, values))
        scope = self._current_conditions()
        (self.active_scopes if self._holds(scope) else self.inactive_scopes).append(scope)
        try:
            yield
        finally:
            self._conditions.pop()

    # reading values, as KerasTuner does and as a dict does

    def get(self, name: str, default: Any = _MISSING) -> Any:
        """The value of ``name``. Without ``default``, like KerasTuner: ``KeyError`` for a name
        never declared, ``ValueError`` for one whose conditions do not hold."""
        name = self._scoped(name)
        if name in self.values:
            return self.values[name]
        if default is not _MISSING:
            return default
        if name in self.declarations:
            raise ValueError(f"{name} is currently inactive.")
        raise KeyError(
            f"{name} does not exist. Declare it in the builder (hp.Int({name!r}, ...), "
            "hp.Choice...) or in the config's search_space"
        )

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._scoped(name) in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def keys(self):
        return self.values.keys()

    def items(self):
        return self.values.items()

    @property
    def space(self) -> list[Declaration]:
        """Every declaration met so far, in order: ``name``, ``param`` (the kt-run parameter:
        its ``type``, ``min``, ``max``, ``values``, ``default``...) and ``conditions``."""
        return list(self.declarations.values())

    def copy(self) -> HyperParameters:
        """An independent ``hp`` with the same values and declarations."""
        twin = HyperParameters(self.values, self.overrides)
        twin.declarations = dict(self.declarations)
        twin.active_scopes = list(self.active_scopes)
        twin.inactive_scopes = list(self.inactive_scopes)
        twin._conditions = list(self._conditions)
        twin._name_scopes = list(self._name_scopes)
        return twin

    def is_active(self, name: str) -> bool:
        declaration = self.declarations.get(name)
        return name in self.values or (
            declaration is not None and self._holds(declaration.conditions)
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(
            f"kt-run's hp has no {name!r}; it offers Int, Float, Choice, Boolean, Fixed, "
            "conditional_scope, name_scope, get, values, space, copy and is_active, as "
            "KerasTuner's HyperParameters does"
        )

    def __repr__(self) -> str:
        return f"HyperParameters({self.values!r})"

    # internals

    @contextlib.contextmanager
    def _maybe_scope(self, parent_name: str | None, parent_values: Any) -> Iterator[None]:
        if parent_name is None:
            yield
            return
        with self.conditional_scope(parent_name, parent_values):
            yield

    def _scoped(self, name: str) -> str:
        return "/".join([*self._name_scopes, str(name)]) if self._name_scopes else name

    def _current_conditions(self) -> Conditions:
        merged: dict[str, tuple[Scalar, ...]] = {}
        for parent, values in self._conditions:
            if parent in merged:  # nested scopes on one parent: both must hold
                values = tuple(v for v in merged[parent] if v in values)
            merged[parent] = values
        return tuple(merged.items())

    def _holds(self, conditions: Conditions) -> bool:
        return all(
            parent in self.values and _is_one_of(self.values[parent], values)
            for parent, values in conditions
        )

    def _declare(self, name: str, spec: dict[str, Any], kind: str) -> Any:
        if isinstance(name, str):
            name = self._scoped(name)
        if not isinstance(name, str) or not HYPERPARAMETER_NAME.fullmatch(name):
            raise HyperparameterError(
                f"hp.{kind}({quoted(name)}): a hyperparameter name must be a Python-style name "
                "(letters, digits and '_') or such names joined by '/' or '-', since results "
                "and `kt-run best --format env` use it"
            )
        conditions = self._current_conditions()
        previous = self.declarations.get(name)
        if previous is None:
            self._check_distinct(name, kind)
            try:
                param = _PARAM.validate_python(spec)
            except ValidationError as exc:
                raise HyperparameterError(f"hp.{kind}({name!r}): {_first_problem(exc)}") from None
            self.declarations[name] = Declaration(name, param, conditions)
        elif previous.conditions != conditions:
            raise HyperparameterError(
                f"hp.{kind}({name!r}) is declared again under other conditions "
                f"({_describe(previous.conditions)} before, {_describe(conditions)} now); "
                "give each its own name"
            )
        if not self._holds(conditions):
            self.values.pop(name, None)
            return None
        if name not in self.values:
            chosen = self.overrides.get(name) or self.declarations[name].param
            self.values[name] = chosen.default_value()
        return self.values[name]

    def _check_distinct(self, name: str, kind: str) -> None:
        """Refuse a name that, upper-cased with its punctuation made ``_``, is another's
        (``units-1``, ``units_1``): as ``search_space`` refuses, since `kt-run best --format
        env` would export both as one ``KT_BEST_HP_UNITS_1``."""
        for other in [*self.declarations, *self.overrides]:
            if other != name and env_name(other) == env_name(name):
                raise HyperparameterError(
                    f"hp.{kind}({name!r}): hyperparameter names '{other}' and '{name}' differ "
                    "only in case or punctuation; `kt-run best --format env` would give both "
                    f"as KT_BEST_HP_{env_name(name)}: rename one"
                )


def _whole(name: str, label: str, bound: Any) -> int:
    """An ``hp.Int`` bound as a Python ``int``. Like KerasTuner, a whole float (``8.0``, from
    ``np.log2(256)`` or a division) and a NumPy integer (``np.int64``, from a shape or an
    array) are accepted: bounds are often computed, and refusing them broke such builders."""
    whole = isinstance(bound, numbers.Integral) or (
        isinstance(bound, numbers.Real) and math.isfinite(bound) and float(bound).is_integer()
    )
    if isinstance(bound, bool) or not whole:
        raise HyperparameterError(
            f"hp.Int({name!r}): {label} must be a whole number (got {quoted(bound)})"
        )
    return int(bound)


def _numeric(
    kind: str,
    name: str,
    low: float,
    high: float,
    step: float | None,
    sampling: str | None,
    default: float | None,
) -> dict[str, Any]:
    """The space entry for ``hp.Int``/``hp.Float``. With ``sampling='log'`` KerasTuner's
    ``step`` multiplies (2, 4, 8, 16); that range becomes a choice of exactly those values."""
    label = "Int" if kind == "int" else "Float"
    sampling = (sampling or "linear").lower()
    if sampling not in SAMPLINGS:
        raise HyperparameterError(
            f"hp.{label}({name!r}): sampling must be one of {', '.join(SAMPLINGS)} "
            f"(got {quoted(sampling)})"
        )
    if step is not None and sampling != "linear":
        values = _multiplied(label, name, low, high, step, sampling == "reverse_log")
        spec: dict[str, Any] = {"type": "choice", "values": values}
        if default is not None:
            spec["default"] = min(values, key=lambda v: abs(v - default))
        return spec
    spec = {"type": kind, "min": low, "max": high, "sampling": sampling}
    if step is not None:
        spec["step"] = step
    if default is not None and low <= high:
        spec["default"] = _within(default, low, high, step, kind)
    return spec


def _within(default: float, low: float, high: float, step: float | None, kind: str) -> float:
    """The value of the range nearest to ``default``. KerasTuner never checks an ``Int`` or
    ``Float`` default against its range (only its first build uses it), so builders with a
    default outside the range or off its steps run there; refusing them broke such builders.
    Here the default is what space discovery and the first trial of some strategies build; a
    float is snapped as the sampler makes its steps, so it is exactly one of them."""
    value = min(max(default, low), high)
    if step is None or step <= 0:
        return round(value) if kind == "int" else value
    if kind == "float":
        return nearest_step(low, high, step, value)
    value = low + round((value - low) / step) * step
    return int(value - step if value > high else value)


def _multiplied(
    label: str, name: str, low: float, high: float, step: float, reverse: bool = False
) -> list[Any]:
    """The values of a log-stepped range, ascending: ``low * step**k`` up to ``high``. With
    ``reverse`` (``sampling='reverse_log'``) KerasTuner mirrors them from the top, ``high +
    low - low * step**k``, so they crowd towards ``high`` (``hp.Int('d', 1, 100, step=10,
    sampling='reverse_log')`` is 1, 91, 100); the same values here, so a search tries what
    KerasTuner would."""
    if not (low > 0 and step > 1 and high >= low):
        raise HyperparameterError(
            f"hp.{label}({name!r}): log sampling with a step needs 0 < min_value <= max_value "
            f"and step > 1 (got {low}, {high}, step {step})"
        )
    count = int(math.floor(math.log(high / low) / math.log(step) + 1e-9)) + 1
    if count > MAX_LOG_STEPS:
        raise HyperparameterError(f"hp.{label}({name!r}): more than {MAX_LOG_STEPS} values")
    values = [low * step**k for k in range(count)]
    if reverse:
        values = [high + low - v for v in reversed(values)]
    if label == "Int":
        return [int(round(v)) for v in values]
    return [float(f"{v:.12g}") for v in values]


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it stands for (``np.int64(64)`` -> ``64``): values
    from ``np.arange`` or an array keep their type in the space and in the records, so
    ``hp.Choice('units', np.arange(32, 129, 32))`` returns ints, not floats."""
    item = getattr(value, "item", None)
    return item() if type(value).__module__ == "numpy" and callable(item) else value


def _as_listed(default: Any, values: list[Any]) -> Any:
    """A ``Choice`` default as the value it equals in ``values``: KerasTuner converts it to
    the values' type (``default=64.0`` among ints is ``64``), so a builder gets an int it can
    pass to ``Dense(units=...)``. One that equals none is kept, for the space to refuse."""
    for value in values:
        same_kind = isinstance(value, str) == isinstance(default, str)
        if same_kind and value == default:
            return value
    return default


def _is_one_of(value: Any, allowed: tuple[Scalar, ...]) -> bool:
    return any(type(value) is type(v) and value == v for v in allowed) or (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and any(
            not isinstance(v, bool) and isinstance(v, (int, float)) and v == value for v in allowed
        )
    )


def _describe(conditions: Conditions) -> str:
    if not conditions:
        return "no condition"
    return " and ".join(f"{parent} in {list(values)}" for parent, values in conditions)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"][1:])
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
