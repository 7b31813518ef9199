"""A starter config for the user's own data (``kt-run init``): the first hour's first file.

It looks at the data the way the search will (class subfolders, image sizes and colours, a
CSV's delimiter, decimal mark, columns and target) and writes a config that validates and
runs as it stands, with comments on what to change. No TensorFlow: the class folders and the
table are read by the same TensorFlow-free modules the driver uses.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tuner_cli.config.models import STUDY_NAME
from tuner_cli.errors import ConfigError, KeyPath, quoted
from tuner_cli.training.class_folders import (
    ClassFolders,
    check_texts,
    class_names,
    color_mode,
    left_out_note,
    one_size,
    read_images,
    scan,
)
from tuner_cli.training.csv_columns import EXCEL_SEP, GAPS, is_number, read_text
from tuner_cli.training.table import (
    Table,
    all_numbers,
    check_column,
    check_decimal_mark,
    has_decimal_commas,
    looks_like_ids,
    looks_like_text,
    read_table,
    row_ids,
    target_values,
)
from tuner_cli.wording import plural

KEY: KeyPath = ()
"""``kt-run init`` has no config yet: its errors name the data, not a key."""
DELIMITERS = ",;\t|"
MAX_CLASSES = 20
"""A target of whole numbers with at most this many values (from 0) is a class label."""
RESIZE = 64
"""The side images are resized to when they differ in size."""
SAMPLE_BYTES = 64 * 1024
"""How much of a CSV the delimiter is guessed from."""


@dataclass(frozen=True)
class Starter:
    about: str
    """What was found, in a line for the user."""
    data: list[str]
    space: list[str]
    layers: list[str]
    loss: str
    metric: str
    objective: str
    warnings: tuple[str, ...] = ()
    """What the user should know about the data before searching (files Keras leaves out)."""

    def render(self, name: str, command: str, config_name: str) -> str:
        lines = [
            f"# Written by `{command}`: a starting point, meant to be edited.",
            f"# Found: {self.about}.",
            f"# Next: kt-run validate {config_name}; kt-run search {config_name}; kt-run best",
            "# Every key is in README.md (Reference); `kt-run schema` gives editor completion.",
            f"name: {json.dumps(name)}",
            "seed: 1",
            "data:",
            *(f"  {line}" for line in self.data),
            "search_space:",
            *(f"  {line}" for line in self.space),
            "  learning_rate: {type: float, min: 1.0e-4, max: 1.0e-2, sampling: log}",
            "model:",
            "  layers:",
            *(f"    - {line}" for line in self.layers),
            "  optimizer: {name: adam, learning_rate: $learning_rate}",
            f"  loss: {self.loss}",
            f"  metrics: [{self.metric}]",
            "training:",
            "  epochs: 20",
            "  batch_size: 32",
            "  early_stopping: {monitor: val_loss, patience: 3}",
            "strategy:",
            "  name: bayesian       # or random, grid, hyperband, bohb, asha (with max_epochs)",
            f"  objective: {self.objective}",
            "  max_trials: 20",
        ]
        return "\n".join(lines) + "\n"


def starter_for(data: Path | None, config_dir: Path, target: str | None = None) -> Starter:
    """The starter for ``data`` (a folder of class subfolders, or a CSV file; None: the
    bundled digits), with paths written relative to ``config_dir``, where the config goes."""
    if data is None:
        if target is not None:
            raise ConfigError("--target is for a CSV file")
        return _digits()
    if not data.exists():
        raise ConfigError(f"no such file or folder: {data}")
    if data.is_dir():
        if target is not None:
            raise ConfigError("--target is for a CSV file; a folder's classes are its subfolders")
        return _folder(data, _relative(data, config_dir))
    if data.suffix.lower() in (".csv", ".tsv", ".txt"):
        return _csv(data, _relative(data, config_dir), target)
    raise ConfigError(
        f"{data} is neither a folder of class subfolders nor a CSV file; for arrays (npz) or "
        "a Python loader, start from a config in configs/ or examples/"
    )


def study_name(data: Path | None) -> str:
    """A study name from the data's file or folder name, made to fit ``STUDY_NAME``
    (starting with a letter or digit, at most 100 characters)."""
    if data is None:
        return "digits"
    stem = data.resolve().stem if data.is_file() else data.resolve().name
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).lstrip("-._")[:100].rstrip("-.")
    return name if STUDY_NAME.fullmatch(name) else "study"


def _relative(data: Path, config_dir: Path) -> str:
    """The data's path from the config's folder, as the config resolves it."""
    return os.path.relpath(data.resolve(), config_dir.resolve())


TABLE_SPACE = [
    "units: {type: int, min: 16, max: 256, step: 16}",
    "dropout: {type: float, min: 0.0, max: 0.5, step: 0.1}",
]
"""The space of a dense network on a table's columns."""


