"""Where trials run. The runner submits tasks and waits; an executor decides the process.

``InProcessExecutor`` trains in the driver (``--workers 0``, for debugging); ``DaskExecutor``
trains in worker processes, on this machine (``--workers N``) or on a Dask cluster
(``--scheduler``). Dask is imported only when it is used.
"""

from tuner_cli.executors._base import Executor, ProgressCallback, WarningCallback
from tuner_cli.executors._factory import execution_settings, make_executor
from tuner_cli.executors._inprocess import InProcessExecutor

__all__ = [
    "Executor",
    "InProcessExecutor",
    "ProgressCallback",
    "WarningCallback",
    "execution_settings",
    "make_executor",
]
