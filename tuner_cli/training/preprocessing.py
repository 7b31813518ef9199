"""Preprocessing that travels with the model: ``data.scale`` as Keras layers.

A trial trains its network on inputs already scaled (once per process for arrays, in the
``tf.data`` pipeline for streamed data); the model it keeps, and ``export`` hands out, is that
network behind the same scaling as layers, so ``keras.models.load_model`` predicts from raw
inputs as the config reads them. Checkpoints that training continues from (hyperband) hold the
network alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuner_cli.errors import ConfigError


@dataclass(frozen=True)
class Scaling:
    """``data.scale`` as numbers: ``(x - centre) / spread``, or ``x * factor``.

    ``centre`` and ``spread`` come from the training part only, so validation scores are
    honest; a feature that never varies gets a spread of 1.
    """

    centre: np.ndarray | None = None
    spread: np.ndarray | None = None
    factor: float | None = None
    per_channel: bool = False
    """Statistics per channel (the last axis), as measured on a streamed source; otherwise
    per input element."""

    @classmethod
    def fit(cls, x: np.ndarray, scale: str | float) -> Scaling | None:
        if scale == "none":
            return None
        if isinstance(scale, (int, float)):
            return cls(factor=float(scale))
        x = x.astype("float32")
        if scale == "standard":
            centre, spread = x.mean(axis=0), x.std(axis=0)
        else:
            centre, spread = x.min(axis=0), x.max(axis=0) - x.min(axis=0)
        return cls(centre=centre, spread=np.where(spread > 0, spread, 1.0).astype("float32"))

    def apply(self, x: np.ndarray, name: str) -> np.ndarray:
        """``x`` scaled, as float32; ``name`` says which array overflowed."""
        with np.errstate(over="ignore", invalid="ignore"):
            x = x.astype("float32")
            if self.factor is not None:
                scaled = x * np.float32(self.factor)
                if not np.isfinite(scaled).all():
                    raise ConfigError(
                        f"scaling {name} by {self.factor:g} overflows float32 (above 3.4e38)",
                        key_path=("data", "scale"),
                    )
                return scaled
            return (x - self.centre) / self.spread

    def apply_tensor(self, x: Any) -> Any:
        """``apply`` inside a ``tf.data`` pipeline."""
        import tensorflow as tf

        x = tf.cast(x, tf.float32)
        if self.factor is not None:
            return x * self.factor
        return (x - self.centre) / self.spread

    def layer(self, rank: int) -> Any:
        """A fresh Keras layer doing ``apply`` on inputs of ``rank`` dimensions per example."""
        import keras

        if self.factor is not None:
            return keras.layers.Rescaling(scale=self.factor)
        axes = tuple(range(1, rank + 1)) if rank > 1 and not self.per_channel else -1
        return keras.layers.Normalization(
            axis=axes, mean=self.centre, variance=np.square(self.spread)
        )


def with_preprocessing(network: Any, front: list[Any], input_shape: tuple, dtype: str) -> Any:
    """``network`` behind the ``front`` layers, compiled as ``network`` is, to save and export.

    The composed model shares ``network``'s layers, weights and optimizer, so ``evaluate``
    works on the exported file, on raw inputs. A Sequential network's layers are laid out
    after the front ones, so the file keeps the optimizer's state too; another model is called
    as one layer, and Keras then saves its optimizer's state with the inner model only.
    """
    import keras

    if not front:
        return network
    inputs = keras.Input(shape=input_shape, dtype=dtype)
    if isinstance(network, keras.Sequential):
        model = keras.Sequential([inputs, *front, *network.layers])
    else:
        features = inputs
        for layer in front:
            features = layer(features)
        model = keras.Model(inputs, network(features))
    return _compiled_like(model, network)


def with_encoder(
    network: Any, encoder: Callable[[frozenset[str]], tuple[dict[str, Any], Any]], front: list[Any]
) -> Any:
    """``network`` behind a table's encoder (a graph of column inputs, named around the
    names it is given, and their encoded rows) and the ``front`` layers: the model takes a
    dict of raw columns."""
    import keras

    inputs, features = encoder(_layer_names(network) | {layer.name for layer in front})
    for layer in front:
        features = layer(features)
    if isinstance(network, keras.Sequential):
        for layer in network.layers:
            features = layer(features)
    else:
        features = network(features)
    return _compiled_like(keras.Model(inputs, features), network)


def _layer_names(network: Any) -> frozenset[str]:
    """The names the network brings into the exported model: its layers' when they are
    laid out in it, its own when it is called as one layer."""
    import keras

    if isinstance(network, keras.Sequential):
        return frozenset(layer.name for layer in network.layers)
    return frozenset({network.name})


def _compiled_like(model: Any, network: Any) -> Any:
    compiled = getattr(network, "_compile_config", None)
    if compiled is not None:
        model.compile(**compiled.config)
    return model
