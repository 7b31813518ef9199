"""A CSV table with categories or gaps: its columns encoded by Keras preprocessing layers that
travel with the model.

Each numeric column: a gap becomes the column's training mean, then ``Normalization`` with
the training mean and variance. Each categorical column: ``StringLookup`` with the training
values as vocabulary, one-hot, with one extra slot for a value training never saw (a gap,
``""``, is a category of its own when training had gaps). These are the layers
``keras.utils.FeatureSpace`` would build (``float_normalized``, ``string_categorical``), built
here directly because FeatureSpace has no step for gaps before its own inputs. The exported
model takes a dict of columns; the network trains on the encoded rows, computed once per
worker by the same layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tuner_cli.errors import ConfigError, quoted
from tuner_cli.training.table import (
    Columns,
    Table,
    category_values,
    check_column,
    choose_columns,
    data_path,
    numeric_values,
    read_table,
    target_values,
)
from tuner_cli.wording import plural

ENCODE_BATCH = 1024
RARE_LISTED = 3
"""The classes too rare to stratify that an error names; the others it counts."""


@dataclass(frozen=True)
class TableEncoding:
    """What the encoding layers need, measured on the training rows only."""

    numeric: dict[str, tuple[float, float]]
    """column -> (mean, variance); the mean also fills gaps."""
    categorical: dict[str, tuple[str, ...]]
    """column -> vocabulary."""
    text: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """column -> its most frequent words, as ``TextVectorization`` splits and lowercases."""

    @classmethod
    def fit(
        cls,
        columns: dict[str, np.ndarray],
        kinds: Columns,
        max_tokens: int,
        rows: str = "the training rows",
    ) -> TableEncoding:
        """The encoding measured on ``columns``, the training rows that ``rows`` names in
        an error (a fold's, under cross-validation)."""
        numeric = {}
        for name in kinds.numeric:
            values = columns[name][~np.isnan(columns[name])]
            if len(values) == 0:
                raise ConfigError(
                    f"column {quoted(name)} has no value in {rows}, only gaps",
                    key_path=("data", "path"),
                )
            numeric[name] = (float(values.mean()), float(values.var()))
        categorical = {
            name: tuple(sorted(set(columns[name].tolist()))) for name in kinds.categorical
        }
        text = {}
        for name in kinds.text:
            text[name] = _words(columns[name], max_tokens)
            if not text[name]:
                raise ConfigError(
                    f"text column {quoted(name)} has no word in {rows}, only gaps "
                    "or punctuation; a bag of words needs some: drop it from data.text",
                    key_path=("data", "text"),
                )
        return cls(numeric, categorical, text)

    def graph(self, taken: frozenset[str] = frozenset()) -> tuple[dict[str, Any], Any]:
        """Fresh Keras inputs (one per column, shape ``(1,)``) and the encoded rows; ``taken``
        are the names of the layers the inputs go into a model with (the network's)."""
        import keras

        names = _layer_names([*self.numeric, *self.categorical, *self.text], taken)
        dtypes = {name: "float32" for name in self.numeric}
        inputs: dict[str, Any] = {
            name: keras.Input(shape=(1,), name=names[name], dtype=dtypes.get(name, "string"))
            for name in names
        }
        parts = []
        for name, (mean, variance) in self.numeric.items():
            column = inputs[name]
            filled = keras.ops.where(keras.ops.isnan(column), mean, column)
            parts.append(keras.layers.Normalization(mean=mean, variance=variance)(filled))
        for name, vocabulary in self.categorical.items():
            lookup = keras.layers.StringLookup(vocabulary=list(vocabulary), output_mode="one_hot")
            parts.append(lookup(inputs[name]))
        for name, words in self.text.items():
            column = inputs[name]
            bag = keras.layers.TextVectorization(vocabulary=list(words), output_mode="multi_hot")
            # one slot per word and one for any other word; (rows, 1, slots) made (rows, slots)
            parts.append(keras.layers.Reshape((len(words) + 1,))(bag(column)))
        encoded = parts[0] if len(parts) == 1 else keras.layers.Concatenate()(parts)
        return inputs, encoded

    def encode(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        import keras

        inputs, encoded = self.graph()
        encoder = keras.Model(inputs, encoded)
        feed = {name: columns[name] for name in inputs}
        return np.asarray(encoder.predict(feed, batch_size=ENCODE_BATCH, verbose=0), "float32")


def _words(texts: np.ndarray, max_tokens: int) -> tuple[str, ...]:
    """A bag of words' vocabulary: the training rows' ``max_tokens`` most frequent words."""
    import keras

    # multi_hot: the vocabulary is the unknown word, then the words (no padding word)
    counter = keras.layers.TextVectorization(max_tokens=max_tokens + 1, output_mode="multi_hot")
    counter.adapt(texts)
    return tuple(str(word) for word in counter.get_vocabulary()[1:])


def _layer_names(columns: list[str], taken: frozenset[str]) -> dict[str, str]:
    """Each column's input name: its own, which Keras takes with spaces and punctuation but
    not ``/``. The model's inputs are keyed by the names as written; an input named otherwise
    makes every ``predict`` on a dict of columns warn that a key does not match its tensor's
    name, so a column is renamed (numbered) only where Keras would refuse the model for two
    operations of one name: ``a/b`` beside ``a_b``, or a column named as a layer in ``taken``
    (``dense``). Each name is registered with Keras' automatic naming, so the encoder's own
    layers and operations, made after the inputs, go around it (``where_1`` beside a column
    ``where``)."""
    import keras

    names: dict[str, str] = {}
    used = set(taken)
    for column in columns:
        base = name = column.replace("/", "_") or "column"
        number = 0
        while name in used:
            number += 1
            name = f"{base}_{number}"
        used.add(name)
        keras.backend.get_uid(name)
        names[column] = name
    return names


def table_columns(table: Table, kinds: Columns) -> dict[str, np.ndarray]:
    """The feature columns as arrays: float32 with NaN gaps, or strings with ``""`` gaps."""
    columns = {name: numeric_values(table, name, ("data", "numeric")) for name in kinds.numeric}
    for name in kinds.categorical + kinds.text:
        columns[name] = category_values(table, name)
    return columns


def take_rows(columns: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in columns.items()}


@dataclass(frozen=True)
class LoadedTable:
    columns: dict[str, np.ndarray]
    y: np.ndarray
    val_columns: dict[str, np.ndarray]
    y_val: np.ndarray
    encoding: TableEncoding
    class_names: tuple[str, ...] | None


def read_data_table(data: Any, base: Path) -> Table:
    """The config's CSV file, read once for whichever way it is loaded, its target there."""
    path = data_path(data.path, base)
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", key_path=("data", "path"))
    table = read_table(path, data.delimiter, ("data", "path"), data.decimal)
    check_column(table, data.target, ("data", "target"))
    return table


def load_table(table: Table, data: Any, base: Path, seed: int, fold: int = 0) -> LoadedTable:
    """The table as columns split for training and validation (not a plain matrix of
    numbers, ``is_plain_matrix``, which is one array, as before). With
    ``data.cross_validation``, ``fold`` picks the rows held out, and the encoding is fitted
    on that fold's training rows alone, so nothing of the held-out rows (a category, a mean,
    a word) reaches the network or the score, as a plain split's encoding sees none."""
    if data.scale != "none":
        raise ConfigError(
            "a table with categories or gaps has its numeric columns standardised by the "
            "model itself; remove data.scale",
            key_path=("data", "scale"),
        )
    kinds = choose_columns(table, data)
    columns = table_columns(table, kinds)
    y, names = target_values(table, data.target, data.target_classes)
    if data.validation is None:
        train, val = held_out_rows(y, data, seed, fold, names)
        val_columns, y_val = take_rows(columns, val), y[val]
        columns, y = take_rows(columns, train), y[train]
    else:
        val_columns, y_val = validation_table(data, base, kinds, names)
    from tuner_cli.config.models import DEFAULT_MAX_TOKENS

    rows = "the training rows"
    if data.cross_validation is not None:
        rows += f" of fold {fold + 1} (of {data.cross_validation.folds})"
    encoding = TableEncoding.fit(columns, kinds, data.max_tokens or DEFAULT_MAX_TOKENS, rows)
    return LoadedTable(columns, y, val_columns, y_val, encoding, names)


def held_out_rows(
    y: np.ndarray, data: Any, seed: int, fold: int, class_names: tuple[str, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation rows of the file: the fold's, under cross_validation, or
    the seeded ``validation_split``."""
    if data.cross_validation is not None:
        return fold_rows(y, data.cross_validation, seed, fold, class_names)
    return split_rows(len(y), data.validation_split, seed)


def validation_table(
    data: Any, base: Path, kinds: Columns, names: tuple[str, ...] | None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``data.validation``'s columns and labels, a word target's as indices into ``names``."""
    key = ("data", "validation", "path")
    val_table = read_table(data_path(data.validation.path, base), data.delimiter, key, data.decimal)
    for name in (*kinds.features, data.target):
        check_column(val_table, name, key)
    return table_columns(val_table, kinds), validation_target(
        val_table, data.target, names, data.target_classes
    )


def validation_target(
    table: Table, target: str, names: tuple[str, ...] | None, classes: bool = False
) -> np.ndarray:
    """The validation labels, as indices into the training file's class names."""
    y_val, val_names = target_values(table, target, classes)
    if names is None or val_names is None:
        if (names is None) != (val_names is None):
            raise ConfigError(
                f"{table.path.name}: the target column holds "
                f"{'words' if val_names else 'numbers'} and the training file's does not",
                key_path=("data", "validation", "path"),
            )
        return y_val
    unknown = sorted(set(val_names) - set(names))
    if unknown:
        raise ConfigError(
            f"{table.path.name}: target values the training file does not have: "
            f"{quoted(', '.join(unknown))}",
            key_path=("data", "validation", "path"),
        )
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[val_names[i]] for i in y_val], dtype="int64")


def split_rows(count: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation row indices: a seeded shuffle, ``fraction`` held out."""
    order = np.random.default_rng(seed).permutation(count)
    n_val = max(1, int(round(count * fraction)))
    if n_val >= count:
        raise ConfigError("too few rows to split off validation data", key_path=("data",))
    return order[n_val:], order[:n_val]


def fold_rows(
    y: np.ndarray,
    settings: Any,
    seed: int,
    fold: int,
    class_names: tuple[str, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation rows of one fold: a seeded shuffle into ``folds`` parts,
    stratified by class when asked (scikit-learn's KFold and StratifiedKFold); a class too
    rare to stratify is named by ``class_names`` (a word target's) or its label."""
    from sklearn.model_selection import KFold, StratifiedKFold

    key = ("data", "cross_validation")
    if settings.folds > len(y):
        raise ConfigError(f"{settings.folds} folds need at least as many rows", key_path=key)
    if settings.stratified:
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise ConfigError(
                "stratified folds need one whole-number class label per row; set stratified: false",
                key_path=key + ("stratified",),
            )
        labels, counts = np.unique(y, return_counts=True)
        rare = [
            (int(c), int(label))
            for label, c in zip(labels, counts, strict=True)
            if c < settings.folds
        ]
        if rare:
            raise ConfigError(
                f"{_rare_classes(sorted(rare), class_names)} the {settings.folds} folds; use "
                "fewer folds or stratified: false",
                key_path=key + ("folds",),
            )
        splitter = StratifiedKFold(settings.folds, shuffle=True, random_state=seed % 2**32)
    else:
        splitter = KFold(settings.folds, shuffle=True, random_state=seed % 2**32)
    train, val = list(splitter.split(np.zeros(len(y)), y))[fold]
    return train, val


def _rare_classes(rare: list[tuple[int, int]], class_names: tuple[str, ...] | None) -> str:
    """``class 'odd' has 1 row, fewer than``, or, for several (rarest first), ``classes 'odd'
    (1 row) and 'few' (2 rows) have fewer rows than``: the user finds them without counting
    the file's labels."""
    named = [quoted(class_names[label]) if class_names else str(label) for _, label in rare]
    if len(rare) == 1:
        return f"class {named[0]} has {plural(rare[0][0], 'row')}, fewer than"
    listed = [
        f"{name} ({plural(count, 'row')})" for name, (count, _) in zip(named, rare, strict=True)
    ]
    if len(listed) > RARE_LISTED:  # a regression target of whole numbers: one class each
        listed = [*listed[:RARE_LISTED], f"{len(listed) - RARE_LISTED:,} more"]
    return f"classes {', '.join(listed[:-1])} and {listed[-1]} have fewer rows than"
