"""The column reader against a cell-by-cell reading of the same file: the bulk parse (and its
decimal-comma shortcut) must sort and read every awkward cell as ``float`` and the rules in
README's Tables section do, across chunk boundaries."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from tuner_cli.training import csv_columns
from tuner_cli.training.csv_columns import DECIMAL_COMMA, FLOAT32_MAX, GAPS, with_decimal_point
from tuner_cli.training.table import THOUSANDS, all_numbers, has_decimal_commas, read_table

AWKWARD = [
    "1.5", " 2.25 ", "1_000", "007", "-0", "+.5", "1.", "1e5", "\u0663", "\u20031.5",
    "3.4e38", "1e39", "inf", "-inf", "NAN", "nan", "NaN", "", "NA", "?", "None",
    "abc", "1,5", "1,234", "1_0,5", " 2,5 ", "1,5,0", "a;b", "x\ny",
]  # fmt: skip


def reference(path, delimiter: str, decimal: str) -> dict[str, list]:
    """Each column's cells, read row by row and sorted one at a time."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle, delimiter=delimiter) if row]
    if decimal == ",":
        rows = [[with_decimal_point(cell) for cell in row] for row in rows]
    columns = {}
    for index, name in enumerate(rows[0]):
        cells = [row[index] for row in rows[1:]]
        columns[name] = cells
    return columns


def sort_cell(cell: str) -> tuple[str, float]:
    stripped = cell.strip()
    if stripped in GAPS:
        return "gap", math.nan
    try:
        value = float(stripped)
    except ValueError:
        return "word", math.nan
    if math.isfinite(value) and abs(value) <= FLOAT32_MAX:
        return "number", value
    return "broken", math.nan


@pytest.mark.parametrize("delimiter, decimal", [(",", "."), (";", "."), (";", ",")])
def test_every_awkward_cell_is_read_as_one_at_a_time(tmp_path, monkeypatch, delimiter, decimal):
    monkeypatch.setattr(csv_columns, "CHUNK_ROWS", 3)
    rng = np.random.default_rng(0)
    numbers = [f"{v:.3f}" for v in rng.normal(0, 100, 40)]
    if decimal == ",":
        numbers = [n.replace(".", ",") for n in numbers]
    awkward = [AWKWARD[i % len(AWKWARD)] for i in range(40)]
    gappy = [("" if i % 7 == 3 else n) for i, n in enumerate(numbers)]
    path = tmp_path / "t.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(["plain", "odd", "gappy", "label"])
        writer.writerows(zip(numbers, awkward, gappy, map(str, range(40)), strict=True))
    table = read_table(path, delimiter, ("data", "path"), decimal)
    expected = reference(path, delimiter, decimal)
    assert table.header == tuple(expected) and table.length == 40
    for name, cells in expected.items():
        column = table.column(name)
        assert column.raw() == cells, "the text as written (a decimal comma made a point)"
        assert table.cells(name) == [cell.strip() for cell in cells]
        kinds, values = zip(*map(sort_cell, cells), strict=True)
        want = np.array(values, dtype="float32")
        np.testing.assert_array_equal(column.values, want)
        assert column.gaps == kinds.count("gap")
        assert column.words == ("word" in kinds)
        broken = kinds.index("broken") if "broken" in kinds else None
        assert column.broken == (None if broken is None else (broken, cells[broken]))
        assert column.numbers == all(kind == "number" for kind in kinds)
    assert not all_numbers(table)
    cells = [c.strip() for column in expected.values() for c in column]
    assert has_decimal_commas(table) == any(
        DECIMAL_COMMA.fullmatch(c) and not THOUSANDS.fullmatch(c) for c in cells
    )


def test_a_quoted_cell_may_hold_the_delimiter_a_newline_and_a_return(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(b'a,b\r\n"1,5","x\r\ny"\r\n2,"z\rw"\n\n3,"""q"""\r\n')
    table = read_table(path, ",", ("data", "path"))
    assert table.column("a").raw() == ["1,5", "2", "3"]
    assert table.column("b").raw() == ["x\r\ny", "z\rw", '"q"']


def test_the_cells_separator_is_never_the_point_a_decimal_comma_becomes(tmp_path):
    """A file holding every character below "." (a cell of control characters, say) left
    the point as the first one it lacks: the decimal commas made points then split the cells."""
    every = "".join(chr(code) for code in range(ord(".")) if chr(code) != '"')
    path = tmp_path / "d.csv"
    path.write_text(f'a;b\n"{every}";1,5\nw;2,5\n', encoding="utf-8", newline="")
    table = read_table(path, ";", ("data", "path"), ",")
    assert table.column("b").raw() == ["1.5", "2.5"]
    np.testing.assert_array_equal(table.column("b").values, np.array([1.5, 2.5], "float32"))
    assert table.column("a").raw() == [every, "w"]