def _digits() -> Starter:
    return Starter(
        about="no data given: scikit-learn's bundled digits (8x8 images as 64 numbers)",
        data=["source: sklearn", "name: digits", "validation_split: 0.2", "scale: standard"],
        space=[
            "units: {type: int, min: 32, max: 512, step: 32}",
            "dropout: {type: float, min: 0.0, max: 0.5, step: 0.1}",
        ],
        layers=_dense_head("10, activation: softmax"),
        loss="sparse_categorical_crossentropy",
        metric="accuracy",
        objective="val_accuracy",
    )


def _dense_head(output: str) -> list[str]:
    return [
        "Dense: {units: $units, activation: relu}",
        "Dropout: {rate: $dropout}",
        f"Dense: {{units: {output}}}",
    ]


def _folder(root: Path, path: str) -> Starter:
    """Images or texts, whichever the class subfolders hold (images when both)."""
    class_names(root, KEY)
    try:
        images = scan(root, "images", KEY)
    except ConfigError as no_images:
        try:
            folders = scan(root, "text", KEY)
        except ConfigError:
            raise ConfigError(f"{no_images.message}, nor .txt files") from None
        return _texts(folders, path)
    return _images(images, path)  # an unreadable image is named as one, not taken for text


def _images(folders: ClassFolders, path: str) -> Starter:
    images = read_images(folders, KEY)
    color = color_mode({mode for _, mode in images.values()})
    data = [
        "source: images",
        f"path: {json.dumps(path)}",
        f"color_mode: {color}",
        "validation_split: 0.2",
        "scale: 0.00392156862745098   # 1/255: pixels from 0-255 to 0-1, inside the model",
    ]
    try:
        height, width = one_size(images, KEY)
        size = f"{height}x{width}"
    except ConfigError:
        height = width = RESIZE
        size = "of several sizes"
        data.append(f"image_size: [{RESIZE}, {RESIZE}]   # the images differ; each is resized")
    pool = ["MaxPooling2D: {}"] if min(height, width) >= 8 else []
    return Starter(
        about=f"{plural(folders.count, f'{color} image')} {size} in {_classes_found(folders)}",
        warnings=_left_out(folders, "images"),
        data=data,
        space=[
            "filters: {type: choice, values: [16, 32, 64]}",
            "dropout: {type: float, min: 0.0, max: 0.5, step: 0.1}",
        ],
        layers=[
            "Conv2D: {filters: $filters, kernel_size: 3, padding: same, activation: relu}",
            *pool,
            "Conv2D: {filters: $filters, kernel_size: 3, padding: same, activation: relu}",
            "GlobalAveragePooling2D: {}",
            "Dropout: {rate: $dropout}",
            f"Dense: {{units: {len(folders.class_names)}, activation: softmax}}",
        ],
        loss="sparse_categorical_crossentropy",
        metric="accuracy",
        objective="val_accuracy",
    )


def _classes_found(folders: ClassFolders) -> str:
    names = folders.class_names
    listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return f"{plural(len(names), 'class', 'classes')} ({listed})"


def _left_out(folders: ClassFolders, source: str) -> tuple[str, ...]:
    note = left_out_note(folders, source)
    return (note,) if note else ()


