"""``data.text: [column]``: a CSV's free-text column read as strings, as a text folder's files
are, so a ``TextVectorization`` at the head of the template learns it and the exported model
takes raw strings."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.training.test_image_folders import make_data
from tuner_cli import load_config_dict, run_search


def config(data: dict, layers: list | None = None) -> dict:
    return {
        "name": "topics-table",
        "seed": 5,
        "data": data,
        "search_space": {"max_tokens": {"type": "choice", "values": [50, 200]}},
        "model": {
            "layers": layers
            or [
                {"TextVectorization": {"max_tokens": "$max_tokens", "output_sequence_length": 20}},
                {"Embedding": {"input_dim": "$max_tokens", "output_dim": 8}},
                {"GlobalAveragePooling1D": {}},
                {"Dense": {"units": 3, "activation": "softmax"}},
            ],
            "optimizer": {"name": "adam", "learning_rate": 0.02},
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        },
        "training": {"epochs": 6, "batch_size": 32},
        "strategy": {"name": "grid", "objective": "val_accuracy"},
    }


def read_rows(path) -> tuple[np.ndarray, list[str]]:
    """The texts as a user hands them to the exported model, and their topics."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return np.array([row["text"] for row in rows], dtype=object), [row["topic"] for row in rows]


def test_a_text_column_is_strings_and_the_vocabulary_comes_from_the_training_rows(tmp_path):
    from tuner_cli.training.data import load_dataset
    from tuner_cli.training.keras_training import Trainable

    make_data().topic_table(tmp_path / "train.csv", per_class=20)
    val = make_data().topic_table(tmp_path / "val.csv", per_class=5, seed=1)
    with open(val, "a", encoding="utf-8") as handle:
        handle.write("zebraword zebraword,sport\n,cooking\n")
    data = {
        "source": "csv",
        "path": "train.csv",
        "target": "topic",
        "text": ["text"],
        "validation": {"path": "val.csv"},
    }
    study = load_config_dict(config(data), tmp_path)
    dataset = load_dataset(study, seed=0)
    assert dataset.class_names == ("cooking", "sport", "weather") and dataset.rows == (60, 17)
    assert dataset.x_train.dtype == object and dataset.x_train.shape == (60,)
    assert dataset.input_shape == () and dataset.input_dtype == "string"
    assert dataset.x_val[-1] == "", "an empty cell is the empty string"
    built = Trainable.build(study, {"max_tokens": 200}, dataset)
    (vectorizer,) = built.front_layers
    vocabulary = vectorizer.get_vocabulary()
    assert "striker" in vocabulary and "zebraword" not in vocabulary
    x, _ = dataset.evaluation_rows(4, built.front)
    assert tuple(x.shape) == (4, 20) and "int" in str(x.dtype)


def test_a_text_column_is_split_and_folded_like_array_data(tmp_path):
    from tuner_cli.training.data import load_dataset

    make_data().topic_table(tmp_path / "t.csv", per_class=10)
    data = {"source": "csv", "path": "t.csv", "target": "topic", "text": ["text"]}
    dataset = load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert dataset.rows == (24, 6)
    folded = {**data, "cross_validation": {"folds": 3}}
    study = load_config_dict(config(folded), tmp_path)
    held_out = [load_dataset(study, seed=0, fold=fold).x_val for fold in range(3)]
    assert [len(x) for x in held_out] == [10, 10, 10]
    assert sorted(np.concatenate(held_out).tolist()) == sorted(read_rows(tmp_path / "t.csv")[0])


@pytest.mark.parametrize(
    "data, key, message",
    [
        ({"source": "npz", "target": None}, "data.text", "'text' is for source 'csv'"),
        ({"text": []}, "data.text", "'text' is empty"),
        ({"text": ["text", "topic"]}, "data.text", "'topic' is the target column"),
        ({"text": ["text", "text"]}, "data.text", "a column is listed twice"),
        ({"target": "text"}, "data.text", "'text' is the target column"),
        ({"categorical": ["text"]}, "data.text", "'text' is in both 'text' and 'categorical'"),
        ({"scale": "standard"}, "data.scale", "text is not scaled"),
        ({"max_tokens": 50}, "data.max_tokens", "'max_tokens' is for text read beside other"),
    ],
)
def test_a_text_column_the_config_cannot_train_is_a_config_error(tmp_path, data, key, message):
    from tuner_cli.errors import ConfigError

    base = {"source": "csv", "path": "t.csv", "target": "topic", "text": ["text"], **data}
    with pytest.raises(ConfigError, match=message) as caught:
        load_config_dict(config(base), tmp_path)
    assert str(caught.value).startswith(f"{key}: "), str(caught.value)


