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


def start_forkserver(keras: bool) -> None:
    """Start the forkserver (if not running), preloading what a worker needs; returns at once.

    ``keras``: preload Keras too; an ``objective_function`` study never imports TensorFlow.
    """
    preload = ["distributed", "numpy", "tuner_cli.executors.worker"]
    if keras:
        preload.append("tuner_cli.executors.worker_preload")
    multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
    multiprocessing.forkserver.ensure_running()