def _texts(folders: ClassFolders, path: str) -> Starter:
    check_texts(folders, KEY)  # validate refuses a Latin-1 or UTF-16 file: say so first
    return Starter(
        about=f"{plural(folders.count, 'text file')} in {_classes_found(folders)}",
        warnings=_left_out(folders, "text"),
        data=["source: text", f"path: {json.dumps(path)}", "validation_split: 0.2"],
        space=TEXT_SPACE,
        layers=_text_layers(f"{len(folders.class_names)}, activation: softmax"),
        loss="sparse_categorical_crossentropy",
        metric="accuracy",
        objective="val_accuracy",
    )


TEXT_SPACE = [
    "max_tokens: {type: choice, values: [2000, 20000]}",
    "sequence_length: {type: choice, values: [64, 256]}",
    "embedding: {type: int, min: 16, max: 64, step: 16}",
    "dropout: {type: float, min: 0.0, max: 0.5, step: 0.1}",
]
"""The space of a text model: a folder's, or a CSV's text column's."""


def _text_layers(output: str) -> list[str]:
    """Words to numbers (adapted on each trial's training texts), embedded and averaged."""
    return [
        "TextVectorization: {max_tokens: $max_tokens, output_sequence_length: $sequence_length}",
        "Embedding: {input_dim: $max_tokens, output_dim: $embedding}",
        "GlobalAveragePooling1D: {}",
        "Dropout: {rate: $dropout}",
        f"Dense: {{units: {output}}}",
    ]


def _csv(file: Path, path: str, target: str | None) -> Starter:
    delimiter = _delimiter(file)
    table = read_table(file, delimiter, KEY)
    decimal = "," if delimiter != "," and has_decimal_commas(table) else "."
    if decimal == ",":
        table = read_table(file, delimiter, KEY, decimal)
    target = target or table.header[-1]
    check_column(table, target, KEY)
    if table.column(target).gaps == table.length:
        raise ConfigError(
            f"the target {quoted(target)} of {file.name} is all gaps (empty or NA-like cells): "
            "there is nothing to learn; choose the column to predict with --target COLUMN"
        )
    if table.length < 2:
        raise ConfigError(
            f"{file.name} has {table.length} data row; a search needs rows to train on and "
            "rows to validate on"
        )
    # what loading the data would refuse, refused before a config that cannot run is written
    try:
        target_values(table, target)
    except ConfigError as exc:  # no config yet: the message names the file, not a key
        raise ConfigError(exc.message) from None
    for name in table.header:
        if name != target and table.column(name).words:
            check_decimal_mark(table, name, KEY)
    data = ["source: csv", f"path: {json.dumps(path)}", f"target: {json.dumps(target)}"]
    if delimiter != ",":
        data.append(f"delimiter: {json.dumps(delimiter)}")
    if decimal == ",":
        data.append('decimal: ","')
    features = [name for name in table.header if name != target]
    empty = [name for name in features if table.column(name).gaps == table.length]
    if len(empty) == len(features):
        raise ConfigError(
            f"every column of {file.name} but the target {quoted(target)} is all gaps (empty "
            "or NA-like cells): there is nothing to learn from"
        )
    features = [name for name in features if name not in empty]
    data.append("validation_split: 0.2")
    texts = [name for name in features if _free_text(table, name)]
    ids = _id_columns(table, features)
    if len(texts) == 1:
        data.append(f"text: [{json.dumps(texts[0])}]")
        about = _text_found(table, texts[0], features, ids) + _empty_note(empty)
        space, layers = TEXT_SPACE, _text_layers
    else:
        one_offs = _one_off_words(table, [name for name in features if name not in ids], texts)
        if ids or one_offs:
            features = [name for name in features if name not in (*ids, *one_offs)]
        if ids or one_offs or texts or empty:  # several texts: each a bag of words
            data.append(f"features: [{', '.join(json.dumps(name) for name in features)}]")
        if texts:
            data.append(f"text: [{', '.join(json.dumps(name) for name in texts)}]")
        # numbers only, the target's too: one array, which only data.scale standardises; any
        # other table has its numeric columns standardised inside the model, and refuses scale
        plain = all_numbers(table) and not ids
        if plain:
            data.append("scale: standard")
        numbers = all(table.column(name).numbers for name in features)
        kind = "numbers" if numbers else "numbers, words or gaps"
        kind += "" if plain else " (encoded inside the model)"
        about = (
            f"{plural(table.length, 'row')}, {plural(len(features), 'feature column')} of {kind}"
        )
        if texts:
            about += (
                f", {', '.join(quoted(name) for name in texts)} of free text, each a bag of "
                "its most frequent words"
            )
        if ids:
            about += (
                f" (left out, a different whole number in every row: row numbers or ids: "
                f"{', '.join(quoted(name) for name in ids)})"
            )
        if one_offs:
            about += (
                " (left out, a different value in nearly every row: dates, times, ids or "
                f"names, which as categories cannot carry over to new rows: "
                f"{', '.join(quoted(name) for name in one_offs)})"
            )
        about += _empty_note(empty)
        space, layers = TABLE_SPACE, _dense_head
    classes = _classes(table, target)
    if classes is None:
        return Starter(
            about=f"{about}; target {quoted(target)}: numbers (regression)",
            data=data,
            space=space,
            layers=[*layers("1"), _target_scale(table, target)],
            loss="mse",
            metric="mae",
            objective="val_loss",
        )
    if _signed_labels(table, target):
        data.append(f"categorical: [{json.dumps(target)}]")
        names = target_values(table, target, classes=True)[1]
        found = (
            f"2 classes (the labels {' and '.join(names)}, read as classes 0 and 1: "
            "data.categorical lists the target)"
        )
    else:
        found = f"{classes} classes{_labels_note(table, target)}{_id_note(table, target)}"
    return Starter(
        about=f"{about}; target {quoted(target)}: {found}",
        data=data,
        space=space,
        layers=layers(f"{classes}, activation: softmax"),
        loss="sparse_categorical_crossentropy",
        metric="accuracy",
        objective="val_accuracy",
    )


