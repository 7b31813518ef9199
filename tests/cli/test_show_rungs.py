"""``show`` on a Hyperband trial: its rounds as a table, not one long Python repr."""

from __future__ import annotations

import io

from rich.console import Console

from tuner_cli.cli import console as console_module
from tuner_cli.cli.show import plain_trial
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
