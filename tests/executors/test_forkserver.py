"""Ctrl-C while the forkserver local workers fork from is being started (see ``_forkserver``)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tuner_cli.executors._forkserver import _held_from_children

BLOCKED_IN_CHILD = (
    "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"
)


def test_a_ctrl_c_while_the_forkserver_starts_reaches_the_driver_afterwards() -> None:
    """It used to be ignored in the driver too, and the search went on as if never asked to
    stop (a CI run waited 60 s on a search that should have ended at once)."""
    with pytest.raises(KeyboardInterrupt):
        with _held_from_children({signal.SIGINT}):
            signal.raise_signal(signal.SIGINT)
            child = subprocess.run(
                [sys.executable, "-c", BLOCKED_IN_CHILD], capture_output=True, text=True
            )
        pytest.fail("the Ctrl-C was lost")
    assert child.stdout.strip() == "True"  # the forkserver and its workers never see it
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


FORKSERVER_MASK = """\
import multiprocessing.forkserver, multiprocessing.resource_tracker, pathlib
from tuner_cli.executors._forkserver import start_forkserver
start_forkserver(keras=False)
for pid in (
    multiprocessing.forkserver._forkserver._forkserver_pid,
    multiprocessing.resource_tracker._resource_tracker._pid,
):
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    print(next(line for line in status.splitlines() if line.startswith("SigBlk:")).split()[1])
"""


def test_the_forkserver_starts_with_ctrl_c_blocked() -> None:
    """Its resource tracker, started on the way, unblocks SIGINT after its own start: started
    inside the block, it opened it before the forkserver was spawned. Both start with SIGHUP
    blocked: a closed terminal's SIGHUP killed the tracker, and the one started in its place
    while the search stopped printed a traceback per semaphore."""
    child = subprocess.run(
        [sys.executable, "-c", FORKSERVER_MASK], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    forkserver, tracker = (int(mask, 16) for mask in child.stdout.split())
    assert forkserver & (1 << (signal.SIGINT - 1))
    assert forkserver & (1 << (signal.SIGHUP - 1)) and tracker & (1 << (signal.SIGHUP - 1))


KERAS_AFTER_AN_OBJECTIVE_STUDY = """\
import multiprocessing, sys
from tuner_cli.executors._forkserver import start_forkserver

def has_keras(queue):
    queue.put("keras" in sys.modules)

if __name__ == "__main__":
    for keras in (False, True, False):
        start_forkserver(keras=keras)
        context = multiprocessing.get_context("forkserver")
        queue = context.Queue()
        child = context.Process(target=has_keras, args=(queue,))
        child.start()
        print(queue.get(timeout=120))
        child.join()
"""


def test_a_keras_study_after_an_objective_function_study_forks_warm_workers(tmp_path) -> None:
    """One forkserver per process (a notebook's): started for an objective function study, it
    had no Keras, and every worker of a later Keras study in that process, and every
    replacement, imported Keras itself (5 to 13 s each). A later objective function study
    keeps the one with Keras."""
    script = tmp_path / "script.py"
    script.write_text(KERAS_AFTER_AN_OBJECTIVE_STUDY)
    child = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["False", "True", "True"]