def _target_scale(table: Table, target: str) -> str:
    """A regression target in its own units (prices in thousands) is far from the unit scale a
    freshly initialised network outputs: in a starter's 20 epochs the network would still be
    climbing towards the mean. A last ``Rescaling`` by the target's deviation and mean lets the
    network predict it at unit scale, while the model, the loss and every exported prediction
    stay in the target's units."""
    values = table.column(target).values.astype("float64")
    values = values[np.isfinite(values)]
    mean = float(values.mean()) if values.size else 0.0
    deviation = float(values.std()) if values.size else 0.0
    return (
        f"Rescaling: {{scale: {_yaml_float(deviation or 1.0)}, offset: {_yaml_float(mean)}}}"
        "   # the target's deviation and mean in the file: the network learns it at unit scale"
    )


def _yaml_float(value: float) -> str:
    """Six significant digits that YAML reads as a float (``1e+03`` would be a string)."""
    text = f"{value:.6g}"
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}{e}{exponent}"


def _id_columns(table: Table, features: list[str]) -> list[str]:
    """Number columns that are row numbers or ids, which the starter leaves out of the
    features, unless nothing else would be left."""
    ids = [name for name in features if table.column(name).numbers and row_ids(table, name)]
    return ids if len(ids) < len(features) else []


def _one_off_words(table: Table, features: list[str], texts: list[str]) -> list[str]:
    """Word columns that are not sentences yet hold a different value in nearly every row
    (``2024-01-03 14:00``, order codes, names). Read as categories, one per value, they fit
    the training rows and nothing new, as loading warns; the starter leaves them out, unless
    nothing else would be left."""
    found = []
    for name in features:
        if name in texts or table.column(name).numbers_and_gaps:
            continue
        cells = _filled(table, name)
        if looks_like_ids(len(set(cells)), len(cells)):
            found.append(name)
    return found if len(found) < len(features) else []


