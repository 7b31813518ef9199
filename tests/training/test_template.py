"""The model template compiles into real Keras models."""

from pathlib import Path

import pytest

from tuner_cli.config import load_config_text
from tuner_cli.config.references import INACTIVE, resolve
from tuner_cli.errors import ConfigError
from tuner_cli.training.template import build_model

keras = pytest.importorskip("keras")

CONFIG = """\
name: template
data: {source: sklearn, name: iris}
search_space:
  units: {type: int, min: 4, max: 8, step: 4}
  blocks: {type: int, min: 0, max: 2}
  dropout: {type: float, min: 0.0, max: 0.5}
  optimizer: {type: choice, values: [adam, sgd]}
  momentum: {type: float, min: 0.0, max: 0.9, when: {optimizer: sgd}}
model:
  layers:
    - Dense: {units: $units, activation: relu, name: "$$first"}
    - repeat: $blocks
      layers:
        - Dense: {units: $units}
        - Dropout: {rate: $dropout}
    - Dense: {units: 3, activation: softmax}
  optimizer: {name: $optimizer, learning_rate: 0.01, momentum: $momentum}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
strategy: {objective: val_accuracy}
"""


def study():
    return load_config_text(CONFIG, Path("template.yaml"))


def test_resolve_substitutes_escapes_and_drops_inactive():
    hp = {"a": 1}
    assert resolve({"x": "$a", "y": "$b", "z": "$$a", "w": ["$a"]}, hp) == {
        "x": 1,
        "z": "$a",
        "w": [1],
    }
    assert resolve("$b", hp) is INACTIVE


def test_repeat_blocks_and_references_build_the_right_layers():
    config = study().config
    hp = {"units": 8, "blocks": 2, "dropout": 0.25, "optimizer": "adam"}
    model = build_model(config.model, hp, (4,))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert model.layers[0].name == "$first"
    assert model.layers[1].units == 8
    assert model.layers[2].rate == 0.25
    assert type(model.optimizer).__name__ == "Adam"
    assert model.output_shape == (None, 3)


def test_inactive_argument_is_left_out_and_active_one_applies():
    config = study().config
    sgd = build_model(
        config.model,
        {"units": 4, "blocks": 0, "dropout": 0.1, "optimizer": "sgd", "momentum": 0.5},
        (4,),
    )
    assert type(sgd.optimizer).__name__ == "SGD"
    assert float(sgd.optimizer.momentum) == pytest.approx(0.5)
    assert len(sgd.layers) == 2


def test_unknown_layer_and_optimizer_suggest_names():
    config = study().config
    broken = config.model.model_copy(update={"layers": [{"Dence": {"units": 3}}]})
    with pytest.raises(ConfigError, match="did you mean Dense"):
        build_model(broken, {}, (4,))
    broken = config.model.model_copy(update={"optimizer": "adamm"})
    with pytest.raises(ConfigError, match="unknown Keras optimizer 'adamm'"):
        build_model(broken, {"units": 4, "blocks": 0, "dropout": 0.0, "optimizer": "adam"}, (4,))


def test_bad_layer_argument_is_a_config_error():
    config = study().config
    broken = config.model.model_copy(update={"layers": [{"Dense": {"unitz": 3}}]})
    with pytest.raises(ConfigError, match="cannot create Dense"):
        build_model(broken, {}, (4,))


def test_a_layer_that_needs_an_inactive_argument_says_it_was_left_out():
    """``Dense: {units: $width}`` with ``width`` active only under a ``when``: at values where
    it is inactive Keras misses ``units``, and the error names the reference left out."""
    config = study().config
    layers = [{"Dense": {"units": "$width", "activation": "relu"}}, {"Dense": {"units": 3}}]
    broken = config.model.model_copy(update={"layers": layers})
    hp = {"optimizer": "adam"}
    with pytest.raises(
        ConfigError, match=r"units: \$width left out: its hyperparameter is inactive"
    ):
        build_model(broken, hp, (4,))
    assert build_model(broken, {**hp, "width": 5}, (4,)).layers[0].units == 5
