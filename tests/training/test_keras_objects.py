"""``{ClassName: {arguments}}`` in a template becomes the Keras object, looked up by the key."""

from __future__ import annotations

import keras
import pytest

from tuner_cli.config import load_config_dict
from tuner_cli.errors import ConfigError
from tuner_cli.training.keras_objects import make_objects
from tuner_cli.training.keras_training import make_callbacks
from tuner_cli.training.template import build_model

TEMPLATE = {
    "name": "objects",
    "data": {"source": "sklearn", "name": "digits"},
    "search_space": {
        "l2": {"type": "float", "min": 1e-4, "max": 1e-2, "sampling": "log"},
        "lr": {"type": "choice", "values": [0.01, 0.001]},
        "patience": {"type": "choice", "values": [2, 3]},
    },
    "model": {
        "layers": [
            {
                "Dense": {
                    "units": 8,
                    "kernel_regularizer": {"L2": {"l2": "$l2"}},
                    "kernel_initializer": {"HeNormal": {"seed": 3}},
                    "kernel_constraint": {"MaxNorm": 2.5},
                    "bias_initializer": {"Constant": [0.1]},
                }
            },
            {"Dense": {"units": 10}},
        ],
        "optimizer": {
            "name": "adam",
            "learning_rate": {"CosineDecay": {"initial_learning_rate": "$lr", "decay_steps": 50}},
        },
        "loss": {"SparseCategoricalCrossentropy": {"from_logits": True}},
        "metrics": ["accuracy", {"SparseTopKCategoricalAccuracy": {"k": 2, "name": "top2"}}],
    },
    "training": {
        "callbacks": [
            {"ReduceLROnPlateau": {"monitor": "val_loss", "patience": "$patience"}},
            {"TerminateOnNaN": None},
        ]
    },
    "strategy": {"objective": "val_top2"},
}


def test_every_kind_of_object_is_made_from_its_namespace():
    study = load_config_dict(TEMPLATE)
    hp = {"l2": 0.005, "lr": 0.01, "patience": 3}
    model = build_model(study.config.model, hp, (64,))
    dense = model.layers[0]
    assert isinstance(dense.kernel_regularizer, keras.regularizers.L2)
    assert dense.kernel_regularizer.l2 == pytest.approx(0.005)
    assert isinstance(dense.kernel_initializer, keras.initializers.HeNormal)
    assert isinstance(dense.kernel_constraint, keras.constraints.MaxNorm)
    assert dense.kernel_constraint.max_value == 2.5
    assert float(dense.bias.numpy()[0]) == pytest.approx(0.1)
    schedule = model.optimizer.get_config()["learning_rate"]
    assert schedule["class_name"] == "CosineDecay"
    assert schedule["config"]["initial_learning_rate"] == 0.01
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    assert model.loss.get_config()["from_logits"] is True
    logs = model.evaluate(
        keras.ops.zeros((4, 64)), keras.ops.zeros((4,)), verbose=0, return_dict=True
    )
    assert set(logs) == {"loss", "accuracy", "top2"}


def test_objective_direction_follows_a_named_metrics_class():
    study = load_config_dict(TEMPLATE)
    assert study.objective.name == "val_top2"
    assert study.objective.direction == "max"  # top2 is a SparseTopKCategoricalAccuracy


def test_callbacks_are_made_afresh_for_every_trial():
    study = load_config_dict(TEMPLATE)
    first = make_callbacks(study, {"patience": 2})
    second = make_callbacks(study, {"patience": 3})
    assert [type(c).__name__ for c in first] == ["ReduceLROnPlateau", "TerminateOnNaN"]
    assert first[0] is not second[0]
    assert (first[0].patience, second[0].patience) == (2, 3)


def test_a_class_of_the_users_own_code(tmp_path):
    (tmp_path / "my_metrics.py").write_text(
        "import keras\n\n"
        "class Halved(keras.metrics.Mean):\n"
        "    def update_state(self, y_true, y_pred, sample_weight=None):\n"
        "        return super().update_state(y_pred * 0.5)\n"
    )
    made = make_objects(
        [{"my_metrics:Halved": {"name": "halved"}}], "metrics", ("model", "metrics"), tmp_path
    )
    assert type(made[0]).__name__ == "Halved" and made[0].name == "halved"


def test_arguments_may_hold_objects_themselves():
    made = make_objects(
        {"layer": {"LSTM": {"units": 4, "kernel_regularizer": {"L1": 0.1}}}},
        None,
        ("model", "layers", 0, "Bidirectional"),
        ".",
    )
    assert isinstance(made["layer"], keras.layers.LSTM)
    assert isinstance(made["layer"].kernel_regularizer, keras.regularizers.L1)


def test_an_unknown_class_names_its_place_and_the_close_ones():
    with pytest.raises(ConfigError) as caught:
        make_objects({"Adamax": {}}, "learning_rate", ("model", "optimizer", "learning_rate"), ".")
    assert caught.value.key_path == ("model", "optimizer", "learning_rate", "Adamax")
    assert "unknown Keras learning-rate schedule 'Adamax'" in caught.value.message


@pytest.mark.parametrize(
    ("section", "value", "message"),
    [
        ("metrics", ["accuracy", {"AUC": {}, "Precision": {}}], "a metric is {ClassName"),
        ("loss", {"mse": None}, "'mse' is not a class name"),
    ],
)
def test_malformed_objects_are_config_errors(section, value, message):
    config = {**TEMPLATE, "model": {**TEMPLATE["model"], section: value}}
    with pytest.raises(ConfigError) as caught:
        load_config_dict(config)
    assert message in str(caught.value)


def test_a_layer_of_the_users_own_code_in_the_template(tmp_path):
    """README: "module:Class" is a class of your own code anywhere in the template; a layer
    entry named so was refused as "unknown Keras layer 'my_layers:Scale'"."""
    (tmp_path / "my_layers.py").write_text(
        "import keras\n\n"
        "class Scale(keras.layers.Layer):\n"
        "    def __init__(self, factor=1.0, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.factor = factor\n\n"
        "    def call(self, x):\n"
        "        return x * self.factor\n"
    )
    config = {
        **TEMPLATE,
        "model": {
            **TEMPLATE["model"],
            "layers": [{"my_layers:Scale": {"factor": 0.5}}, {"Dense": {"units": 10}}],
        },
    }
    study = load_config_dict(config, base_dir=tmp_path)
    model = build_model(study.config.model, {"lr": 0.01}, (64,), tmp_path)
    assert type(model.layers[0]).__name__ == "Scale" and model.layers[0].factor == 0.5


def test_a_misspelt_argument_of_a_callback_that_drops_unknown_ones_is_an_error():
    """Keras' ReduceLROnPlateau takes ``**kwargs`` and ignores them: ``patiance: 2`` trained
    with the default patience of 10, and ``monitr`` watched val_loss, without a word."""
    path = ("training", "callbacks")
    with pytest.raises(ConfigError) as caught:
        make_objects(
            [{"ReduceLROnPlateau": {"monitor": "val_loss", "patiance": 2}}], "callbacks", path, "."
        )
    assert caught.value.key_path == (*path, 0, "ReduceLROnPlateau")
    assert "unknown argument 'patiance'; did you mean patience?" in caught.value.message
    made = make_objects(
        [{"ReduceLROnPlateau": {"monitor": "val_accuracy", "patience": 2, "factor": 0.5}}],
        "callbacks",
        path,
        ".",
    )
    assert made[0].patience == 2 and made[0].monitor == "val_accuracy"
