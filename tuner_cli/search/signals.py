"""Ctrl-C during a search: once finishes the running trial, twice stops at once.

A trial that ran for an hour should not be thrown away by one keystroke, so the first SIGINT
only asks the search to start no new trial. A second SIGINT (or a SIGTERM, which is how
schedulers and ``docker stop`` ask) raises ``KeyboardInterrupt`` in the main thread: the
runner marks the running trial ``interrupted`` and the next run of the same command trains it
again. Before trials run (workers starting, the model checked) there is nothing to finish, so
either signal stops at once. Either way the exit code is 128 + the signal number (130 for
Ctrl-C), so a script chaining ``kt-run search && kt-run best`` does not carry on as if the
search had finished. SIGHUP (the terminal closed, an ssh connection lost) stops as SIGTERM
does, unless it is ignored (``nohup``): it killed the search on the spot, its running trials
left ``running``.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from tuner_cli.errors import SignalInterrupt
from tuner_cli.events import write_now

FIRST_PRESS = (
    "Ctrl-C: no new trials; finishing the running ones, then stopping; press Ctrl-C again to "
    "stop now (they are then run again on resume)"
)
FIRST_INTERRUPT_IN_A_NOTEBOOK = (
    "interrupted: no new trials; finishing the running ones, then stopping; interrupt the "
    "kernel again to stop now (they are then run again on resume)"
)
"""In a Jupyter kernel the keystroke is the interrupt button (or I, I), not Ctrl-C."""


RAISED_AGAIN_AFTER_S = 0.1
"""How soon a ``SignalInterrupt`` Python dropped is raised again."""


class GracefulInterrupts:
    """Installs the handlers for the duration of a ``with`` block, then restores the old ones.

    ``request_stop`` is called on the first SIGINT (it sets the runner's ``stop_requested``);
    without one (no trial is running yet) the first SIGINT stops at once, as SIGTERM does.
    ``notify`` shows a line to the user. It runs inside the signal handler, which can interrupt
    the main thread anywhere, even halfway through an import inside rich, so the default writes
    to the user's stderr by one system call (``write_now``). Outside the main thread nothing is
    installed, since Python delivers signals to the main thread only.
    """

    def __init__(
        self,
        request_stop: Callable[[], None] | None = None,
        notify: Callable[[str], None] | None = None,
    ):
        self.request_stop = request_stop
        self.notify = notify or write_now
        self.signal_number: int | None = None
        self._previous: dict[int, Any] = {}
        self._left = threading.Event()
        self._previous_hook = sys.unraisablehook

    @property
    def stopped(self) -> bool:
        """Whether a signal asked the search to stop (once or for good)."""
        return self.signal_number is not None

    @property
    def exit_code(self) -> int:
        return 128 + (self.signal_number or signal.SIGINT)

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        first = self.signal_number is None
        if first:
            self.signal_number = signum
        if first and self.request_stop is not None:
            self.request_stop()
            in_a_kernel = "ipykernel" in sys.modules
            self.notify(FIRST_INTERRUPT_IN_A_NOTEBOOK if in_a_kernel else FIRST_PRESS)
            return
        raise SignalInterrupt

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        self.signal_number = signum
        if self.request_stop is not None:
            self.request_stop()
        raise SignalInterrupt

    def _unraisable(self, unraisable: Any) -> None:
        """Python's report of an exception it dropped. A handler runs wherever the main thread
        is, and one that raises inside a ``__del__`` or a weakref callback (the import system's
        module locks have one) has its exception printed as "Exception ignored" and lost: the
        search went on as if never told to stop (seen under load: a SIGINT while the worker
        imported the objective waited for the import's whole minute). Ours is raised again
        instead, by the same signal once that callback has returned."""
        if not isinstance(unraisable.exc_value, SignalInterrupt) or self.signal_number is None:
            self._previous_hook(unraisable)
            return
        main = threading.main_thread().ident
        again = threading.Timer(RAISED_AGAIN_AFTER_S, self._raise_again, (main, self.signal_number))
        again.daemon = True
        again.start()

    def _raise_again(self, main: int, signum: int) -> None:
        if not self._left.is_set():
            signal.pthread_kill(main, signum)

    def __enter__(self) -> GracefulInterrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = {
                signal.SIGINT: signal.signal(signal.SIGINT, self._on_sigint),
                signal.SIGTERM: signal.signal(signal.SIGTERM, self._on_sigterm),
            }
            if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:  # nohup: runs on
                self._previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._on_sigterm)
            self._previous_hook = sys.unraisablehook
            sys.unraisablehook = self._unraisable
        return self

    def __exit__(self, *exc: object) -> None:
        self._left.set()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if self._previous:
            sys.unraisablehook = self._previous_hook
        self._previous = {}
