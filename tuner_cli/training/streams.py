"""Image and text folders as ``tf.data`` pipelines: read from disk as training goes.

Keras' own ``image_dataset_from_directory`` and ``text_dataset_from_directory`` read the
folders, unbatched; each trial batches and prefetches them with its own batch size. A dataset
whose decoded size is under ``CACHE_BYTES`` is cached in memory after its first pass, so later
epochs and trials in the same worker skip decoding; a larger one is read from disk every
epoch, and a worker never holds more of it than the shuffle buffer and a few batches.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tuner_cli.errors import ConfigError
from tuner_cli.training import class_folders
from tuner_cli.training.preprocessing import Scaling
from tuner_cli.training.table import data_path

if TYPE_CHECKING:
    from tuner_cli.config import DataConfig

CACHE_BYTES = 256 * 2**20
"""Decoded images up to this size stay in memory after the first epoch."""
SHUFFLE_BUFFER = 1024
ADAPT_BATCH = 256


@dataclass(frozen=True)
class Streams:
    """Unbatched ``(x, y)`` pipelines of raw inputs, as the exported model takes them."""

    train: Any
    val: Any
    input_shape: tuple[int, ...]
    input_dtype: str
    train_count: int | None
    val_count: int | None
    """``None`` when unknown (a python loader's pipeline, counted only by reading it)."""
    val_uncached: Any
    """The validation pipeline before ``cache()``, to read a few examples from: a cache read
    only in part can keep only that part (TensorFlow finalises it when the iterator ends)."""
    resize_to: tuple[int, int] | None = None
    """``data.image_size``: every image was resized to it as it was read, so the exported model
    resizes too and takes images of any size, as they are read from their files."""

    def batches(
        self, stream: Any, batch_size: int, scaling: Scaling | None, front: Any = None
    ) -> Any:
        """``stream`` batched, scaled, through the template's ``front`` model, prefetched."""
        import tensorflow as tf

        stream = stream.batch(batch_size)
        if scaling is not None:
            stream = stream.map(
                lambda x, y: (scaling.apply_tensor(x), y), num_parallel_calls=tf.data.AUTOTUNE
            )
        if front is not None:
            stream = stream.map(lambda x, y: (front(x), y), num_parallel_calls=tf.data.AUTOTUNE)
        return stream.prefetch(tf.data.AUTOTUNE)


def load_folders(data: DataConfig, base: Path, seed: int) -> tuple[Streams, tuple[str, ...]]:
    """The training and validation pipelines of an images or text source, and the class
    names (sorted subfolder names; a label is an index into them)."""
    root = data_path(data.path, base)
    key = ("data", "path")
    folders = class_folders.scan(root, data.source, key)
    val_folders = None
    if data.validation is not None:
        val_key = ("data", "validation", "path")
        val_folders = class_folders.scan(
            data_path(data.validation.path, base), data.source, val_key
        )
        if val_folders.class_names != folders.class_names:
            raise ConfigError(
                f"the validation folder's classes ({', '.join(val_folders.class_names)}) are "
                f"not the training folder's ({', '.join(folders.class_names)})",
                key_path=val_key,
            )
    if data.source == "images":
        size = _image_size(data, folders, val_folders)
        read = _folder_reader("image", color_mode=data.color_mode, image_size=size)
        channels = class_folders.COLOR_CHANNELS[data.color_mode]
        shape, dtype = (*size, channels), "float32"
        decoded = int(np.prod(shape)) * 4
    else:
        class_folders.check_texts(folders, key)
        if val_folders is not None:
            class_folders.check_texts(val_folders, ("data", "validation", "path"))
        read, shape, dtype, decoded = _folder_reader("text"), (), "string", 2048
    if val_folders is None:
        n_val = int(folders.count * data.validation_split)
        if n_val == 0 or n_val == folders.count:
            raise ConfigError(
                f"{folders.count} files are too few to hold out validation_split "
                f"{data.validation_split:g} of them (Keras rounds {n_val} down); add files or "
                "give data.validation: {path: ...}",
                key_path=("data", "validation_split"),
            )
        train, val = read(root, seed, data.validation_split, "both")
        counts = (folders.count - n_val, n_val)
    else:
        train = read(root, seed, None, None)
        val = read(val_folders.root, seed, None, None)
        counts = (folders.count, val_folders.count)
    val_uncached = val
    if decoded * sum(counts) <= CACHE_BYTES:
        train = train.cache().shuffle(min(counts[0], SHUFFLE_BUFFER), seed=seed)
        val = val.cache()
    resize_to = data.image_size if data.source == "images" else None
    streams = Streams(train, val, shape, dtype, counts[0], counts[1], val_uncached, resize_to)
    return streams, folders.class_names


def _image_size(data: DataConfig, folders, val_folders) -> tuple[int, int]:
    key = ("data", "path")
    if data.image_size is None:
        size = class_folders.image_size(folders, key)
        if val_folders is not None:
            val_size = class_folders.image_size(val_folders, ("data", "validation", "path"))
            if val_size != size:
                raise ConfigError(
                    f"the validation images are {val_size[0]}x{val_size[1]} and the training "
                    f"images {size[0]}x{size[1]}; set data.image_size to resize them all",
                    key_path=("data", "validation", "path"),
                )
        return size
    class_folders.check_images(folders, key)
    if val_folders is not None:
        class_folders.check_images(val_folders, ("data", "validation", "path"))
    height, width = data.image_size
    return height, width


def _folder_reader(kind: str, **options: Any):
    """Reading one class-folder tree as Keras' ``image_dataset_from_directory`` or
    ``text_dataset_from_directory`` (``kind``) does, unbatched and shuffled by ``seed``;
    ``options`` are the reader's own (an image's size and colour mode)."""
    import keras

    reader = getattr(keras.utils, f"{kind}_dataset_from_directory")

    def read(root: Path, seed: int, split: float | None, subset: str | None):
        with _keras_quiet():
            made = reader(
                root,
                label_mode="int",
                batch_size=None,
                shuffle=True,
                seed=seed,
                validation_split=split,
                subset=subset,
                verbose=False,
                **options,
            )
        if kind != "text":
            return made
        return (
            tuple(map(_without_bom, made)) if isinstance(made, list | tuple) else _without_bom(made)
        )

    return read


def _without_bom(texts: Any) -> Any:
    """The texts without a leading byte order mark, which Windows editors write and Keras
    reads as part of the first word (U+FEFF then "goal"): a token no raw string given to the
    exported model will have."""
    import tensorflow as tf

    return texts.map(lambda text, label: (tf.strings.regex_replace(text, "^\ufeff", ""), label))


@contextlib.contextmanager
def _keras_quiet() -> Iterator[None]:
    """Keras' folder readers print "Using 144 files for training." to stdout even with
    ``verbose=False``; that line broke into ``validate``'s output, the search log and the live
    view. With Keras' interactive logging off it goes to absl's INFO log instead, which is
    silent. Keras keeps that switch per thread, so no other thread's output is touched."""
    import keras

    was_on = keras.config.is_interactive_logging_enabled()
    keras.config.disable_interactive_logging()
    try:
        yield
    finally:
        if was_on:
            keras.config.enable_interactive_logging()


def stream_scaling(streams: Streams, scale: str | float) -> Scaling | None:
    """``data.scale`` for a streamed source: a factor, or per-channel statistics measured in
    one pass over the training pipeline."""
    if scale == "none":
        return None
    if isinstance(scale, (int, float)):
        return Scaling(factor=float(scale))
    if scale == "minmax":
        raise ConfigError(
            "scale 'minmax' needs the data in memory; this source streams it (use 'standard' "
            "or a factor)",
            key_path=("data", "scale"),
        )
    import keras

    measure = keras.layers.Normalization(axis=-1)
    measure.adapt(streams.train.map(lambda x, y: x).batch(ADAPT_BATCH))
    mean = np.asarray(measure.mean).reshape(-1)
    spread = np.sqrt(np.asarray(measure.variance).reshape(-1))
    return Scaling(
        centre=mean.astype("float32"),
        spread=np.where(spread > 0, spread, 1.0).astype("float32"),
        per_channel=True,
    )


def loader_streams(train: Any, val: Any, loader: str) -> Streams:
    """A python loader's ``(train, validation)`` ``tf.data`` pipelines of ``(x, y)`` pairs;
    batched ones (a first dimension of ``None``) are unbatched, since each trial batches with
    its own batch size. A pipeline is read as given: no cache, no extra shuffle."""
    key = ("data", "callable")
    specs = []
    for name, stream in (("training", train), ("validation", val)):
        spec = stream.element_spec
        if not (isinstance(spec, tuple) and len(spec) == 2):
            raise ConfigError(
                f"the {name} dataset {loader} returns must yield (x, y) pairs; its elements are "
                f"{spec}",
                key_path=key,
            )
        if not hasattr(spec[0], "shape"):
            what = (
                f"a dict ({', '.join(map(str, spec[0]))})"
                if isinstance(spec[0], dict)
                else (f"a {type(spec[0]).__name__}")
            )
            raise ConfigError(
                f"the {name} dataset {loader} returns yields x as {what}: kt-run feeds a model "
                "one input tensor (y may be a dict, for several outputs); join the inputs "
                "into one tensor and split it in the model",
                key_path=key,
            )
        specs.append(spec)
    batched = specs[0][0].shape.rank and specs[0][0].shape[0] is None
    if batched:
        train, val = train.unbatch(), val.unbatch()
        specs = [train.element_spec, val.element_spec]
    x_spec = specs[0][0]
    if x_spec.shape != specs[1][0].shape or x_spec.dtype != specs[1][0].dtype:
        raise ConfigError(
            f"the training and validation datasets {loader} returns differ: x is {x_spec} and "
            f"{specs[1][0]}",
            key_path=key,
        )
    counts = [int(stream.cardinality()) for stream in (train, val)]
    train_count, val_count = (count if count >= 0 else None for count in counts)
    return Streams(train, val, tuple(x_spec.shape), x_spec.dtype.name, train_count, val_count, val)
