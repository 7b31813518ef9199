"""A trial's traced training step does not outlive the trial (``training.traced_gradients``)."""

from __future__ import annotations

import gc

import pytest

from tuner_cli import load_config_dict, run_search


def custom_gradients() -> set[str]:
    from tensorflow.python.framework import ops

    return {n for n in ops._gradient_registry._registry if n.startswith("CustomGradient-")}


def traced_graphs() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o).__name__ == "FuncGraph")


def iris(trials: int) -> dict:
    return {
        "name": "leak",
        "seed": 0,
        "data": {"source": "sklearn", "name": "iris", "scale": "standard"},
        "search_space": {"units": {"type": "int", "min": 4, "max": 16}},
        "model": {
            "layers": [
                {"Dense": {"units": "$units", "activation": "relu"}},
                {"Dense": {"units": 3, "activation": "softmax"}},
            ],
            "loss": "sparse_categorical_crossentropy",
        },
        "training": {"epochs": 1, "batch_size": 64},
        "strategy": {"name": "random", "objective": "val_loss", "max_trials": trials},
    }


@pytest.mark.slow
def test_searches_in_this_process_leave_no_training_step_behind(tmp_path):
    """TensorFlow registers a gradient function for every traced training step and keeps it,
    with its graph, for the life of the process: a notebook grew 4 MB a trial. A custom
    gradient of the caller's own, registered before, stays."""
    import tensorflow as tf

    @tf.custom_gradient
    def doubled_gradient(x):
        return x, lambda dy: 2 * dy

    traced = tf.function(lambda x: doubled_gradient(x)).get_concrete_function(
        tf.TensorSpec([], tf.float32)
    )
    own = custom_gradients()
    assert own, "tracing a tf.custom_gradient registers it"
    run_search(load_config_dict(iris(1), tmp_path), tmp_path / "warm", workers=0)
    graphs = traced_graphs()

    run_search(load_config_dict(iris(3), tmp_path), tmp_path / "study", workers=0)

    assert custom_gradients() == own
    assert traced_graphs() == graphs
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = traced(x)
    assert float(tape.gradient(y, x)) == 2.0