def _filled(table: Table, name: str) -> list[str]:
    """The column's cells that hold a value, gaps (empty or NA-like) left out."""
    return [cell for cell in table.cells(name) if cell not in GAPS]


def _empty_note(empty: list[str]) -> str:
    """The columns left out for holding no value (an export's unused ``notes``), which
    loading refuses as features, so the starter's features leave them out."""
    if not empty:
        return ""
    names = ", ".join(quoted(name) for name in empty)
    return f" ({names} left out, only gaps (empty or NA-like cells))"


def _free_text(table: Table, name: str) -> bool:
    """A word column of sentences with a different value in most rows: reviews,
    descriptions, tickets, which the starter reads as text rather than as categories."""
    if not table.column(name).words:
        return False
    cells = _filled(table, name)
    return looks_like_ids(len(set(cells)), len(cells)) and looks_like_text(set(cells))


def _text_found(table: Table, text: str, features: list[str], ids: list[str]) -> str:
    """What the starter reads, and the columns it leaves out: the text alone gets the text
    folders' model (an embedding of its words); beside other columns it is a bag of words.
    Row numbers and ids are not offered as columns to read beside it."""
    about = f"{plural(table.length, 'row')}, column {quoted(text)} of free text"
    left_out = [quoted(name) for name in features if name != text and name not in ids]
    notes = []
    if left_out:
        notes.append(
            f"column{'s' if len(left_out) > 1 else ''} {', '.join(left_out)} left out: "
            "list them in data.features to read the text as a bag of words beside them, with "
            "a template that starts with Dense"
        )
    if ids:
        notes.append(
            f"{', '.join(quoted(name) for name in ids)} left out, a different whole number in "
            "every row: row numbers or ids"
        )
    return f"{about} ({'; '.join(notes)})" if notes else about


def _labels_note(table: Table, target: str) -> str:
    """Whole numbers may be labels or quantities: say how to switch when it guessed labels."""
    if not all(is_number(c) for c in _filled(table, target)):
        return ""
    return (
        " (whole numbers read as class labels; for a regression: loss mse, metrics [mae], "
        "one output unit without softmax, objective val_loss)"
    )


def _id_note(table: Table, target: str) -> str:
    """A word target with a value for nearly every row is more likely a name or an id than
    a class: such a classifier cannot learn, so say which column was taken and how to pick
    another before anyone spends an hour on it."""
    cells = _filled(table, target)
    if not looks_like_ids(len(set(cells)), len(cells)):
        return ""
    return (
        f"; {len(set(cells)):,} different values in {plural(len(cells), 'row')} look like names "
        "or ids, not classes: choose the column to predict with --target COLUMN"
    )


def _delimiter(file: Path) -> str:
    """The delimiter Excel's ``sep=`` line names, else the one the file's first lines agree
    on; a comma when they do not say."""
    sample = read_text(file, size=SAMPLE_BYTES)
    if named := EXCEL_SEP.match(sample):
        return named.group(1)
    lines = sample.splitlines()
    sample = "\n".join(lines[:-1] if len(lines) > 2 else lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _signed_labels(table: Table, target: str) -> bool:
    """Two whole numbers, one below 0 (``-1``/``1``): a binary label as some tools write it,
    which no softmax takes as class indices, so the starter reads them as class names."""
    values = np.unique(table.column(target).values) if table.column(target).numbers else []
    return len(values) == 2 and values[0] < 0 and all(v.is_integer() for v in values)


def _classes(table: Table, target: str) -> int | None:
    """How many classes the target holds, or None for a regression target: words are
    classes; whole numbers from 0 are class labels when there are at most ``MAX_CLASSES``."""
    cells = _filled(table, target)
    if not all(is_number(c) for c in cells):
        return len(set(cells))
    if _signed_labels(table, target):
        return 2
    values = {float(c) for c in cells}
    labels = all(v.is_integer() and v >= 0 for v in values)
    if labels and max(values) < MAX_CLASSES:
        return int(max(values)) + 1
    return None
