"""``data.cross_validation`` on a CSV read as a table (categories, gaps): every row of the
file is split into folds, and each fold's encoding is fitted on its training rows alone."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tuner_cli import load_config_dict, run_search

ROWS = 45
"""15 'yes' and 30 'no': three stratified folds hold out 5 and 10 of them each."""
RARE_ROW = 7
"""The one row whose colour is 'violet'."""


def write_table(path) -> None:
    """A label that the size tells (with a category beside it), gaps in both columns."""
    rng = np.random.default_rng(0)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["size", "colour", "label"])
        for i in range(ROWS):
            yes = i % 3 == 0
            size = f"{rng.normal(2.0 if yes else -1.0, 0.4):.3f}" if i % 10 != 4 else ""
            colour = "violet" if i == RARE_ROW else str(rng.choice(["red", "green", "blue", ""]))
            writer.writerow([size, colour, "yes" if yes else "no"])


def raw_rows(path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The file as a user hands it to the exported model, and its labels (no 0, yes 1)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = {
        "size": np.array([float(r["size"]) if r["size"] else np.nan for r in rows], "float32"),
        "colour": np.array([r["colour"] for r in rows], dtype=object),
    }
    return columns, np.array([r["label"] == "yes" for r in rows], dtype="int64")


def config(cross_validation: dict) -> dict:
    return {
        "name": "folded-table",
        "seed": 3,
        "data": {
            "source": "csv",
            "path": "t.csv",
            "target": "label",
            "cross_validation": cross_validation,
        },
        "search_space": {"units": {"type": "fixed", "value": 8}},
        "model": {
            "layers": [
                {"Dense": {"units": "$units", "activation": "relu"}},
                {"Dense": {"units": 2, "activation": "softmax"}},
            ],
            "optimizer": {"name": "adam", "learning_rate": 0.05},
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        },
        "training": {"epochs": 2, "batch_size": 8},
        "strategy": {"name": "random", "objective": "val_loss", "max_trials": 1},
    }


def folds(tmp_path, cross_validation: dict) -> list:
    from tuner_cli.training.data import load_dataset

    write_table(tmp_path / "t.csv")
    study = load_config_dict(config(cross_validation), tmp_path)
    count = cross_validation["folds"]
    return [load_dataset(study, seed=3, fold=fold) for fold in range(count)]


def test_each_fold_is_encoded_as_its_training_rows_alone_would_be(tmp_path):
    """A category seen only in a fold's held-out rows is, for that fold, a value training
    never saw, and the gap-filling mean is each fold's own: nothing of the rows a fold is
    scored on reaches its encoding."""
    datasets = folds(tmp_path, {"folds": 3})
    held_out = np.concatenate([data.x_val["colour"] for data in datasets])
    assert sorted(held_out.tolist()) == sorted(raw_rows(tmp_path / "t.csv")[0]["colour"].tolist())
    assert [data.rows for data in datasets] == [(30, 15)] * 3
    blind = [data for data in datasets if "violet" in data.x_val["colour"]]
    assert len(blind) == 1, "the rare row is held out once"
    for data in datasets:
        seen = "violet" in data.encoding.categorical["colour"]
        assert seen == (data is not blind[0])
        mean, _ = data.encoding.numeric["size"]
        assert mean == pytest.approx(float(np.nanmean(data.x_train["size"])), rel=1e-5)
    (data,) = blind
    row = int(np.flatnonzero(data.x_val["colour"] == "violet")[0])
    one = {name: values[row : row + 1] for name, values in data.x_val.items()}
    unseen = {**one, "colour": np.array(["never seen"], dtype=object)}
    assert np.array_equal(data.val_inputs[row : row + 1], data.encoding.encode(unseen))
    assert len({data.encoding.numeric["size"][0] for data in datasets}) == 3


def test_stratified_folds_keep_each_word_class_share(tmp_path):
    datasets = folds(tmp_path, {"folds": 3})
    assert all(data.class_names == ("no", "yes") for data in datasets)
    assert [np.bincount(data.y_val).tolist() for data in datasets] == [[10, 5]] * 3
    unstratified = folds(tmp_path, {"folds": 3, "stratified": False})
    assert [np.bincount(d.y_val).tolist() for d in unstratified] != [[10, 5]] * 3


def test_a_word_class_rarer_than_the_folds_is_a_config_error(tmp_path):
    from tuner_cli.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        folds(tmp_path, {"folds": 16})
    assert error.value.message == (
        "class 'yes' has 15 rows, fewer than the 16 folds; use fewer folds or stratified: false"
    )
    assert error.value.key_path == ("data", "cross_validation", "folds")


def test_the_classes_too_rare_for_stratified_folds_are_named(tmp_path):
    """It said 'a class has 1 rows', naming neither the class nor the others as rare: the
    user had to count the labels of the file to find them."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    labels = ["common"] * 20 + ["odd"] + ["few"] * 2
    rows = ["x,label", *(f"{i},{label}" for i, label in enumerate(labels))]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    study = load_config_dict(config({"folds": 3}), tmp_path)
    with pytest.raises(ConfigError) as error:
        load_dataset(study, seed=3, fold=0)
    assert error.value.message == (
        "classes 'odd' (1 row) and 'few' (2 rows) have fewer rows than the 3 folds; use fewer "
        "folds or stratified: false"
    )


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """One search of the table under three folds, shared by the tests that read its results."""
    folder = tmp_path_factory.mktemp("folded")
    write_table(folder / "t.csv")
    study = load_config_dict(config({"folds": 3}), folder)
    result = run_search(study, folder / "out", workers=0)
    return folder, study, result


