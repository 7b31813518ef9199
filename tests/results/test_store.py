import json
import os

import pytest

from tuner_cli.results.store import StoreError, StudyStore, atomic_write_text
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


def own_study(root, **info) -> StudyStore:
    store = StudyStore(root)
    store.create("name: x\n", {"name": "x", "strategy": "random", **info} | OBJECTIVE)
    store.write_trial(record(1))
    return store


OBJECTIVE = {"objective": {"name": "loss", "direction": "min"}}


def snapshot(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_kt_run_did_not_make_is_refused_untouched(tmp_path, overwrite):
    folder = tmp_path / "out" / "h"
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text("my own config")
    (folder / "notes.txt").write_text("my notes")
    before = snapshot(folder)
    with pytest.raises(
        StoreError,
        match=r"not a kt-run study \(no study.json; it holds "
        r"config.yaml, notes.txt\)",
    ) as refused:
        StudyStore(folder).check_claimable(overwrite)
    assert snapshot(folder) == before
    # the way out names the option that chooses the results folder, not its deprecated spelling
    assert "choose another --results folder" in str(refused.value)


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_link_as_the_study_folder_is_refused_and_never_followed(tmp_path, overwrite):
    target = own_study(tmp_path / "elsewhere").root
    before = snapshot(target)
    link = tmp_path / "out" / "h"
    link.parent.mkdir()
    link.symlink_to(target)
    with pytest.raises(StoreError, match="is a symbolic link"):
        StudyStore(link).check_claimable(overwrite)
    assert snapshot(target) == before


def test_a_link_inside_a_study_is_refused(tmp_path):
    store = own_study(tmp_path / "s")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.keras").write_bytes(b"keep")
    store.models_dir.symlink_to(elsewhere)
    for overwrite in (False, True):
        with pytest.raises(StoreError, match="models is a symbolic link"):
            store.check_claimable(overwrite)
    assert (elsewhere / "keep.keras").read_bytes() == b"keep"


def test_overwrite_refuses_files_outside_the_layout_and_removes_only_the_layout(tmp_path):
    store = own_study(tmp_path / "s")
    store.save_model(1, b"model")
    (store.root / "notes.txt").write_text("mine")
    (store.trials_dir / "analysis.csv").write_text("mine too")
    with pytest.raises(StoreError, match="notes.txt, trials/analysis.csv"):
        store.check_claimable(overwrite=True)
    store.check_claimable(overwrite=False)  # resuming leaves them alone, so it may go on
    (store.root / "notes.txt").unlink()
    (store.trials_dir / "analysis.csv").unlink()
    store.check_claimable(overwrite=True)
    store.create("name: y\n", {"name": "y", "strategy": "grid"} | OBJECTIVE, overwrite=True)
    assert sorted(p.name for p in store.root.iterdir()) == ["config.yaml", "study.json", "trials"]
    assert not list(store.trials_dir.iterdir())


def test_an_empty_folder_or_a_failed_starts_lock_may_become_a_study(tmp_path):
    folder = tmp_path / "h"
    (folder / "trials").mkdir(parents=True)
    (folder / ".lock").write_text("")
    StudyStore(folder).check_claimable(overwrite=False)


def test_a_study_of_an_earlier_version_is_still_its_own(tmp_path):
    store = own_study(tmp_path / "s")
    info = json.loads(store.study_file.read_text())
    info.pop("kind")
    store.study_file.write_text(json.dumps(info))
    store.check_claimable(overwrite=True)
    assert store.read_study()["name"] == "x"


@pytest.mark.parametrize(
    "content",
    [
        "[1, 2, 3]",
        "null",
        '"x"',
        '{"name": 5}',
        '{"kind": "other tool", "name": "x"}',
        "{",
        '{"name": "x", "strategy": "random", "objective": {"name": "l", "direction": ["min"]}}',
        *(
            '{"name": "x", "strategy": "random", "objective": {"name": "l", "direction": "min"}, '
            + field
            + "}"
            for field in (
                '"objectives": [1, 2]',
                '"objectives": [{"name": "l", "direction": "min"}, {"name": 3}]',
                '"objectives": "l"',
                '"seed": "42"',
                '"seed": 1.5',
                '"seed": true',
                '"config_dir": 1.5',
                '"config_dir": {"a": 1}',
            )
        ),
    ],
)
def test_a_study_json_of_the_wrong_shape_is_not_trusted(tmp_path, content):
    store = own_study(tmp_path / "s")
    store.study_file.write_text(content)
    before = snapshot(store.root)
    for overwrite in (False, True):
        with pytest.raises(StoreError, match="not a kt-run study"):
            store.check_claimable(overwrite)
    with pytest.raises(StoreError, match="cannot read"):
        store.read_study()
    assert snapshot(store.root) == before


def test_a_failed_start_leaves_no_folder(tmp_path):
    store = StudyStore(tmp_path / "new")
    store.root.mkdir()
    (store.root / ".lock").write_text("")
    store.create("name: x\n", {"name": "x"})
    store.discard_new()
    assert not store.root.exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1, 2, 3]", "a JSON array"),
        ("null", "a JSON null"),
        ('"x"', "a JSON string"),
        ('{"id": 2, "status": "completed", "hyperparameters": {}, "score": "0.99"}', "'score'"),
        ('{"id": true, "status": "completed", "hyperparameters": {}}', "'id'"),
        ('{"id": 2, "status": "done", "hyperparameters": {}}', "'status'"),
        ('{"id": 2, "status": ["completed"], "hyperparameters": {}}', "'status'"),
        ('{"id": 2, "status": {"completed": 1}, "hyperparameters": {}}', "'status'"),
        ('{"id": 2, "status": "completed", "hyperparameters": []}', "'hyperparameters'"),
        (
            '{"id": 2, "status": "completed", "hyperparameters": {}, "metrics": {"a": "b"}}',
            "'metrics'",
        ),
        ('{"id": 2, "status": "completed", "hyperparameters": {}, "history": "x"}', "'history'"),
        ('{"id": 2, "status": "failed", "hyperparameters": {}, "error": "boom"}', "'error'"),
        (
            '{"id": 2, "status": "completed", "hyperparameters": {}, "best_epoch": 0}',
            "'best_epoch'",
        ),
        ('{"id": 2, "status": "completed"}', "needs an id, a status and hyperparameters"),
        ('{"id": 2, "status": "completed", "hyperparameters": {}, "scores": [1, 2]}', "'scores'"),
        (
            '{"id": 2, "status": "completed", "hyperparameters": {}, "metrics": {"a": 1'
            + "0" * 400
            + "}}",
            "'metrics'",
        ),
        (
            '{"id": 2, "status": "completed", "hyperparameters": {}, "score": 1' + "0" * 400 + "}",
            "'score'",
        ),
        (
            '{"id": 2, "status": "completed", "hyperparameters": {}, "scores": {"a": "0.5"}}',
            "'scores'",
        ),
        (
            '{"id": 2, "status": "completed", "hyperparameters": {"x": 1' + "0" * 400 + "}}",
            "'hyperparameters'",
        ),
    ],
)
def test_records_that_cannot_be_trusted_are_skipped_with_the_reason(tmp_path, content, problem):
    store = own_study(tmp_path / "s")
    store.trial_path(2).write_text(content)
    store.write_trial(record(3))
    assert [r.id for r in store.load_trials()] == [1, 3]
    (warning,) = store.warnings
    assert "trial_0002.json" in warning and problem in warning
    assert store.skipped_ids == {2}


def test_records_are_always_standard_json(tmp_path):
    store = own_study(tmp_path / "s")
    odd = TrialRecord(
        id=2,
        status=TrialStatus.COMPLETED,
        hyperparameters={"x": float("inf")},
        score=1.0,
        metrics={"loss": float("nan")},
        history=[{"epoch": 1, "loss": float("-inf")}],
    )
    store.write_trial(odd)

    def refuse(constant: str):
        raise AssertionError(f"{constant} in a record")

    data = json.loads(store.trial_path(2).read_text(), parse_constant=refuse)
    assert data["hyperparameters"] == {"x": None}
    assert data["metrics"] == {"loss": None}
    assert [r.id for r in store.load_trials()] == [1, 2]
