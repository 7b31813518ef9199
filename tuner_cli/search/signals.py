"""Ctrl-C during a search: once finishes the running trial, twice stops at once.

A trial that ran for an hour should not be thrown away by one keystroke, so the first SIGINT
only asks the search to start no new trial. A second SIGINT (or a SIGTERM, which is how
schedulers and ``docker stop`` ask) raises ``KeyboardInterrupt`` in the main thread: the
runner marks the running trial ``interrupted`` and the next run of the same command trains it
again. Before trials run (workers starting, the model checked) there is nothing to finish, so
either signal stops at once. Either way the exit code is 128 + the signal number (130 for
Ctrl-C), so a script chaining ``kt-run search && kt-run best`` does not carry on as if the
search had finished.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, NoReturn

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


RAISED_AGAIN_AFTER_S = 1.0
"""How long a ``SignalInterrupt`` may go missing before the signal is raised again."""


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
        self._again: threading.Thread | None = None
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
        self._interrupt(signum)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        self.signal_number = signum
        if self.request_stop is not None:
            self.request_stop()
        self._interrupt(signum)

    def _interrupt(self, signum: int) -> NoReturn:
        """Raise ``SignalInterrupt``, and raise the signal again every ``RAISED_AGAIN_AFTER_S``
        until an exception leaves the ``with`` block. Python runs a handler wherever the main
        thread is, and an exception raised inside a weakref callback or a ``__del__`` (the
        import system runs such callbacks) is printed as "Exception ignored" and dropped: the
        search then went on as if never told to stop (seen under load: a SIGINT while the
        first worker imported the objective waited for the import's whole minute)."""
        if self._again is None:
            self._again = threading.Thread(target=self._raise_again, args=(signum,), daemon=True)
            self._again.start()
        raise SignalInterrupt

    def _raise_again(self, signum: int) -> None:
        main = threading.main_thread().ident
        assert main is not None
        while not self._left.wait(RAISED_AGAIN_AFTER_S):
            signal.pthread_kill(main, signum)

    def _unraisable(self, unraisable: Any) -> None:
        """Python's report of an exception it dropped; not of ours, which is raised again."""
        if not isinstance(unraisable.exc_value, SignalInterrupt):
            self._previous_hook(unraisable)

    def __enter__(self) -> GracefulInterrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = {
                signal.SIGINT: signal.signal(signal.SIGINT, self._on_sigint),
                signal.SIGTERM: signal.signal(signal.SIGTERM, self._on_sigterm),
            }
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
