"""``data.scale`` travels with the model: the kept and exported models take raw inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tuner_cli import load_config_dict, run_search

DIGITS = {
    "name": "raw-digits",
    "seed": 4,
    "data": {"source": "sklearn", "name": "digits", "validation_split": 0.2, "scale": "standard"},
    "search_space": {"units": {"type": "fixed", "value": 32}},
    "model": {
        "layers": [
            {"Dense": {"units": "$units", "activation": "relu"}},
            {"Dense": {"units": 10, "activation": "softmax"}},
        ],
        "optimizer": {"name": "adam", "learning_rate": 0.01},
        "loss": "sparse_categorical_crossentropy",
        "metrics": ["accuracy"],
    },
    "training": {"epochs": 3, "batch_size": 64},
    "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
}


def _raw_validation_split(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The validation rows exactly as sklearn gives them, split as kt-run splits them."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(x))
    val = order[: int(round(len(x) * 0.2))]
    return x[val].astype("float32"), y[val]


@pytest.mark.slow
@pytest.mark.parametrize("retrain", [False, True])
def test_the_exported_model_scores_raw_inputs_as_the_search_recorded(tmp_path, retrain):
    import keras

    from tuner_cli.cli.app import app

    result = run_search(load_config_dict(DIGITS, tmp_path), tmp_path / "results", workers=0)
    record = result.best
    study_dir = tmp_path / "results" / "raw-digits"
    seed = json.loads((study_dir / "study.json").read_text())["seed"]
    output = tmp_path / "best.keras"
    args = ["export", str(study_dir), "--output", str(output)] + (["--retrain"] if retrain else [])
    exported = CliRunner().invoke(app, args)
    assert exported.exit_code == 0, exported.output

    model = keras.models.load_model(output)
    x_val, y_val = _raw_validation_split(seed)
    assert np.abs(x_val).max() > 10, "these must be the unscaled pixel values (0-16)"
    accuracy = float(np.mean(model.predict(x_val, verbose=0).argmax(axis=1) == y_val))
    if retrain:  # trained on the validation rows too: at least as good as the search's score
        assert accuracy >= record.score - 0.02
    else:
        assert accuracy == pytest.approx(record.score, abs=1e-6)
    scores = model.evaluate(x_val, y_val, verbose=0, return_dict=True)
    assert scores["accuracy"] == pytest.approx(accuracy, abs=1e-6)


@pytest.mark.parametrize("functional", [False, True])
def test_the_composed_model_predicts_from_raw_what_the_network_predicts_from_scaled(functional):
    import keras

    from tuner_cli.training.preprocessing import Scaling, with_preprocessing

    raw = np.random.default_rng(0).uniform(0, 16, size=(20, 3, 2)).astype("float32")
    scaling = Scaling.fit(raw, "standard")
    inputs = keras.Input(shape=(3, 2))
    layers = [keras.layers.Flatten(), keras.layers.Dense(2)]
    if functional:
        network = keras.Model(inputs, layers[1](layers[0](inputs)))
    else:
        network = keras.Sequential([inputs, *layers])
    network.compile(optimizer="adam", loss="mse")
    model = with_preprocessing(network, [scaling.layer(2)], (3, 2), "float32")
    expected = network.predict(scaling.apply(raw, "x"), verbose=0)
    assert np.allclose(model.predict(raw, verbose=0), expected, atol=1e-5)
    assert model.compiled
