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
