"""CSV tables with word columns and gaps: encoded by preprocessing layers that the exported
model carries, so it takes a dict of raw columns."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.training.test_image_folders import make_data
from tuner_cli import load_config_dict, run_search

GAPS = {"", "NA"}


def config(data: dict) -> dict:
    return {
        "name": "wine-table",
        "seed": 2,
        "data": data,
        "search_space": {"units": {"type": "fixed", "value": 16}},
        "model": {
            "layers": [
                {"Dense": {"units": "$units", "activation": "relu"}},
                {"Dense": {"units": 3, "activation": "softmax"}},
            ],
            "optimizer": {"name": "adam", "learning_rate": 0.02},
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        },
        "training": {"epochs": 10, "batch_size": 16},
        "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
    }


def raw_rows(path, words: set[str]) -> tuple[dict[str, np.ndarray], list[str]]:
    """The CSV as a user would hand it to the exported model: one 1-D array per column,
    words as object arrays ("" for a gap), numbers as float32 (NaN for a gap)."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = {}
    for name in rows[0]:
        if name == "cultivar":
            continue
        cells = [row[name] for row in rows]
        if name in words:
            columns[name] = np.array(cells, dtype=object)
        else:
            columns[name] = np.array([np.nan if c in GAPS else float(c) for c in cells], "float32")
    return columns, [row["cultivar"] for row in rows]


def test_word_columns_become_categories_and_gaps_follow_the_policy(tmp_path):
    from tuner_cli.training.data import load_dataset

    make_data().wine_table(tmp_path / "wine.csv", gap_fraction=0.1)
    data = {"source": "csv", "path": "wine.csv", "target": "cultivar"}
    dataset = load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    encoding = dataset.encoding
    assert set(encoding.categorical) == {"alcohol", "color_intensity"}
    assert "magnesium" in encoding.numeric and len(encoding.numeric) == 11
    assert set(encoding.categorical["alcohol"]) == {"", "low", "medium", "high"}
    assert dataset.class_names == ("barbera", "barolo", "grignolino")
    assert dataset.rows == (142, 36)
    width = 11 + sum(len(v) + 1 for v in encoding.categorical.values())
    assert dataset.train_inputs.shape == (142, width)
    assert np.isfinite(dataset.train_inputs).all(), "gaps are filled, never NaN"
    malic = dataset.x_train["malic_acid"]
    assert np.isnan(malic).any(), "the raw columns keep their gaps"
    mean, _ = encoding.numeric["malic_acid"]
    assert mean == pytest.approx(float(np.nanmean(malic)), rel=1e-5)

    overridden = {**data, "features": ["alcohol", "magnesium", "hue"], "categorical": ["magnesium"]}
    dataset = load_dataset(load_config_dict(config(overridden), tmp_path), seed=0)
    assert list(dataset.encoding.numeric) == ["hue"]
    assert set(dataset.encoding.categorical) == {"alcohol", "magnesium"}


def test_a_numeric_csv_without_gaps_is_still_one_array(tmp_path):
    from tests.config.test_bad_configs import CORPUS_DIR
    from tuner_cli.training.data import load_dataset

    data = {"source": "csv", "path": str(CORPUS_DIR / "data" / "small.csv"), "target": "label"}
    dataset = load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert dataset.encoding is None and dataset.x_train.shape[1] == 4


def test_a_numeric_csv_reads_its_validation_file_by_the_same_target(tmp_path):
    """``validation: {path}`` names a file with the same columns; a plain table of numbers read
    its target there as ``validation.target``, which no one sets: "has no column None"."""
    from tuner_cli.training.data import load_dataset

    rows = [f"{i / 10},{i % 3}\n" for i in range(30)]
    (tmp_path / "t.csv").write_text("x,label\n" + "".join(rows), encoding="utf-8")
    (tmp_path / "v.csv").write_text("x,label\n" + "".join(rows[:10]), encoding="utf-8")
    data = {"source": "csv", "path": "t.csv", "target": "label", "validation": {"path": "v.csv"}}
    dataset = load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert dataset.encoding is None and dataset.y_val.tolist() == [i % 3 for i in range(10)]


