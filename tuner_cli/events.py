"""What a search reports as it goes, so the loop never talks to a terminal itself."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from tuner_cli.trial import TrialRecord

_stderr_while_silenced: int | None = None
"""A copy of the user's file descriptor 2 while ``native_stderr_silenced`` points it at
/dev/null; None otherwise."""


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 on /dev/null for the block: TensorFlow's native code writes there
    while it loads, before any Python setting can stop it. A signal handler's line
    (``write_now``) still reaches the user meanwhile, through a copy of the real one."""
    global _stderr_while_silenced
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        _stderr_while_silenced = saved
        yield
    finally:
        _stderr_while_silenced = None
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def write_now(message: str) -> None:
    """``warning: message`` on the user's stderr by one system call: safe in a signal handler,
    which can interrupt the main thread anywhere (even halfway through drawing the screen or
    loading TensorFlow). It goes to file descriptor 2 itself, not ``sys.stderr.fileno()``: in
    a Jupyter kernel the latter names the terminal the kernel was started from, while what
    reaches descriptor 2 is shown in the notebook, under the cell that runs the search."""
    target = 2 if _stderr_while_silenced is None else _stderr_while_silenced
    with contextlib.suppress(OSError):
        os.write(target, f"warning: {message}\n".encode())


class SearchEvents:
    """What a search reports as it goes; override what you display. Every method is optional."""

    def preparing(self, message: str) -> None:
        """A step before the first trial that can take seconds (starting workers, loading
        TensorFlow, checking the model), so the screen is never blank after Enter."""

    def search_started(self, total: int | None, resumed: int, plan: list[str]) -> None: ...

    def best_restored(self, best: TrialRecord) -> None:
        """The best trial a resumed study already has, before any new trial finishes."""

    def trials_rerun(self, trial_ids: list[int]) -> None:
        """Trials an earlier run of the study left unfinished (interrupted, or running when it
        was killed): they run again first, with the same hyperparameters."""

    def trial_started(self, record: TrialRecord, epochs: int | None) -> None: ...

    def epoch_ended(
        self, trial_id: int, epoch: int, epochs: int, logs: dict[str, float]
    ) -> None: ...

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None: ...

    def front_counted(self, size: int) -> None:
        """A multi-objective study's Pareto front holds ``size`` trials: sent on resume and
        before each ``trial_finished``, since there ``best`` ranks by the first objective only."""

    def warning(self, message: str) -> None: ...

    def stop_requested(self, message: str) -> None:
        """The first Ctrl-C. Called inside the signal handler, which can interrupt the main
        thread anywhere (even halfway through drawing the screen): a view only records it and
        shows it on its next redraw. Unless a view does, the line goes to stderr at once."""
        write_now(message)
