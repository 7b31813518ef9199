"""The ``hp`` a builder gets answers as KerasTuner's ``HyperParameters`` does, and reads like
the dict older builders were given."""

from __future__ import annotations

import numpy as np
import pytest

from tuner_cli.space import ChoiceParam
from tuner_cli.training.hyperparameters import HyperparameterError, HyperParameters


def test_declarations_return_defaults_and_record_the_space():
    hp = HyperParameters()
    assert hp.Int("units", min_value=32, max_value=512, step=32) == 32
    assert hp.Float("dropout", 0.1, 0.5, step=0.1) == 0.1
    assert hp.Float("lr", 1e-4, 1e-2, sampling="log") == 1e-4
    assert hp.Choice("activation", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("batch_norm") is False
    assert hp.Fixed("classes", 10) == 10
    assert hp.values == {
        "units": 32,
        "dropout": 0.1,
        "lr": 1e-4,
        "activation": "relu",
        "batch_norm": False,
        "classes": 10,
    }
    entries = {name: d.as_space_entry() for name, d in hp.declarations.items()}
    assert entries["units"] == {
        "type": "int",
        "min": 32,
        "max": 512,
        "step": 32,
        "sampling": "linear",
    }
    assert entries["lr"]["sampling"] == "log"
    assert entries["activation"] == {"type": "choice", "values": ["relu", "tanh"]}
    assert entries["classes"] == {"type": "fixed", "value": 10}


def test_a_trials_values_win_over_defaults():
    hp = HyperParameters({"units": 256, "activation": "tanh"})
    assert hp.Int("units", 32, 512, step=32) == 256
    assert hp.Choice("activation", ["relu", "tanh"], default="relu") == "tanh"
    assert hp.Int("layers", 1, 3, default=2) == 2


def test_log_sampling_with_a_step_multiplies_as_in_keras_tuner():
    hp = HyperParameters()
    assert hp.Int("batch", 2, 32, step=2, sampling="log") == 2
    assert hp.Float("lr", 0.001, 10, step=10, sampling="log") == 0.001
    assert hp.declarations["batch"].param.values == [2, 4, 8, 16, 32]
    assert hp.declarations["lr"].param.values == [0.001, 0.01, 0.1, 1.0, 10.0]
    assert isinstance(hp.declarations["batch"].param, ChoiceParam)


def test_reverse_log_sampling_with_a_step_mirrors_the_values_from_the_top_as_in_keras_tuner():
    """KerasTuner's values are ``max + min - min * step**k``: they crowd towards the top."""
    hp = HyperParameters()
    assert hp.Int("d", 1, 100, step=10, sampling="reverse_log") == 1
    assert hp.Int("e", 2, 1000, step=3, sampling="reverse_log") == 516  # min is not a value
    hp.Float("f", 0.01, 10.0, step=10, sampling="reverse_log")
    assert hp.declarations["d"].param.values == [1, 91, 100]
    assert hp.declarations["e"].param.values == [516, 840, 948, 984, 996, 1000]
    assert hp.declarations["f"].param.values == [0.01, 9.01, 9.91, 10.0]


def test_a_choice_default_takes_the_type_of_the_value_it_equals_as_in_keras_tuner():
    hp = HyperParameters()
    assert type(hp.Choice("units", [32, 64], default=64.0)) is int
    assert type(hp.Choice("rate", [0.5, 1.0], default=1)) is float
    with pytest.raises(HyperparameterError, match="default"):
        hp.Choice("name", ["1", "2"], default=1)


def test_conditional_scope_returns_none_when_its_parent_does_not_match():
    hp = HyperParameters({"model_type": "cnn"})
    model_type = hp.Choice("model_type", ["mlp", "cnn"])
    with hp.conditional_scope("model_type", ["mlp"]):
        assert hp.Int("units", 16, 64) is None
    with hp.conditional_scope("model_type", "cnn"):
        assert hp.Int("filters", 8, 32) == 8
    assert model_type == "cnn"
    assert hp.Int("kernel", 3, 5, parent_name="model_type", parent_values=["mlp"]) is None
    assert "units" not in hp.values and hp.values["filters"] == 8
    assert hp.declarations["units"].as_space_entry()["when"] == {"model_type": ["mlp"]}
    assert hp.inactive_scopes == [(("model_type", ("mlp",)),), (("model_type", ("mlp",)),)]
    assert hp.active_scopes == [(("model_type", ("cnn",)),)]


def test_nested_scopes_must_all_hold():
    hp = HyperParameters()
    hp.Choice("a", ["x", "y"])
    hp.Boolean("b")
    with hp.conditional_scope("a", ["x"]), hp.conditional_scope("b", [True]):
        assert hp.Int("c", 1, 2) is None
    assert hp.declarations["c"].as_space_entry()["when"] == {"a": ["x"], "b": [True]}


def test_get_and_item_access_follow_keras_tuner_and_dicts():
    hp = HyperParameters({"mode": "a"})
    hp.Choice("mode", ["a", "b"])
    with hp.conditional_scope("mode", ["b"]):
        hp.Int("depth", 1, 3)
    assert hp.get("mode") == hp["mode"] == "a"
    with pytest.raises(ValueError, match="depth is currently inactive"):
        hp.get("depth")
    with pytest.raises(KeyError, match="nothing does not exist"):
        hp["nothing"]
    assert hp.get("nothing", 4) == 4  # a dict's get
    assert "mode" in hp and "depth" not in hp
    assert dict(hp) == {"mode": "a"}
    assert {**hp} == {"mode": "a"}


def test_a_search_space_entry_overrides_the_default():
    override = ChoiceParam(type="choice", values=[64, 128], default=128)
    hp = HyperParameters(overrides={"units": override})
    assert hp.Int("units", 32, 512, step=32) == 128


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda hp: hp.Int("units", 10, 5), "hp.Int('units'): min (10) must be <= max (5)"),
        (lambda hp: hp.Int("units", 1.5, 5), "min_value must be a whole number"),
        (lambda hp: hp.Float("lr", 0, 1, sampling="log"), "log sampling needs min > 0"),
        (lambda hp: hp.Float("lr", 0.1, 1, sampling="cubic"), "sampling must be one of"),
        (lambda hp: hp.Choice("act", []), "needs at least one value"),
        (lambda hp: hp.Int("dense units", 1, 2), "must be a Python-style name"),
        (lambda hp: hp.Int("dense/", 1, 2), "must be a Python-style name"),
        (lambda hp: hp.conditional_scope("missing", [1]).__enter__(), "no hyperparameter"),
    ],
)
def test_bad_declarations_say_what_is_wrong(declare, message):
    with pytest.raises(HyperparameterError, match=None) as caught:
        declare(HyperParameters())
    assert message in str(caught.value)


