"""The process that local workers fork from, started early so its imports overlap the driver's.

Importing Keras takes 5-7 s. Local workers fork from one ``forkserver`` process that imports it
once, so workers and their replacements after a recycle start warm. Started as soon as a search
knows it will use local workers, that process imports Keras while the driver imports Dask and
starts the scheduler, instead of after. Dask's worker processes use the same forkserver: the
multiprocessing module keeps one per process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import tempfile

from tuner_cli.executors._base import NoWorkersError

SOCKET_PATH_MAX = 107
"""The longest path a Unix socket may have on Linux (``sun_path`` holds 108 bytes)."""
SOCKET_NAME = "/pymp-xxxxxxxx/listener-xxxxxxxx"
"""What multiprocessing adds to the temporary folder for the forkserver's socket."""


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
    preload = ["distributed", "numpy", "tuner_cli.executors.worker"]
    if keras:
        preload.append("tuner_cli.executors.worker_preload")
    multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
    multiprocessing.forkserver.ensure_running()
