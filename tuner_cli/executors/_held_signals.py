"""Ctrl-C and SIGTERM held back while a local cluster starts.

A ``KeyboardInterrupt`` raised inside ``LocalCluster(...)`` leaves a cluster half made: Dask's
exit hook then fails to close it (a traceback on ``Status.init``) and a worker still being
forked finds its parent's semaphores gone (another traceback). Starting takes about a second,
so the first signal waits for it to end, and the cluster is closed before the signal is
delivered to the search's own handlers. A second one interrupts at once, in case the start
itself hangs.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from tuner_cli.errors import SignalInterrupt

HELD = (signal.SIGINT, signal.SIGTERM)


class HeldSignals:
    """The signals that arrived inside ``held_signals``; ``deliver`` sends the first one again."""

    def __init__(self) -> None:
        self.received: list[int] = []

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if len(self.received) > 1:
            raise SignalInterrupt

    def deliver(self) -> None:
        """Raise the first held signal again, now that the previous handlers are back."""
        if self.received:
            signal.raise_signal(self.received[0])


@contextmanager
def held_signals() -> Iterator[HeldSignals]:
    held = HeldSignals()
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous: dict[int, Any] = {signum: signal.signal(signum, held._hold) for signum in HELD}
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
