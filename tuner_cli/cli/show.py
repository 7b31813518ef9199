from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from tuner_cli.cli.common import OutputOption, locate_study, to_json
from tuner_cli.errors import UsageError


class ShowFormat(str, Enum):
    table = "table"
    json = "json"


def show(
    trial: int = typer.Argument(..., help="Trial id (as in `kt-run trials`)."),
    target: str = typer.Argument(None, help="Results folder, study folder or config file."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f"),
    output: Path = OutputOption,
) -> None:
    """One trial in full: hyperparameters, metrics, per-epoch history, error."""
    store = locate_study(target, output)
    records = {r.id: r for r in store.load_trials()}
    if trial not in records:
        known = f"{min(records)}..{max(records)}" if records else "none yet"
        raise UsageError(f"no trial {trial} in {store.root} (trials: {known})")
    record = records[trial]
    if fmt is ShowFormat.json:
        typer.echo(to_json(record.to_dict()))
        return
    from tuner_cli.console import print_trial

    print_trial(record)
