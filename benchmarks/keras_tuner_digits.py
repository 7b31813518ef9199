"""KerasTuner's side of the throughput and memory benchmarks, as a script for a fresh process,
so that its imports and start-up count the way kt-run's do.

The split and scaling repeat what kt-run does for ``data: {source: sklearn, name: digits,
validation_split: 0.2, scale: standard}``, so both tools train on the same rows.
"""

PREPARE_DIGITS = """\
import sys, tempfile
import numpy as np
import keras, keras_tuner
from sklearn.datasets import load_digits

trials, epochs = int(sys.argv[1]), int(sys.argv[2])
x, y = load_digits(return_X_y=True)
order = np.random.default_rng(0).permutation(len(x))
n_val = int(round(len(x) * 0.2))
val, train = order[:n_val], order[n_val:]
mean, std = x[train].mean(axis=0), x[train].std(axis=0)
std[std == 0] = 1.0
x = ((x - mean) / std).astype("float32")

"""

SEARCH = """
tuner.search(x[train], y[train], validation_data=(x[val], y[val]), epochs=epochs,
             batch_size=32, verbose=0)
"""


def keras_tuner_script(model_and_tuner: str) -> str:
    """The script run as ``python script.py TRIALS EPOCHS``; ``model_and_tuner`` is the code
    that builds the model from ``hp`` and defines ``tuner``."""
    return PREPARE_DIGITS + model_and_tuner + SEARCH
