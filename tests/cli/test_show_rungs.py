"""``show`` on a Hyperband trial: its rounds as a table, not one long Python repr."""

from __future__ import annotations

import io
import json

from rich.console import Console

from tests.cli.test_read_commands import CONFIG
from tests.conftest import invoke
from tuner_cli.cli import console as console_module
from tuner_cli.cli.show import plain_trial
from tuner_cli.results.store import StudyStore
from tuner_cli.trial import TrialRecord, TrialStatus

RUNGS = [
    {"round": 0, "epochs": 1, "score": 0.9333, "best_epoch": 1, "metrics": {"val_loss": 0.2396}},
    {"round": 1, "epochs": 3, "score": 1.0, "best_epoch": 2, "metrics": {"val_loss": 0.1048}},
]
RECORD = TrialRecord(
    id=6,
    status=TrialStatus.COMPLETED,
    hyperparameters={"units": 16},
    score=1.0,
    extra={"bracket": 0, "round": 1, "budget": 3, "rungs": RUNGS},
)


def test_plain_show_prints_rungs_as_rows():
    text = plain_trial(RECORD)
    assert "{" not in text and "[" not in text
    lines = text.splitlines()
    header = lines[lines.index("Rungs") + 1].split()
    assert header == ["round", "epochs", "score", "best", "epoch"]
    assert lines[lines.index("Rungs") + 3].split() == ["0", "1", "0.9333", "1"]
    assert lines[lines.index("Rungs") + 4].split() == ["1", "3", "1.000", "2"]


def test_rich_show_prints_rungs_as_a_table(monkeypatch):
    screen = Console(file=io.StringIO(), width=60, color_system=None, force_terminal=True)
    monkeypatch.setattr(console_module, "console", screen)
    console_module.print_trial(RECORD)
    text = screen.file.getvalue()
    assert "Rungs" in text and "{" not in text
    rows = [line.split() for line in text.splitlines()]
    assert ["0", "1", "0.9333", "1"] in rows and ["1", "3", "1.000", "2"] in rows
    assert max(len(line) for line in text.splitlines()) <= 60


def test_a_narrow_terminal_folds_headers_but_never_cuts_a_value(monkeypatch):
    from tuner_cli.cli.console import trials_table
    from tuner_cli.objective import Objective

    screen = Console(file=io.StringIO(), width=60, color_system=None, force_terminal=True)
    monkeypatch.setattr(console_module, "console", screen)
    records = [
        TrialRecord(
            id=i,
            status=TrialStatus.COMPLETED,
            hyperparameters={"units": 16, "learning_rate": 0.05018 / i},
            score=0.9667,
            best_epoch=3,
            duration_s=7.0,
        )
        for i in (1, 2, 3)
    ]
    screen.print(trials_table(records, [Objective("val_accuracy", "max")], title="Best"))
    text = screen.file.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "…" not in text
    for value in ("0.05018", "0.02509", "0.01673", "0.9667", "00:07", "completed"):
        assert value in text


def test_columns_a_narrow_terminal_cannot_hold_are_named_not_cropped(monkeypatch):
    from tuner_cli.cli.console import trials_table
    from tuner_cli.objective import Objective

    screen = Console(file=io.StringIO(), width=60, color_system=None, force_terminal=True)
    monkeypatch.setattr(console_module, "console", screen)
    hyperparameters = {"units": 16, "learning_rate": 0.0002052, "dropout": 0.4006, "l2": 0.001}
    record = TrialRecord(
        id=1,
        status=TrialStatus.COMPLETED,
        hyperparameters={**hyperparameters, "optimizer": "adam", "batch_size": 128},
        score=0.9667,
        best_epoch=3,
        duration_s=7.0,
    )
    screen.print(trials_table([record], [Objective("val_accuracy", "max")]))
    lines = screen.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    row = next(i for i, line in enumerate(lines) if line.split()[:1] == ["1"])
    assert lines[row].split() == ["1", "completed", "0.9667", "16", "0.0002052", "0.4006", "0.001"]
    caption = " ".join(line.strip() for line in lines[row + 1 :])
    assert caption == "not shown at this width: optimizer, batch_size, best epoch, time"


