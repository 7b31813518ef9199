"""Builders that return the wrong thing, for the malformed-config corpus."""

import keras


def uncompiled(hp):
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])


def not_a_model(hp):
    return None


def raises(hp):
    raise ValueError("the builder cannot handle these values")


def load_three_things():
    return 1, 2, 3


def load_raises():
    raise RuntimeError("the data server is down")


def load_scalars():
    import numpy as np

    return np.float64(1.0), np.int64(0)


def load_infinite():
    import numpy as np

    x = np.ones((20, 4))
    x[3, 1] = np.inf
    return x, np.zeros(20, dtype="int64")


def bad_range(hp):
    units = hp.Int("units", min_value=10, max_value=5)
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(units)])


def unknown_hp_method(hp):
    return hp.Integer("units", 1, 4)


def load_unpaired_datasets():
    import tensorflow as tf

    images = tf.data.Dataset.from_tensor_slices(tf.zeros((8, 4)))
    return images, images
