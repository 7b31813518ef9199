import json
import os

import pytest

from tuner_cli.store import StudyStore, atomic_write_text
from tuner_cli.trial import TrialRecord, TrialStatus


def record(trial_id: int, status=TrialStatus.COMPLETED, score=0.5) -> TrialRecord:
    return TrialRecord(id=trial_id, status=status, hyperparameters={"units": trial_id}, score=score)


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a.json"
    atomic_write_text(path, "old")
    atomic_write_text(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    atomic_write_text(path, "old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_records_round_trip_with_strategy_fields(tmp_path):
    store = StudyStore(tmp_path / "study")
    store.create("name: x\n", {"name": "x"})
    original = record(3)
    original.extra = {"bracket": 1, "rungs": [{"epochs": 2}]}
    store.write_trial(original)
    data = json.loads(store.trial_path(3).read_text())
    assert data["bracket"] == 1 and data["status"] == "completed"
    assert store.load_trials() == [original]


def test_nan_score_is_written_as_null(tmp_path):
    store = StudyStore(tmp_path / "study")
    store.create("name: x\n", {"name": "x"})
    store.write_trial(record(1, score=float("nan")))
    assert json.loads(store.trial_path(1).read_text())["score"] is None


def test_corrupt_and_foreign_files_are_skipped_with_warnings(tmp_path):
    store = StudyStore(tmp_path / "study")
    store.create("name: x\n", {"name": "x"})
    store.write_trial(record(1))
    (store.trials_dir / "trial_0002.json").write_text('{"id": 2, "stat')
    (store.trials_dir / "trial_0003.json").write_text('{"hello": "world"}')
    (store.trials_dir / "notes.txt").write_text("ignored")
    records = store.load_trials()
    assert [r.id for r in records] == [1]
    assert len(store.warnings) == 2
    assert any("trial_0002.json" in w for w in store.warnings)


def test_running_trials_are_not_finished():
    assert not TrialStatus.RUNNING.is_finished()
    assert not TrialStatus.INTERRUPTED.is_finished()
    assert TrialStatus.PRUNED.is_finished()


def test_models_keep_only_the_best(tmp_path):
    store = StudyStore(tmp_path / "study")
    store.save_model(1, b"one", keep_only=True)
    store.save_model(2, b"two", keep_only=True)
    assert sorted(p.name for p in store.models_dir.iterdir()) == ["trial_0002.keras"]
