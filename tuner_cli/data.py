"""Datasets named by the ``data:`` section, loaded once per process.

Every loader returns train and validation arrays; scaling statistics come from the training
part only, so validation scores are honest.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tuner_cli.errors import ConfigError
from tuner_cli.imports import load_callable

if TYPE_CHECKING:
    from tuner_cli.config import DataConfig, StudyConfig


@dataclass(frozen=True)
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def load_dataset(study: StudyConfig) -> Dataset:
    """The study's data, cached per process so trials after the first load nothing.

    The keras source uses the dataset's own test split as validation data.
    """
    data = study.config.data
    return _cached(data.model_dump_json(), str(study.base_dir), study.config.seed or 0)


@lru_cache(maxsize=4)
def _cached(data_json: str, base_dir: str, seed: int) -> Dataset:
    from tuner_cli.config import DataConfig

    data = DataConfig.model_validate(json.loads(data_json))
    base = Path(base_dir)
    try:
        loaded = _LOADERS[data.source](data, base)
    except ConfigError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"cannot load the data: {exc}", key_path=("data",)) from None
    if len(loaded) == 4:
        x, y, x_val, y_val = loaded
    else:
        x, y = loaded
        if data.validation is not None:
            x_val, y_val = _load_file(data.validation, data, base, ("data", "validation"))
        else:
            x, y, x_val, y_val = _split(x, y, data.validation_split, seed)
    x, x_val = _scale(x, x_val, data.scale)
    return Dataset(x, y, x_val, y_val)


def _split(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    if len(x) != len(y):
        raise ConfigError(f"x has {len(x)} rows but y has {len(y)}", key_path=("data",))
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(round(len(x) * fraction)))
    if n_val >= len(x):
        raise ConfigError("too few rows to split off validation data", key_path=("data",))
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val]


def _scale(x: np.ndarray, x_val: np.ndarray, scale: str | float):
    if scale == "none":
        return x, x_val
    x, x_val = x.astype("float32"), x_val.astype("float32")
    if isinstance(scale, (int, float)):
        return x * scale, x_val * scale
    axes = 0
    if scale == "standard":
        centre, spread = x.mean(axis=axes), x.std(axis=axes)
    else:
        centre, spread = x.min(axis=axes), x.max(axis=axes) - x.min(axis=axes)
    spread = np.where(spread > 0, spread, 1.0)
    return (x - centre) / spread, (x_val - centre) / spread


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


def _load_file(spec, data: DataConfig, base, key_path) -> tuple[np.ndarray, np.ndarray]:
    path = Path(spec.path).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", key_path=key_path + ("path",))
    if data.source == "npz":
        return _read_npz(path, spec.x_key, spec.y_key, key_path)
    return _read_csv(path, spec.target, data.delimiter, key_path)


def _read_npz(path, x_key: str, y_key: str, key_path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            for key, name in ((x_key, "x_key"), (y_key, "y_key")):
                if key not in archive.files:
                    raise ConfigError(
                        f"{path.name} has no array '{key}'; it has {', '.join(archive.files)}",
                        key_path=key_path + (name,),
                    )
            return archive[x_key], archive[y_key]
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not a readable npz file: {exc}", key_path=key_path) from None


def _read_csv(path, target: str, delimiter: str, key_path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle, delimiter=delimiter) if row]
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", key_path=key_path) from None
    if len(rows) < 2:
        raise ConfigError(f"{path.name} needs a header row and data rows", key_path=key_path)
    header, body = rows[0], rows[1:]
    if target not in header:
        raise ConfigError(
            f"{path.name} has no column '{target}'; its columns are {', '.join(header)}",
            key_path=key_path + ("target",),
        )
    column = header.index(target)
    try:
        table = np.array([[float(v) for v in row] for row in body], dtype="float32")
    except ValueError as exc:
        raise ConfigError(
            f"{path.name}: every value must be a number ({exc})", key_path=key_path
        ) from None
    y = table[:, column]
    x = np.delete(table, column, axis=1)
    return x, (y.astype("int64") if np.all(y == np.round(y)) else y)


def _npz_or_csv(data: DataConfig, base):
    return _load_file(data, data, base, ("data",))


def _python(data: DataConfig, base):
    loader = load_callable(data.callable, base, ("data", "callable"))
    result = loader()
    try:
        first, second = result
        if isinstance(first, tuple):
            (x, y), (x_val, y_val) = first, second
            return tuple(np.asarray(a) for a in (x, y, x_val, y_val))
        return np.asarray(first), np.asarray(second)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{data.callable} must return (x, y) or ((x, y), (x_val, y_val))",
            key_path=("data", "callable"),
        ) from None


_LOADERS = {
    "sklearn": _sklearn,
    "keras": _keras,
    "npz": _npz_or_csv,
    "csv": _npz_or_csv,
    "python": _python,
}
