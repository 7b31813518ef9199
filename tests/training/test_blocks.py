"""Residual blocks, parallel branches and application backbones in the layers template."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tuner_cli.config import load_config_dict
from tuner_cli.errors import ConfigError
from tuner_cli.training.template import build_model


def template(layers):
    config = {
        "name": "blocks",
        "data": {"source": "sklearn", "name": "digits"},
        "search_space": {"width": {"type": "choice", "values": [4, 6]}},
        "model": {"layers": layers, "loss": "mse"},
        "strategy": {"objective": "val_loss"},
    }
    return load_config_dict(config).config.model


RESIDUAL_AND_BRANCHES = [
    {"Dense": {"units": "$width"}},
    {
        "repeat": 2,
        "layers": [
            {
                "residual": [
                    {"Dense": {"units": "$width", "activation": "relu"}},
                    {"Dense": {"units": "$width"}},
                ]
            }
        ],
    },
    {"branches": [[{"Dense": {"units": 3}}], [], [{"Dense": {"units": 2}}]]},
    {"Dense": {"units": 1}},
]


def test_residual_blocks_add_their_input_and_branches_concatenate():
    model = build_model(template(RESIDUAL_AND_BRANCHES), {"width": 6}, (5,))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Add") == 2
    assert kinds.count("Concatenate") == 1
    concatenate = next(layer for layer in model.layers if type(layer).__name__ == "Concatenate")
    assert concatenate.output.shape[-1] == 3 + 6 + 2  # the empty branch passes its input on
    x = np.ones((2, 5), dtype="float32")
    residual = model.layers[2:5]  # Dense, Dense, Add: the first block
    assert [type(layer).__name__ for layer in residual] == ["Dense", "Dense", "Add"]
    stacked = keras.Model(model.inputs, residual[2].output)
    shortcut = keras.Model(model.inputs, model.layers[1].output)
    inner = keras.Model(model.inputs, residual[1].output)
    np.testing.assert_allclose(
        stacked.predict(x, verbose=0),
        shortcut.predict(x, verbose=0) + inner.predict(x, verbose=0),
        rtol=1e-5,
    )


def test_a_plain_stack_stays_sequential():
    model = build_model(template([{"Dense": {"units": 2}}]), {"width": 4}, (5,))
    assert isinstance(model, keras.Sequential)


def test_a_residual_block_that_changes_the_width_needs_a_projection():
    layers = [{"residual": [{"Dense": {"units": 7}}]}]
    with pytest.raises(ConfigError, match="project: true") as caught:
        build_model(template(layers), {"width": 4}, (5,))
    assert caught.value.key_path == ("model", "layers", 0, "residual")
    projected = build_model(template([{**layers[0], "project": True}]), {"width": 4}, (5,))
    assert projected.output.shape[-1] == 7


def test_branches_that_cannot_be_added_name_their_shapes():
    layers = [{"branches": [[{"Dense": {"units": 3}}], [{"Dense": {"units": 2}}]], "merge": "add"}]
    with pytest.raises(ConfigError, match=r"outputs \(3,\), \(2,\) cannot be merged by add"):
        build_model(template(layers), {"width": 4}, (5,))


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([{"residual": []}], "a residual block is {residual: [layers...]"),
        ([{"branches": [[{"Dense": {"units": 2}}]]}], "branches are at least two lists"),
        ([{"branches": [[], {"Dense": {}}]}], "each branch is a list of layers"),
        ([{"branches": [[], []], "merge": "sum"}], "unknown merge 'sum'"),
        ([{"residual": [{"Dense": {"units": 2}}], "skip": 1}], "unexpected skip"),
        ([{"application": {"weights": None}}], "an application needs a name"),
        ([{"application": {"name": "ResNet50", "weights": 3}}], "weights is null (random)"),
    ],
)
def test_malformed_blocks_are_config_errors(layers, message):
    with pytest.raises(ConfigError) as caught:
        template(layers)
    assert message in str(caught.value)


BACKBONE = {"name": "MobileNetV2", "alpha": 0.35, "trainable": False}


@pytest.mark.slow
def test_an_application_backbone_from_random_weights_or_a_file(tmp_path):
    layers = [
        {"application": {**BACKBONE, "weights": None}},
        {"GlobalAveragePooling2D": None},
        {"Dense": {"units": 2}},
    ]
    model = build_model(template(layers), {"width": 4}, (32, 32, 3))
    backbone = model.layers[1]
    assert backbone.name.startswith("mobilenetv2") and backbone.trainable is False
    assert len(model.trainable_weights) == 2  # only the head trains
    weights = tmp_path / "backbone.weights.h5"
    backbone.save_weights(weights)
    layers[0] = {"application": {**BACKBONE, "weights": "backbone.weights.h5"}}
    again = build_model(template(layers), {"width": 4}, (32, 32, 3), tmp_path)
    for saved, loaded in zip(backbone.get_weights(), again.layers[1].get_weights(), strict=True):
        np.testing.assert_array_equal(saved, loaded)
    layers[0] = {"application": {**BACKBONE, "weights": "missing.weights.h5"}}
    with pytest.raises(ConfigError, match="no weights file"):
        build_model(template(layers), {"width": 4}, (32, 32, 3), tmp_path)


@pytest.mark.slow
def test_imagenet_weights_offline_are_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty cache: the file must be fetched
    layers = [{"application": {**BACKBONE, "weights": "imagenet"}}, {"Flatten": None}]
    try:
        build_model(template(layers), {"width": 4}, (32, 32, 3))
    except ConfigError as exc:
        assert exc.key_path == ("model", "layers", 0, "application", "weights")
        assert "not in Keras' cache" in exc.message and "weights: null" in exc.message
    else:
        pytest.skip("this machine can download from the internet")


@pytest.mark.parametrize("residual", [False, True])
def test_a_layer_that_cannot_take_its_input_names_its_place_in_one_line(residual):
    """Too many poolings for the image size: Keras' error named neither the template entry
    nor anything past 'Exception encountered when calling MaxPooling2D.call().' on its first
    line, and came with ANSI bold codes and an 'Arguments received' listing."""
    pooling = {"repeat": 3, "layers": [{"MaxPooling2D": {"pool_size": 2}}]}
    layers = [{"residual": [{"Dense": {"units": 1}}]}, pooling] if residual else [pooling]
    with pytest.raises(ConfigError) as caught:
        build_model(template([*layers, {"Flatten": {}}, {"Dense": {"units": 1}}]), {}, (4, 4, 1))
    where = 1 if residual else 0
    assert caught.value.key_path == ("model", "layers", where, "layers", 0, "MaxPooling2D")
    message = caught.value.message
    assert "Computed output size would be zero or negative" in message
    assert "(1, 1, 1)" in message  # the input it could not take
    assert "\n" not in message and "\x1b" not in message and "Arguments received" not in message


def test_a_trial_whose_values_break_the_template_fails_alone(tmp_path):
    """Defaults build, so the pre-search check passes; a trial whose values make a residual
    block change its width raised ConfigError out of the trial, which ended the whole search
    (exit 2, without the file and line) instead of failing that trial."""
    from tuner_cli.config import load_config
    from tuner_cli.training.execution import execute_trial
    from tuner_cli.trial import TrialStatus, TrialTask

    (tmp_path / "study.yaml").write_text(
        "name: blocks\n"
        "data: {source: sklearn, name: digits}\n"
        "search_space:\n"
        "  width: {type: choice, values: [4, 6], default: 4}\n"
        "model:\n"
        "  layers:\n"
        "    - Dense: {units: 4}\n"
        "    - residual:\n"
        "        - Dense: {units: $width}\n"
        "    - Dense: {units: 10, activation: softmax}\n"
        "  loss: sparse_categorical_crossentropy\n"
        "training: {epochs: 1}\n"
        "strategy: {objective: val_loss}\n",
        encoding="utf-8",
    )
    study = load_config(tmp_path / "study.yaml")
    outcome = execute_trial(study, TrialTask(1, {"width": 6}))
    assert outcome.status is TrialStatus.FAILED
    message = outcome.error["message"]
    assert "model.layers[1].residual: a residual block adds its input (4,)" in message
    assert message.endswith("study.yaml:8)") and "\n" not in message


def test_a_failed_trial_keeps_keras_reason_on_one_line():
    from tuner_cli.training.execution import _failed

    error = ValueError(
        "Exception encountered when calling MaxPooling2D.call().\n\n"
        "\x1b[1mComputed output size would be zero or negative.\x1b[0m\n\n"
        "Arguments received by MaxPooling2D.call():\n  \u2022 args=('<KerasTensor>',)"
    )
    assert _failed(error).error["message"] == (
        "ValueError: Computed output size would be zero or negative."
    )