def test_int_bounds_computed_as_whole_floats_or_numpy_integers_are_accepted():
    """KerasTuner takes ``hp.Int('units', 1, np.log2(256))`` and bounds from a shape."""
    hp = HyperParameters()
    assert hp.Int("depth", 1.0, np.log2(8), default=2) == 2
    assert hp.Int("width", np.int64(16), np.zeros((4, 64)).shape[1], step=16) == 16
    entries = {name: d.as_space_entry() for name, d in hp.declarations.items()}
    assert (entries["depth"]["min"], entries["depth"]["max"]) == (1, 3)
    assert all(type(v) is int for v in (entries["depth"]["max"], entries["width"]["min"]))


def test_one_name_under_two_conditions_is_refused():
    hp = HyperParameters()
    hp.Choice("kind", ["a", "b"])
    hp.Int("size", 1, 4)
    with pytest.raises(HyperparameterError, match="declared again under other conditions"):
        hp.Int("size", 1, 4, parent_name="kind", parent_values=["b"])


def test_an_unknown_method_names_what_hp_offers():
    with pytest.raises(AttributeError, match="offers Int, Float, Choice"):
        HyperParameters().Integer("units", 1, 2)


def test_name_scopes_prefix_declarations_reads_and_conditions_as_in_keras_tuner():
    hp = HyperParameters({"block_1/units": 16, "block_1/kind": "wide"})
    with hp.name_scope("block_1"):
        assert hp.Int("units", 8, 32, step=8) == 16
        assert hp["units"] == 16 and "units" in hp
        hp.Choice("kind", ["narrow", "wide"])
        with hp.conditional_scope("kind", ["wide"]):
            assert hp.Int("extra", 1, 4) == 1
    assert hp.Int("units-2", 1, 3) == 1  # KerasTuner builders name layers so too
    assert [d.name for d in hp.space] == [
        "block_1/units",
        "block_1/kind",
        "block_1/extra",
        "units-2",
    ]
    assert hp.declarations["block_1/extra"].conditions == (("block_1/kind", ("wide",)),)
    assert "units" not in hp


