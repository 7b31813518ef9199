"""A CSV file as a table of named columns: which are numbers, which categories, where the gaps
are. No TensorFlow here: the driver reads a string target's class names with it too.

A cell is a gap when it is empty or one of ``GAPS``. A feature column is numeric when every
cell that is not a gap is a finite number, and categorical otherwise; ``data.numeric`` and
``data.categorical`` override the choice, ``data.features`` picks the columns (default: all
but the target).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tuner_cli.errors import ConfigError, KeyPath, quoted
from tuner_cli.training.csv_columns import (
    DECIMAL_COMMA,
    GAPS,
    Column,
    is_number,
    read_columns,
)
from tuner_cli.wording import plural

if TYPE_CHECKING:
    from tuner_cli.config import DataConfig

ID_LIKE_SHARE = 0.5
ID_LIKE_ROWS = 20
"""A word column with more distinct values than this share of its rows (of at least this
many rows) is more likely a date, an id or free text than categories."""
TEXT_WORDS = 3
"""A word column most of whose different values hold this many words or more is free text
(reviews, descriptions, tickets), for ``data.text``; names and dates hold fewer."""
STRAY_WORDS_SHARE = 0.1
"""A word column whose words are at most this share of its cells (the rest numbers) is
numbers with a few stray words, most likely meaning "no value"."""
ID_NAME = re.compile(r"(?:^|[^A-Za-z])[Ii][Dd]$|[a-z]I[Dd]$")
"""``id``, ``row_id``, ``Customer ID``, ``customerId``, ``OrderID``; not ``paid``, ``valid``."""
THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+")
"""``1,234``: a decimal comma, or a thousands separator; only the user can say which."""
GROUPED = re.compile(
    r"[+-]?[1-9]\d{0,2}"
    r"(?:(?:,\d{3})+(?:\.\d*)?|(?:\.\d{3})+,\d*|(?:[ \u00a0\u202f']\d{3})+(?:[.,]\d*)?)"
)
"""A number with thousands separators: ``1,234.5``, ``1.234,5``, ``1 234,5``, ``1'234.5``."""
PERCENT = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?\s?%")
"""A percentage as a spreadsheet writes one: ``12%``, ``12,5 %``."""


@dataclass(frozen=True)
class Table:
    path: Path
    header: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def length(self) -> int:
        """The number of data rows."""
        return len(self.columns[0].values)

    def column(self, name: str) -> Column:
        return self.columns[self.header.index(name)]

    def cells(self, column: str) -> list[str]:
        """The column's cells, stripped (a Python string each: for word columns, and for
        number columns only where a message or a category needs the text)."""
        return [cell.strip() for cell in self.column(column).raw()]


