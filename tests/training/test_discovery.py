"""Discovering a builder's search space by calling it, conditional parts included."""

from __future__ import annotations

import pytest

from tuner_cli.space import IntParam
from tuner_cli.training.builders import ModelBuilder
from tuner_cli.training.discovery import discover_space
from tuner_cli.training.hyperparameters import HyperparameterError


def discover(build, overrides=None):
    builder = ModelBuilder("test:build", build, None, overrides or {})
    calls = []

    def run(hp, first):
        calls.append(dict(hp.values))
        build(hp)

    return discover_space(builder, run), calls


def test_a_scoped_builder_is_explored_until_every_scope_was_active():
    def build(hp):
        kind = hp.Choice("kind", ["mlp", "cnn"])
        with hp.conditional_scope("kind", ["mlp"]):
            if kind == "mlp":
                hp.Int("units", 16, 64, step=16)
        with hp.conditional_scope("kind", ["cnn"]):
            if kind == "cnn":
                hp.Int("filters", 8, 32, step=8)
                hp.Boolean("pool")

    found, calls = discover(build)
    assert found == {
        "kind": {"type": "choice", "values": ["mlp", "cnn"]},
        "units": {
            "type": "int",
            "min": 16,
            "max": 64,
            "step": 16,
            "sampling": "linear",
            "when": {"kind": ["mlp"]},
        },
        "filters": {
            "type": "int",
            "min": 8,
            "max": 32,
            "step": 8,
            "sampling": "linear",
            "when": {"kind": ["cnn"]},
        },
        "pool": {"type": "bool", "default": False, "when": {"kind": ["cnn"]}},
    }
    assert calls[0] == {}  # the first call is at the defaults
    assert {"kind": "cnn"} in calls


def test_a_parameter_behind_a_plain_if_becomes_conditional_on_its_choice():
    def build(hp):
        optimizer = hp.Choice("optimizer", ["adam", "sgd", "rmsprop"])
        if optimizer in ("sgd", "rmsprop"):
            hp.Float("momentum", 0.0, 0.9)

    found, _ = discover(build)
    assert found["momentum"]["when"] == {"optimizer": ["rmsprop", "sgd"]}
    assert "when" not in found["optimizer"]


def test_layers_in_a_loop_are_found_and_conditional_on_the_count():
    def build(hp):
        for i in range(hp.Int("layers", 1, 3)):
            hp.Int(f"units_{i}", 16, 64, step=16)

    found, _ = discover(build)
    assert "when" not in found["units_0"]
    assert found["units_1"]["when"] == {"layers": [2, 3]}
    assert found["units_2"]["when"] == {"layers": [3]}


def test_nested_discovery_keeps_the_parent_value_it_was_found_under():
    def build(hp):
        tree = hp.Choice("family", ["linear", "tree"]) == "tree"
        if tree and hp.Choice("split", ["gini", "entropy"]) == "entropy":
            hp.Float("alpha", 0.1, 1.0)

    found, _ = discover(build)
    assert found["split"]["when"] == {"family": ["tree"]}
    assert found["alpha"]["when"] == {"split": ["entropy"]}


def test_a_plain_dict_builder_declares_nothing():
    found, calls = discover(lambda hp: hp.get("units", 32))
    assert found == {} and len(calls) == 1


def test_every_call_starts_from_the_configs_own_defaults():
    builder = ModelBuilder("test:build", lambda hp: None, None, {})
    seen = []

    def run(hp, first):
        mode = hp["mode"]  # a search_space name, read as from a dict
        if hp.Boolean("wide"):
            hp.Int("units", 8, 16)
        seen.append((mode, dict(hp.values)))

    found = discover_space(builder, run, {"mode": "ok"})
    assert set(found) == {"wide", "units"}
    assert seen[0] == ("ok", {"mode": "ok", "wide": False})
    assert all(mode == "ok" for mode, _ in seen)


def test_an_override_changes_which_values_are_explored():
    seen = []

    def build(hp):
        seen.append(hp.Int("units", 1, 3))

    override = IntParam(type="int", min=5, max=6, default=6)
    found, _ = discover(build, {"units": override})
    assert seen == [6, 5]  # the override's default first, then its other value
    assert found["units"]["max"] == 3  # the builder's own declaration, merged by the config


def test_the_first_call_failing_is_an_error_and_later_ones_are_not():
    def build(hp):
        if hp.Choice("size", ["small", "huge"]) == "huge":
            raise MemoryError("too big")
        return "model"

    found, _ = discover(build)
    assert set(found) == {"size"}

    def broken(hp):
        raise RuntimeError("no model")

    with pytest.raises(RuntimeError, match="no model"):
        discover(broken)


def test_a_bad_declaration_found_while_exploring_is_still_an_error():
    def build(hp):
        if hp.Boolean("deep"):
            hp.Int("layers", 5, 1)

    with pytest.raises(HyperparameterError, match="min .5. must be <= max .1."):
        discover(build)


def test_exploration_stops_after_a_bounded_number_of_builds():
    def build(hp):
        for i in range(40):
            hp.Boolean(f"flag_{i}")

    _, calls = discover(build)
    assert len(calls) == 32
