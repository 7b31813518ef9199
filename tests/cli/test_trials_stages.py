"""A Hyperband study's trials carry their bracket, round and budget in ``trials --format csv``:
scores at 1 and at 9 epochs are not comparable unless the table says which is which."""

from __future__ import annotations

import csv
import io

import tuner_cli
from tests.conftest import REPO, invoke, run_cli
from tuner_cli import run_search

HYPERBAND = {
    "name": "branin-hb",
    "seed": 2,
    "objective_function": "objectives:branin",
    "search_space": {
        "x": {"type": "float", "min": -5.0, "max": 10.0},
        "y": {"type": "float", "min": 0.0, "max": 15.0},
    },
    "strategy": {
        "name": "hyperband",
        "objective": {"name": "branin", "direction": "min"},
        "max_epochs": 9,
        "factor": 3,
    },
}


def test_csv_has_bracket_round_and_budget_for_hyperband(tmp_path):
    study = tuner_cli.load_config_dict(HYPERBAND, REPO / "examples")
    result = run_search(study, tmp_path, workers=0)
    done = run_cli("trials", str(result.root), "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0])[:8] == [
        "id",
        "status",
        "score",
        "best_epoch",
        "duration_s",
        "bracket",
        "round",
        "budget",
    ]
    by_id = {int(r["id"]): r for r in rows}
    for record in result.trials:
        row = by_id[record.id]
        assert (int(row["bracket"]), int(row["round"]), int(row["budget"])) == (
            record.extra["bracket"],
            record.extra["round"],
            record.extra["budget"],
        )
    assert {r["budget"] for r in rows} >= {"1", "9"}


def test_csv_of_a_study_without_budgets_keeps_its_columns(tmp_path):
    result = run_search(REPO / "examples" / "objective.yaml", tmp_path, max_trials=2, workers=0)
    header = run_cli("trials", str(result.root), "--format", "csv").stdout.splitlines()[0]
    assert header.startswith("id,status,score,best_epoch,duration_s,x,y,")


def test_csv_of_an_asha_study_has_each_trials_rung_and_budget(tmp_path):
    """ASHA records hold ``rung``, not Hyperband's bracket and round: the CSV had two empty
    columns for those and no rung at all."""
    asha = {**HYPERBAND, "name": "branin-asha"}
    asha["strategy"] = {**HYPERBAND["strategy"], "name": "asha"}
    study = tuner_cli.load_config_dict(asha, REPO / "examples")
    result = run_search(study, tmp_path, workers=0)
    done = invoke("trials", str(result.root), "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0])[:7] == [
        "id",
        "status",
        "score",
        "best_epoch",
        "duration_s",
        "rung",
        "budget",
    ]
    by_id = {int(r["id"]): r for r in rows}
    for record in result.trials:
        row = by_id[record.id]
        assert (int(row["rung"]), int(row["budget"])) == (
            record.extra["rung"],
            record.extra["budget"],
        )
    assert {r["rung"] for r in rows} >= {"0", "1"}
