"""Before a search, the labels must be class indices the model's output has: a trial only
finds out mid-epoch ("Received a label value of 3 which is outside the valid range of
[0, 3)"), and the few rows evaluated before a search may all be in range."""

from __future__ import annotations

import numpy as np
import pytest

from tuner_cli import load_config_dict
from tuner_cli.errors import ConfigError


def config(data: dict, units: int = 3, loss: object = "sparse_categorical_crossentropy") -> dict:
    return {
        "name": "labels",
        "seed": 1,
        "data": data,
        "search_space": {"units": {"type": "fixed", "value": 4}},
        "model": {
            "layers": [
                {"Flatten": {}},
                {"Dense": {"units": "$units", "activation": "relu"}},
                {"Dense": {"units": units, "activation": "softmax"}},
            ],
            "optimizer": "adam",
            "loss": loss,
            "metrics": ["accuracy"],
        },
        "training": {"epochs": 1, "batch_size": 8},
        "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
    }


def check(tmp_path, y: np.ndarray, **options) -> None:
    from tuner_cli.training.preflight import preflight

    rng = np.random.default_rng(0)
    name = f"d{len(list(tmp_path.glob('*.npz')))}.npz"  # datasets are cached by path
    np.savez(tmp_path / name, x=rng.random((len(y), 4, 4)).astype("float32"), y=y)
    data = {"source": "npz", "path": name, "x_key": "x", "y_key": "y"}
    preflight(load_config_dict(config(data, **options), tmp_path), seed=0)


LABELS = np.array([0, 1, 2] * 20)


@pytest.mark.parametrize(
    "y, message",
    [
        (LABELS + 1, "labels from 1 to 3, but the model's output has 3 units"),
        (np.where(LABELS == 0, -1, LABELS), "labels from -1 to 2"),
        (LABELS + 0.5, "labels must be whole numbers"),
        (np.eye(3)[LABELS], "one-hot"),
    ],
)
def test_labels_the_output_has_no_unit_for_are_a_config_error(tmp_path, y, message):
    with pytest.raises(ConfigError) as error:
        check(tmp_path, y)
    assert message in error.value.message and error.value.key_path == ("model",)


def test_labels_in_range_pass_as_floats_or_a_column(tmp_path):
    check(tmp_path, LABELS.astype("float64"))
    check(tmp_path, LABELS[:, None])
    check(tmp_path, np.eye(3)[LABELS], loss="categorical_crossentropy")
    check(tmp_path, LABELS + 1, units=4)


def test_class_folders_need_a_unit_per_class(tmp_path):
    from PIL import Image

    from tuner_cli.training.preflight import preflight

    for name in ("a", "b", "c"):
        (tmp_path / "img" / name).mkdir(parents=True)
        for i in range(4):
            Image.new("L", (4, 4), i * 20).save(tmp_path / "img" / name / f"{i}.png")
    data = {"source": "images", "path": "img", "color_mode": "grayscale"}
    with pytest.raises(ConfigError) as error:
        preflight(load_config_dict(config(data, units=2), tmp_path), seed=0)
    assert "3 classes (a, b, c), but the model's output has 2 units" in error.value.message


def test_a_label_per_time_step_is_no_one_hot(tmp_path):
    from tuner_cli.training.preflight import preflight

    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "seq.npz",
        x=rng.random((30, 5, 2)).astype("float32"),
        y=np.arange(150).reshape(30, 5) % 3,
    )
    data = {"source": "npz", "path": "seq.npz", "x_key": "x", "y_key": "y"}
    study = config(data)
    study["model"]["layers"] = [{"Dense": {"units": 3, "activation": "softmax"}}]
    preflight(load_config_dict(study, tmp_path), seed=0)
