"""A CSV target of numbers that are not class indices (-1/1, as LIBSVM-style files write a
binary label) listed in ``data.categorical``: its values are class names, as a word
target's are, so a softmax can learn them; without that, the label check says how."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.training.test_label_checks import config
from tuner_cli import load_config_dict
from tuner_cli.errors import ConfigError


def write_signed(path, rows: int = 60, word: bool = False, seed: int = 0) -> np.ndarray:
    """Three feature columns (a word one with ``word``) and a -1/1 label; the labels."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    y = np.where(x[:, 0] + x[:, 1] > 0, 1, -1)
    lines = ["a,b,c,label"]
    for (a, b, c), label in zip(x, y, strict=True):
        third = ("high" if c > 0 else "low") if word else f"{c:.3f}"
        lines.append(f"{a:.3f},{b:.3f},{third},{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return y


def table_config(data: dict) -> dict:
    settings = config(data, units=2)
    settings["model"]["layers"] = settings["model"]["layers"][1:]  # rows, not images
    return settings


def load(tmp_path, **data):
    from tuner_cli.training.data import load_dataset

    data = {"source": "csv", "path": "t.csv", "target": "label", **data}
    return load_dataset(load_config_dict(table_config(data), tmp_path), seed=0)


@pytest.mark.parametrize("word", [False, True], ids=["one array", "encoded columns"])
def test_a_signed_label_listed_in_categorical_becomes_class_indices(tmp_path, word):
    labels = write_signed(tmp_path / "t.csv", word=word)
    write_signed(tmp_path / "v.csv", rows=20, word=word, seed=1)
    dataset = load(tmp_path, categorical=["label"], validation={"path": "v.csv"})
    assert dataset.class_names == ("-1", "1")
    assert (dataset.encoding is None) is not word  # the target alone keeps one array
    assert sorted(set(dataset.y_train.tolist())) == [0, 1]
    assert np.array_equal(dataset.y_train, (labels == 1).astype("int64"))
    assert set(dataset.y_val.tolist()) == {0, 1}


def test_classes_are_in_the_order_of_the_values_each_named_by_its_value(tmp_path):
    (tmp_path / "t.csv").write_text(
        "a,label\n" + "".join(f"{i},{v}\n" for i, v in enumerate(["10", "-2", "2", "10", "2"])),
        encoding="utf-8",
    )
    (tmp_path / "v.csv").write_text("a,label\n0,2.0\n1,-2\n2,1e1\n", encoding="utf-8")
    dataset = load(tmp_path, categorical=["label"], validation={"path": "v.csv"})
    assert dataset.class_names == ("-2", "2", "10")  # numbers' order, not the strings' (10 < 2)
    assert dataset.y_val.tolist() == [1, 0, 2]  # 2.0 is the training file's 2, 1e1 its 10


def test_a_validation_label_the_training_file_lacks_is_named(tmp_path):
    write_signed(tmp_path / "t.csv")
    (tmp_path / "v.csv").write_text("a,b,c,label\n0.1,0.2,0.3,0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="target values the training file does not have: '0'"):
        load(tmp_path, categorical=["label"], validation={"path": "v.csv"})


def test_the_target_in_numeric_is_still_refused(tmp_path):
    write_signed(tmp_path / "t.csv", word=True)
    with pytest.raises(ConfigError, match="'label' is the target column"):
        load(tmp_path, numeric=["label"])


def test_the_label_check_says_how_to_read_a_signed_label_as_classes(tmp_path):
    from tuner_cli.training.preflight import preflight

    write_signed(tmp_path / "t.csv")
    data = {"source": "csv", "path": "t.csv", "target": "label"}
    with pytest.raises(ConfigError) as error:
        preflight(load_config_dict(table_config(data), tmp_path), seed=0)
    assert "labels from -1 to 1" in error.value.message
    assert "add 'categorical: [label]' to data" in error.value.message


@pytest.mark.slow
def test_a_signed_label_searches_and_records_its_class_names(tmp_path, kt_run):
    write_signed(tmp_path / "t.csv", rows=80)
    made = kt_run("init", "t.csv", "-o", str(tmp_path / "t.yaml"), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "2 classes (the labels -1 and 1, read as classes 0 and 1" in made.stdout
    text = (tmp_path / "t.yaml").read_text(encoding="utf-8")
    text = text.replace("epochs: 20", "epochs: 1").replace("max_trials: 20", "max_trials: 1")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    searched = kt_run("search", "t.yaml", "--workers", "0", cwd=tmp_path)
    assert searched.returncode == 0, searched.stderr
    study = json.loads((tmp_path / "results" / "t" / "study.json").read_text(encoding="utf-8"))
    assert study["class_names"] == ["-1", "1"]
