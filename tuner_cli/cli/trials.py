from __future__ import annotations

import csv
import io
from enum import Enum
from pathlib import Path

import typer

from tuner_cli.cli.common import OutputOption, locate_study, ranked, study_objective, to_json
from tuner_cli.trial import TrialRecord


class TrialsFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def trials(
    target: str = typer.Argument(None, help="Results folder, study folder or config file."),
    fmt: TrialsFormat = typer.Option(TrialsFormat.table, "--format", "-f"),
    status: str = typer.Option(None, help="Only trials with this status (completed, failed...)."),
    sort: str = typer.Option("id", help="Order by 'id' or 'score' (best first)."),
    output: Path = OutputOption,
) -> None:
    """Every trial of a study."""
    store = locate_study(target, output)
    objective = study_objective(store)
    records = store.load_trials()
    if status:
        records = [r for r in records if r.status.value == status]
    if sort == "score":
        records = ranked(records, objective)
    if fmt is TrialsFormat.json:
        typer.echo(to_json([r.to_dict() for r in records]))
    elif fmt is TrialsFormat.csv:
        typer.echo(to_csv(records), nl=False)
    else:
        from tuner_cli.console import console, print_warning, trials_table

        for warning in store.warnings:
            print_warning(warning)
        console.print(
            trials_table(records, objective, title=f"{store.root.name}: {len(records)} trials")
        )


def to_csv(records: list[TrialRecord]) -> str:
    """One row per trial; hyperparameters and best-epoch metrics get a column each."""
    hp_names: list[str] = []
    metric_names: list[str] = []
    for record in records:
        hp_names += [n for n in record.hyperparameters if n not in hp_names]
        metric_names += [n for n in record.metrics if n not in metric_names and n != "epoch"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "status", "score", "best_epoch", "duration_s", *hp_names, *metric_names])
    for r in records:
        writer.writerow(
            [r.id, r.status.value, r.score, r.best_epoch, r.duration_s]
            + [r.hyperparameters.get(n, "") for n in hp_names]
            + [r.metrics.get(n, "") for n in metric_names]
        )
    return buffer.getvalue()
