"""Objective functions that fail in chosen ways, for the fault tests.

Configs name them as ``faulty:<function>``; the tests put this folder on PYTHONPATH. Anything
that must survive a process (attempt counts) lives in files under ``$KT_FAULT_DIR``.
"""

import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

# a slow start (as a heavy import gives), so a signal can land before the first trial
time.sleep(float(os.environ.get("KT_FAULT_IMPORT_SLEEP", "0")))


def _loss(hp):
    return (hp["x"] - 0.3) ** 2 + (hp.get("y", 0.5) - 0.6) ** 2


def slow(hp, budget):
    """50 to 200 ms per trial, so a kill lands in every phase of the loop."""
    time.sleep(0.05 + 0.15 * hp["x"])
    return {"loss": _loss(hp)}


def sleepy(hp, budget):
    """Long enough to send signals while it runs."""
    time.sleep(float(os.environ.get("KT_FAULT_SLEEP", "1.0")))
    return {"loss": _loss(hp)}


def fails_above_half(hp, budget):
    if hp["x"] > 0.5:
        raise ValueError(f"x={hp['x']} is too large for this objective")
    return {"loss": _loss(hp)}


def by_mode(hp, budget):
    """``mode`` picks the fault: ok, raise, nan, inf, missing (the objective not returned)."""
    mode = hp["mode"]
    if mode == "raise":
        raise RuntimeError("the objective crashed on purpose")
    if mode == "nan":
        return {"loss": math.nan}
    if mode == "inf":
        return math.inf
    if mode == "missing":
        return {"accuracy": 0.5}
    return {"loss": _loss({"x": 0.3})}


def always_fails(hp, budget):
    raise RuntimeError(f"nothing works (x={hp['x']:.3f})")


def flaky(hp, budget):
    """Fails on the first attempt at each configuration, succeeds on the next."""
    marker = Path(os.environ["KT_FAULT_DIR"]) / f"seen_{hp['x']!r}"
    if not marker.exists():
        marker.write_text("1")
        raise RuntimeError("first attempt fails")
    return {"loss": _loss(hp)}


def interrupts(hp, budget):
    """User code that raises KeyboardInterrupt itself (as some libraries do on a timeout)."""
    if hp["x"] > 0.2:
        raise KeyboardInterrupt("the objective gave up")
    return {"loss": _loss(hp)}


def many_metrics(hp, budget):
    """A record of about 60 kB once finished, against a few hundred bytes while running."""
    return {"loss": _loss(hp), **{f"metric_{i:04d}": float(i) for i in range(2000)}}


def runs_out_of_memory(hp, budget):
    """An allocation the process cannot get (4 EiB: MemoryError at once, nothing allocated)."""
    if hp["x"] > 0.5:
        bytearray(2**62)
    return {"loss": _loss(hp)}


class GaveUp(BaseException):
    """A BaseException of user code, as some libraries raise to unwind."""


def exits(hp, budget):
    """``sys.exit`` inside the objective (0 or 3), or a BaseException that is no Exception."""
    if hp["x"] > 0.7:
        sys.exit(0)
    if hp["x"] > 0.5:
        sys.exit(3)
    if hp["x"] > 0.3:
        raise GaveUp("the objective unwound")
    return {"loss": _loss(hp)}


def leaves_a_thread(hp, budget):
    """Starts a thread that never ends and is no daemon, as a careless logger or server does."""

    def forever():
        while True:
            time.sleep(0.05)

    threading.Thread(target=forever, name="objective-poller").start()
    return {"loss": _loss(hp)}


def hangs_in_a_temporary_folder(hp, budget):
    """Hangs inside a temporary folder, as a trial whose worker is stopped while Keras saves
    its model (``model.save`` writes through ``tempfile``) does: the folder is never removed
    by its maker."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "model.keras").write_bytes(b"half a model")
        while True:
            time.sleep(0.05)
