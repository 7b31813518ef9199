"""A CSV file as a table of named columns: which are numbers, which categories, where the gaps
are. No TensorFlow here: the driver reads a string target's class names with it too.

A cell is a gap when it is empty or one of ``GAPS``. A feature column is numeric when every
cell that is not a gap is a finite number, and categorical otherwise; ``data.numeric`` and
``data.categorical`` override the choice, ``data.features`` picks the columns (default: all
but the target).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tuner_cli.errors import ConfigError, KeyPath, quoted

if TYPE_CHECKING:
    from tuner_cli.config import DataConfig

GAPS = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?"})
FLOAT32_MAX = 3.4e38
ID_LIKE_SHARE = 0.5
ID_LIKE_ROWS = 20
"""A word column with more distinct values than this share of its rows (of at least this
many rows) is more likely a date, an id or free text than categories."""
SAMPLE_ROWS = 1000
"""The rows a column's first look at takes (a column of numbers is passed over on them)."""
DECIMAL_COMMA = re.compile(r"[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?")
"""A number written with a decimal comma (``48018,43``), as spreadsheets in much of Europe
export them: ``data.decimal: ","`` reads it as a number."""
THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+")
"""``1,234``: a decimal comma, or a thousands separator; only the user can say which."""


@dataclass(frozen=True)
class Table:
    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def cells(self, column: str) -> list[str]:
        index = self.header.index(column)
        return [row[index].strip() if index < len(row) else "" for row in self.rows]


@dataclass(frozen=True)
class Columns:
    """The feature columns, in file order, split by kind."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def features(self) -> tuple[str, ...]:
        return self.numeric + self.categorical


def read_table(path: Path, delimiter: str, key_path: KeyPath, decimal: str = ".") -> Table:
    """The header and the rows; with ``decimal`` ``","`` every cell that is a number written
    with a decimal comma is rewritten with a point, so every reader after this sees numbers."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = [tuple(row) for row in csv.reader(handle, delimiter=delimiter) if row]
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", key_path=key_path) from None
    except csv.Error as exc:
        raise ConfigError(
            f"{path.name} is not a readable CSV file: {exc}", key_path=key_path
        ) from None
    if len(rows) < 2:
        raise ConfigError(f"{path.name} needs a header row and data rows", key_path=key_path)
    header = tuple(name.strip() for name in rows[0])
    _check_names(path, header, key_path)
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ConfigError(
                f"{path.name}: row {number} has {len(row)} cells; the header has {len(header)}",
                key_path=key_path,
            )
    body = rows[1:]
    if decimal == ",":
        body = [tuple(with_decimal_point(cell) for cell in row) for row in body]
    return Table(path, header, tuple(body))


def _check_names(path: Path, header: tuple[str, ...], key_path: KeyPath) -> None:
    """Columns are found by name: of two with one name, the second would be read as a copy
    of the first."""
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            named = f"two columns {quoted(name)}" if name else "two columns without a name"
            raise ConfigError(
                f"{path.name}: the header names {named} (columns {seen[name]} and {position}); "
                "give every column its own name",
                key_path=key_path,
            )
        seen[name] = position


def with_decimal_point(cell: str) -> str:
    """``48018,43`` as ``48018.43``; any other cell as it is."""
    stripped = cell.strip()
    return stripped.replace(",", ".") if DECIMAL_COMMA.fullmatch(stripped) else cell


def check_decimal_mark(table: Table, name: str, key_path: KeyPath, target: bool = False) -> None:
    """A column whose cells are all numbers, some with a comma, is numbers the file wrote
    the European way (or with thousands separators), not categories: read as categories,
    every value becomes one of its own (a regression target, as many classes as rows). The
    user must say which."""
    cells = [c for c in table.cells(name) if c not in GAPS]
    commas = [c for c in cells if DECIMAL_COMMA.fullmatch(c)]
    if not commas or not all(is_number(c) or DECIMAL_COMMA.fullmatch(c) for c in cells):
        return
    keep = "" if target else ", or list the column in data.categorical to keep them as words"
    raise ConfigError(
        f"{table.path.name}: column {quoted(name)} holds numbers written with a comma "
        f"({quoted(commas[0])}); if it is their decimal mark, set data.decimal: ',' (with "
        "data.delimiter other than ','); thousands separators must go from the file first"
        f"{keep}",
        key_path=key_path,
    )


