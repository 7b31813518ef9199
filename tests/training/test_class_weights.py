"""``training.class_weight``: balanced or per class, by index or by name, for every source."""

from __future__ import annotations

import numpy as np
import pytest

from tuner_cli import load_config_dict, run_search
from tuner_cli.config import load_config
from tuner_cli.errors import ConfigError
from tuner_cli.training.class_weights import class_weights


def test_balanced_weights_give_every_class_the_same_total():
    labels = np.array([0] * 8 + [1] * 2 + [2] * 10)
    weights = class_weights("balanced", labels, None)
    totals = [weights[c] * np.sum(labels == c) for c in range(3)]
    assert totals == pytest.approx([20 / 3] * 3)


def test_weights_by_name_or_index_and_unlisted_classes_weigh_one():
    labels = np.array([0, 1, 2, 2])
    names = ("cat", "dog", "fox")
    assert class_weights({"dog": 3.0, 2: 0.5}, labels, names) == {0: 1.0, 1: 3.0, 2: 0.5}
    with pytest.raises(ConfigError, match="no class 'wolf'; the classes are cat, dog, fox"):
        class_weights({"wolf": 2.0}, labels, names)
    with pytest.raises(ConfigError, match="whole-number class label"):
        class_weights("balanced", np.array([0.5, 1.5]), None)


def test_a_yes_no_class_left_unquoted_in_yaml_is_named_as_such(tmp_path):
    """``class_weight: {yes: 3}`` for a yes/no target: YAML hands over ``True``, and the error
    says why the class ``yes`` was not found."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "name: churn\n"
        "data: {source: sklearn, name: iris}\n"
        "search_space: {units: {type: fixed, value: 8}}\n"
        "model:\n"
        "  layers: [{Dense: {units: $units}}, {Dense: {units: 2, activation: softmax}}]\n"
        "  loss: sparse_categorical_crossentropy\n"
        "training: {class_weight: {yes: 3}}\n"
        "strategy: {objective: val_loss}\n"
    )
    spec = load_config(config).config.training.class_weight
    with pytest.raises(ConfigError, match="unquoted yes, no, on or off .* quote the class"):
        class_weights(spec, np.array([0, 1, 1]), ("no", "yes"))
    assert class_weights({"yes": 3.0}, np.array([0, 1, 1]), ("no", "yes")) == {0: 1.0, 1: 3.0}


def iris(class_weight) -> dict:
    return {
        "name": "weighted",
        "seed": 0,
        "data": {"source": "sklearn", "name": "iris", "scale": "standard"},
        "search_space": {"units": {"type": "fixed", "value": 8}},
        "model": {
            "layers": [
                {"Dense": {"units": "$units", "activation": "relu"}},
                {"Dense": {"units": 3, "activation": "softmax"}},
            ],
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        },
        "training": {"epochs": 1, "batch_size": 200, "class_weight": class_weight},
        "strategy": {"name": "random", "objective": "val_loss", "max_trials": 1},
    }


@pytest.mark.slow
def test_the_weights_reach_the_training_loss(tmp_path):
    """One full batch, the same seed: weighing every class 10 makes the first training loss
    ten times the unweighted one; validation loss is not weighted."""
    plain = run_search(load_config_dict(iris(None), tmp_path), tmp_path / "a", workers=0)
    heavy = {"0": 10.0, "1": 10.0, "2": 10.0}
    weighted = run_search(load_config_dict(iris(heavy), tmp_path), tmp_path / "b", workers=0)
    first, second = plain.best.history[0], weighted.best.history[0]
    assert second["loss"] == pytest.approx(10 * first["loss"], rel=1e-4)
    assert second["val_loss"] == pytest.approx(first["val_loss"], rel=1e-4)
