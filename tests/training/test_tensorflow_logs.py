"""TensorFlow's Python warnings (the multi-line "tf.function retracing" blocks a worker prints
after building a few models) stay out of normal output and show with ``-v``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import cli_env

RETRACE = """
from tuner_cli.training.keras_import import import_keras
import_keras()
import tensorflow as tf
for i in range(8):
    step = tf.function(lambda x: x * 2)
    step(tf.constant(float(i)))
"""


def _stderr(**env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", RETRACE],
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stderr


@pytest.mark.slow
def test_retracing_warnings_only_when_verbose():
    assert "retracing" not in _stderr()
    assert "retracing" in _stderr(KT_RUN_VERBOSE="1")
