"""A config dict from a notebook may give its functions themselves where the YAML names one
(``model.builder``, ``objective_function``, ``data.callable``, a class as an object's key):
the study keeps their names, so a worker, a later kernel and ``kt-run`` find them again."""

from __future__ import annotations

import sys
import types

import pytest

from tuner_cli.config import load_config_dict
from tuner_cli.errors import ConfigError

SPACE = {"x": {"type": "float", "min": 0.0, "max": 1.0}}
STRATEGY = {"name": "random", "objective": {"name": "loss", "direction": "min"}}


def objective(hp, budget):
    return hp["x"]


def _objective_study(function):
    return {
        "name": "f",
        "objective_function": function,
        "search_space": SPACE,
        "strategy": STRATEGY,
    }


@pytest.fixture
def notebook(monkeypatch):
    """This process's ``__main__`` as a notebook's: what a cell defines lives there."""
    main = sys.modules["__main__"]

    def define(name, value):
        if isinstance(value, (types.FunctionType, type)):
            value.__module__, value.__qualname__ = "__main__", name
        monkeypatch.setattr(main, name, value, raising=False)
        return value

    return define


def test_a_module_function_is_kept_as_its_module_and_name():
    study = load_config_dict(_objective_study(objective))
    assert study.config.objective_function == f"{__name__}:objective"
    assert f"objective_function: {__name__}:objective" in study.text


def test_a_notebook_function_is_kept_as_a_main_name(notebook):
    def branin(hp, budget):
        return hp["x"]

    notebook("branin", branin)
    study = load_config_dict(_objective_study(branin))
    assert study.config.objective_function == "__main__:branin"
    assert study.main_names() == {"branin": ("objective_function",)}
    assert load_config_dict(_objective_study("__main__:branin")).text == study.text, (
        "the name and the function are one config: either resumes the other's study"
    )


def _nested():
    def inner(hp, budget):
        return 0.0

    return inner


@pytest.mark.parametrize("function", [lambda hp, budget: 0.0, _nested()], ids=["lambda", "nested"])
def test_a_function_without_a_name_to_find_it_by_is_refused_by_key(function):
    with pytest.raises(ConfigError) as refused:
        load_config_dict(_objective_study(function))
    message = str(refused.value)
    assert message.startswith("objective_function: the function "), message
    assert "define it at the top level of the notebook or of a module" in message


def test_a_function_defined_again_since_is_refused(notebook):
    """A cell run again binds the name to a new function; the old one passed would be
    silently replaced by the new one in the workers."""

    def build_model(hp):
        return None

    old = notebook("build_model", build_model)
    notebook("build_model", lambda hp: None)
    config = {"name": "k", "data": {"source": "sklearn", "name": "iris"}, "model": {"builder": old}}
    config["strategy"] = {"objective": "val_loss"}
    with pytest.raises(ConfigError, match="does not name this function") as refused:
        load_config_dict(config)
    assert str(refused.value).startswith("model.builder: '__main__:build_model'")


def test_a_hypermodel_object_and_a_layer_class_of_the_notebook_are_named(notebook):
    class MyHyperModel:
        def build(self, hp):
            return None

    class Scale:
        pass

    notebook("MyHyperModel", MyHyperModel)
    hypermodel = notebook("hypermodel", MyHyperModel())
    notebook("Scale", Scale)
    config = {
        "name": "k",
        "data": {"source": "sklearn", "name": "iris"},
        "model": {"builder": hypermodel},
        "strategy": {"objective": "val_loss"},
    }
    assert load_config_dict(config).config.model.builder == "__main__:hypermodel"
    layers = [{Scale: {}}, {"Dense": {"units": 3, "activation": "softmax"}}]
    config["model"] = {"layers": layers, "loss": "sparse_categorical_crossentropy"}
    study = load_config_dict(config)
    assert study.raw["model"]["layers"][0] == {"__main__:Scale": {}}
    assert study.main_names() == {"Scale": ("model", "layers", 0, "__main__:Scale")}


def test_an_object_the_notebook_does_not_name_is_refused():
    class MyHyperModel:
        def build(self, hp):
            return None

    config = {
        "name": "k",
        "data": {"source": "sklearn", "name": "iris"},
        "model": {"builder": MyHyperModel()},
        "strategy": {"objective": "val_loss"},
    }
    with pytest.raises(ConfigError, match="has no name the study can keep") as refused:
        load_config_dict(config)
    assert str(refused.value).startswith("model.builder: MyHyperModel")
