"""Ctrl-C while the forkserver local workers fork from is being started (see ``_forkserver``)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tuner_cli.executors._forkserver import _ctrl_c_held_from_children

BLOCKED_IN_CHILD = (
    "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"
)


def test_a_ctrl_c_while_the_forkserver_starts_reaches_the_driver_afterwards() -> None:
    """It used to be ignored in the driver too, and the search went on as if never asked to
    stop (a CI run waited 60 s on a search that should have ended at once)."""
    with pytest.raises(KeyboardInterrupt):
        with _ctrl_c_held_from_children():
            signal.raise_signal(signal.SIGINT)
            child = subprocess.run(
                [sys.executable, "-c", BLOCKED_IN_CHILD], capture_output=True, text=True
            )
        pytest.fail("the Ctrl-C was lost")
    assert child.stdout.strip() == "True"  # the forkserver and its workers never see it
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
