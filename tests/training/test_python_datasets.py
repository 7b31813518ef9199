"""``data: {source: python}`` loaders may return two ``tf.data.Dataset``s."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from tuner_cli import load_config_dict, run_search

LOADER = """
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits


def split():
    x, y = load_digits(return_X_y=True)
    return x[:1400].astype("float32"), y[:1400], x[1400:].astype("float32"), y[1400:]


def load():
    x, y, x_val, y_val = split()
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1400, seed=0).batch(100)
    return train, tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(100)
"""

CONFIG = {
    "name": "digits-stream",
    "seed": 1,
    "data": {"source": "python", "callable": "stream_loader:load", "scale": "standard"},
    "search_space": {"units": {"type": "fixed", "value": 32}},
    "model": {
        "layers": [
            {"Dense": {"units": "$units", "activation": "relu"}},
            {"Dense": {"units": 10, "activation": "softmax"}},
        ],
        "optimizer": {"name": "adam", "learning_rate": 0.01},
        "loss": "sparse_categorical_crossentropy",
        "metrics": ["accuracy"],
    },
    "training": {"epochs": 3, "batch_size": 64},
    "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
}


def test_a_loader_returning_batched_datasets_is_unbatched_and_scaled(tmp_path):
    from tuner_cli.training.data import load_dataset

    (tmp_path / "stream_loader.py").write_text(LOADER)
    data = load_dataset(load_config_dict(CONFIG, tmp_path), seed=0)
    assert data.streams is not None and data.input_shape == (64,)
    assert data.rows == (None, None), "unbatched pipelines have no known length"
    x, y = next(iter(data.fit_arguments(batch_size=50)["x"]))
    assert x.shape == (50, 64) and y.shape == (50,)
    assert abs(float(np.mean(x))) < 0.5


@pytest.mark.slow
def test_the_exported_model_of_a_streamed_loader_takes_raw_rows(tmp_path):
    import importlib.util

    import keras

    from tuner_cli.cli.app import app

    (tmp_path / "stream_loader.py").write_text(LOADER)
    result = run_search(load_config_dict(CONFIG, tmp_path), tmp_path / "out", workers=0)
    output = tmp_path / "best.keras"
    exported = CliRunner().invoke(
        app, ["export", str(tmp_path / "out" / "digits-stream"), "--output", str(output)]
    )
    assert exported.exit_code == 0, exported.output
    spec = importlib.util.spec_from_file_location("stream_loader", tmp_path / "stream_loader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, _, x_val, y_val = module.split()
    model = keras.models.load_model(output)
    accuracy = float(np.mean(model.predict(x_val, verbose=0).argmax(axis=1) == y_val))
    assert accuracy == pytest.approx(result.best.score, abs=1e-6)


@pytest.mark.parametrize("returned", ["x, {'out1': y, 'out2': y % 2}", "{'a': x, 'b': x}, y"])
def test_a_loader_returning_dicts_of_arrays_is_told_to_return_datasets(tmp_path, returned):
    """Several inputs or outputs as dicts of arrays: the error said 'y is a single value (a 0-d
    array)', which they are not; tf.data pipelines carry them."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    (tmp_path / "dict_loader.py").write_text(
        "from sklearn.datasets import load_digits\n\n"
        f"def load():\n    x, y = load_digits(return_X_y=True)\n    return {returned}\n"
    )
    config = {**CONFIG, "data": {"source": "python", "callable": "dict_loader:load"}}
    with pytest.raises(ConfigError) as caught:
        load_dataset(load_config_dict(config, tmp_path), seed=0)
    message = caught.value.message
    assert "is a dict" in message and "0-d" not in message
    assert ("tf.data.Dataset" in message) == returned.startswith("x,")


def test_a_loader_beside_a_keras_tuner_hypermodel_in_one_module(tmp_path):
    """README: a builder module may `import keras_tuner` without KerasTuner installed. When
    that module also holds the data loader, data.callable imported it first, before the
    stand-in answered the import: 'No module named keras_tuner'."""
    from tuner_cli.training.data import load_dataset

    (tmp_path / "one_module.py").write_text(
        "import keras_tuner as kt\n"
        "from sklearn.datasets import load_digits\n\n"
        "def load():\n    return load_digits(return_X_y=True)\n\n"
        "class Model(kt.HyperModel):\n    pass\n"
    )
    config = {**CONFIG, "data": {"source": "python", "callable": "one_module:load"}}
    data = load_dataset(load_config_dict(config, tmp_path), seed=0)
    assert data.input_shape == (64,)


def test_datasets_yielding_a_dict_of_inputs_are_a_config_error(tmp_path):
    """Two named inputs as a dict x: an internal error ('dict' object has no attribute
    'shape'); now a config error saying x must be one tensor (a dict y is fine)."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    (tmp_path / "two_inputs.py").write_text(
        "import tensorflow as tf\nfrom sklearn.datasets import load_digits\n\n"
        "def load():\n    x, y = load_digits(return_X_y=True)\n"
        "    ds = tf.data.Dataset.from_tensor_slices(({'a': x[:, :32], 'b': x[:, 32:]}, y))\n"
        "    return ds.take(1000), ds.skip(1000)\n"
    )
    config = {**CONFIG, "data": {"source": "python", "callable": "two_inputs:load"}}
    with pytest.raises(ConfigError) as caught:
        load_dataset(load_config_dict(config, tmp_path), seed=0)
    assert caught.value.key_path == ("data", "callable")
    assert "x as a dict (a, b)" in caught.value.message


def test_a_loader_returning_rows_of_different_shapes_is_told_so(tmp_path):
    """A list of images of two sizes cannot be one array; the error said the loader must
    return (x, y), which it did."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    (tmp_path / "ragged_loader.py").write_text(
        "import numpy as np\n\n"
        "def load():\n"
        "    return [np.zeros((4, 4)), np.zeros((2, 2))] * 10, [0, 1] * 10\n"
    )
    config = {**CONFIG, "data": {"source": "python", "callable": "ragged_loader:load"}}
    with pytest.raises(ConfigError) as caught:
        load_dataset(load_config_dict(config, tmp_path), seed=0)
    message = caught.value.message
    assert "must return (x, y)" not in message
    assert "x cannot be one array" in message and "inhomogeneous shape" in message
