"""``trials --format csv`` names every column once: a script reads it with ``csv.DictReader``
or pandas, where a repeated header silently keeps one of the two values."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.cli.test_read_commands import CONFIG
from tests.conftest import invoke
from tuner_cli.results.store import StudyStore
from tuner_cli.trial import TrialRecord, TrialStatus


def make_study(root: Path) -> None:
    """A hyperparameter ``learning_rate`` beside the metric ReduceLROnPlateau logs under the
    same name (lowered after epoch 1), and a hyperparameter and a metric named like the fixed
    columns ``status`` and ``score``."""
    store = StudyStore(root)
    info = {
        "name": "study",
        "strategy": "random",
        "objective": {"name": "val_accuracy", "direction": "max"},
        "space_fingerprint": "x",
        "seed": 1,
    }
    store.create(CONFIG, info)
    store.write_trial(
        TrialRecord(
            id=1,
            status=TrialStatus.COMPLETED,
            hyperparameters={"learning_rate": 0.01, "status": 2},
            score=0.9,
            metrics={"val_accuracy": 0.9, "learning_rate": 0.001, "score": 7.0},
            history=[{"epoch": 1, "val_accuracy": 0.9, "learning_rate": 0.001, "score": 7.0}],
            best_epoch=1,
            started_at="2025-01-01T00:00:00+00:00",
            finished_at="2025-01-01T00:00:09+00:00",
            duration_s=9.0,
            worker="host:1",
        )
    )


def test_csv_columns_have_distinct_names_and_keep_every_value(tmp_path):
    make_study(tmp_path / "study")
    result = invoke("trials", str(tmp_path / "study"), "--format", "csv")
    assert result.returncode == 0, result.stderr
    header = next(csv.reader(io.StringIO(result.stdout)))
    assert len(header) == len(set(header)), header
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert row["status"] == "completed"
    assert row["score"] == "0.9"
    assert row["learning_rate"] == "0.01"
    assert row["hyperparameters.status"] == "2"
    assert row["metrics.learning_rate"] == "0.001"
    assert row["metrics.score"] == "7.0"
