"""A builder's declared space merged with the config's own ``search_space``."""

from __future__ import annotations

import pytest

from tuner_cli.config import load_config_dict
from tuner_cli.errors import ConfigError

DECLARED = {
    "units": {"type": "int", "min": 32, "max": 512, "step": 32},
    "kind": {"type": "choice", "values": ["mlp", "cnn"]},
    "filters": {"type": "int", "min": 8, "max": 32, "when": {"kind": ["cnn"]}},
}


def study(search_space=None, strategy="random"):
    config = {
        "name": "merge",
        "data": {"source": "sklearn", "name": "digits"},
        "model": {"builder": "models:build"},
        "strategy": {"name": strategy, "objective": "val_accuracy"},
    }
    if search_space:
        config["search_space"] = search_space
    return load_config_dict(config)


def test_without_search_space_the_builders_declarations_are_the_space():
    space = study().with_builder_space(DECLARED).space
    assert list(space.params) == ["units", "kind", "filters"]
    assert space.defaults() == {"units": 32, "kind": "mlp"}
    assert space.size() == 16 + 16 * 25


def test_a_search_space_entry_of_the_same_name_overrides_and_keeps_the_condition():
    own = {
        "units": {"type": "choice", "values": [64, 128]},
        "filters": {"type": "choice", "values": [16]},
        "batch_size": {"type": "choice", "values": [32, 64]},
    }
    space = study(own).with_builder_space(DECLARED).space
    assert list(space.params) == ["units", "kind", "filters", "batch_size"]
    assert space.params["units"].values == [64, 128]
    assert space.params["filters"].when == {"kind": ["cnn"]}  # the builder's condition stays
    assert space.defaults() == {"units": 64, "kind": "mlp", "batch_size": 32}


def test_nothing_declared_leaves_the_study_as_it_was():
    plain = study({"units": {"type": "int", "min": 1, "max": 2}})
    assert plain.with_builder_space({}) is plain


def test_grid_search_over_a_continuous_builder_parameter_names_the_builder():
    declared = {"lr": {"type": "float", "min": 0.001, "max": 0.1}}
    with pytest.raises(ConfigError, match="the builder declares 'lr' without one") as caught:
        study(strategy="grid").with_builder_space(declared)
    assert caught.value.key_path == ("model", "builder")


def test_a_scoped_builder_name_can_be_narrowed_in_search_space():
    """``hp.name_scope('block_1')`` declares ``block_1/units``; the config names it so too."""
    declared = {"block_1/units": {"type": "int", "min": 8, "max": 64}}
    own = {"block_1/units": {"type": "choice", "values": [16, 32]}}
    space = study(own).with_builder_space(declared).space
    assert space.params["block_1/units"].values == [16, 32]


def test_an_error_in_a_dict_config_names_the_key_not_a_line_of_a_file_the_user_never_saw():
    config = {
        "name": "nb",
        "data": {"source": "sklearn", "name": "digits"},
        "model": {"builder": "models:build"},
        "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 0},
    }
    with pytest.raises(ConfigError) as caught:
        load_config_dict(config)
    assert str(caught.value).startswith("strategy.max_trials: ")
    assert "<dict>" not in str(caught.value) and "yaml" not in str(caught.value)


def test_initial_points_may_name_what_the_builder_declares():
    """The space a builder declares is known only once it ran: its names are no error before,
    and its values are checked against it after."""
    points = [{"units": 64, "kind": "cnn", "filters": 8}, {"units": 96, "kind": "mlp"}]
    config = {
        "name": "given",
        "data": {"source": "sklearn", "name": "digits"},
        "model": {"builder": "models:build"},
        "strategy": {"name": "random", "objective": "val_accuracy", "initial_points": points},
    }
    assert load_config_dict(config).with_builder_space(DECLARED).space.params["filters"]
    config["strategy"]["initial_points"] = [{"units": 40, "kind": "mlp"}]
    with pytest.raises(ConfigError, match="40 is not a possible value of 'units'") as caught:
        load_config_dict(config).with_builder_space(DECLARED)
    assert caught.value.key_path == ("strategy", "initial_points", 0, "units")


def test_initial_points_of_a_builder_that_declares_nothing_are_checked_against_search_space():
    own = {"units": {"type": "int", "min": 1, "max": 2}}
    config = {
        "name": "given",
        "data": {"source": "sklearn", "name": "digits"},
        "search_space": own,
        "model": {"builder": "models:build"},
        "strategy": {
            "name": "random",
            "objective": "val_accuracy",
            "initial_points": [{"units": 3}],
        },
    }
    with pytest.raises(ConfigError, match="3 is not a possible value of 'units'"):
        load_config_dict(config).with_builder_space({})
