"""Scratch folders of killed searches are removed by the next search, and nothing else is."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tuner_cli.executors._scratch import (
    LOCK_NAME,
    PREFIX,
    PROCESS_PREFIX,
    remove_abandoned,
    search_scratch,
)

HOLD = """
import sys, time
from tuner_cli.executors._scratch import search_scratch
with search_scratch() as folder:
    print(folder, flush=True)
    time.sleep(600)
"""
HOLD_PROCESS_FOLDER = """
import sys, time
from tuner_cli.executors._scratch import process_scratch
print(process_scratch(), flush=True)
time.sleep(float(sys.argv[1]))
"""


def hold_scratch(tmp: Path, script: str = HOLD, *args: str) -> tuple[subprocess.Popen, Path]:
    """A process holding a scratch folder under ``tmp``, as a running search does."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env={"TMPDIR": str(tmp), "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, Path(process.stdout.readline().strip())


def test_a_live_searchs_folder_is_kept_and_a_killed_ones_removed(tmp_path):
    process, folder = hold_scratch(tmp_path)
    try:
        assert folder.parent == tmp_path and folder.name.startswith(PREFIX)
        (folder / "dask-scratch-space").mkdir()
        remove_abandoned(tmp_path)
        assert (folder / "dask-scratch-space").is_dir()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert folder.is_dir()  # what a kill -9 leaves
    remove_abandoned(tmp_path)
    assert not folder.exists()


def test_folders_it_cannot_tell_it_abandoned_are_left_alone(tmp_path):
    older = tmp_path / f"{PREFIX}made-before-the-lock-file"
    (older / "dask-scratch-space").mkdir(parents=True)
    other = tmp_path / "someone-elses"
    other.mkdir()
    (other / LOCK_NAME).write_text("")
    linked = tmp_path / f"{PREFIX}link"
    linked.symlink_to(other)
    remove_abandoned(tmp_path)
    assert (older / "dask-scratch-space").is_dir()
    assert (other / LOCK_NAME).is_file() and linked.is_symlink()


def test_a_search_ending_normally_removes_its_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with search_scratch() as folder:
        assert Path(folder, LOCK_NAME).is_file()
    assert list(tmp_path.iterdir()) == []


def test_a_process_folder_lasts_as_long_as_its_process(tmp_path):
    """The folder multiprocessing's socket goes in: kept while its process lives (a notebook
    searches again with the same forkserver), removed when it exits, or after a kill -9 by
    the next search."""
    process, folder = hold_scratch(tmp_path, HOLD_PROCESS_FOLDER, "600")
    try:
        assert folder.parent == tmp_path and folder.name.startswith(PROCESS_PREFIX)
        remove_abandoned(tmp_path)
        assert (folder / LOCK_NAME).is_file()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    remove_abandoned(tmp_path)
    assert not folder.exists()

    process, folder = hold_scratch(tmp_path, HOLD_PROCESS_FOLDER, "0")
    assert process.wait(timeout=60) == 0
    assert not folder.exists()
