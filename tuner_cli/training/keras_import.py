"""Import Keras without TensorFlow's start-up chatter.

TensorFlow's native code writes to file descriptor 2 while it loads (CUDA probes, absl
warnings), before any Python setting can stop it, so the descriptor itself is pointed at
/dev/null for the import (``tuner_cli.events.native_stderr_silenced``: a Ctrl-C's line still
gets through). Later, TensorFlow's Python logger warns through ``logging`` (a multi-line
"triggered tf.function retracing" block whenever a worker builds its sixth model), so it is
turned down to errors. ``KT_RUN_VERBOSE=1`` (``kt-run --verbose``) keeps both.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from types import ModuleType

from tuner_cli.events import native_stderr_silenced


def import_keras() -> ModuleType:
    if "keras" in sys.modules or os.environ.get("KT_RUN_VERBOSE") == "1":
        import keras

        _quiet_python_logs()
        return keras
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with native_stderr_silenced():
        import keras
    _quiet_python_logs()
    return keras


def _quiet_python_logs() -> None:
    if os.environ.get("KT_RUN_VERBOSE") != "1":
        logging.getLogger("tensorflow").setLevel(logging.ERROR)


@contextlib.contextmanager
def tensorflow_seed_as_found() -> Iterator[None]:
    """Put TensorFlow's global seed back as it was (unset, unless the caller set one): trials
    in this process seed it (``keras.utils.set_random_seed``), and a notebook's own
    ``tf.random`` draws and fresh models after the search must not repeat the last trial's."""
    before = _global_seed()
    try:
        yield
    finally:
        if "tensorflow" in sys.modules and _global_seed() != before:
            import tensorflow as tf

            tf.random.set_seed(before)


@contextlib.contextmanager
def tensorflow_logger_as_found() -> Iterator[None]:
    """Put the ``tensorflow`` logger's level back: a search in this process turns it down to
    errors, and a notebook's own TensorFlow warnings after the search must still show."""
    logger = logging.getLogger("tensorflow")
    before = logger.level
    try:
        yield
    finally:
        logger.setLevel(before)


def _global_seed() -> int | None:
    context = sys.modules.get("tensorflow.python.eager.context")
    return context.global_seed() if context is not None else None