def test_show_leaves_out_the_strategies_bookkeeping_but_json_keeps_it(tmp_path):
    """``run_started_at`` (ASHA's clock for backfill estimates) and an unset ``backfill_rung``
    were printed among the facts a person reads; the JSON record keeps every field."""
    record = TrialRecord(
        id=6,
        status=TrialStatus.COMPLETED,
        hyperparameters={"units": 16},
        score=1.0,
        extra={
            "rung": 1,
            "budget": 3,
            "backfill_rung": None,
            "run_started_at": "2026-01-01T10:00:00.123+00:00",
            "proposed_by": "model:ei",
            "rungs": RUNGS,
        },
    )
    text = plain_trial(record)
    assert "run_started_at" not in text and "backfill" not in text
    rows = [line.split() for line in text.splitlines()]
    assert ["rung", "1"] in rows and ["budget", "3"] in rows
    assert ["proposed", "by", "model:ei"] in rows
    store = StudyStore(tmp_path / "study")
    info = {"name": "study", "strategy": "asha", "space_fingerprint": "x", "seed": 1}
    store.create(CONFIG, {**info, "objective": {"name": "val_loss", "direction": "min"}})
    store.write_trial(record)
    store.flush()
    shown = invoke("show", "6", str(store.root), "--format", "json")
    assert json.loads(shown.stdout)["run_started_at"] == "2026-01-01T10:00:00.123+00:00"
    assert json.loads(shown.stdout)["backfill_rung"] is None


def test_the_plain_history_draws_no_rule_under_its_unnamed_best_column():
    record = TrialRecord(
        id=2,
        status=TrialStatus.COMPLETED,
        hyperparameters={"units": 16},
        score=0.5,
        best_epoch=1,
        history=[{"epoch": 1, "val_loss": 0.5}, {"epoch": 2, "val_loss": 0.6}],
    )
    lines = plain_trial(record).splitlines()
    history = lines.index("History")
    assert lines[history + 1].split() == ["epoch", "val_loss"]
    assert lines[history + 2].split() == ["-----", "--------"]
    assert lines[history + 3].split() == ["1", "0.5000", "<-", "best"]


def test_the_best_trial_in_a_narrow_terminal_lists_every_value(monkeypatch):
    """``kt-run best`` in a 60-column pane named 10 of the winner's 13 hyperparameters under
    the table instead of showing their values, which are what the command is for."""
    from tuner_cli.cli.console import best_table
    from tuner_cli.objective import Objective

    screen = Console(file=io.StringIO(), width=60, color_system=None, force_terminal=True)
    monkeypatch.setattr(console_module, "console", screen)
    hyperparameters = {f"hyperparameter_{i:02d}": 0.0002052 * (i + 1) for i in range(12)}
    hyperparameters["learning_rate_of_the_very_first_optimizer_stage"] = 0.001115
    record = TrialRecord(
        id=8,
        status=TrialStatus.COMPLETED,
        hyperparameters=hyperparameters,
        score=0.9667,
        best_epoch=3,
        duration_s=7.0,
    )
    screen.print(best_table(record, [Objective("val_accuracy", "max")], "Best of 8 trials"))
    lines = screen.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "not shown" not in "\n".join(lines)
    rows = [line.split() for line in lines]
    assert ["trial", "8"] in rows and ["val_accuracy", "(max)", "0.9667"] in rows
    assert ["learning_rate_of_the_very_first_optimizer_stage", "0.001115"] in rows
    assert ["hyperparameter_11", "0.002462"] in rows
    assert ["best", "epoch", "3"] in rows and ["time", "00:07"] in rows


