"""The search space a KerasTuner-style builder declares, found by calling it.

As KerasTuner does, the builder is called with an ``hp`` that records every ``hp.Int``,
``hp.Choice``... it meets. One call at the default values finds what is always declared; what
sits under a ``conditional_scope`` (or behind an ``if`` on a choice) is declared only for some
values, so the builder is called again:

1. for each scope never yet active, with its parents set to a value that activates it;
2. for each choice or boolean of at most ``MAX_EXPLORED_VALUES`` values and integer of at
   most ``MAX_EXPLORED_INTS``, once per other value, the rest at their defaults
   (``hp.Int('layers', 1, 3)`` then finds the units of the second and third layer). A
   parameter first seen that way, always while one parent was varied, is made conditional on
   that parent (``when: {layers: [2, 3]}``), so it is sampled only where it matters.

A call that fails after the first only tells nothing (that value's trials will fail on their
own); a bad declaration (``hp.Int`` with min above max) is always an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tuner_cli.training.builders import ModelBuilder
from tuner_cli.training.hyperparameters import (
    Conditions,
    Declaration,
    HyperparameterError,
    HyperParameters,
)

MAX_CALLS = 32
"""Builds a discovery may take; each is a real model build (tens of milliseconds)."""
MAX_EXPLORED_VALUES = 16
"""Choices and booleans with more values than this are not explored one value at a time."""
MAX_EXPLORED_INTS = 8
"""Nor integers with more: a count of layers or blocks has few values, a width has many."""

BuilderRun = Callable[[HyperParameters, bool], None]
"""``run(hp, first)``: build with ``hp`` (and fit, for a HyperModel, when ``first``)."""


@dataclass
class _Found:
    declaration: Declaration
    context: dict[str, Any]
    """The values set when it was first declared; exploring its own values keeps them."""
    varied: set[tuple[str, str]] | None = field(default=None)
    """``(parent, value as JSON)`` of the calls that declared it, when it was first found by
    varying one choice; None when the default call (or a scope) declared it."""
    beside: frozenset[str] = frozenset()
    """The active names of the call that first declared it: varying this parameter's value
    explains only names outside them."""


class _Discovery:
    def __init__(self, builder: ModelBuilder, run: BuilderRun, start: dict[str, Any]):
        self.builder = builder
        self.run = run
        self.start = start
        self.calls = 0
        self.found: dict[str, _Found] = {}
        self.active: set[Conditions] = set()
        self.never_active: list[Conditions] = []

    def call(self, forced: dict[str, Any], first: bool = False) -> HyperParameters | None:
        self.calls += 1
        hp = self.builder.hyperparameters({**self.start, **forced})
        try:
            self.run(hp, first)
        except HyperparameterError:
            raise
        except Exception:  # noqa: BLE001 - the builder is user code
            if first:
                raise
            return None
        self.active.update(hp.active_scopes)
        self.never_active += [s for s in hp.inactive_scopes if s not in self.active]
        return hp

    def record(
        self,
        hp: HyperParameters,
        context: dict[str, Any],
        varied: tuple[str, str] | None,
        already: frozenset[str] = frozenset(),
    ) -> None:
        """Add what ``hp`` met; ``varied`` is the one value changed from a call that declared
        the names in ``already``, so only other names may depend on it."""
        active = frozenset(name for name in hp.declarations if hp.is_active(name))
        for name, declaration in hp.declarations.items():
            item = self.found.get(name)
            if item is None:
                item = _Found(declaration, context, set() if varied else None, active)
                self.found[name] = item
            if item.varied is not None and varied and name in active and name not in already:
                item.varied.add(varied)

    def activate_scopes(self) -> None:
        tried: set[Conditions] = set()
        while self.never_active and self.calls < MAX_CALLS:
            scope = self.never_active.pop(0)
            if scope in self.active or scope in tried:
                continue
            tried.add(scope)
            forced = {parent: values[0] for parent, values in scope if values}
            hp = self.call(forced)
            if hp is not None:
                self.record(hp, forced, None)

    def explore_choices(self) -> None:
        index = 0
        while index < len(self.found) and self.calls < MAX_CALLS:
            name, item = list(self.found.items())[index]
            index += 1
            param = self.builder.overrides.get(name) or item.declaration.param
            values = param.grid_values() if param.type in ("choice", "bool", "int") else None
            limit = MAX_EXPLORED_INTS if param.type == "int" else MAX_EXPLORED_VALUES
            if values is None or len(values) > limit:
                continue
            base = dict(item.context)
            base.update({p: vs[0] for p, vs in item.declaration.conditions if vs and p not in base})
            for value in values:
                if value == param.default_value() or self.calls >= MAX_CALLS:
                    continue
                forced = {**base, name: value}
                hp = self.call(forced)
                if hp is not None and hp.values.get(name) == value:
                    self.record(hp, forced, (name, json.dumps(value)), item.beside)

    def entries(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for name, item in self.found.items():
            entry = item.declaration.as_space_entry()
            parents = {parent for parent, _ in item.varied or ()}
            if "when" not in entry and len(parents) == 1:
                (parent,) = parents
                entry["when"] = {parent: [json.loads(v) for p, v in sorted(item.varied)]}
            found[name] = entry
        return found


def discover_space(
    builder: ModelBuilder, run: BuilderRun, start: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """``search_space``-style entries (plain data, in declaration order) for what the builder
    declares; empty for a builder that only reads a dict. ``start``: the config's own
    ``search_space`` defaults, which every call gets. The first call's errors propagate."""
    discovery = _Discovery(builder, run, dict(start or {}))
    first = discovery.call({}, first=True)
    discovery.record(first, {}, None)
    if discovery.found:
        discovery.activate_scopes()
        discovery.explore_choices()
    return discovery.entries()
