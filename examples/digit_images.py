"""scikit-learn's bundled digits as 8x8 one-channel images (offline), for convolutional models."""

from sklearn.datasets import load_digits


def load():
    digits = load_digits()
    return (digits.images[..., None] / 16.0).astype("float32"), digits.target
