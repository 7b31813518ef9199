"""What ``run_search`` raises to a notebook names the Python way beside the command line's: a
notebook has no command to rerun and no ``--results`` or ``--scheduler`` to give."""

from __future__ import annotations

from pathlib import Path

import pytest

import tuner_cli
from tuner_cli import run_search
from tuner_cli.errors import UsageError
from tuner_cli.results.store import StoreError
from tuner_cli.search.lock import StudyLock, StudyLockedError

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


def _search(output: Path, **options):
    study = tuner_cli.load_config_dict(CONFIG, REPO / "examples")
    return run_search(study, output, max_trials=1, workers=0, **options)


def test_a_study_in_use_says_how_a_notebook_resumes(tmp_path):
    with StudyLock(tmp_path / "branin").acquire(), pytest.raises(StudyLockedError) as refused:
        _search(tmp_path)
    assert "rerun the same command (run_search again from Python)" in str(refused.value)


def test_a_folder_kt_run_did_not_make_names_output_beside_results(tmp_path):
    (tmp_path / "branin").mkdir()
    (tmp_path / "branin" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError) as refused:
        _search(tmp_path)
    assert "--results folder (output= from Python)" in str(refused.value)


def test_overwrite_refused_for_files_of_yours_names_overwrite_true(tmp_path):
    _search(tmp_path)
    (tmp_path / "branin" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError) as refused:
        _search(tmp_path, overwrite=True)
    assert "--overwrite (overwrite=True from Python)" in str(refused.value)


def test_resources_without_a_cluster_name_the_scheduler_argument(tmp_path):
    with pytest.raises(UsageError) as refused:
        _search(tmp_path, resources="GPU=1")
    assert "--scheduler (scheduler= from Python)" in str(refused.value)