def test_an_npz_validation_file_has_the_data_keys_unless_it_names_its_own(tmp_path):
    """The validation file of an npz whose arrays are not ``x``/``y`` has the same keys; it was
    read as ``x`` and ``y`` ("b.npz has no array 'x'") unless the keys were repeated."""
    from tuner_cli.training.data import load_dataset

    rng = np.random.default_rng(0)
    for name, rows in (("a.npz", 30), ("b.npz", 10), ("c.npz", 5)):
        keys = ("x", "y") if name == "c.npz" else ("features", "labels")
        arrays = {keys[0]: rng.random((rows, 3)), keys[1]: rng.integers(0, 3, rows)}
        np.savez(tmp_path / name, **arrays)
    data = {"source": "npz", "path": "a.npz", "x_key": "features", "y_key": "labels"}
    same = load_dataset(
        load_config_dict(config({**data, "validation": {"path": "b.npz"}}), tmp_path), 0
    )
    assert same.x_val.shape == (10, 3)
    own = {"path": "c.npz", "x_key": "x", "y_key": "y"}
    assert load_dataset(
        load_config_dict(config({**data, "validation": own}), tmp_path), 0
    ).x_val.shape == (5, 3)


def write_decimal_comma_csv(path) -> list[tuple[float, str, float, int]]:
    """Semicolons between cells, commas in numbers, as European spreadsheets export; the
    rows written, as numbers."""
    rng = np.random.default_rng(3)
    rows = [
        (round(float(rng.uniform(0, 9)), 2), str(rng.choice(["a", "b"])), i / 4, i % 2)
        for i in range(40)
    ]
    lines = ["income;city;ratio;label"]
    lines += [f"{x:.2f};{c};{r};{y}".replace(".", ",") for x, c, r, y in rows]
    path.write_text("\n".join(lines) + "\n")
    return rows


def test_numbers_with_a_decimal_comma_are_refused_until_the_config_names_the_mark(tmp_path):
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    rows = write_decimal_comma_csv(tmp_path / "people.csv")
    data = {"source": "csv", "path": "people.csv", "target": "label", "delimiter": ";"}
    with pytest.raises(ConfigError, match="column .income. holds numbers written with a comma"):
        load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    dataset = load_dataset(load_config_dict(config({**data, "decimal": ","}), tmp_path), seed=0)
    assert list(dataset.encoding.numeric) == ["income", "ratio"]
    assert list(dataset.encoding.categorical) == ["city"]
    read = np.concatenate([dataset.x_train["income"], dataset.x_val["income"]])
    assert sorted(read.tolist()) == pytest.approx(sorted(x for x, *_ in rows), rel=1e-6)
    kept = {**data, "categorical": ["income", "ratio"]}
    dataset = load_dataset(load_config_dict(config(kept), tmp_path), seed=0)
    assert "income" in dataset.encoding.categorical, "listed as categories, kept as such"


def test_a_plain_matrix_and_a_target_with_decimal_commas(tmp_path):
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    rows = write_decimal_comma_csv(tmp_path / "people.csv")
    numbers = [f"{x};{r};{y}".replace(".", ",") for x, _, r, y in rows]
    (tmp_path / "plain.csv").write_text("\n".join(["income;ratio;label", *numbers]) + "\n")
    data = {"source": "csv", "path": "plain.csv", "target": "label", "delimiter": ";"}
    dataset = load_dataset(load_config_dict(config({**data, "decimal": ","}), tmp_path), seed=0)
    assert dataset.encoding is None, "all numbers: one array, as ever"
    assert sorted(np.concatenate([dataset.x_train, dataset.x_val])[:, 1]) == pytest.approx(
        sorted(r for _, _, r, _ in rows)
    )
    target = {**data, "path": "people.csv", "target": "income", "features": ["city"]}
    with pytest.raises(ConfigError, match="column 'income' holds numbers") as caught:
        load_dataset(load_config_dict(config(target), tmp_path), seed=0)
    assert caught.value.key_path == ("data", "target")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"delimiter": ",", "decimal": ","}, "'decimal' and 'delimiter' are both ','"),
        ({"source": "npz", "decimal": ","}, "'decimal' is for source 'csv'"),
    ],
)
def test_a_decimal_mark_that_cannot_work_is_a_config_error(tmp_path, data, message):
    from tuner_cli.errors import ConfigError

    base = {"source": "csv", "path": "x.csv", "target": "y", **data}
    with pytest.raises(ConfigError, match=message):
        load_config_dict(config(base), tmp_path)


