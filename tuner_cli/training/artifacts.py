"""``kt-run export --format saved_model|tflite``: the kept or retrained ``.keras`` model as
an artifact for serving, TF Serving's SavedModel or a LiteRT (TensorFlow Lite) flat buffer.

Both hold the forward pass alone, the scaling and encoding layers in front of the network
included, so they take what ``keras.models.load_model`` of the ``.keras`` file takes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tuner_cli.errors import UsageError
from tuner_cli.training.keras_import import import_keras

KERAS_FORMATS = {"saved_model": "tf_saved_model", "tflite": "litert"}
"""kt-run's names for the formats, and Keras' (``Model.export``)."""


def write_artifact(model_file: Path, output: Path, kind: str) -> None:
    """Export ``model_file`` as ``kind`` (``KERAS_FORMATS``) to ``output``, whole or not at
    all: Keras writes beside it, under a hidden name, and the result is renamed into place.
    A file system error is raised as it is (``OSError``), for the caller to word."""
    keras = import_keras()
    try:
        model = keras.models.load_model(model_file, compile=False)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            "cannot load the model to convert it: a class of your own code in it must be "
            "registered (@keras.saving.register_keras_serializable) in a module the config "
            "imports, or export as .keras and convert it where the class is imported (Keras: "
            f"{' '.join(str(exc).split())[:200]})"
        ) from None
    staging = output.with_name(f".{output.stem}.kt-run-partial{output.suffix}")  # as Keras asks
    try:
        model.export(
            staging,
            format=KERAS_FORMATS[kind],
            input_signature=_columns_signature(model),
            verbose=False,
        )
        staging.replace(output)
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - the converter's own errors, of many kinds
        raise UsageError(
            f"Keras cannot export this model as {kind}: {type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:400]}"
        ) from None
    finally:
        if staging.is_dir():
            shutil.rmtree(staging)
        elif staging.exists():
            staging.unlink()


def _columns_signature(model: Any) -> list[dict[str, Any]] | None:
    """A table's model (a dict of inputs of shape ``(1,)``, one per column) served with 1-D
    columns, as ``predict`` takes them (README, Tables); None keeps Keras' own signature.

    Keras' default signature is the inputs' ``(None, 1)``: the SavedModel then refused the
    1-D columns ``predict`` takes, and TensorFlow Lite took them and answered for the wrong
    number of rows without a word."""
    try:
        inputs = model.input
    except AttributeError:  # a Sequential model without an input shape: Keras' own way
        return None
    if not isinstance(inputs, dict) or any(tuple(t.shape) != (None, 1) for t in inputs.values()):
        return None
    import tensorflow as tf

    return [{key: tf.TensorSpec((None,), t.dtype, name=t.name) for key, t in inputs.items()}]