@pytest.mark.slow
def test_a_table_search_trains_once_per_fold_and_keeps_the_best_folds_model(searched):
    import keras

    from tuner_cli.cli.app import app
    from tuner_cli.training.data import load_dataset

    folder, study, result = searched
    study_dir = folder / "out" / "folded-table"
    record = json.loads((study_dir / "trials" / "trial_0001.json").read_text())
    scores = [fold["score"] for fold in record["folds"]]
    assert len(scores) == 3 and all(score > 0 for score in scores)
    assert record["score"] == pytest.approx(np.mean(scores))
    assert result.best.score == pytest.approx(record["score"])
    output = folder / "kept.keras"
    exported = CliRunner().invoke(app, ["export", str(study_dir), "--output", str(output)])
    assert exported.exit_code == 0, exported.output
    best = int(np.argmin(scores))  # val_loss: a number no other fold ties
    held_out = load_dataset(study, seed=3, fold=best)
    model = keras.models.load_model(output)
    chances = model.predict(held_out.x_val, verbose=0)[np.arange(15), held_out.y_val]
    assert float(-np.mean(np.log(chances))) == pytest.approx(scores[best], rel=1e-4)


@pytest.mark.slow
def test_retrain_of_a_folded_table_study_trains_on_every_row_and_takes_raw_rows(searched):
    import keras

    from tuner_cli.cli.app import app

    folder, _, _ = searched
    output = folder / "all.keras"
    args = ["export", str(folder / "out" / "folded-table"), "--retrain", "--output", str(output)]
    exported = CliRunner().invoke(app, args)
    assert exported.exit_code == 0, exported.output
    assert f"on {ROWS} rows" in exported.output
    columns, labels = raw_rows(folder / "t.csv")
    model = keras.models.load_model(output)
    predicted = model.predict(columns, verbose=0).argmax(axis=1)
    assert float(np.mean(predicted == labels)) > 0.8


def test_a_column_that_one_folds_training_rows_lack_is_refused_before_the_search(tmp_path):
    """A number column with a single value has no value left in the training rows of the
    fold that holds that row out; the check before the search loads every fold, so it says
    which fold rather than stopping the search when that fold trains."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.preflight import preflight
    from tuner_cli.training.tables import fold_rows

    write_table(tmp_path / "t.csv")
    study = load_config_dict(config({"folds": 3}), tmp_path)
    _, labels = raw_rows(tmp_path / "t.csv")
    _, last_held_out = fold_rows(labels, study.config.data.cross_validation, 3, 2)
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    for i, row in enumerate(rows):
        row.append("note" if i == 0 else "1.5" if i - 1 == last_held_out[0] else "")
    with open(tmp_path / "t.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(
        ConfigError, match=r"'note' has no value in the training rows of fold 3 \(of 3\)"
    ):
        preflight(study, seed=3)


def test_a_whole_number_regression_target_too_rare_to_stratify_names_three_values(tmp_path):
    """Each price is a class of its own to StratifiedKFold: the error lists three, not 20."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    rows = ["x,price", *(f"{i},{100 + i}" for i in range(20))]  # a regression: one row each
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    settings = config({"folds": 3})
    settings["data"]["target"] = "price"
    study = load_config_dict(settings, tmp_path)
    with pytest.raises(ConfigError) as error:
        load_dataset(study, seed=3, fold=0)
    assert error.value.message.startswith(
        "classes 100 (1 row), 101 (1 row), 102 (1 row) and 17 more have fewer rows than the 3"
    )
