"""Datasets named by the ``data:`` section, loaded once per process.

Every loader returns train and validation arrays as the config reads them. ``data.scale`` is
measured on the training part only (so validation scores are honest) and becomes layers in
front of the saved model (``tuner_cli.training.preprocessing``): the network trains on scaled
inputs, the model a user exports takes raw ones.
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tuner_cli.errors import ConfigError, quoted
from tuner_cli.training.csv_columns import FLOAT32_MAX
from tuner_cli.training.imports import load_callable, shipped_digest
from tuner_cli.training.preprocessing import Scaling
from tuner_cli.training.streams import Streams, load_folders, loader_streams, stream_scaling
from tuner_cli.training.table import (
    Table,
    all_numbers,
    check_column,
    data_path,
    is_plain_matrix,
    read_table,
    target_values,
)
from tuner_cli.training.tables import (
    TableEncoding,
    fold_rows,
    load_table,
    read_data_table,
    split_rows,
    validation_target,
)
from tuner_cli.training.template_front import ADAPT_BATCH
from tuner_cli.training.text_column import text_rows, validation_rows

if TYPE_CHECKING:
    from tuner_cli.config import DataConfig, StudyConfig


@dataclass(frozen=True)
class Dataset:
    """Raw inputs (what the exported model takes) and what the network trains on.

    Array sources fill the arrays (``train_inputs``/``val_inputs`` are the scaled copies);
    image and text folders fill ``streams`` instead, and are never one array in memory.
    """

    x_train: np.ndarray | None = None
    y_train: np.ndarray | None = None
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    scaling: Scaling | None = None
    train_inputs: np.ndarray | None = None
    val_inputs: np.ndarray | None = None
    streams: Streams | None = None
    encoding: TableEncoding | None = None
    """For a CSV table with categories or gaps: ``x_train``/``x_val`` are dicts of columns,
    and the inputs the network trains on are the rows this encoding makes of them."""
    class_names: tuple[str, ...] | None = None
    """The label names, a label being an index into them (folders: the subfolder names)."""

    def __post_init__(self) -> None:
        if self.streams is None and self.train_inputs is None:
            scaled = self.scaling is not None
            train = self.scaling.apply(self.x_train, "x") if scaled else self.x_train
            val = self.scaling.apply(self.x_val, "x_val") if scaled else self.x_val
            object.__setattr__(self, "train_inputs", train)
            object.__setattr__(self, "val_inputs", val)

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        """One raw example's shape (without the batch axis): images the model resizes may
        be of any height and width."""
        if self.streams:
            if self.streams.resize_to is not None:
                return (None, None, *self.streams.input_shape[2:])
            return self.streams.input_shape
        return self.network_shape if self.encoding else tuple(self.x_train.shape[1:])

    @property
    def network_shape(self) -> tuple[int, ...]:
        """What the network (or the template's front) takes: scaled or encoded inputs."""
        return self.streams.input_shape if self.streams else tuple(self.train_inputs.shape[1:])

    @property
    def input_dtype(self) -> str:
        if self.streams:
            return self.streams.input_dtype
        return "string" if _is_text(self.x_train) else "float32"

    @property
    def rows(self) -> tuple[int | None, int | None]:
        """Training and validation examples (``None``: a pipeline of unknown length)."""
        if self.streams:
            return self.streams.train_count, self.streams.val_count
        return len(self.y_train), len(self.y_val)

    @cached_property
    def training_labels(self) -> np.ndarray:
        """Every training label (one pass over a streamed source, once per worker)."""
        if self.streams is None:
            return np.asarray(self.y_train)
        labels = self.streams.train.map(lambda x, y: y).batch(ADAPT_BATCH)
        return np.concatenate([np.asarray(batch) for batch in labels])

    def front(self) -> list:
        """Fresh preprocessing layers that turn raw inputs into what the network trains on:
        the resizing Keras' folder reader did (bilinear, its default), then ``data.scale``."""
        layers = []
        if self.streams and self.streams.resize_to is not None:
            import keras

            layers.append(keras.layers.Resizing(*self.streams.resize_to))
        if self.scaling is not None:
            layers.append(self.scaling.layer(len(self.input_shape)))
        return layers

    @property
    def network_dtype(self) -> str:
        """The dtype of what the network (or the template's front) takes: scaled inputs."""
        if self.streams:
            return self.streams.input_dtype
        return "string" if _is_text(self.train_inputs) else str(self.train_inputs.dtype)

    def adapt_inputs(self) -> Any:
        """The training inputs (scaled), for the template's preprocessing layers to adapt on."""
        if self.streams is None:
            return self.train_inputs
        return self.streams.batches(self.streams.train, ADAPT_BATCH, self.scaling).map(
            lambda x, y: x
        )

    def fit_arguments(
        self, batch_size: int, everything: bool = False, front: Any = None
    ) -> dict[str, Any]:
        """``model.fit`` arguments: training data and validation data, or (``everything``,
        for ``export --retrain``) all of it as training data. ``front`` (the template's
        adapted preprocessing) turns the inputs into what the network takes."""
        if self.streams is None:
            x, x_val = _through(front, self.train_inputs), _through(front, self.val_inputs)
            if everything:
                x, y = np.concatenate([x, x_val]), np.concatenate([self.y_train, self.y_val])
                return {"x": x, "y": y, "batch_size": batch_size}
            return {
                "x": x,
                "y": self.y_train,
                "batch_size": batch_size,
                "validation_data": (x_val, self.y_val),
            }
        streams, train, val = self.streams, self.streams.train, self.streams.val
        # the pipelines shuffle themselves (Keras warns that fit's own shuffle does nothing)
        if everything:
            stream = streams.batches(train.concatenate(val), batch_size, self.scaling, front)
            return {"x": stream, "shuffle": False}
        return {
            "x": streams.batches(train, batch_size, self.scaling, front),
            "validation_data": streams.batches(val, batch_size, self.scaling, front),
            "shuffle": False,
        }

    def evaluation_rows(self, rows: int, front: Any = None) -> tuple[Any, np.ndarray]:
        """A few validation examples as the network takes them, for checks before a search."""
        if self.streams is None:
            rows = min(rows, len(self.val_inputs))
            return _through(front, self.val_inputs[:rows]), self.y_val[:rows]
        peek = self.streams.batches(self.streams.val_uncached, rows, self.scaling, front)
        x, y = next(iter(peek))
        return x, y


def _is_text(x: Any) -> bool:
    """Whether ``x`` is strings (a CSV's ``data.text``), which Keras takes as ``string``."""
    return isinstance(x, np.ndarray) and x.dtype == object


def _through(front: Any, x: np.ndarray) -> np.ndarray:
    if front is None:
        return x
    return np.asarray(front.predict(x, batch_size=ADAPT_BATCH, verbose=0))


def load_dataset(study: StudyConfig, seed: int, fold: int = 0) -> Dataset:
    """The study's data, cached per process so trials after the first load nothing.

    ``seed`` is the study's seed (study.json), which decides the validation split. The keras
    source uses the dataset's own test split as validation data. With
    ``data.cross_validation``, ``fold`` picks the fold held out for validation (all the
    rows, the keras source's test split included, are split into folds).
    """
    data = study.config.data
    fold = fold if data.cross_validation is not None else 0
    loader = shipped_digest(data.callable) if data.callable else None
    return _cached(data.model_dump_json(), str(study.base_dir), seed, fold, loader)


def forget_loaded_data() -> None:
    """Drop the data ``load_dataset`` holds. A worker process lives for one search; a
    ``workers=0`` search runs in the caller's, where a notebook's next search must read its
    files again (it may have rewritten them) and the arrays must not stay for as long as the
    kernel does."""
    _cached.cache_clear()


def check_every_fold(study: StudyConfig, seed: int) -> None:
    """Load each cross-validation fold of a CSV table but the first (which the trials find
    cached), then drop it. A table's encoding is measured on the fold's own training rows, so
    one fold can fail where the first does not (a column whose few values all fall in its
    held-out rows): the search says so before its first trial, not when that fold trains."""
    data = study.config.data
    if data.cross_validation is None or data.source != "csv":
        return
    for fold in range(1, data.cross_validation.folds):
        _cached.__wrapped__(data.model_dump_json(), str(study.base_dir), seed, fold)


@lru_cache(maxsize=4)
def _cached(
    data_json: str, base_dir: str, seed: int, fold: int, loader: str | None = None
) -> Dataset:
    """``loader`` is a key only: the digest of a notebook's loader (``shipped_digest``),
    whose name stays the same when the notebook redefines it."""
    from tuner_cli.config import FOLDER_SOURCES, DataConfig

    data = DataConfig.model_validate(json.loads(data_json))
    base = Path(base_dir)
    where = _SOURCE_KEY[data.source]
    names = None  # the class names of a plain table's target listed in data.categorical
    try:
        if data.source in FOLDER_SOURCES:
            streams, names = load_folders(data, base, seed)
            return Dataset(
                streams=streams, scaling=stream_scaling(streams, data.scale), class_names=names
            )
        if data.source == "csv":
            csv_table = read_data_table(data, base)
            if data.text and not data.text_beside_columns:
                return _text_dataset(csv_table, data, base, seed, fold)
            if not is_plain_matrix(csv_table, data):
                table = load_table(csv_table, data, base, seed, fold)
                return Dataset(
                    x_train=table.columns,
                    y_train=table.y,
                    x_val=table.val_columns,
                    y_val=table.y_val,
                    train_inputs=table.encoding.encode(table.columns),
                    val_inputs=table.encoding.encode(table.val_columns),
                    encoding=table.encoding,
                    class_names=table.class_names,
                )
            loaded = _csv_arrays(csv_table, data.target, ("data",))
            if data.target_classes:
                y, names = target_values(csv_table, data.target, classes=True)
                loaded = (loaded[0], y)
        else:
            loaded = _LOADERS[data.source](data, base)
        if isinstance(loaded, Streams):
            if data.cross_validation is not None:
                raise ConfigError(
                    "cross_validation is for array data; this loader returns tf.data pipelines",
                    key_path=("data", "cross_validation"),
                )
            return Dataset(streams=loaded, scaling=stream_scaling(loaded, data.scale))
    except ConfigError:
        raise
    except (OSError, ValueError, KeyError, MemoryError) as exc:
        raise ConfigError(f"cannot load the data: {_short(exc)}", key_path=where) from None
    _check_arrays(loaded, where)
    if data.cross_validation is not None:
        x, y = _all_rows(loaded)
        train, val = fold_rows(y, data.cross_validation, seed, fold, names)
        x, y, x_val, y_val = x[train], y[train], x[val], y[val]
    elif len(loaded) == 4:
        x, y, x_val, y_val = loaded
    else:
        x, y = loaded
        if data.validation is not None:
            validation = ("data", "validation")
            x_val, y_val = _load_file(data.validation, data, base, validation, names)
            _check_arrays((x_val, y_val), validation + ("path",))
        else:
            x, y, x_val, y_val = _split(x, y, data.validation_split, seed)
    return Dataset(x, y, x_val, y_val, scaling=Scaling.fit(x, data.scale), class_names=names)


def _text_dataset(table: Table, data: DataConfig, base: Path, seed: int, fold: int) -> Dataset:
    """A CSV's text column: strings split into training and validation rows as arrays are
    (a seeded split, a validation file, or a fold), nothing scaled or encoded: the template's
    front adapts on the training strings and the model takes them raw."""
    x, y, names = text_rows(table, data)
    if data.cross_validation is not None:
        train, val = fold_rows(y, data.cross_validation, seed, fold, names)
        x, y, x_val, y_val = x[train], y[train], x[val], y[val]
    elif data.validation is not None:
        x_val, y_val = validation_rows(data, base, names)
    else:
        x, y, x_val, y_val = _split(x, y, data.validation_split, seed)
    return Dataset(x, y, x_val, y_val, class_names=names)


_SOURCE_KEY = {
    "sklearn": ("data", "name"),
    "keras": ("data", "name"),
    "npz": ("data", "path"),
    "csv": ("data", "path"),
    "python": ("data", "callable"),
    "images": ("data", "path"),
    "text": ("data", "path"),
}
"""The key to name when the data a source gives cannot be trained on."""
MAX_MESSAGE = 300


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "\u2026"


def _check_arrays(arrays: tuple, where: tuple) -> None:
    """Arrays a model can train on: numbers, one row per example, nothing NaN or infinite.

    A NaN cell makes every trial's loss NaN (or worse, a trial 'complete' on garbage), and a
    scalar where rows belong fails deep in Keras; found here, each is a config error.
    """
    names = ("x", "y", "x_val", "y_val")
    for name, array in zip(names, arrays, strict=False):
        if not isinstance(array, np.ndarray) or array.ndim == 0:
            kind = "a 0-d array" if isinstance(array, np.ndarray) else type(array).__name__
            raise ConfigError(
                f"{name} is a single value ({kind}), not an array with one row per example",
                key_path=where,
            )
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise ConfigError(
                f"{name} holds {array.dtype} values; kt-run trains on numbers", key_path=where
            )
        if len(array) == 0:
            raise ConfigError(f"{name} has no rows", key_path=where)
        _check_finite(name, array, where)


def _check_finite(name: str, array: np.ndarray, where: tuple) -> None:
    if not np.issubdtype(array.dtype, np.inexact):
        return
    bad = ~np.isfinite(array)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ConfigError(
            f"{name} has {int(bad.sum()):,} NaN or infinite values (the first in row {row}); "
            "fill or drop them before tuning",
            key_path=where,
        )


def _all_rows(loaded: tuple) -> tuple[np.ndarray, np.ndarray]:
    if len(loaded) == 2:
        return loaded
    x, y, x_val, y_val = loaded
    return np.concatenate([x, x_val]), np.concatenate([y, y_val])


def _split(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    if len(x) != len(y):
        raise ConfigError(f"x has {len(x)} rows but y has {len(y)}", key_path=("data",))
    train, val = split_rows(len(x), fraction, seed)
    return x[train], y[train], x[val], y[val]


def _sklearn(data: DataConfig, base) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    x, y = getattr(datasets, f"load_{data.name}")(return_X_y=True)
    return x.astype("float32"), y


def _keras(data: DataConfig, base):
    import keras

    try:
        (x, y), (x_val, y_val) = getattr(keras.datasets, data.name).load_data()
    except Exception as exc:  # noqa: BLE001 - network and cache errors come in many types
        raise ConfigError(
            f"cannot load the Keras dataset '{data.name}': it is downloaded on first use and "
            f"no cached copy is in ~/.keras/datasets ({type(exc).__name__}: {exc}). Without "
            "internet access, use a bundled dataset (source: sklearn) or a local npz/csv file.",
            key_path=("data", "name"),
        ) from None
    return x, y, x_val, y_val


def _load_file(
    spec, data: DataConfig, base, key_path, names: tuple[str, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The arrays of ``spec``'s file (the data's own, or ``data.validation``, whose keys and
    target default to the data's), labels as indices into the training file's class ``names``
    where the target's values are class names."""
    path = data_path(spec.path, base)
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", key_path=key_path + ("path",))
    if data.source == "npz":
        return _read_npz(path, spec.x_key or data.x_key, spec.y_key or data.y_key, key_path)
    return _read_csv(path, spec.target or data.target, data, key_path, names)


def _read_npz(path, x_key: str, y_key: str, key_path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            for key, name in ((x_key, "x_key"), (y_key, "y_key")):
                if key not in archive.files:
                    raise ConfigError(
                        f"{path.name} has no array {quoted(key)}; it has "
                        f"{', '.join(archive.files)}",
                        key_path=key_path + (name,),
                    )
                _check_npy_header(archive, key, path, key_path + (name,))
            return archive[x_key], archive[y_key]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ConfigError(
            f"{path} is not a readable npz file: {_short(exc)}", key_path=key_path
        ) from None
    except MemoryError:
        raise ConfigError(f"{path.name} does not fit in memory", key_path=key_path) from None


def _check_npy_header(archive, key: str, path: Path, key_path) -> None:
    """Read the array's header before its data: a header can claim terabytes that the file
    does not hold, and loading would fail only after trying to allocate them."""
    member = f"{key}.npy"
    size = archive.zip.getinfo(member).file_size
    with archive.zip.open(member) as handle:
        version = np.lib.format.read_magic(handle)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(handle)
    claimed = math.prod(shape) * dtype.itemsize
    if claimed > size:
        raise ConfigError(
            f"{path.name}: the header of array {quoted(key)} claims {claimed:,} bytes "
            f"(shape {shape}) but the file holds {size:,}; it is damaged",
            key_path=key_path,
        )
    if shape == ():
        raise ConfigError(
            f"{path.name}: array {quoted(key)} is a single value (0-d), not one row per example",
            key_path=key_path,
        )


def _read_csv(
    path, target: str, data: DataConfig, key_path, names: tuple[str, ...] | None
) -> tuple[np.ndarray, np.ndarray]:
    table = read_table(path, data.delimiter, key_path, data.decimal)
    check_column(table, target, key_path + ("target",))
    x, y = _csv_arrays(table, target, key_path)
    if names is not None:
        y = validation_target(table, target, names, classes=True)
    return x, y


def _csv_arrays(table: Table, target: str, key_path) -> tuple[np.ndarray, np.ndarray]:
    """x and y of a table of numbers, from the values its reading parsed, column by column
    into one float32 matrix (no copy of the table per row or per cell)."""
    if not all_numbers(table):
        _refuse_cells(table, key_path)
    index = table.header.index(target)
    features = [column for i, column in enumerate(table.columns) if i != index]
    x = np.empty((table.length, len(features)), dtype="float32")
    for position, column in enumerate(features):
        x[:, position] = column.values
    y = table.columns[index].values
    return x, (y.astype("int64") if np.all(y == np.round(y)) else y)


def _refuse_cells(table: Table, key_path) -> None:
    """The first cell that is not a number, as a row-by-row read meets it (a word or a gap
    before any infinite number)."""
    rows = list(zip(*(column.raw() for column in table.columns), strict=True))
    try:
        values = np.array([[float(v) for v in row] for row in rows], dtype="float64")
    except ValueError as exc:
        raise ConfigError(
            f"{table.path.name}: every value must be a number ({_short(exc)})", key_path=key_path
        ) from None
    row, col = np.argwhere(~np.isfinite(values) | (np.abs(values) > FLOAT32_MAX))[0]
    raise ConfigError(
        f"{table.path.name}: row {row + 2}, column {quoted(table.header[col])} holds "
        f"{rows[row][col]!r}; every value must be a finite number (fill or drop "
        "missing values before tuning)",
        key_path=key_path,
    )


def _npz(data: DataConfig, base):
    return _load_file(data, data, base, ("data",))


def _python(data: DataConfig, base):
    loader = load_callable(data.callable, base, ("data", "callable"))
    try:
        result = loader()
    except Exception as exc:  # noqa: BLE001 - the loader is user code
        raise ConfigError(
            f"the data loader raised {_short(exc)}", key_path=("data", "callable")
        ) from None
    try:
        first, second = result
        if _is_tf_dataset(first) and _is_tf_dataset(second):
            return loader_streams(first, second, data.callable)
        if isinstance(first, tuple):
            (x, y), (x_val, y_val) = first, second
            parts = {"x": x, "y": y, "x_val": x_val, "y_val": y_val}
        else:
            parts = {"x": first, "y": second}
        return tuple(_one_array(name, part, data.callable) for name, part in parts.items())
    except (TypeError, ValueError):
        raise ConfigError(
            f"{data.callable} must return (x, y), ((x, y), (x_val, y_val)) or two "
            "tf.data.Datasets (training, validation) of (x, y) pairs",
            key_path=("data", "callable"),
        ) from None


def _one_array(name: str, part: Any, loader: str) -> np.ndarray:
    """``part`` as one NumPy array; a dict (several inputs or outputs) and rows of different
    shapes (images of two sizes in a list) are errors saying so, not that the loader
    returned the wrong thing."""
    if isinstance(part, dict):
        how = (
            "for a model with several outputs, return two tf.data.Datasets (training, "
            "validation) of (x, y) pairs, whose y may be such a dict"
            if name.startswith("y")
            else "a model takes one input array here: join the inputs into one array "
            "and split it in the model"
        )
        raise ConfigError(
            f"{name} is a dict ({', '.join(map(str, part))}): array data is one x and "
            f"one y array; {how}",
            key_path=("data", "callable"),
        )
    try:
        return np.asarray(part)
    except ValueError as exc:
        raise ConfigError(
            f"{name} cannot be one array ({_short(exc)}): every row {loader} returns must have "
            "one shape (resize images to one size, pad sequences), or return tf.data.Datasets",
            key_path=("data", "callable"),
        ) from None


def _is_tf_dataset(value: Any) -> bool:
    import tensorflow as tf

    return isinstance(value, tf.data.Dataset)


_LOADERS = {
    "sklearn": _sklearn,
    "keras": _keras,
    "npz": _npz,
    "python": _python,
}
