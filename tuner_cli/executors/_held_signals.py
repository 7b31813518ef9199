"""Ctrl-C, SIGTERM and SIGHUP held back while a local cluster starts or closes.

A ``KeyboardInterrupt`` raised inside ``LocalCluster(...)`` leaves a cluster half made: Dask's
exit hook then fails to close it (a traceback on ``Status.init``) and a worker still being
forked finds its parent's semaphores gone (another traceback). Starting takes about a second,
so the first signal waits for it to end, and the cluster is closed before the signal is
delivered to the search's own handlers. A second signal, or ``HOLD_LIMIT_S`` without the start
ending, interrupts it at once: a start that hangs must not keep the search from stopping.

Closing is the same, except that every further signal is held too (``hold_all``): the close
comes after a "stop now", and a user pressing Ctrl-C again while it runs (a second or so)
interrupted it, so Dask's exit hook closed the cluster once more and printed its traceback.
Only ``HOLD_LIMIT_S`` then interrupts a close that hangs.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from tuner_cli.errors import SignalInterrupt

HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Held unless ignored: a SIGHUP under ``nohup`` stays ignored."""
HOLD_LIMIT_S = 15.0
"""How long the first signal waits for the cluster's start (about a second) to end."""


class HeldSignals:
    """The signals that arrived inside ``held_signals``; ``deliver`` sends the first one again."""

    def __init__(self, hold_all: bool = False) -> None:
        self.received: list[int] = []
        self.previous: dict[int, Any] = {}
        self.hold_all = hold_all
        self._limit: threading.Timer | None = None
        self._expired = False

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if len(self.received) == 1:
            # the limit comes back as one more signal, to the main thread: it also wakes a wait
            main = threading.main_thread().ident
            self._limit = threading.Timer(HOLD_LIMIT_S, self._expire, (main, signum))
            self._limit.daemon = True
            self._limit.start()
            return
        if self.hold_all and not self._expired:
            return
        first = self.received[0]
        handler = self.previous.get(first)
        if callable(handler):
            handler(first, frame)  # the search's own: it records the signal, then raises
        raise SignalInterrupt

    def _expire(self, main: int, signum: int) -> None:
        self._expired = True
        signal.pthread_kill(main, signum)

    def stop_waiting(self) -> None:
        if self._limit is not None:
            self._limit.cancel()

    def deliver(self) -> None:
        """Raise the first held signal again, now that the previous handlers are back."""
        if self.received:
            signal.raise_signal(self.received[0])


@contextmanager
def held_signals(hold_all: bool = False) -> Iterator[HeldSignals]:
    held = HeldSignals(hold_all)
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    held.previous = {
        signum: signal.signal(signum, held._hold)
        for signum in HELD
        if signal.getsignal(signum) is not signal.SIG_IGN
    }
    try:
        yield held
    finally:
        held.stop_waiting()
        for signum, handler in held.previous.items():
            signal.signal(signum, handler)