@dataclass(frozen=True)
class Columns:
    """The feature columns, in file order, split by kind."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    text: tuple[str, ...] = ()
    """``data.text`` beside other columns: each a bag of words."""

    @property
    def features(self) -> tuple[str, ...]:
        return self.numeric + self.categorical + self.text


def read_table(path: Path, delimiter: str, key_path: KeyPath, decimal: str = ".") -> Table:
    """The header and the columns; with ``decimal`` ``","`` every cell that is a number written
    with a decimal comma is read with a point, so every reader after this sees numbers."""
    header, columns = read_columns(path, delimiter, key_path, decimal)
    return Table(path, header, columns)


def check_decimal_mark(table: Table, name: str, key_path: KeyPath, target: bool = False) -> None:
    """A column whose cells are all numbers, some with a comma, is numbers the file wrote
    the European way (or with thousands separators), not categories: read as categories,
    every value becomes one of its own (a regression target, as many classes as rows). The
    user must say which. So are numbers with thousands separators and a decimal part
    (``1,234.5``, ``1.234,5``) and percentages (``12%``): spreadsheets write them so, and
    only the file can be made to say them as numbers."""
    cells = [c for c in table.cells(name) if c not in GAPS]
    keep = "" if target else ", or list the column in data.categorical to keep them as words"
    found = f"{table.path.name}: column {quoted(name)} holds"
    commas = [c for c in cells if DECIMAL_COMMA.fullmatch(c)]
    if commas and all(is_number(c) or DECIMAL_COMMA.fullmatch(c) for c in cells):
        raise ConfigError(
            f"{found} numbers written with a comma ({quoted(commas[0])}); if it is their "
            "decimal mark, set data.decimal: ',' (with data.delimiter other than ','); "
            f"thousands separators must go from the file first{keep}",
            key_path=key_path,
        )
    for pattern, what, fix in (
        (GROUPED, "numbers with thousands separators", "write them without the separators"),
        (PERCENT, "percentages", "write them as plain numbers (12 or 0.12 for 12%)"),
    ):
        odd = [c for c in cells if pattern.fullmatch(c)]
        if odd and all(is_number(c) or pattern.fullmatch(c) for c in cells):
            raise ConfigError(
                f"{found} {what} ({quoted(odd[0])}), which are not read as numbers; {fix} in "
                f"the file (a spreadsheet: format the column as a plain number){keep}",
                key_path=key_path,
            )


def has_decimal_commas(table: Table) -> bool:
    """Whether some cell is a number with a decimal comma that cannot be a thousands
    separator (``48018,43``; not ``1,234``)."""
    return any(
        DECIMAL_COMMA.fullmatch(cell) and not THOUSANDS.fullmatch(cell)
        for name, column in zip(table.header, table.columns, strict=True)
        if column.words  # a comma is never in a number nor a gap
        for cell in table.cells(name)
    )


def check_column(table: Table, name: str, key_path: KeyPath) -> None:
    if name not in table.header:
        raise ConfigError(
            f"{table.path.name} has no column {quoted(name)}; its columns are "
            f"{quoted(', '.join(table.header))}",
            key_path=key_path,
        )


def choose_columns(table: Table, data: DataConfig) -> Columns:
    """Each feature column's kind, as the config says or as its cells say."""
    for key in ("features", "numeric", "categorical", "text"):
        for name in getattr(data, key) or ():
            check_column(table, name, ("data", key))
    if data.target in (data.numeric or ()):
        raise ConfigError(
            f"{quoted(data.target)} is the target column", key_path=("data", "numeric")
        )
    chosen = feature_names(table, data)
    if data.target in chosen:
        raise ConfigError(
            f"the target {quoted(data.target)} cannot also be a feature",
            key_path=("data", "features"),
        )
    numeric, categorical, text = [], [], []
    for name in chosen:
        column = table.column(name)
        if column.gaps == table.length:
            listed = "text" if name in (data.text or ()) else "features" if data.features else None
            fix = (
                f"remove it from data.{listed}"
                if listed
                else ("drop it or list the other columns in data.features")
            )
            raise ConfigError(
                f"{table.path.name}: column {quoted(name)} is all gaps (empty or NA-like "
                f"cells); {fix}",
                key_path=("data", listed or "path"),
            )
        if name in (data.text or ()):
            text.append(name)
            continue
        _check_no_infinity(table, name)
        if name in (data.categorical or ()):
            categorical.append(name)
        elif name in (data.numeric or ()) or column.numbers_and_gaps:
            numeric.append(name)
        else:
            check_decimal_mark(table, name, ("data", "path"))
            categorical.append(name)
    return Columns(tuple(numeric), tuple(categorical), tuple(text))


def feature_names(table: Table, data: DataConfig) -> list[str]:
    """The input columns: ``data.features`` (default: all but the target), then any text
    column read beside them that they leave out."""
    chosen = data.features or [name for name in table.header if name != data.target]
    return [*chosen, *(name for name in data.text or () if name not in chosen)]


def _check_no_infinity(table: Table, name: str) -> None:
    """A cell that reads as an infinite or float32-overflowing number is a broken value, not a
    category nor a gap."""
    broken = table.column(name).broken
    if broken is not None:
        index, cell = broken[0], broken[1].strip()
        raise ConfigError(
            f"{table.path.name}: row {index + 2}, column {quoted(name)} holds {cell!r}; "
            "every value must be a finite number or a gap (an empty cell)",
            key_path=("data", "path"),
        )


def is_plain_matrix(table: Table, data: DataConfig) -> bool:
    """A table of numbers without gaps and without column settings: read as one array, as
    kt-run always has (the exported model then takes an array, not columns)."""
    if data.features or data.numeric or data.categorical_features or data.text:
        return False
    return all_numbers(table)


def all_numbers(table: Table) -> bool:
    """Whether every cell, the target's too, is a number (no gaps, no words)."""
    return all(column.numbers for column in table.columns)