def test_copy_is_independent():
    hp = HyperParameters({"units": 16})
    hp.Int("units", 8, 32, step=8)
    twin = hp.copy()
    twin.Choice("act", ["relu", "tanh"])
    twin.values["units"] = 32
    assert hp.values == {"units": 16} and "act" not in hp.declarations
    assert twin.values == {"units": 32, "act": "relu"}


def test_numpy_values_keep_their_python_type():
    """``hp.Choice('units', np.arange(...))`` gave floats (64.0), which Dense refuses."""
    hp = HyperParameters()
    units = hp.Choice("units", np.arange(32, 129, 32), default=np.int64(64))
    assert units == 64 and type(units) is int
    assert hp.declarations["units"].as_space_entry()["values"] == [32, 64, 96, 128]
    assert type(hp.Choice("wide", np.array([True, False]))) is bool
    assert type(hp.Fixed("depth", np.int32(3))) is int


@pytest.mark.parametrize(
    ("declare", "expected"),
    [
        (lambda hp: hp.Int("layers", 1, 3, default=5), 3),
        (lambda hp: hp.Int("units", 32, 512, step=32, default=100), 96),
        (lambda hp: hp.Float("lr", 1e-4, 1e-2, sampling="log", default=0.1), 1e-2),
        (lambda hp: hp.Float("rate", 0.0, 0.5, step=0.1, default=-1), 0.0),
        (lambda hp: hp.Int("batch", 16, 256, step=2, sampling="log", default=100), 128),
        (lambda hp: hp.Int("units", 1, 10, default=4.6), 5),  # was cut down to 4
    ],
)
def test_a_default_outside_the_range_becomes_the_nearest_value_as_keras_tuner_allows(
    declare, expected
):
    """KerasTuner never checks these defaults; such builders ran there and must run here."""
    assert declare(HyperParameters()) == pytest.approx(expected)


@pytest.mark.parametrize(
    "low, high, step, default, expected",
    [
        (0.0, 1.0, 0.1, 0.3, 0.3),  # 0 + 3 * 0.1 is 0.30000000000000004
        (0.1, 0.9, 0.1, 0.7, 0.7),
        (0.0, 0.3, 0.1, 0.3, 0.3),  # the top of a range that 0.1 steps reach with float noise
        (0.0, 0.3, 0.1, 0.29, 0.3),
        (0.05, 1.0, 0.15, 0.8, 0.8),
        (-1.0, 1.0, 0.2, 0.35, 0.4),
    ],
)
def test_a_stepped_float_default_is_the_samplers_own_grid_value(low, high, step, default, expected):
    """Snapped onto the steps, a default prints as people wrote it and equals the value the
    sampler and the grid give for that step, so the first trial is one of the grid's."""
    hp = HyperParameters()
    value = hp.Float("rate", low, high, step=step, default=default)
    assert value == expected
    assert repr(value) == repr(expected)
    assert value in list(hp.declarations["rate"].param.grid_values())


def test_a_default_on_steps_too_many_to_count_gets_the_ranges_own_message():
    with pytest.raises(HyperparameterError, match="more than"):
        HyperParameters().Float("x", 0.0, 1e300, step=1e-300, default=0.5)


def test_names_that_differ_only_in_case_or_punctuation_are_refused_as_search_space_does():
    """``units-1`` and ``units_1`` were both searched, and ``kt-run best --format env``
    exported one ``KT_BEST_HP_UNITS_1`` holding whichever came last."""
    hp = HyperParameters()
    hp.Int("units-1", 1, 4)
    hp.Int("units-1", 1, 4)  # the same name again is KerasTuner's way to read it
    for clash in ("units_1", "Units-1"):
        with pytest.raises(HyperparameterError) as caught:
            hp.Int(clash, 1, 4)
        assert f"'units-1' and '{clash}' differ only in case or punctuation" in str(caught.value)
        assert "KT_BEST_HP_UNITS_1" in str(caught.value)
    given = HyperParameters(overrides={"batch_size": ChoiceParam(type="choice", values=[8, 16])})
    assert given.Choice("batch_size", [32, 64]) == 8  # the config's entry for the same name
    with pytest.raises(HyperparameterError, match="'batch_size' and 'batch-size' differ only"):
        given.Choice("batch-size", [32, 64])