def has_decimal_commas(table: Table) -> bool:
    """Whether some cell is a number with a decimal comma that cannot be a thousands
    separator (``48018,43``; not ``1,234``)."""
    return any(
        DECIMAL_COMMA.fullmatch(cell.strip()) and not THOUSANDS.fullmatch(cell.strip())
        for row in table.rows
        for cell in row
    )


def check_column(table: Table, name: str, key_path: KeyPath) -> None:
    if name not in table.header:
        raise ConfigError(
            f"{table.path.name} has no column {quoted(name)}; its columns are "
            f"{quoted(', '.join(table.header))}",
            key_path=key_path,
        )


def is_number(cell: str) -> bool:
    try:
        value = float(cell)
    except ValueError:
        return False
    return math.isfinite(value) and abs(value) <= FLOAT32_MAX


def choose_columns(table: Table, data: DataConfig) -> Columns:
    """Each feature column's kind, as the config says or as its cells say."""
    for key in ("features", "numeric", "categorical"):
        for name in getattr(data, key) or ():
            check_column(table, name, ("data", key))
    for key in ("numeric", "categorical"):
        for name in getattr(data, key) or ():
            if name == data.target:
                raise ConfigError(f"{quoted(name)} is the target column", key_path=("data", key))
    chosen = data.features or [name for name in table.header if name != data.target]
    if data.target in chosen:
        raise ConfigError(
            f"the target {quoted(data.target)} cannot also be a feature",
            key_path=("data", "features"),
        )
    numeric, categorical = [], []
    for name in chosen:
        _check_no_infinity(table, name)
        cells = [c for c in table.cells(name) if c not in GAPS]
        if not cells:
            raise ConfigError(
                f"{table.path.name}: column {quoted(name)} is all gaps (empty or "
                "NA-like cells); drop it or list the other columns in data.features",
                key_path=("data", "path"),
            )
        if name in (data.categorical or ()):
            categorical.append(name)
        elif name in (data.numeric or ()) or all(is_number(c) for c in cells):
            numeric.append(name)
        else:
            check_decimal_mark(table, name, ("data", "path"))
            categorical.append(name)
    return Columns(tuple(numeric), tuple(categorical))


def _check_no_infinity(table: Table, name: str) -> None:
    """A cell that reads as an infinite or float32-overflowing number is a broken value, not a
    category nor a gap."""
    for index, cell in enumerate(table.cells(name)):
        try:
            value = float(cell)
        except ValueError:
            continue
        if not (math.isfinite(value) and abs(value) <= FLOAT32_MAX) and cell not in GAPS:
            raise ConfigError(
                f"{table.path.name}: row {index + 2}, column {quoted(name)} holds {cell!r}; "
                "every value must be a finite number or a gap (an empty cell)",
                key_path=("data", "path"),
            )


def is_plain_matrix(table: Table, data: DataConfig) -> bool:
    """A table of numbers without gaps and without column settings: read as one array, as
    kt-run always has (the exported model then takes an array, not columns)."""
    if data.features or data.numeric or data.categorical:
        return False
    return all_numbers(table)


def all_numbers(table: Table) -> bool:
    """Whether every cell, the target's too, is a number (no gaps, no words)."""
    return all(is_number(cell.strip()) for row in table.rows for cell in row)


def numeric_values(table: Table, name: str, key_path: KeyPath) -> np.ndarray:
    """float32, NaN for gaps; a cell that is neither a number nor a gap is an error."""
    values = np.empty(len(table.rows), dtype="float32")
    for index, cell in enumerate(table.cells(name)):
        if cell in GAPS:
            values[index] = np.nan
        elif is_number(cell):
            values[index] = float(cell)
        else:
            raise ConfigError(
                f"{table.path.name}: row {index + 2}, column {quoted(name)} holds {quoted(cell)}; "
                "a numeric column holds finite numbers or gaps (list it in data.categorical "
                "to treat it as categories)",
                key_path=key_path,
            )
    return values


