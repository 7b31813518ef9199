"""A CSV's free-text column (``data.text``) as the strings a text model takes.

The rows are what a text folder's files are: one string each, given to the model raw, so a
``TextVectorization`` at the head of the template learns its vocabulary from each trial's
training rows and the exported model takes ``np.array(texts, dtype=object)``. A gap (an empty
or NA-like cell) is the empty string, as in a categorical column: no words. The target is
read as a table's is (words become class indices into the sorted names). No TensorFlow here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tuner_cli.errors import ConfigError, KeyPath, quoted
from tuner_cli.training.table import (
    Table,
    category_values,
    check_column,
    data_path,
    read_table,
    target_values,
)
from tuner_cli.training.tables import validation_target

if TYPE_CHECKING:
    from tuner_cli.config import DataConfig

TextRows = tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]
"""The texts (a 1-D object array), the labels, and the class names of a word target."""


def text_rows(table: Table, data: DataConfig) -> TextRows:
    """The training file's texts and targets (its target column checked already)."""
    texts = _texts(table, data, ("data", "text"))
    y, names = target_values(table, data.target, data.target_classes)
    return texts, y, names


def validation_rows(
    data: DataConfig, base: Path, names: tuple[str, ...] | None
) -> tuple[np.ndarray, np.ndarray]:
    """``data.validation``'s texts and labels, a word target's as indices into ``names``."""
    key = ("data", "validation", "path")
    table = read_table(data_path(data.validation.path, base), data.delimiter, key, data.decimal)
    check_column(table, data.target, key)
    return _texts(table, data, key), validation_target(
        table, data.target, names, data.target_classes
    )


def _texts(table: Table, data: DataConfig, key_path: KeyPath) -> np.ndarray:
    (column,) = data.text
    check_column(table, column, key_path)
    texts = category_values(table, column)
    if not any(texts):
        raise ConfigError(
            f"{table.path.name}: column {quoted(column)} is all gaps (empty or NA-like cells); "
            "a text column needs some text",
            key_path=key_path,
        )
    return texts
