"""``kt-run init``: a starter config for the user's own data that validates and runs as
written, and refusals that name what is wrong without writing anything."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import invoke
from tuner_cli import load_config, run_search


def write_images(root: Path, sizes: dict[str, tuple[int, int]], mode: str = "L") -> None:
    """Two or more classes of a few PNGs each, every class's images of one (height, width)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    channels = {"L": (), "RGB": (3,), "RGBA": (4,)}[mode]
    for name, (height, width) in sizes.items():
        (root / name).mkdir(parents=True)
        for i in range(6):
            pixels = rng.integers(0, 255, (height, width, *channels), dtype=np.uint8)
            Image.fromarray(pixels, mode).save(root / name / f"{i}.png")


def init(tmp_path: Path, *args: str):
    return invoke("init", *args, cwd=tmp_path)


def written(path: Path) -> dict:
    load_config(path)  # the starter validates as written
    return yaml.safe_load(path.read_text())


def test_without_data_it_writes_the_digits_starter(tmp_path):
    result = init(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Wrote digits.yaml" in result.stdout and "kt-run search digits.yaml" in result.stdout
    config = written(tmp_path / "digits.yaml")
    assert config["data"] == {
        "source": "sklearn",
        "name": "digits",
        "validation_split": 0.2,
        "scale": "standard",
    }
    assert config["model"]["layers"][-1] == {"Dense": {"units": 10, "activation": "softmax"}}
    assert config["strategy"]["objective"] == "val_accuracy"


def test_an_image_folder_gets_a_small_network_for_its_classes_size_and_colours(tmp_path):
    write_images(tmp_path / "photos", {"cat": (12, 12), "dog": (12, 12), "eel": (12, 12)}, "RGB")
    result = init(tmp_path, "photos")
    assert result.returncode == 0, result.stderr
    assert "18 rgb images 12x12 in 3 classes (cat, dog, eel)" in result.stdout
    config = written(tmp_path / "photos.yaml")
    assert config["data"]["source"] == "images" and config["data"]["path"] == "photos"
    assert config["data"]["color_mode"] == "rgb" and "image_size" not in config["data"]
    assert config["model"]["layers"][-1] == {"Dense": {"units": 3, "activation": "softmax"}}

    write_images(tmp_path / "mixed", {"a": (10, 14), "b": (20, 8)})
    result = init(tmp_path, "mixed", "--output", "sub.yaml")
    assert "grayscale images of several sizes" in result.stdout
    data = written(tmp_path / "sub.yaml")["data"]
    assert data["color_mode"] == "grayscale" and data["image_size"] == [64, 64]


def test_a_text_folder_starts_with_text_vectorization(tmp_path):
    for name, words in (("spam", "win cash now"), ("ham", "see you at lunch")):
        (tmp_path / "mail" / name).mkdir(parents=True)
        for i in range(5):
            (tmp_path / "mail" / name / f"{i}.txt").write_text(f"{words} {i}")
    result = init(tmp_path, str(tmp_path / "mail"), "-o", str(tmp_path / "m.yaml"))
    assert result.returncode == 0, result.stderr
    assert "10 text files in 2 classes (ham, spam)" in result.stdout
    config = written(tmp_path / "m.yaml")
    assert config["data"] == {"source": "text", "path": "mail", "validation_split": 0.2}
    assert next(iter(config["model"]["layers"][0])) == "TextVectorization"


def test_a_csv_gets_its_delimiter_decimal_mark_target_and_kind_of_problem(tmp_path):
    rows = ["size;colour;price;grade"]
    rows += [f"{i},5;{'red' if i % 2 else 'blue'};{100 + 7 * i},25;{i % 3}" for i in range(30)]
    (tmp_path / "shop.csv").write_text("\n".join(rows) + "\n")
    result = init(tmp_path, "shop.csv")
    assert result.returncode == 0, result.stderr
    assert "target 'grade': 3 classes (whole numbers read as class labels" in result.stdout
    config = written(tmp_path / "shop.yaml")
    assert config["data"] == {
        "source": "csv",
        "path": "shop.csv",
        "target": "grade",
        "delimiter": ";",
        "decimal": ",",
        "validation_split": 0.2,
    }
    assert config["model"]["loss"] == "sparse_categorical_crossentropy"

    result = init(tmp_path, "shop.csv", "--target", "price", "-o", "price.yaml")
    assert "target 'price': numbers (regression)" in result.stdout
    config = written(tmp_path / "price.yaml")
    assert config["model"]["loss"] == "mse" and config["strategy"]["objective"] == "val_loss"
    assert config["model"]["layers"][-2] == {"Dense": {"units": 1}}
    prices = np.array([100.25 + 7 * i for i in range(30)])  # read with the decimal comma
    rescaling = config["model"]["layers"][-1]["Rescaling"]
    assert rescaling["scale"] == pytest.approx(prices.std(), rel=1e-5)
    assert rescaling["offset"] == pytest.approx(prices.mean(), rel=1e-5)


def test_a_csv_of_numbers_only_is_standardised_and_a_word_target_leaves_it_to_the_model(
    tmp_path,
):
    rows = ["a,b,label"] + [f"{i / 7:.3f},{i % 5},{i % 2}" for i in range(20)]
    (tmp_path / "plain.csv").write_text("\n".join(rows) + "\n")
    assert init(tmp_path, "plain.csv").returncode == 0
    data = written(tmp_path / "plain.yaml")["data"]
    assert data["scale"] == "standard" and "delimiter" not in data
    words = ["a,b,label"] + [f"{i / 7:.3f},{i % 5},{'yes' if i % 2 else 'no'}" for i in range(20)]
    (tmp_path / "words.csv").write_text("\n".join(words) + "\n")
    assert init(tmp_path, "words.csv").returncode == 0
    assert "scale" not in written(tmp_path / "words.yaml")["data"], "a table refuses scale"


@pytest.mark.slow
def test_a_row_number_or_id_column_is_left_out_of_the_features(tmp_path):
    """A spreadsheet's export often starts with the row number: as a feature it would tell the
    model where a row sits in the file, so the starter lists the other columns."""
    rng = np.random.default_rng(1)
    rows = ["id,a,b,label"]
    rows += [f"{i + 1},{rng.normal():.3f},{i % 5},{i % 2}" for i in range(40)]
    (tmp_path / "export.csv").write_text("\n".join(rows) + "\n")
    result = init(tmp_path, "export.csv")
    assert result.returncode == 0, result.stderr
    assert "(left out, a different whole number in every row: row numbers or ids: 'id')" in (
        result.stdout
    )
    data = written(tmp_path / "export.yaml")["data"]
    assert data["features"] == ["a", "b"] and "scale" not in data
    searched = run_search(
        load_config(tmp_path / "export.yaml"), tmp_path / "results", workers=0, max_trials=1
    )
    assert [t.status.value for t in searched.trials] == ["completed"]


def test_a_column_of_dates_or_codes_is_left_out_unless_it_is_all_there_is(tmp_path):
    """A timestamp column became 40 categories, one per row, that fit the training rows and
    nothing new; `validate` warned about the config `init` had just written."""
    rng = np.random.default_rng(2)
    rows = ["when,order,shop,price,label"]
    rows += [
        f"2024-01-{i % 28 + 1:02d} {i % 24:02d}:00,A-{1000 + 7 * i},{'xyz'[i % 3]},"
        f"{rng.normal():.3f},{i % 2}"
        for i in range(40)
    ]
    (tmp_path / "sales.csv").write_text("\n".join(rows) + "\n")
    result = init(tmp_path, "sales.csv")
    assert result.returncode == 0, result.stderr
    assert "nearly every row: dates, times, ids or names" in result.stdout
    assert "'when', 'order')" in result.stdout
    assert written(tmp_path / "sales.yaml")["data"]["features"] == ["shop", "price"]
    checked = invoke("validate", "sales.yaml", "--no-build", cwd=tmp_path)
    assert checked.returncode == 0 and "warning" not in checked.stderr, checked.stderr

    (tmp_path / "codes.csv").write_text(
        "\n".join(["code,label", *(f"A-{1000 + i},{i % 2}" for i in range(40))]) + "\n"
    )
    assert init(tmp_path, "codes.csv").returncode == 0
    assert "features" not in written(tmp_path / "codes.yaml")["data"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["nowhere"], "no such file or folder: nowhere"),
        (["notes.md"], "is neither a folder of class subfolders nor a CSV file"),
        (["one"], "has one class only ('a')"),
        (["empty"], "holds no .bmp/.gif/.jpeg/.jpg/.png files, nor .txt files"),
        (["table.csv", "--target", "nope"], "table.csv has no column 'nope'; its columns are"),
        (["gaps.csv"], "the target 'y' of gaps.csv is all gaps (empty or NA-like cells)"),
        (["one", "--target", "x"], "--target is for a CSV file"),
        (["table.csv", "-o", "taken.yaml"], "taken.yaml exists; kt-run does not replace it"),
        (["table.csv", "-o", "one"], "one is a folder; give --output a file name"),
        (["table.csv", "-o", "missing/t.yaml"], "no such folder: missing"),
    ],
)
def test_bad_input_is_refused_with_exit_2_and_nothing_written(tmp_path, args, message):
    (tmp_path / "notes.md").write_text("# notes\n")
    (tmp_path / "one" / "a").mkdir(parents=True)
    (tmp_path / "empty" / "a").mkdir(parents=True)
    (tmp_path / "empty" / "b").mkdir(parents=True)
    (tmp_path / "table.csv").write_text("x,y\n1,0\n2,1\n")
    (tmp_path / "gaps.csv").write_text("x,y\n1,\n2,NA\n")
    (tmp_path / "taken.yaml").write_text("mine\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = init(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "taken.yaml").read_text() == "mine\n"


def test_force_replaces_the_config(tmp_path):
    (tmp_path / "digits.yaml").write_text("mine\n")
    assert init(tmp_path, "--force").returncode == 0
    assert written(tmp_path / "digits.yaml")["name"] == "digits"


def test_counts_of_thousands_are_written_with_a_separator(tmp_path):
    """``1500 rows`` where every other message writes ``2,000``."""
    rows = ["a,b,label"] + [f"{i / 7:.3f},{i % 5},{i % 2}" for i in range(1500)]
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n")
    result = init(tmp_path, "big.csv")
    assert result.returncode == 0, result.stderr
    assert "1,500 rows, 2 feature columns of numbers" in result.stdout


@pytest.mark.slow
def test_the_starter_for_an_image_folder_searches_as_written(tmp_path):
    write_images(tmp_path / "shapes", {"round": (8, 8), "square": (8, 8)})
    assert init(tmp_path, "shapes").returncode == 0
    result = run_search(
        load_config(tmp_path / "shapes.yaml"), tmp_path / "results", workers=0, max_trials=1
    )
    assert [t.status.value for t in result.trials] == ["completed"]
    assert result.best.score is not None


def test_an_unreadable_image_is_named_rather_than_taken_for_a_size(tmp_path):
    write_images(tmp_path / "photos", {"a": (10, 10), "b": (12, 12)})
    (tmp_path / "photos" / "b" / "broken.png").write_bytes(b"not a png")
    result = init(tmp_path, "photos")
    assert result.returncode == 2 and "broken.png is not a readable image" in result.stderr
    assert "nor .txt files" not in result.stderr, "a folder of images is not taken for text"
    assert not (tmp_path / "photos.yaml").exists()


def test_a_name_yaml_would_read_as_a_number_or_a_bool_is_quoted(tmp_path):
    for folder in ("2024", "yes", "_data"):
        write_images(tmp_path / folder, {"a": (8, 8), "b": (8, 8)})
        assert init(tmp_path, folder).returncode == 0
    assert written(tmp_path / "2024.yaml")["name"] == "2024"
    assert written(tmp_path / "yes.yaml")["name"] == "yes"
    assert written(tmp_path / "data.yaml")["name"] == "data", "a name starts with a letter"


def test_an_unreadable_first_image_is_named(tmp_path):
    write_images(tmp_path / "photos", {"a": (8, 8), "b": (8, 8)})
    (tmp_path / "photos" / "a" / "0.png").write_bytes(b"not a png")
    result = init(tmp_path, "photos")
    assert result.returncode == 2 and "0.png is not a readable image" in result.stderr
    assert "internal error" not in result.stderr


def test_thousands_separators_are_not_taken_for_a_decimal_comma(tmp_path):
    rows = ["price\tcolour\tlabel"] + [f"{1000 + 37 * i:,}\tred\t{i % 2}" for i in range(20)]
    (tmp_path / "us.tsv").write_text("\n".join(rows) + "\n")
    result = init(tmp_path, "us.tsv")
    # no decimal comma guessed, and no config that loading the data would refuse
    assert result.returncode == 2 and "column 'price' holds numbers written with a comma" in (
        result.stderr
    )
    assert "thousands separators must go" in result.stderr
    assert not (tmp_path / "us.yaml").exists()


def test_a_word_target_with_a_value_per_row_is_called_out_as_an_id(tmp_path):
    rows = ["customer,spend,segment"] + [f"c{i:03d},{i * 3},{'ab'[i % 2]}" for i in range(30)]
    (tmp_path / "shop.csv").write_text("\n".join(rows) + "\n")
    result = init(tmp_path, "shop.csv", "--target", "customer")
    assert result.returncode == 0, result.stderr
    assert "30 different values in 30 rows look like names or ids" in result.stdout
    assert "--target COLUMN" in (tmp_path / "shop.yaml").read_text()
    assert "look like" not in init(tmp_path, "shop.csv", "-o", "seg.yaml").stdout


def test_the_colour_mode_follows_every_image_not_the_first_one(tmp_path):
    """A folder of colour photos whose first file (sorted) is grayscale was written
    ``color_mode: grayscale``: every search then threw the colours away."""
    write_images(tmp_path / "mixed", {"a": (8, 8), "b": (8, 8)}, "RGB")
    write_images(tmp_path / "gray", {"a": (8, 8), "b": (8, 8)})
    (tmp_path / "gray" / "a" / "0.png").replace(tmp_path / "mixed" / "a" / "00.png")
    assert init(tmp_path, "mixed").returncode == 0
    assert written(tmp_path / "mixed.yaml")["data"]["color_mode"] == "rgb"
    assert init(tmp_path, "gray").returncode == 0
    assert written(tmp_path / "gray.yaml")["data"]["color_mode"] == "grayscale"

    write_images(tmp_path / "alpha", {"a": (8, 8), "b": (8, 8)}, "RGBA")
    write_images(tmp_path / "some_alpha", {"a": (8, 8), "b": (8, 8)}, "RGBA")
    (tmp_path / "mixed" / "b" / "1.png").replace(tmp_path / "some_alpha" / "b" / "1.png")
    assert init(tmp_path, "alpha").returncode == 0
    assert written(tmp_path / "alpha.yaml")["data"]["color_mode"] == "rgba"
    assert init(tmp_path, "some_alpha").returncode == 0
    assert written(tmp_path / "some_alpha.yaml")["data"]["color_mode"] == "rgb"


def write_reviews(path: Path, extra: str = "") -> None:
    """A review export: a sentence per row, its rating a word, now and then an empty review."""
    praise = ("loved it, works great", "great value and fast delivery", "really happy with it")
    blame = ("broke after a week", "waste of money, do not buy", "arrived late and damaged")
    rows = [f"review,rating{extra and ',' + extra}"]
    for i in range(40):
        text = "" if i == 7 else f'"{(praise, blame)[i % 2][i % 3]} ({i})"'
        rows.append(f"{text},{('good', 'bad')[i % 2]}{extra and f',x{i}'}")
    path.write_text("\n".join(rows) + "\n")


def test_a_csv_of_free_text_and_a_target_starts_with_text_vectorization(tmp_path):
    write_reviews(tmp_path / "reviews.csv")
    result = init(tmp_path, "reviews.csv")
    assert result.returncode == 0, result.stderr
    assert "40 rows, column 'review' of free text; target 'rating': 2 classes" in result.stdout
    config = written(tmp_path / "reviews.yaml")
    assert config["data"] == {
        "source": "csv",
        "path": "reviews.csv",
        "target": "rating",
        "text": ["review"],
        "validation_split": 0.2,
    }
    layers = [next(iter(layer)) for layer in config["model"]["layers"]]
    assert layers[:3] == ["TextVectorization", "Embedding", "GlobalAveragePooling1D"]
    assert config["model"]["layers"][-1] == {"Dense": {"units": 2, "activation": "softmax"}}
    validated = invoke("validate", "reviews.yaml", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    assert "warning" not in validated.stderr

    write_reviews(tmp_path / "more.csv", extra="order")
    result = init(tmp_path, "more.csv", "--target", "rating")
    assert "column 'review' of free text (column 'order' left out" in result.stdout
    assert written(tmp_path / "more.yaml")["data"]["text"] == ["review"]


@pytest.mark.slow
def test_the_starter_for_a_csv_of_texts_searches_as_written(tmp_path):
    write_reviews(tmp_path / "reviews.csv")
    assert init(tmp_path, "reviews.csv").returncode == 0
    result = run_search(
        load_config(tmp_path / "reviews.yaml"), tmp_path / "results", workers=0, max_trials=1
    )
    assert [t.status.value for t in result.trials] == ["completed"]
    assert result.best.score is not None


@pytest.mark.parametrize(
    "content, message",
    [
        (b"a,b,y\n1.0,2.0,0\n", "t.csv has 1 data row; a search needs rows to train on"),
        (b"a,y\n1,2.5\n2,NA\n3,4.5\n", "t.csv: row 3 has no target ('y' is 'NA')"),
        (b"p,y\n12%,1\n7%,0\n", "column 'p' holds percentages ('12%')"),
        (b"a,b,y\n,NA,1\nNA,,0\n", "every column of t.csv but the target 'y' is all gaps"),
        ("a;Stadt;y\n1;Köln;0\n".encode("cp1252"), "t.csv is not UTF-8 text: line 2, column 4"),
    ],
)
def test_a_csv_that_loading_would_refuse_writes_no_starter(tmp_path, content, message):
    """The starter validates as written: it wrote configs for a one-row file, a target with
    gaps and a column of percentages, which validate then refused."""
    (tmp_path / "t.csv").write_bytes(content)
    result = init(tmp_path, "t.csv")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "internal error" not in result.stderr and not (tmp_path / "t.yaml").exists()


def write_listings(path: Path) -> None:
    """Product listings: a row number, a title and a description of free text, a price."""
    adjectives = ("sturdy", "light", "cheap", "solid", "shiny", "quiet", "small", "large")
    rows = ["row,title,description,price,sold"]
    for i in range(40):
        a, b = adjectives[i % 8], adjectives[(i * 3 + 1) % 8]
        rows.append(
            f'{i + 1},"{a} {b} lamp no {i}","a {a} lamp with a {b} shade, item {i}",'
            f"{10 + i % 7},{('yes', 'no')[i % 2]}"
        )
    path.write_text("\n".join(rows) + "\n")


def test_a_csv_of_two_free_text_columns_starts_with_each_a_bag_of_words(tmp_path):
    """Two free-text columns were written as features, one category per row each, which
    validate then warned about; now each is a bag of words beside the other columns, the row
    number left out."""
    write_listings(tmp_path / "listings.csv")
    result = init(tmp_path, "listings.csv")
    assert result.returncode == 0, result.stderr
    assert "3 feature columns" in result.stdout
    assert "'title', 'description' of free text, each a bag of" in result.stdout
    assert "'row'" in result.stdout
    data = written(tmp_path / "listings.yaml")["data"]
    assert data["features"] == ["title", "description", "price"]
    assert data["text"] == ["title", "description"]
    assert next(iter(written(tmp_path / "listings.yaml")["model"]["layers"][0])) == "Dense"
    validated = invoke("validate", "listings.yaml", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    assert "warning" not in validated.stderr


def test_a_csv_of_one_free_text_column_does_not_offer_its_row_numbers_as_features(tmp_path):
    """The advice named the row number among the columns to list in data.features."""
    write_reviews(tmp_path / "reviews.csv", extra="order")
    lines = (tmp_path / "reviews.csv").read_text().splitlines()
    numbered = [f"id,{lines[0]}", *(f"{i + 1},{line}" for i, line in enumerate(lines[1:]))]
    (tmp_path / "numbered.csv").write_text("\n".join(numbered) + "\n")
    result = init(tmp_path, "numbered.csv", "--target", "rating")
    assert result.returncode == 0, result.stderr
    assert "(column 'order' left out: list them in data.features" in result.stdout
    assert "'id' left out, a different whole number in every row" in result.stdout
    assert written(tmp_path / "numbered.yaml")["data"]["text"] == ["review"]


@pytest.mark.slow
def test_the_regression_starter_learns_a_target_in_its_own_units(tmp_path):
    """House prices in thousands: a network that starts near 0 spends its 20 epochs climbing
    towards them (val_loss the prices' mean squared, 1.7e7 here). The starter rescales the
    output by the target's deviation and mean, so the first trial beats predicting the mean,
    and the exported model answers in the target's units."""
    rng = np.random.default_rng(0)
    area = rng.uniform(30, 200, 150)
    rooms = rng.integers(1, 6, 150)
    price = 30 * area + 100 * rooms + rng.normal(0, 50, 150)
    rows = ["area,rooms,price"] + [
        f"{a:.1f},{r},{p:.2f}" for a, r, p in zip(area, rooms, price, strict=True)
    ]
    (tmp_path / "houses.csv").write_text("\n".join(rows) + "\n")
    assert init(tmp_path, "houses.csv").returncode == 0
    config = written(tmp_path / "houses.yaml")
    assert config["model"]["layers"][-1]["Rescaling"]["scale"] == pytest.approx(price.std(), 1e-3)
    result = run_search(
        load_config(tmp_path / "houses.yaml"), tmp_path / "results", workers=0, max_trials=1
    )
    assert [t.status.value for t in result.trials] == ["completed"]
    assert result.best.score < 0.5 * price.var()


@pytest.mark.parametrize("row_numbers", [False, True])
def test_a_column_of_gaps_only_is_left_out_of_the_features(tmp_path, row_numbers):
    """An export's empty column (notes nobody wrote) is one loading refuses: the starter
    listed it in data.features (or left it in the default features), so validate refused
    the config init had just written."""
    from tuner_cli.training.data import load_dataset

    rows = ["id,price,notes,brand,sold" if row_numbers else "price,notes,brand,sold"]
    for i in range(30):
        cells = [f"{10 + i % 7}", "NA" if i % 2 else "", ("acme", "zeta")[i % 2], f"{i % 2}"]
        rows.append(",".join([str(i + 1), *cells] if row_numbers else cells))
    (tmp_path / "export.csv").write_text("\n".join(rows) + "\n")
    result = init(tmp_path, "export.csv")
    assert result.returncode == 0, result.stderr
    assert "'notes' left out, only gaps (empty or NA-like cells)" in result.stdout
    data = written(tmp_path / "export.yaml")["data"]
    assert data["features"] == ["price", "brand"]
    load_dataset(load_config(tmp_path / "export.yaml"), seed=0)  # what validate refused


def excel_rows(delimiter: str) -> str:
    """A small sales export as Excel writes it: a number, a word column and a word target."""
    rows = [delimiter.join(("amount", "region", "bought"))]
    rows += [
        delimiter.join((f"{i * 1.5}", "nsew"[i % 4], ("yes", "no")[i % 3 == 0])) for i in range(24)
    ]
    return "\r\n".join(rows) + "\r\n"


def test_an_excel_unicode_text_export_is_read_as_utf16(tmp_path):
    """Excel's "Unicode Text" is UTF-16 with a byte order mark, tab-separated: init told the
    user to convert it from Windows-1252, which garbles it."""
    (tmp_path / "sales.txt").write_bytes(excel_rows("\t").encode("utf-16"))
    result = init(tmp_path, "sales.txt")
    assert result.returncode == 0, result.stderr
    assert "24 rows, 2 feature columns" in result.stdout
    config = written(tmp_path / "sales.yaml")
    assert config["data"]["delimiter"] == "\t" and config["data"]["target"] == "bought"


def test_an_excel_sep_line_names_the_delimiter(tmp_path):
    """Excel writes (and honours) a first line ``sep=;``: init read it as a header of two
    columns and refused every row ('row 2 has 3 cells; the header has 2')."""
    (tmp_path / "sales.csv").write_text("sep=;\r\n" + excel_rows(";"), newline="")
    result = init(tmp_path, "sales.csv")
    assert result.returncode == 0, result.stderr
    assert "24 rows, 2 feature columns" in result.stdout
    config = written(tmp_path / "sales.yaml")
    assert config["data"]["delimiter"] == ";" and config["data"]["target"] == "bought"


@pytest.mark.parametrize(
    "encoding, message",
    [
        ("latin-1", "café/0.txt is not UTF-8 text (byte 0xe8 at offset 2)"),
        ("utf-16", "café/0.txt is UTF-16 text (its byte order mark); Keras reads UTF-8"),
    ],
)
def test_a_text_folder_that_is_not_utf8_writes_no_starter(tmp_path, encoding, message):
    """validate refused the starter init had just written for it."""
    for name, words in (("café", "très bon café"), ("thé", "good tea")):
        (tmp_path / "mail" / name).mkdir(parents=True)
        for i in range(3):
            (tmp_path / "mail" / name / f"{i}.txt").write_text(words, encoding=encoding)
    result = init(tmp_path, "mail")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "internal error" not in result.stderr and not (tmp_path / "mail.yaml").exists()
