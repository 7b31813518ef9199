"""Imported by the forkserver only (never by the driver): a worker forked from it does not try
to run a main script that is no file.

multiprocessing starts every child by running the parent's main script again
(``spawn._fixup_main_from_path``), so that what the script defines can be unpickled there. A
script fed on standard input (``python - <<EOF``, common in shell scripts and CI) has the
"path" ``<stdin>``: each worker then failed with ``FileNotFoundError`` and Dask said only
"Nanny failed to start worker process". Such a script is like a notebook: nothing can run it
again, and the search sends its own functions to the workers by value
(``tuner_cli.training.imports.ShippedObjects``). A real file still runs as Python runs it.
"""

from __future__ import annotations

import os
from multiprocessing import spawn

_fixup_main_from_path = getattr(spawn, "_fixup_main_from_path", None)


def _fixup_main_if_a_file(main_path: str) -> None:
    if os.path.exists(main_path):  # a script, a zip file or a folder with __main__.py
        _fixup_main_from_path(main_path)


if _fixup_main_from_path is not None:  # a private name: without it, nothing changes
    spawn._fixup_main_from_path = _fixup_main_if_a_file
