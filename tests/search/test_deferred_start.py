"""Workers start when a trial needs them: a rerun of a finished study, or a refused one, does
not wait for them (the seconds TensorFlow takes to load in each)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import tuner_cli
from tuner_cli import run_search
from tuner_cli.errors import ConfigError
from tuner_cli.events import SearchEvents
from tuner_cli.results.store import StoreError

REPO = Path(__file__).resolve().parents[2]
CONFIG = {
    "name": "branin",
    "seed": 1,
    "objective_function": "objectives:branin",
    "search_space": {
        "x": {"type": "float", "min": -5.0, "max": 10.0},
        "y": {"type": "float", "min": 0.0, "max": 15.0},
    },
    "strategy": {"name": "random", "objective": {"name": "branin", "direction": "min"}},
}


class Recorder(SearchEvents):
    def __init__(self):
        self.preparing_calls: list[str] = []
        self.restored = None

    def preparing(self, message: str) -> None:
        self.preparing_calls.append(message)

    def best_restored(self, best) -> None:
        self.restored = best


def _search(tmp_path: Path, config: dict, events: SearchEvents, max_trials: int = 3):
    study = tuner_cli.load_config_dict(config, REPO / "examples")
    return run_search(study, tmp_path, max_trials=max_trials, workers=0, events=events)


def test_a_finished_study_answers_without_starting_an_executor(tmp_path):
    first = Recorder()
    done = _search(tmp_path, CONFIG, first)
    assert first.preparing_calls == [
        "branin: running trials in this process; checking the objective function..."
    ]
    again = Recorder()
    rerun = _search(tmp_path, CONFIG, again)
    assert again.preparing_calls == []
    assert again.restored is not None and again.restored.id == done.best.id
    assert [t.id for t in rerun.trials] == [1, 2, 3]
    more = Recorder()
    assert len(_search(tmp_path, CONFIG, more, max_trials=4).trials) == 4
    assert len(more.preparing_calls) == 1


def test_a_changed_config_is_refused_before_anything_starts(tmp_path):
    _search(tmp_path, CONFIG, SearchEvents())
    changed = {
        **CONFIG,
        "search_space": {**CONFIG["search_space"], "y": {"type": "float", "min": 1.0, "max": 15.0}},
    }
    events = Recorder()
    with pytest.raises(ConfigError, match="different config") as caught:
        _search(tmp_path, changed, events)
    assert events.preparing_calls == []
    assert "overwrite=True from Python" in str(caught.value)  # the notebook's way out too


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot write: mode 0555, or for root, whom modes do not stop, a
    read-only bind mount (skipped where mounting is not allowed)."""
    folder = tmp_path / "results"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mount = subprocess.run(
        ["mount", "--bind", str(folder), str(folder)], capture_output=True, check=False
    )
    if mount.returncode != 0:
        pytest.skip("root, and no bind mount here to make a folder read-only")
    try:
        remount = ["mount", "-o", "remount,ro,bind", str(folder)]
        if subprocess.run(remount, capture_output=True, check=False).returncode != 0:
            pytest.skip("root, and a bind mount here cannot be made read-only")
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_results_folder_it_cannot_write_is_refused_before_anything_starts(read_only_folder):
    events = Recorder()
    with pytest.raises(StoreError, match="cannot write the results directory .*branin: "):
        _search(read_only_folder / "sub", CONFIG, events)
    assert events.preparing_calls == []
    assert list(read_only_folder.iterdir()) == []


def test_a_results_folder_under_a_file_is_refused_before_anything_starts(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    events = Recorder()
    with pytest.raises(StoreError, match="branin: Not a directory"):
        _search(blocker / "results", CONFIG, events)
    assert events.preparing_calls == []
    assert blocker.read_text() == "not a folder"
