"""Keras builders that fail in chosen ways: at build time, or with a NaN loss in training.

The default value of ``mode`` (the first choice, ``ok``) builds a healthy model, so the
pre-search check passes and the faults show up as failed trials.
"""

import keras


def build(hp):
    mode = hp["mode"]
    if mode == "raise":
        raise RuntimeError("the builder crashed on purpose")
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(hp.get("units", 4))])
    if mode == "nan":
        model.add(keras.layers.Rescaling(scale=float("nan")))
    model.add(keras.layers.Dense(3, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def penalised(hp):
    """``quality: bad`` adds a large weight penalty to the loss, so ``good`` is always the better
    trial (by val_loss) whatever the training does: the fault tests know which becomes best."""
    penalty = keras.regularizers.L2(1000.0) if hp["quality"] == "bad" else None
    model = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(3, "softmax", kernel_regularizer=penalty)]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model