def test_a_text_column_the_file_lacks_is_named(tmp_path):
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    make_data().topic_table(tmp_path / "t.csv", per_class=5)
    (tmp_path / "v.csv").write_text("body,topic\nrain,weather\n")
    data = {"source": "csv", "path": "t.csv", "target": "topic", "text": ["review"]}
    with pytest.raises(ConfigError, match="t.csv has no column 'review'") as caught:
        load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert caught.value.key_path == ("data", "text")
    data = {**data, "text": ["text"], "validation": {"path": "v.csv"}}
    with pytest.raises(ConfigError, match="v.csv has no column 'text'") as caught:
        load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert caught.value.key_path == ("data", "validation", "path")


def test_a_template_that_does_not_start_by_turning_text_into_numbers_is_refused(tmp_path):
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset
    from tuner_cli.training.keras_training import Trainable

    make_data().topic_table(tmp_path / "t.csv", per_class=5)
    data = {"source": "csv", "path": "t.csv", "target": "topic", "text": ["text"]}
    dense = [{"Dense": {"units": 3, "activation": "softmax"}}]
    study = load_config_dict(config(data, layers=dense), tmp_path)
    with pytest.raises(ConfigError, match="starts with TextVectorization") as caught:
        Trainable.build(study, {"max_tokens": 50}, load_dataset(study, seed=0))
    assert caught.value.key_path == ("model", "layers", 0)


@pytest.mark.slow
def test_the_exported_model_scores_raw_strings_as_the_search_recorded(tmp_path):
    import keras

    from tuner_cli.cli.app import app

    make_data().topic_table(tmp_path / "train.csv", per_class=60)
    make_data().topic_table(tmp_path / "val.csv", per_class=20, seed=1)
    data = {
        "source": "csv",
        "path": str(tmp_path / "train.csv"),
        "target": "topic",
        "text": ["text"],
        "validation": {"path": str(tmp_path / "val.csv")},
    }
    result = run_search(load_config_dict(config(data), tmp_path), tmp_path / "out", workers=0)
    assert [t.status.value for t in result.trials] == ["completed", "completed"]
    study_dir = tmp_path / "out" / "topics-table"
    names = json.loads((study_dir / "study.json").read_text())["class_names"]
    assert names == ["cooking", "sport", "weather"]
    texts, topics = read_rows(tmp_path / "val.csv")
    y_val = np.array([names.index(t) for t in topics])
    for retrain in ([], ["--retrain"]):
        output = tmp_path / f"best{len(retrain)}.keras"
        args = ["export", str(study_dir), "--output", str(output), *retrain]
        exported = CliRunner().invoke(app, args)
        assert exported.exit_code == 0, exported.output
        model = keras.models.load_model(output)
        accuracy = float(np.mean(model.predict(texts, verbose=0).argmax(axis=1) == y_val))
        if retrain:
            assert accuracy >= result.best.score - 0.05
        else:
            assert accuracy == pytest.approx(result.best.score, abs=1e-6)
            assert accuracy > 0.8


def test_validate_names_data_text_for_a_column_of_free_text_only(tmp_path):
    from tuner_cli.training.table import table_notes

    make_data().topic_table(tmp_path / "t.csv", per_class=10)
    lines = (tmp_path / "t.csv").read_text().splitlines()
    rows = [f"{line},id{i:03d}" for i, line in enumerate(lines[1:])]
    (tmp_path / "t.csv").write_text("\n".join([lines[0] + ",code", *rows]) + "\n")
    data = {"source": "csv", "path": "t.csv", "target": "topic"}
    text_note, id_note = table_notes(load_config_dict(config(data), tmp_path).config.data, tmp_path)
    assert "column 'text' of t.csv" in text_note and "data.text: [text]" in text_note
    assert "column 'code' of t.csv" in id_note and "data.text" not in id_note
    read_as_text = {**data, "text": ["text"]}
    assert table_notes(load_config_dict(config(read_as_text), tmp_path).config.data, tmp_path) == []