@pytest.mark.slow
def test_the_exported_table_model_scores_raw_rows_as_the_search_recorded(tmp_path):
    import keras

    from tuner_cli.cli.app import app

    make_data().wine_table(tmp_path / "wine.csv")
    rows = (tmp_path / "wine.csv").read_text().splitlines()
    order = np.random.default_rng(0).permutation(len(rows) - 1) + 1
    (tmp_path / "train.csv").write_text("\n".join([rows[0], *(rows[i] for i in order[:140])]))
    (tmp_path / "val.csv").write_text("\n".join([rows[0], *(rows[i] for i in order[140:])]))
    data = {
        "source": "csv",
        "path": str(tmp_path / "train.csv"),
        "target": "cultivar",
        "validation": {"path": str(tmp_path / "val.csv")},
    }
    result = run_search(load_config_dict(config(data), tmp_path), tmp_path / "out", workers=0)
    study_dir = tmp_path / "out" / "wine-table"
    names = json.loads((study_dir / "study.json").read_text())["class_names"]
    assert names == ["barbera", "barolo", "grignolino"]
    columns, cultivars = raw_rows(tmp_path / "val.csv", {"alcohol", "color_intensity"})
    y_val = np.array([names.index(c) for c in cultivars])
    for retrain in ([], ["--retrain"]):
        output = tmp_path / f"best{len(retrain)}.keras"
        args = ["export", str(study_dir), "--output", str(output), *retrain]
        exported = CliRunner().invoke(app, args)
        assert exported.exit_code == 0, exported.output
        model = keras.models.load_model(output)
        accuracy = float(np.mean(model.predict(columns, verbose=0).argmax(axis=1) == y_val))
        if retrain:
            assert accuracy >= result.best.score - 0.1
        else:
            assert accuracy == pytest.approx(result.best.score, abs=1e-6)
            assert accuracy > 0.8


