"""The template's leading preprocessing layers, adapted on the training split of each trial.

A template may start with layers whose state is learnt from data (``TextVectorization``,
``StringLookup``, ``IntegerLookup``, ``Normalization``, ``Discretization``). Before a trial
trains, each of them that was not given its vocabulary, mean or boundaries is adapted on the
training inputs (the validation split never), in order, each on what the layers before it
make of them. They form the model's front: the network behind them trains on their outputs,
computed in the ``tf.data`` pipeline (Keras 3.15 fails to train a model whose input is a
string tensor, in its loss's dtype promotion), and the saved model is front and network
together, so it takes raw text.
"""

from __future__ import annotations

from typing import Any

ADAPT_BATCH = 256
GIVEN_STATE = ("vocabulary", "mean", "bin_boundaries")
"""The arguments that, when set, give a preprocessing layer its state without adapting."""


def leading_preprocessing(layers: list[Any]) -> list[Any]:
    """The layers before the first one without an ``adapt`` method."""
    front = []
    for layer in layers:
        if not hasattr(layer, "adapt"):
            break
        front.append(layer)
    return front


def adapt_front(front: list[Any], inputs: Any) -> None:
    """Adapt every layer of ``front`` that needs it on ``inputs`` (an array or a batched
    ``tf.data`` pipeline of inputs), passed through the layers before it."""
    import tensorflow as tf

    for index, layer in enumerate(front):
        config = layer.get_config()
        if any(config.get(key) is not None for key in GIVEN_STATE):
            continue
        before = front[:index]
        feed = inputs
        if before:
            if not isinstance(feed, tf.data.Dataset):
                feed = tf.data.Dataset.from_tensor_slices(feed).batch(ADAPT_BATCH)
            feed = feed.map(lambda x, layers=before: _through(layers, x))
        layer.adapt(feed)


def _through(layers: list[Any], x: Any) -> Any:
    for layer in layers:
        x = layer(x)
    return x
