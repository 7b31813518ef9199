"""A callback of your own, named in a config as ``my_callbacks:EpochTimer``."""

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Adds each epoch's duration to the logs, so it is kept in the trial's history."""

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self.started