def test_columns_named_with_spaces_and_punctuation_predict_without_warnings():
    """The inputs keep the columns' names, so a dict keyed by them matches every tensor (a
    renamed input made each ``predict`` warn); only ``/``, which Keras refuses, is replaced."""
    import warnings

    from tuner_cli.training.table import Columns
    from tuner_cli.training.tables import TableEncoding

    columns = {
        "tenure months": np.array([1.0, 2.0, np.nan], "float32"),
        "plan (monthly)": np.array(["a", "b", ""], dtype=object),
    }
    encoding = TableEncoding.fit(columns, Columns(("tenure months",), ("plan (monthly)",)), 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        encoded = encoding.encode(columns)
    assert encoded.shape == (3, 1 + 3 + 1) and np.isfinite(encoded).all(), "3 values, 1 unknown"
    inputs, _ = encoding.graph()
    assert {tensor.name for tensor in inputs.values()} == set(columns)


@pytest.mark.slow
def test_columns_named_like_keras_layers_or_alike_once_slashes_go_still_load_and_export(
    tmp_path,
):
    """Keras names the encoder's layers and operations itself (``where``, ``normalization``)
    and the network's (``dense``), and refuses two alike in one model: a column named so,
    or ``a/b`` beside ``a_b``, failed loading with "The name "a_b" is used 2 times"."""
    import keras

    from tuner_cli.cli.app import app

    rng = np.random.default_rng(0)
    header = ["a/b", "a_b", "where", "normalization", "dense", "string_lookup", "cultivar"]
    rows = [",".join(header)]
    for i in range(120):
        x = rng.normal(size=3)
        words = ("red", "blue")[i % 2], ("x", "y", "")[i % 3]
        label = ("barbera", "barolo", "grignolino")[int(x[0] > 0) + int(i % 2 == 0)]
        rows.append(",".join([*(f"{v:.3f}" for v in x), f"{x[0] * 2:.3f}", *words, label]))
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    data = {"source": "csv", "path": "t.csv", "target": "cultivar", "validation_split": 0.25}
    result = run_search(load_config_dict(config(data), tmp_path), tmp_path / "out", workers=0)
    assert result.best is not None and result.best.score is not None
    output = tmp_path / "best.keras"
    study_dir = tmp_path / "out" / "wine-table"
    exported = CliRunner().invoke(app, ["export", str(study_dir), "--output", str(output)])
    assert exported.exit_code == 0, exported.output

    columns, cultivars = raw_rows(tmp_path / "t.csv", {"dense", "string_lookup"})
    model = keras.models.load_model(output)
    names = ["barbera", "barolo", "grignolino"]
    held_out = np.random.default_rng(2).permutation(120)[:30]  # split_rows with seed 2
    predicted = model.predict({k: v[held_out] for k, v in columns.items()}, verbose=0)
    accuracy = np.mean(predicted.argmax(axis=1) == [names.index(cultivars[i]) for i in held_out])
    assert accuracy == pytest.approx(result.best.score, abs=1e-6)


@pytest.mark.parametrize(
    "header, columns",
    [("a,a,city,label", "1 and 2"), ("a,,,label", "2 and 3"), ("a,b,city,a", "1 and 4")],
)
def test_a_header_naming_two_columns_alike_is_a_config_error(tmp_path, header, columns):
    """Columns are found by name: the second of two 'a' columns was silently read as a copy
    of the first (the table's encoding kept one of them, the other column's data was lost)."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    rows = [f"{i / 10},{i % 3},{'xy'[i % 2]},{i % 2}" for i in range(20)]
    (tmp_path / "t.csv").write_text("\n".join([header, *rows]) + "\n")
    target = header.split(",")[-1]
    data = {"source": "csv", "path": "t.csv", "target": target}
    with pytest.raises(ConfigError) as error:
        load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert "t.csv: the header names" in error.value.message
    assert f"(columns {columns})" in error.value.message


def test_a_number_column_with_a_few_words_is_called_out(tmp_path):
    """``unknown`` in 3 rows of 60 made an age column categories, silently."""
    from tuner_cli.training.table import table_notes

    ages = [str(20 + i % 10) for i in range(60)]
    ages[7] = ages[30] = "unknown"
    ages[41] = "n.a."
    codes = [str(i % 4) if i % 5 else "X" for i in range(60)]  # categories: X in a fifth
    lines = [
        "age,code,label",
        *(f"{a},{c},{i % 2}" for i, (a, c) in enumerate(zip(ages, codes, strict=True))),
    ]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    data = {"source": "csv", "path": "t.csv", "target": "label"}
    (note,) = table_notes(load_config_dict(config(data), tmp_path).config.data, tmp_path)
    assert note == (
        "data: column 'age' of t.csv holds numbers but for 3 cells of words ('unknown' first, "
        "row 9), so it is read as categories, one per value: make those cells empty (gaps) to "
        "read the column as numbers, or list it in data.categorical to keep it as categories"
    )
    kept = {**data, "categorical": ["age"]}
    assert table_notes(load_config_dict(config(kept), tmp_path).config.data, tmp_path) == []


def test_a_word_column_with_a_value_per_row_is_called_out_at_validate_and_search(tmp_path):
    """A date (or an id, or free text) read as categories is a one-hot slot per row: it cannot
    generalise, and nothing said so."""
    import yaml

    from tests.conftest import invoke
    from tuner_cli.training.table import table_notes

    lines = ["date,city,size,label"]
    lines += [
        f"2024-01-{1 + i % 28:02d}T{i:02d},{'ab'[i % 2]},{i / 7:.2f},{i % 2}" for i in range(60)
    ]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    data = {"source": "csv", "path": "t.csv", "target": "label"}
    (notes,) = table_notes(load_config_dict(config(data), tmp_path).config.data, tmp_path)
    assert "column 'date' of t.csv has 60 different values in 60 rows" in notes
    assert "data.features" in notes and "'city'" not in notes

    (tmp_path / "t.yaml").write_text(yaml.safe_dump(config(data)))
    result = invoke("validate", "--no-build", "t.yaml", cwd=tmp_path)
    assert result.returncode == 0 and "warning: data: column 'date'" in result.stderr

    kept = {**data, "features": ["city", "size"]}
    assert table_notes(load_config_dict(config(kept), tmp_path).config.data, tmp_path) == []


def test_a_row_number_or_id_column_of_numbers_is_called_out(tmp_path):
    """An exported table's first column is often the row number, or an id; read as a number
    feature it tells the model where a row sits in the file, and nothing said so."""
    from tuner_cli.training.table import table_notes

    rng = np.random.default_rng(0)
    order = rng.permutation(60)
    lines = ["row,CustomerID,visits,paid,year,label"]
    lines += [
        f"{1 + order[i]},{9_000_000_001 + 7 * i},{i % 9},{1000 + 3 * i},{1960 + i},{i % 2}"
        for i in range(60)
    ]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    data = {"source": "csv", "path": "t.csv", "target": "label"}
    notes = table_notes(load_config_dict(config(data), tmp_path).config.data, tmp_path)
    assert notes == [
        "data: column 'row' of t.csv holds a different whole number in every row (1 to 60, "
        "each once): most likely a row number or an id, which as a feature tells the model "
        "where a row sits in the file rather than what it is; leave it out with "
        "data.features, or list it in data.numeric if it is a quantity",
        "data: column 'CustomerID' of t.csv holds a different whole number in every row "
        "(9000000001 to 9000000414, named as an id): most likely a row number or an id, which "
        "as a feature tells the model where a row sits in the file rather than what it is; "
        "leave it out with data.features, or list it in data.numeric if it is a quantity",
    ]  # 'paid', 'year': different in every row, but not counting the rows nor named as ids
    kept = {**data, "numeric": ["row"], "features": ["row", "visits", "paid", "year"]}
    assert table_notes(load_config_dict(config(kept), tmp_path).config.data, tmp_path) == []


def spreadsheet_rows(cells: list[str], delimiter: str = ",") -> str:
    """A spreadsheet's export: a column of ``cells`` beside a plain number and a word label."""
    rows = [("amount", "x", "label"), *((c, str(i), "ab"[i % 2]) for i, c in enumerate(cells))]
    return "\n".join(delimiter.join(row) for row in rows) + "\n"


@pytest.mark.parametrize(
    "cells, delimiter, message",
    [
        (["1,234.5", "12,000.25", "17.5", ""] * 5, "\t", "numbers with thousands separators"),
        (["1.234,5", "12.000,25", "17,5", "NA"] * 5, ";", "numbers with thousands separators"),
        (["12%", "7.5%", "100 %", "-"] * 5, ",", "percentages ('12%')"),
    ],
)
def test_numbers_a_spreadsheet_formatted_are_refused_not_read_as_categories(
    tmp_path, cells, delimiter, message
):
    """``1,234.5`` and ``12%`` were each a category of their own, with at most a warning
    about ids: numbers the network never saw as numbers."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    (tmp_path / "t.csv").write_text(spreadsheet_rows(cells, delimiter))
    data = {"source": "csv", "path": "t.csv", "target": "label", "delimiter": delimiter}
    data.update({"decimal": ","} if delimiter == ";" else {})
    with pytest.raises(ConfigError, match="column 'amount' holds") as error:
        load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert message in error.value.message and error.value.key_path == ("data", "path")
    kept = load_dataset(load_config_dict(config({**data, "categorical": ["amount"]}), tmp_path), 0)
    assert list(kept.encoding.categorical) == ["amount"], "listed as words, kept as words"


def test_gaps_written_as_a_dash_or_excel_na_leave_a_column_numeric(tmp_path):
    from tuner_cli.training.data import load_dataset

    cells = ["1.5", "-", "#N/A", "n/a", "2.5", "<NA>"] * 4
    (tmp_path / "t.csv").write_text(spreadsheet_rows(cells))
    data = {"source": "csv", "path": "t.csv", "target": "label"}
    dataset = load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert list(dataset.encoding.numeric) == ["amount", "x"]
    read = np.concatenate([dataset.x_train["amount"], dataset.x_val["amount"]])
    assert np.isnan(read).sum() == 16 and set(read[~np.isnan(read)].tolist()) == {1.5, 2.5}


def test_empty_columns_without_a_name_at_the_end_of_an_export_are_left_out(tmp_path):
    """Excel writes ``a,b,label,,`` for columns once formatted: they were refused as two
    columns without a name; a column without a name that holds values is still read."""
    from tuner_cli.training.data import load_dataset

    for third, features in (("", 2), ("7", 3)):
        rows = [f"{i / 10},{i % 3},{third},{i % 2},, " for i in range(20)]
        (tmp_path / f"t{third}.csv").write_text("\n".join(["a,b,,label,,", *rows]) + "\n")
        data = {"source": "csv", "path": f"t{third}.csv", "target": "label"}
        dataset = load_dataset(load_config_dict(config(data), tmp_path), seed=0)
        assert dataset.x_train.shape[1] == features


def test_a_windows_1252_export_names_the_line_and_column_of_its_first_accent(tmp_path):
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    rows = ["Wert;Stadt;Kauf"] + [f"{i};{'Köln' if i == 3 else 'Bonn'};{i % 2}" for i in range(20)]
    (tmp_path / "t.csv").write_bytes("\r\n".join(rows).encode("cp1252"))
    data = {"source": "csv", "path": "t.csv", "target": "Kauf", "delimiter": ";"}
    with pytest.raises(ConfigError) as error:
        load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert "t.csv is not UTF-8 text: line 5, column 4 holds the byte 0xf6 ('ö'" in (
        error.value.message
    )
    assert error.value.key_path == ("data", "path")


def test_excel_unicode_text_and_a_sep_line_load_as_the_utf8_file_does(tmp_path):
    """Excel's "Unicode Text" (UTF-16, its byte order mark, tabs) was refused as Windows-1252
    with an iconv line that garbles it; a ``sep=;`` first line was read as the header."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    rows = spreadsheet_rows([f"{i / 4}" for i in range(20)], "\t").replace("\n", "\r\n")
    (tmp_path / "plain.csv").write_text(rows)
    (tmp_path / "unicode.txt").write_bytes(rows.encode("utf-16"))
    (tmp_path / "sep.csv").write_text("sep=\t\r\n" + rows)
    loaded = []
    for name in ("plain.csv", "unicode.txt", "sep.csv"):
        data = {"source": "csv", "path": name, "target": "label", "delimiter": "\t"}
        dataset = load_dataset(load_config_dict(config(data), tmp_path), seed=0)
        loaded.append(np.concatenate([dataset.x_train["amount"], dataset.x_val["amount"]]))
    assert np.array_equal(loaded[0], loaded[1]) and np.array_equal(loaded[0], loaded[2])

    data = {"source": "csv", "path": "sep.csv", "target": "label"}
    with pytest.raises(ConfigError) as error:
        load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert error.value.message == (
        "sep.csv: its first line, 'sep=\\t', names the delimiter '\\t'; set data.delimiter: \"\\t\""
    )
    assert error.value.key_path == ("data", "path")