def test_the_best_trial_in_a_wide_terminal_stays_one_row(monkeypatch):
    from tuner_cli.cli.console import best_table
    from tuner_cli.objective import Objective

    screen = Console(file=io.StringIO(), width=120, color_system=None, force_terminal=True)
    monkeypatch.setattr(console_module, "console", screen)
    record = TrialRecord(
        id=8, status=TrialStatus.COMPLETED, hyperparameters={"units": 16}, score=0.9667
    )
    screen.print(best_table(record, [Objective("val_accuracy", "max")], "Best of 8 trials"))
    row = next(line for line in screen.file.getvalue().splitlines() if "completed" in line)
    assert row.replace("│", " ").split()[:4] == ["8", "completed", "0.9667", "16"]


def test_a_table_wider_than_a_wide_terminal_is_never_cropped_at_its_edge(monkeypatch):
    """At 120 columns and more the bordered table of 13 hyperparameters ran past the edge, and
    rich cropped it there: ``tim`` and ``00:0`` in the last column, with nothing to say so."""
    from tuner_cli.cli.console import trials_table
    from tuner_cli.objective import Objective

    screen = Console(file=io.StringIO(), width=120, color_system=None, force_terminal=True)
    monkeypatch.setattr(console_module, "console", screen)
    hyperparameters = {f"hyperparameter_{i:02d}": 0.0002052 * (i + 1) for i in range(13)}
    records = [
        TrialRecord(
            id=i,
            status=TrialStatus.COMPLETED,
            hyperparameters=hyperparameters,
            score=0.9667,
            best_epoch=3,
            duration_s=7.0,
        )
        for i in (1, 2)
    ]
    screen.print(trials_table(records, [Objective("val_accuracy", "max")]))
    lines = screen.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 120
    last = next(i for i, line in enumerate(lines) if line.split()[:1] == ["2"])
    row = lines[last].split()
    caption = " ".join(line.strip() for line in lines[last + 1 :])
    shown = ["2", "completed", "0.9667", *(f"{0.0002052 * (i + 1):.4g}" for i in range(13))]
    assert row == shown[: len(row)], "the values shown are whole"
    hidden = [*hyperparameters, "best epoch", "time"][len(row) - 3 :]
    assert f"not shown at this width: {', '.join(hidden)}" in caption


def test_a_narrow_terminal_keeps_the_epochs_a_hyperband_ranking_follows(monkeypatch):
    """Ranked by epochs first, a 60-column summary read 0.8873, 0.5310, 0.8110: unsorted, with
    the ``epochs`` column that explains it named under the table among those left out."""
    from tuner_cli.cli.console import trials_table
    from tuner_cli.objective import Objective

    screen = Console(file=io.StringIO(), width=60, color_system=None, force_terminal=True)
    monkeypatch.setattr(console_module, "console", screen)
    hyperparameters = {"learning_rate": 0.0002052, "units": 512, "dropout": 0.4006, "l2": 0.001}
    records = [
        TrialRecord(
            id=i,
            status=TrialStatus.COMPLETED,
            hyperparameters=hyperparameters,
            score=score,
            best_epoch=epochs,
            duration_s=7.0,
            extra={"bracket": 0, "round": 0, "budget": epochs, "rungs": [{"epochs": epochs}]},
        )
        for i, score, epochs in ((16, 0.8873, 9), (15, 0.531, 9), (9, 0.811, 3))
    ]
    screen.print(trials_table(records, [Objective("val_accuracy", "max")]))
    lines = screen.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    header = next(i for i, line in enumerate(lines) if line.startswith("trial"))
    assert lines[header].split()[-1] == "epochs"
    assert [line.split()[-1] for line in lines[header + 1 : header + 4]] == ["9", "9", "3"]
    caption = " ".join(line.strip() for line in lines[header + 4 :])
    assert caption.startswith("not shown at this width:") and "epochs," not in caption