def category_values(table: Table, name: str) -> np.ndarray:
    """Strings as written, ``""`` for a gap (a category of its own)."""
    return np.array([("" if c in GAPS else c) for c in table.cells(name)], dtype=object)


def target_values(table: Table, target: str) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Numbers as numbers (whole ones as int64 labels); strings as indices into the sorted
    class names."""
    cells = table.cells(target)
    for index, cell in enumerate(cells):
        if cell in GAPS:
            raise ConfigError(
                f"{table.path.name}: row {index + 2} has no target ({quoted(target)} is "
                f"{quoted(cell)}); drop rows without a target",
                key_path=("data", "target"),
            )
    if all(is_number(c) for c in cells):
        y = np.array([float(c) for c in cells], dtype="float32")
        return (y.astype("int64") if np.all(y == np.round(y)) else y), None
    check_decimal_mark(table, target, ("data", "target"), target=True)
    names = tuple(sorted(set(cells)))
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[c] for c in cells], dtype="int64"), names


def target_class_names(data: DataConfig, base: Path) -> list[str] | None:
    """A string target's class names, for study.json; ``None`` if numeric or unreadable."""
    path = Path(data.path).expanduser()
    path = path if path.is_absolute() else base / path
    try:
        table = read_table(path, data.delimiter, ("data", "path"), data.decimal)
        check_column(table, data.target, ("data", "target"))
        names = target_values(table, data.target)[1]
    except (ConfigError, OSError):
        return None
    return None if names is None else list(names)


def table_notes(data: DataConfig | None, base: Path) -> list[str]:
    """Warnings about a CSV table's columns, read on the driver (no TensorFlow): a word
    column with a different value in nearly every row (a date, an id, free text) becomes a
    one-hot slot per row, which fits the training rows and tells nothing about new ones.
    Empty when the source is no table or cannot be read (loading it reports why). A column
    whose first ``SAMPLE_ROWS`` cells are numbers is passed over, so a large table of numbers
    costs little more than its reading."""
    if data is None or data.source != "csv":
        return []
    path = Path(data.path).expanduser()
    path = path if path.is_absolute() else base / path
    try:
        table = read_table(path, data.delimiter, ("data", "path"), data.decimal)
    except (ConfigError, OSError):
        return []
    notes = []
    head = dict(zip(table.header, zip(*table.rows[:SAMPLE_ROWS], strict=True), strict=True))
    chosen = data.features or [name for name in table.header if name != data.target]
    for name in chosen:
        if name not in head or name in (data.numeric or ()):
            continue
        listed = name in (data.categorical or ())
        if not listed and _parsed_as_numbers(head[name]):
            continue  # numbers, as far as the first rows go
        index = table.header.index(name)
        column = tuple(row[index] for row in table.rows)
        counts = Counter(column)  # cells as written, counted in C
        distinct = len(counts.keys() - GAPS)
        rows = len(column) - sum(counts[gap] for gap in GAPS)
        if not looks_like_ids(distinct, rows):
            continue
        if not listed and all(is_number(c.strip()) for c in column if c.strip() not in GAPS):
            continue  # numbers with gaps
        notes.append(
            f"data: column {quoted(name)} of {path.name} has {distinct:,} different values "
            f"in {rows:,} rows; as categories (one per value) it cannot carry over to "
            "new rows (a date, an id, free text?): leave it out with data.features, or "
            "write it as numbers in the file"
        )
    return notes


def looks_like_ids(distinct: int, rows: int) -> bool:
    """Whether a word column (or target) with ``distinct`` values in ``rows`` rows is more
    likely ids, dates or free text than categories."""
    return rows >= ID_LIKE_ROWS and distinct > ID_LIKE_SHARE * rows


def _parsed_as_numbers(column: tuple[str, ...]) -> bool:
    """Whether NumPy reads every cell as a finite number (a gap or a word: no): the quick
    test that passes over a column of numbers in C."""
    try:
        values = np.asarray(column, dtype="float64")
    except ValueError:
        return False
    return bool(np.all(np.isfinite(values) & (np.abs(values) <= FLOAT32_MAX)))
