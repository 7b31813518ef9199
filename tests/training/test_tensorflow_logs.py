"""TensorFlow's Python warnings (the multi-line "tf.function retracing" blocks a worker prints
after building a few models) stay out of normal output and show with ``-v``."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from tests.conftest import REPO, cli_env

RETRACE = """
import logging, sys
from tuner_cli.training.keras_import import import_keras
import_keras()
import tensorflow as tf

def retrace():  # TensorFlow warns on the fifth trace in a row, and twice at most
    for i in range(5):
        step = tf.function(lambda x: x * 2)
        step(tf.constant(float(i)))

retrace()
sys.stderr.write("--- the same with TensorFlow's logger at its own level ---\\n")
logging.getLogger("tensorflow").setLevel(logging.WARNING)
retrace()
"""


@pytest.mark.slow
def test_retracing_warnings_stay_out_of_normal_output():
    """One interpreter: the quiet import first, then, as a control that the warning is really
    raised by this code, the logger put back to TensorFlow's level."""
    done = subprocess.run(
        [sys.executable, "-c", RETRACE],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    quiet, control = done.stderr.split("--- the same with TensorFlow's logger at its own level ---")
    assert "retracing" not in quiet
    assert "retracing" in control


def test_verbose_leaves_tensorflows_logger_as_it_is(monkeypatch):
    from tuner_cli.training.keras_import import import_keras

    logger = logging.getLogger("tensorflow")
    monkeypatch.setattr(logger, "level", logging.WARNING)
    monkeypatch.setenv("KT_RUN_VERBOSE", "1")
    import_keras()
    assert logger.level == logging.WARNING
    monkeypatch.delenv("KT_RUN_VERBOSE")
    import_keras()
    assert logger.level == logging.ERROR


CTRL_C_DURING_IMPORT = """
from tuner_cli.events import SearchEvents
from tuner_cli.search.signals import GracefulInterrupts
from tuner_cli.training.keras_import import import_keras

with GracefulInterrupts(lambda: None, notify=SearchEvents().stop_requested):
    import_keras()
"""


def test_a_ctrl_c_while_keras_loads_quietly_is_still_acknowledged(tmp_path):
    """The first Ctrl-C of a resumed ``--workers 0`` search can land while Keras loads, with
    file descriptor 2 on /dev/null: its line must reach the user all the same. A stand-in
    Keras writes native-style chatter there, then gets the Ctrl-C halfway through its import."""
    keras = tmp_path / "keras"
    keras.mkdir()
    (keras / "__init__.py").write_text(
        "import os, signal\n"
        "os.write(2, b'chatter from native code\\n')\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_DURING_IMPORT],
        env=cli_env(PYTHONPATH=f"{tmp_path}:{REPO}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "chatter" not in done.stderr
    assert "warning: Ctrl-C: no new trials" in done.stderr