def numeric_values(table: Table, name: str, key_path: KeyPath) -> np.ndarray:
    """float32, NaN for gaps; a cell that is neither a number nor a gap is an error."""
    column = table.column(name)
    if not column.numbers_and_gaps:
        cells = enumerate(table.cells(name))
        index, cell = next((i, c) for i, c in cells if c not in GAPS and not is_number(c))
        raise ConfigError(
            f"{table.path.name}: row {index + 2}, column {quoted(name)} holds {quoted(cell)}; "
            "a numeric column holds finite numbers or gaps (list it in data.categorical "
            "to treat it as categories)",
            key_path=key_path,
        )
    return column.values


def category_values(table: Table, name: str) -> np.ndarray:
    """Strings as written, ``""`` for a gap (a category of its own)."""
    return np.array([("" if c in GAPS else c) for c in table.cells(name)], dtype=object)


def target_values(
    table: Table, target: str, classes: bool = False
) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Numbers as numbers (whole ones as int64 labels); strings, and numbers read as
    ``classes`` (``data.categorical`` lists the target), as indices into the sorted class
    names: numbers in the order of their values, each named by its value (``1`` and ``1.0``
    are one class, ``1``, in a training and a validation file alike)."""
    column = table.column(target)
    if column.gaps:
        index, cell = next((i, c) for i, c in enumerate(table.cells(target)) if c in GAPS)
        raise ConfigError(
            f"{table.path.name}: row {index + 2} has no target ({quoted(target)} is "
            f"{quoted(cell)}); drop rows without a target",
            key_path=("data", "target"),
        )
    if column.numbers and classes:
        values, y = np.unique(column.values, return_inverse=True)
        names = tuple(str(int(v)) if v.is_integer() else repr(float(v)) for v in values)
        return y.astype("int64"), names
    if column.numbers:
        y = column.values
        return (y.astype("int64") if np.all(y == np.round(y)) else y), None
    cells = table.cells(target)
    check_decimal_mark(table, target, ("data", "target"), target=True)
    names = tuple(sorted(set(cells)))
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[c] for c in cells], dtype="int64"), names


def data_path(path: str, base: Path) -> Path:
    """A file or folder the config names, from the config's folder unless absolute (``~``
    expanded)."""
    resolved = Path(path).expanduser()
    return resolved if resolved.is_absolute() else base / resolved


def target_class_names(data: DataConfig, base: Path) -> list[str] | None:
    """A string target's class names, for study.json; ``None`` if numeric or unreadable."""
    path = data_path(data.path, base)
    try:
        table = read_table(path, data.delimiter, ("data", "path"), data.decimal)
        check_column(table, data.target, ("data", "target"))
        names = target_values(table, data.target, data.target_classes)[1]
    except (ConfigError, OSError):
        return None
    return None if names is None else list(names)


def table_notes(data: DataConfig | None, base: Path) -> list[str]:
    """Warnings about a CSV table's columns, read on the driver (no TensorFlow): a word
    column with a different value in nearly every row (a date, an id, free text) becomes a
    one-hot slot per row, which fits the training rows and tells nothing about new ones.
    Empty when the source is no table or cannot be read (loading it reports why). A column
    of numbers, with gaps or without, is passed over on what reading it found, so a large
    table of numbers costs its reading only."""
    if data is None or data.source != "csv":
        return []
    path = data_path(data.path, base)
    try:
        table = read_table(path, data.delimiter, ("data", "path"), data.decimal)
    except (ConfigError, OSError):
        return []
    notes = [note for name in data.text or () if (note := _number_text_note(table, name))]
    if data.text and not data.text_beside_columns:
        return notes
    for name in feature_names(table, data):
        if name not in table.header or name in (*(data.numeric or ()), *(data.text or ())):
            continue
        listed = name in (data.categorical or ())
        if not listed and table.column(name).numbers_and_gaps:
            if note := _row_ids_note(table, name):
                notes.append(note)
            continue  # numbers, with gaps or without
        counts = Counter(table.column(name).raw())  # cells as written, counted in C
        distinct = len(counts.keys() - GAPS)
        rows = table.length - sum(counts[gap] for gap in GAPS)
        if not listed and (note := _stray_words(table, name, counts, rows)):
            notes.append(note)
            continue
        if not looks_like_ids(distinct, rows):
            continue
        found = f"data: column {quoted(name)} of {path.name} has {distinct:,} different values"
        if looks_like_text(counts.keys() - GAPS):
            notes.append(
                f"{found} of free text in {rows:,} rows; as categories (one per value) it "
                f"cannot carry over to new rows: read it as text with data.text: [{name}] "
                "(alone, the model's one input, its template starting with "
                "TextVectorization; with data.features naming other columns, a bag of its "
                "words beside them)"
            )
            continue
        notes.append(
            f"{found} in {rows:,} rows; as categories (one per value) it cannot carry over to "
            "new rows (a date, an id, free text?): leave it out with data.features, or "
            "write it as numbers in the file"
        )
    return notes


