"""``training.distribution: mirrored``: one trial trained on every device of its worker.

The other way to use several GPUs is one trial per GPU (Dask resources, ``execution.resources:
GPU=1``); this one suits models too slow for one device. ``MirroredStrategy`` keeps a copy of
the model on each device and splits every batch among them, so ``training.batch_size`` is the
global batch. Without GPUs the worker's CPU devices are used (one unless TensorFlow was told to
make logical ones), which is how it is tested.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def distribution_scope(kind: str | None) -> Iterator[int]:
    """Build the model inside this; yields how many replicas train it."""
    if kind in (None, "none"):
        yield 1
        return
    import tensorflow as tf

    gpus = [device.name for device in tf.config.list_logical_devices("GPU")]
    if gpus:
        strategy = tf.distribute.MirroredStrategy(devices=gpus)
    else:
        cpus = [device.name for device in tf.config.list_logical_devices("CPU")]
        # NCCL, the default reduction, is for GPUs only
        strategy = tf.distribute.MirroredStrategy(
            devices=cpus, cross_device_ops=tf.distribute.ReductionToOneDevice()
        )
    with strategy.scope():
        yield strategy.num_replicas_in_sync
