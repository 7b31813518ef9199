"""A CSV file read once into columns, for tables of tens of megabytes.

Held as rows of Python strings, a 70 MB export of 10 million cells took over a gigabyte and a
Python test per cell for each question asked of it. Here each column keeps its cells as one
string (joined by a character the file does not hold: about the file's size in all), its
numbers as float32 (parsed with ``float`` through ``np.fromiter``, a chunk of rows at a time,
so a number means exactly what ``float`` says), and what its cells are: all numbers, gaps,
words, an infinite number. A chunk with anything but finite numbers is sorted cell by cell.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tuner_cli.errors import ConfigError, KeyPath, quoted

GAPS = frozenset(
    {"", "NA", "N/A", "n/a", "#N/A", "<NA>", "NaN", "nan", "null", "NULL", "None", "?", "-"}
)
"""Cells that mean "no value", as pandas, R and spreadsheets (Excel's ``#N/A``, ``-``) write
them."""
FLOAT32_MAX = 3.4e38
DECIMAL_COMMA = re.compile(r"[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?")
"""A number written with a decimal comma (``48018,43``), as spreadsheets in much of Europe
export them: ``data.decimal: ","`` reads it as a number."""
LINES = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
"""A line with its end, split where a file opened with ``newline=""`` splits them."""
CHUNK_ROWS = 2048
"""Rows parsed together: one gap costs its chunk of its column a cell-by-cell pass."""
EXCEL_SEP = re.compile(r"sep=([^\r\n])(?:\r\n?|\n)")
"""Excel's first line naming the delimiter (``sep=;``), which Excel hides and honours."""
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
"""Byte order marks of UTF-16 text, which Excel's "Unicode Text" export starts with."""


@dataclass(frozen=True)
class Column:
    text: str
    """The cells as written (a decimal comma made a point), joined by ``separator``."""
    separator: str
    values: np.ndarray
    """float32; NaN where a cell is not a finite number (a gap, a word)."""
    gaps: int
    words: bool
    """Whether a cell is neither a number nor a gap."""
    broken: tuple[int, str] | None
    """The first cell that reads as an infinite or float32-overflowing number and is not a
    gap (``nan`` is one): its index and its text."""

    @property
    def numbers(self) -> bool:
        """Whether every cell is a finite number."""
        return not (self.gaps or self.words or self.broken)

    @property
    def numbers_and_gaps(self) -> bool:
        return not (self.words or self.broken)

    @property
    def empty(self) -> bool:
        """Whether every cell is empty (or blank): no gap marks, no values."""
        return not self.text.replace(self.separator, "").strip()

    def raw(self) -> list[str]:
        return self.text.split(self.separator)


def is_number(cell: str) -> bool:
    try:
        value = float(cell)
    except ValueError:
        return False
    return math.isfinite(value) and abs(value) <= FLOAT32_MAX


def with_decimal_point(cell: str) -> str:
    """``48018,43`` as ``48018.43``; any other cell as it is."""
    stripped = cell.strip()
    return stripped.replace(",", ".") if DECIMAL_COMMA.fullmatch(stripped) else cell


def read_text(path: Path, key_path: KeyPath = (), size: int = -1) -> str:
    """The file's text (of its first ``size`` bytes), UTF-8 with or without a byte order
    mark, or UTF-16 with one (Excel's "Unicode Text", which the mark names unambiguously);
    another encoding (Excel's "CSV" in Western Europe is Windows-1252) is an error
    naming the line and column of the first byte UTF-8 cannot read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(size)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}", key_path=key_path) from None
    if data.startswith(UTF16_BOMS):  # Excel's "Unicode Text" export
        try:
            return codecs.getincrementaldecoder("utf-16")().decode(data, final=size < 0)
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path.name} starts as UTF-16 text (its byte order mark) but is not: "
                f"{exc.reason} at byte {exc.start}; save it as UTF-8 (Excel: 'CSV UTF-8')",
                key_path=key_path,
            ) from None
    try:
        # line ends stay as written, as with newline=""; a sample may end inside a character
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=size < 0)
    except UnicodeDecodeError as exc:
        data, at = exc.object, exc.start
        line = data.count(b"\n", 0, at) + 1
        column = at - data.rfind(b"\n", 0, at)
        byte = data[at : at + 1]
        raise ConfigError(
            f"{path.name} is not UTF-8 text: line {line}, column {column} holds the byte "
            f"0x{byte.hex()} ({byte.decode('cp1252', 'replace')!r} in Windows-1252); save it as "
            "UTF-8 (Excel: 'CSV UTF-8') or convert it "
            f"(iconv -f WINDOWS-1252 -t UTF-8 {path.name} > {path.stem}-utf8.csv)",
            key_path=key_path,
        ) from None


def read_columns(
    path: Path, delimiter: str, key_path: KeyPath, decimal: str
) -> tuple[tuple[str, ...], tuple[Column, ...]]:
    """The header and the columns; the errors name the file (and the row, for a row with
    another number of cells than the header), in the order a whole read found them."""
    text = read_text(path, key_path)
    if named := EXCEL_SEP.match(text):
        if named.group(1) != delimiter:
            line = named.group().rstrip("\r\n")
            raise ConfigError(
                f"{path.name}: its first line, {line!r}, names the delimiter "
                f"{named.group(1)!r}; set data.delimiter: {json.dumps(named.group(1))}",
                key_path=key_path,
            )
        text = text[named.end() :]  # Excel's rows start below it, the header row 1
    # a decimal comma is written as a point, the one character a cell gains from its reading
    separator = next(chr(c) for c in itertools.count() if chr(c) not in text and chr(c) != ".")
    # lines, not a StringIO: it would hold the text at four bytes a character
    lines = (match.group() for match in LINES.finditer(text))
    rows = csv.reader(lines, delimiter=delimiter)
    header: list[str] | None = None
    builders: list[_ColumnBuilder] = []
    uneven: tuple[int, int] | None = None
    count = 0
    try:
        for chunk in _chunks(row for row in rows if row):
            if header is None:
                header, chunk = chunk[0], chunk[1:]
                builders = [_ColumnBuilder(separator, decimal) for _ in header]
            for number, row in enumerate(chunk, start=count + 2):
                if uneven is None and len(row) != len(header):
                    uneven = (number, len(row))
            if uneven is None and chunk:
                for builder, cells in zip(builders, zip(*chunk, strict=True), strict=True):
                    builder.add(cells)
            count += len(chunk)
    except csv.Error as exc:
        raise ConfigError(
            f"{path.name} is not a readable CSV file: {exc}", key_path=key_path
        ) from None
    if header is None or count == 0:
        raise ConfigError(f"{path.name} needs a header row and data rows", key_path=key_path)
    names = tuple(name.strip() for name in header)
    if uneven is not None:
        raise ConfigError(
            f"{path.name}: row {uneven[0]} has {uneven[1]} cells; the header has {len(names)}",
            key_path=key_path,
        )
    columns = [builder.column() for builder in builders]
    # a spreadsheet exports columns it once formatted as empty ones without a name
    kept = [(n, c) for n, c in zip(names, columns, strict=True) if n or not c.empty]
    if not kept:
        raise ConfigError(f"{path.name} has only empty columns", key_path=key_path)
    names = tuple(name for name, _ in kept)
    _check_names(path, names, key_path)
    return names, tuple(column for _, column in kept)


def _chunks(rows):
    while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
        yield chunk


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


class _ColumnBuilder:
    """One column's chunks as they are read."""

    def __init__(self, separator: str, decimal: str) -> None:
        self.separator = separator
        self.decimal = decimal
        self.texts: list[str] = []
        self.values: list[np.ndarray] = []
        self.gaps = 0
        self.words = False
        self.broken: tuple[int, str] | None = None
        self.count = 0

    def add(self, cells: tuple[str, ...]) -> None:
        joined = self.separator.join(cells)
        if self.decimal == "," and "," in joined:
            # without "_" (which float takes in "1_0,5" and the pattern does not), a cell
            # that reads as a number once its comma is a point is a decimal-comma number
            written = [c.strip().replace(",", ".") if "," in c else c for c in cells]
            values = _numbers(written) if "_" not in joined else None
            if values is None:
                written = [with_decimal_point(c) for c in cells]
            joined = self.separator.join(written)
        else:
            written, values = list(cells), _numbers(cells)
        if values is None:
            values = self._sorted(written)
        self.texts.append(joined)
        self.values.append(values)
        self.count += len(cells)

    def _sorted(self, cells: list[str]) -> np.ndarray:
        """The values of a chunk that is not all finite numbers, cell by cell."""
        values = np.full(len(cells), np.nan, dtype="float32")
        for index, cell in enumerate(cells):
            stripped = cell.strip()
            if stripped in GAPS:
                self.gaps += 1
                continue
            try:
                value = float(stripped)
            except ValueError:
                self.words = True
                continue
            if math.isfinite(value) and abs(value) <= FLOAT32_MAX:
                values[index] = value
            elif self.broken is None:
                self.broken = (self.count + index, cell)
        return values

    def column(self) -> Column:
        values = np.concatenate(self.values) if self.values else np.empty(0, "float32")
        text = self.separator.join(self.texts)
        return Column(text, self.separator, values, self.gaps, self.words, self.broken)


def _numbers(cells: list[str] | tuple[str, ...]) -> np.ndarray | None:
    """float32 values, when every cell is a finite number; else None."""
    try:
        values = np.fromiter(map(float, cells), dtype="float64", count=len(cells))
    except ValueError:
        return None
    if not np.all(np.abs(values) <= FLOAT32_MAX):  # NaN and infinities fail it too
        return None
    return values.astype("float32")
