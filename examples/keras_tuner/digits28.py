"""scikit-learn's bundled 8x8 digits drawn as 28x28 images, the shape the tutorial expects.

Each pixel becomes a 3x3 block (24x24) centred in a 28x28 frame, as MNIST centres its digits;
values are scaled to [0, 1] like the tutorial's ``img / 255``. Bundled with scikit-learn, so
the example runs offline.
"""

import numpy as np
from sklearn.datasets import load_digits


def load():
    digits = load_digits()
    images = np.kron(digits.images, np.ones((3, 3))) / 16.0
    framed = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    return framed.astype("float32"), digits.target.astype("int64")
