from __future__ import annotations

import csv
import io
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from tuner_cli.cli.common import (
    OutputOption,
    emit,
    locate_study,
    ranked,
    study_objective,
    summaries_table,
    to_json,
    use_rich,
)
from tuner_cli.errors import UsageError
from tuner_cli.trial import TrialStatus
from tuner_cli.trial_index import load_index


class TrialsFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def trials(
    target: str = typer.Argument(None, help="Results folder, study folder or config file."),
    fmt: TrialsFormat = typer.Option(
        TrialsFormat.table,
        "--format",
        "-f",
        help="json: each record without its per-epoch history (see `kt-run show`).",
    ),
    status: str = typer.Option(None, help="Only trials with this status (completed, failed...)."),
    sort: str = typer.Option("id", help="Order by 'id' or 'score' (best first)."),
    output: Path = OutputOption,
) -> None:
    """Every trial of a study."""
    statuses = [s.value for s in TrialStatus]
    if status is not None and status not in statuses:
        raise UsageError(f"--status must be one of {', '.join(statuses)} (got {status!r})")
    if sort not in ("id", "score"):
        raise UsageError(f"--sort must be 'id' or 'score' (got {sort!r})")
    store = locate_study(target, output)
    objective = study_objective(store)
    index = load_index(store)
    records = index.summaries()
    if status:
        records = [r for r in records if r["status"] == status]
    if sort == "score":
        records = ranked(records, objective, score=lambda r: r["score"], ident=lambda r: r["id"])
    if fmt is TrialsFormat.json:
        emit(to_json(records))
        return
    if fmt is TrialsFormat.csv:
        emit(to_csv(records))
        return
    for warning in index.warnings:
        typer.echo(f"warning: {warning}", err=True)
    title = f"{store.root.name}: {len(records)} trials"
    if use_rich(len(records)):
        from tuner_cli.console import console, trials_table
        from tuner_cli.trial import TrialRecord

        full = [TrialRecord.from_dict(r) for r in records]
        console.print(trials_table(full, objective, title=title))
    else:
        emit(title)
        emit(summaries_table(records, objective))


def to_csv(records: list[dict[str, Any]]) -> str:
    """One row per trial; hyperparameters and best-epoch metrics get a column each."""
    hp_names: list[str] = []
    metric_names: list[str] = []
    for record in records:
        hp_names += [n for n in record["hyperparameters"] if n not in hp_names]
        metric_names += [n for n in record["metrics"] if n not in metric_names and n != "epoch"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "status", "score", "best_epoch", "duration_s", *hp_names, *metric_names])
    for r in records:
        hp, metrics = r["hyperparameters"], r["metrics"]
        writer.writerow(
            [r["id"], r["status"], r["score"], r["best_epoch"], r["duration_s"]]
            + [hp.get(n, "") for n in hp_names]
            + [metrics.get(n, "") for n in metric_names]
        )
    return buffer.getvalue()