def _number_text_note(table: Table, name: str) -> str | None:
    """A column of numbers in ``data.text``: each number is a word of its own, so nearby
    values tell the model nothing of each other (``19.99`` and ``20`` as far apart as any)."""
    if name not in table.header or not table.column(name).numbers_and_gaps:
        return None
    return (
        f"data.text: column {quoted(name)} of {table.path.name} holds numbers, not text: read "
        "as text, each number is a word of its own and unseen numbers are one unknown word; "
        "list it in data.numeric (or data.features) instead"
    )


def _row_ids_note(table: Table, name: str) -> str | None:
    if (found := row_ids(table, name)) is None:
        return None
    return (
        f"data: column {quoted(name)} of {table.path.name} holds a different whole number in "
        f"every row ({found}): most likely a row number or an id, which as a feature tells the "
        "model where a row sits in the file rather than what it is; leave it out with "
        "data.features, or list it in data.numeric if it is a quantity"
    )


def row_ids(table: Table, name: str) -> str | None:
    """Whether a number column is a row number or an id: a different whole number in every
    row, counting the rows from 0 or 1 (``1 to 500``, whatever the order), or with an id's
    name (``CustomerID``). Said as the values' range, for a message; None when it is not.
    Counting from elsewhere (``2000 to 2030``) is more likely a quantity: a year, an age."""
    column = table.column(name)
    if column.gaps or table.length < ID_LIKE_ROWS:
        return None
    try:  # whole numbers as written, compared exactly (float32 would merge large ids)
        values = np.asarray(column.raw()).astype(np.int64)
    except (ValueError, OverflowError):
        return None
    distinct = np.unique(values)
    if distinct.size < values.size:
        return None
    low, high = int(distinct[0]), int(distinct[-1])
    if low in (0, 1) and high - low == values.size - 1:
        return f"{low} to {high}, each once"
    return f"{low} to {high}, named as an id" if ID_NAME.search(name.strip()) else None


def _stray_words(table: Table, name: str, counts: Counter[str], rows: int) -> str | None:
    """A column of numbers but for a few words (``unknown``, ``n.a.``, ``see notes``) is read
    as categories, one per number: most likely those words mean "no value"."""
    words = {cell for cell in counts if cell.strip() not in GAPS and not is_number(cell)}
    stray = sum(counts[cell] for cell in words)
    if not words or stray > STRAY_WORDS_SHARE * rows:
        return None
    cells = table.column(name).raw()
    first = next(index for index, cell in enumerate(cells) if cell in words)
    return (
        f"data: column {quoted(name)} of {table.path.name} holds numbers but for "
        f"{plural(stray, 'cell')} of words ({quoted(cells[first].strip())} first, row "
        f"{first + 2}), so it is read as categories, one per value: make those cells empty "
        "(gaps) to read the column as numbers, or list it in data.categorical to keep it as "
        "categories"
    )


def looks_like_text(values: Iterable[str]) -> bool:
    """Whether most of a column's different values are sentences rather than names: free
    text, which ``data.text`` reads as words instead of one category per value."""
    values = list(values)
    wordy = sum(len(value.split()) >= TEXT_WORDS for value in values)
    return bool(values) and wordy * 2 >= len(values)


def looks_like_ids(distinct: int, rows: int) -> bool:
    """Whether a word column (or target) with ``distinct`` values in ``rows`` rows is more
    likely ids, dates or free text than categories."""
    return rows >= ID_LIKE_ROWS and distinct > ID_LIKE_SHARE * rows