def write_reviews(path, rows: int = 240, seed: int = 0) -> None:
    """Product reviews beside a price and a brand: the label is in the words only."""
    rng = np.random.default_rng(seed)
    good, bad = ["great", "love", "excellent", "perfect"], ["broke", "terrible", "refund", "awful"]
    filler = ["the", "a", "product", "it", "this", "after", "day", "was", "and"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review", "price", "brand", "label"])
        for _ in range(rows):
            positive = bool(rng.integers(2))
            words = [*rng.choice(good if positive else bad, 2), *rng.choice(filler, 6)]
            rng.shuffle(words)
            writer.writerow(
                [
                    " ".join(words),
                    round(float(rng.uniform(5, 100)), 2),
                    rng.choice(["acme", "zenith", "orbit"]),
                    "pos" if positive else "neg",
                ]
            )


def beside_config(data: dict) -> dict:
    return {
        "name": "reviews-table",
        "seed": 5,
        "data": data,
        "search_space": {"units": {"type": "fixed", "value": 8}},
        "model": {
            "layers": [
                {"Dense": {"units": "$units", "activation": "relu"}},
                {"Dense": {"units": 2, "activation": "softmax"}},
            ],
            "optimizer": {"name": "adam", "learning_rate": 0.02},
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        },
        "training": {"epochs": 8, "batch_size": 32},
        "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
    }


def test_text_beside_other_columns_is_a_bag_of_its_training_rows_words(tmp_path):
    """A review beside a price and a brand: the words join the table's encoded columns, so a
    Dense template reads them all; the vocabulary is the training rows' most frequent words."""
    from tuner_cli.training.data import load_dataset

    write_reviews(tmp_path / "reviews.csv")
    with open(tmp_path / "reviews.csv", "a", encoding="utf-8") as handle:
        handle.write("zebraword zebraword,10,acme,pos\n")  # one row: not among those kept
    data = {
        "source": "csv",
        "path": "reviews.csv",
        "target": "label",
        "features": ["price", "brand"],
        "text": ["review"],
        "max_tokens": 9,
    }
    dataset = load_dataset(load_config_dict(beside_config(data), tmp_path), seed=0)
    encoding = dataset.encoding
    assert set(encoding.numeric) == {"price"} and set(encoding.categorical) == {"brand"}
    (words,) = encoding.text.values()  # the 9 filler words, each in a review in two or more
    assert set(words) == {"the", "a", "product", "it", "this", "after", "day", "was", "and"}
    # price, brand's three values and an unknown one, the 9 words and an unknown one
    assert dataset.train_inputs.shape[1] == 1 + 4 + 10
    assert dataset.x_train["review"].dtype == object


@pytest.mark.slow
def test_text_beside_other_columns_searches_and_the_export_reads_raw_rows(tmp_path):
    import keras

    from tuner_cli.cli.app import app

    write_reviews(tmp_path / "reviews.csv")
    data = {
        "source": "csv",
        "path": str(tmp_path / "reviews.csv"),
        "target": "label",
        "features": ["price", "brand"],
        "text": ["review"],
    }
    result = run_search(
        load_config_dict(beside_config(data), tmp_path), tmp_path / "out", workers=0
    )
    assert result.best.score > 0.9, "the label is in the words"
    output = tmp_path / "best.keras"
    exported = CliRunner().invoke(app, ["export", str(result.root), "--output", str(output)])
    assert exported.exit_code == 0, exported.output
    model = keras.models.load_model(output)
    rows = {
        "review": np.array(["love it, excellent", "it broke, terrible, refund"], dtype=object),
        "price": np.array([20.0, 30.0], dtype="float32"),
        "brand": np.array(["acme", "a brand never seen"], dtype=object),
    }
    assert model.predict(rows, verbose=0).argmax(axis=1).tolist() == [1, 0]  # pos, neg


def test_data_max_tokens_needs_text_columns(tmp_path):
    from tuner_cli.errors import ConfigError

    data = {"source": "csv", "path": "t.csv", "target": "topic", "max_tokens": 10}
    with pytest.raises(ConfigError, match="'max_tokens' is for text columns"):
        load_config_dict(config(data), tmp_path)


def write_notes(tmp_path, seed: int, trained_at: int | None = None) -> dict:
    """Reviews with a notes column whose one note is in a row the seed's split holds out (and
    the ``trained_at`` seed's does not), the others empty or ``...``; the data config reading
    both texts beside other columns."""
    from tuner_cli.training.tables import split_rows

    write_reviews(tmp_path / "reviews.csv", rows=60)
    with open(tmp_path / "reviews.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    trained = [] if trained_at is None else split_rows(60, 0.2, trained_at)[1]
    held_out = next(row for row in split_rows(60, 0.2, seed)[1] if row not in trained)
    with open(tmp_path / "notes.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*rows[0], "notes"])
        for index, row in enumerate(rows[1:]):
            note = "called twice about the delivery" if index == held_out else ""
            writer.writerow([*row, note if index % 7 else "..."])
    return {
        "source": "csv",
        "path": "notes.csv",
        "target": "label",
        "features": ["price", "brand"],
        "text": ["review", "notes"],
    }


def test_a_text_column_without_a_word_in_the_training_rows_is_a_config_error(tmp_path):
    """A notes column that is empty but in a row the split holds out: Keras refused the
    empty vocabulary ('cannot load the data: ValueError: Cannot set an empty vocabulary')."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    data = write_notes(tmp_path, seed=0)
    with pytest.raises(ConfigError, match="'notes' has no word in the training rows") as caught:
        load_dataset(load_config_dict(beside_config(data), tmp_path), seed=0)
    assert caught.value.key_path == ("data", "text")


def test_validate_splits_the_rows_with_the_configs_seed(tmp_path, kt_run, write_config):
    """validate loaded the data with seed 0 whatever the config's: a split that left a text
    column without words at the config's seed passed validate, then failed the search."""
    import yaml

    study = beside_config(write_notes(tmp_path, seed=5, trained_at=0))
    assert study["seed"] == 5
    path = write_config(yaml.safe_dump(study, sort_keys=False))
    result = kt_run("validate", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "data.text: text column 'notes' has no word in the training rows" in result.stderr
    assert "config.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_text_beside_columns_under_cross_validation_has_each_folds_training_words(tmp_path):
    """Cross-validation was refused for text beside other columns; each fold's bag of words
    is now its training rows' words, so a word met only in the held-out rows is unknown."""
    from tuner_cli.training.data import load_dataset

    write_reviews(tmp_path / "reviews.csv", rows=29)
    with open(tmp_path / "reviews.csv", "a", encoding="utf-8") as handle:
        handle.write("zebraword arrived,10,acme,pos\n")  # the one row with these words
    data = {
        "source": "csv",
        "path": "reviews.csv",
        "target": "label",
        "features": ["price", "brand"],
        "text": ["review"],
        "cross_validation": {"folds": 3},
    }
    study = load_config_dict(beside_config(data), tmp_path)
    datasets = [load_dataset(study, seed=5, fold=fold) for fold in range(3)]
    assert [data.rows for data in datasets] == [(20, 10)] * 3
    for data in datasets:
        (words,) = data.encoding.text.values()
        trained = {word for review in data.x_train["review"] for word in review.split()}
        assert set(words) == trained
        assert ("zebraword" in words) != ("zebraword arrived" in data.x_val["review"])


def test_a_text_column_all_gaps_says_to_remove_it_from_data_text(tmp_path, kt_run):
    """The advice was 'drop it or list the other columns in data.features', at data.path, of
    a column the config names in data.text beside the features it lists."""
    import yaml

    write_reviews(tmp_path / "reviews.csv", rows=30)
    with open(tmp_path / "reviews.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    with open(tmp_path / "gaps.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([rows[0], *([*row[:2], "NA", row[3]] for row in rows[1:])])
    data = {
        "source": "csv",
        "path": "gaps.csv",
        "target": "label",
        "features": ["price", "brand"],
        "text": ["review", "brand"],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(beside_config(data), sort_keys=False), encoding="utf-8")
    result = kt_run("validate", str(path), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "data.text: gaps.csv: column 'brand' is all gaps" in result.stderr
    assert "remove it from data.text" in result.stderr


def test_a_column_of_numbers_in_data_text_is_warned_about(tmp_path):
    """data.text: [price] read each price as a word of its own, without a word of warning."""
    from tuner_cli.training.table import table_notes

    write_reviews(tmp_path / "reviews.csv", rows=30)
    base = {"source": "csv", "path": "reviews.csv", "target": "label"}
    for data in (
        {**base, "features": ["brand"], "text": ["review", "price"]},
        {**base, "text": ["price"]},
    ):
        study = load_config_dict(beside_config(data), tmp_path)
        notes = table_notes(study.config.data, tmp_path)
        assert (
            len(notes) == 1 and "data.text: column 'price' of reviews.csv holds numbers" in notes[0]
        )
        assert "data.numeric" in notes[0]
    study = load_config_dict(beside_config({**base, "text": ["review", "brand"]}), tmp_path)
    assert table_notes(study.config.data, tmp_path) == []
