"""The process that local workers fork from, started early so its imports overlap the driver's.

Importing Keras takes 5-7 s. Local workers fork from one ``forkserver`` process that imports it
once, so workers and their replacements after a recycle start warm. Started as soon as a search
knows it will use local workers, that process imports Keras while the driver imports Dask and
starts the scheduler, instead of after. Dask's worker processes use the same forkserver: the
multiprocessing module keeps one per process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import signal
import tempfile
import threading
from collections.abc import Iterator

from tuner_cli.executors._base import NoWorkersError
from tuner_cli.executors._scratch import process_scratch

SOCKET_PATH_MAX = 107
"""The longest path a Unix socket may have on Linux (``sun_path`` holds 108 bytes)."""
SOCKET_NAME = "/kt-run-mp-xxxxxxxx/listener-xxxxxxxx"
"""What the forkserver's socket adds to the temporary folder (``_multiprocessing_folder``)."""
_keras_servers: set[int] = set()
"""The forkservers this process started with Keras preloaded, by process id."""


def start_forkserver(keras: bool) -> None:
    """Start the forkserver (if not running), preloading what a worker needs; returns at once.

    ``keras``: preload Keras too; an ``objective_function`` study never imports TensorFlow.
    """
    folder = tempfile.gettempdir()
    if len(folder) + len(SOCKET_NAME) > SOCKET_PATH_MAX:
        raise NoWorkersError(
            f"the temporary folder {folder} is too long a path for the socket local worker "
            "processes start from (Unix sockets allow 107 characters); set TMPDIR to a "
            "shorter folder, such as /tmp"
        )
    preload = [
        "distributed",
        "numpy",
        "tuner_cli.executors.worker",
        "tuner_cli.executors.worker_main_guard",
    ]
    if keras:
        preload.append("tuner_cli.executors.worker_preload")
    multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
    _stop_if_unreachable()
    if keras:
        _stop_without_keras()
    _multiprocessing_folder()
    # started first: its own start unblocks SIGINT, which would open the block below
    with _held_from_children({signal.SIGHUP}):
        multiprocessing.resource_tracker.ensure_running()
    with _held_from_children({signal.SIGINT, signal.SIGHUP}):
        multiprocessing.forkserver.ensure_running()
    pid = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)
    if keras and pid is not None:
        _keras_servers.add(pid)


@contextlib.contextmanager
def _held_from_children(signals: set[signal.Signals]) -> Iterator[None]:
    """Start the forkserver with SIGINT blocked, so that it reaches neither the forkserver
    while it imports (a terminal's Ctrl-C reaches the whole process group, and one that landed
    there printed its ``KeyboardInterrupt`` traceback under the driver's own line) nor the
    workers forked from it (the driver alone decides what Ctrl-C does; ``IgnoreInterrupts``
    ignores it there and unblocks it). A blocked signal stays blocked across fork and exec.
    In the driver it is not lost: it waits for the block's end (or another of the driver's
    threads takes it, and the main thread handles it at once); a Ctrl-C sent while SIGINT was
    ignored here instead vanished, and the search went on as if never interrupted.

    SIGHUP (the terminal closed) likewise, for the forkserver and multiprocessing's resource
    tracker: the tracker ignores SIGINT and SIGTERM but died of a SIGHUP to the group, and the
    one started in its place while the driver stopped its workers printed a ``KeyError``
    traceback for every semaphore the first had been told of."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _stop_if_unreachable() -> None:
    """Stop a forkserver whose socket file is gone, so ``ensure_running`` starts another.

    multiprocessing keeps one forkserver per process and checks only that it is alive, not
    that its socket (in a ``pymp-`` folder it makes once per process in the temporary folder)
    still exists; once that folder is cleaned (a long-lived notebook's /tmp, a test's
    temporary folder), every later search in the process failed with "could not start local
    worker processes". The private names are guarded: without them nothing is done."""
    server = multiprocessing.forkserver._forkserver
    address = getattr(server, "_forkserver_address", None)
    if not isinstance(address, str) or address.startswith("\0") or os.path.exists(address):
        return  # none yet, an abstract socket (no file), or a socket file still there
    _stop(server)
    config = getattr(multiprocessing.current_process(), "_config", {})
    if not os.path.isdir(config.get("tempdir") or "/"):
        config.pop("tempdir", None)  # made again on next use


def _stop_without_keras() -> None:
    """Stop a forkserver started without Keras (for an objective function study earlier in
    this process, a notebook's), so ``ensure_running`` starts one with it: every worker of a
    Keras study, and every replacement, imported Keras itself from it (5 to 13 s each). Between
    two searches no worker forks from it. The private names are guarded, as above."""
    server = multiprocessing.forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid is not None and pid not in _keras_servers:
        _stop(server)


def _stop(server: object) -> None:
    """Stop the forkserver; the next ``ensure_running`` starts another."""
    with contextlib.suppress(FileNotFoundError):  # the socket it unlinks after stopping
        getattr(server, "_stop", lambda: None)()


def _multiprocessing_folder() -> None:
    """Give multiprocessing a folder of kt-run's own (``_scratch.process_scratch``) for its
    files in this process (the forkserver's socket), unless it has one already: its own
    ``pymp-*`` folder outlived a killed search, and nothing could tell it from another
    program's. The private name is guarded: without it, multiprocessing makes its own."""
    config = getattr(multiprocessing.current_process(), "_config", None)
    if isinstance(config, dict) and not config.get("tempdir"):
        config["tempdir"] = process_scratch()
