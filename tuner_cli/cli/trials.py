from __future__ import annotations

import csv
import io
import json
from enum import Enum
from operator import itemgetter
from pathlib import Path
from typing import Any

import typer

from tuner_cli.cli.common import (
    OutputOption,
    emit,
    flat_table,
    locate_study,
    use_rich,
    warn,
)
from tuner_cli.errors import UsageError
from tuner_cli.objective import Objective, pareto_front
from tuner_cli.results.reading import study_objective, study_objectives
from tuner_cli.results.trial_index import load_index
from tuner_cli.trial import TrialStatus


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
    front = _front_ids(index.summaries(), study_objectives(store))
    if fmt is TrialsFormat.json:
        records = index.summaries()
        warn(index.warnings)
        if front is not None:
            records = [{**r, "pareto_front": r["id"] in front} for r in records]
        if status:
            records = [r for r in records if r["status"] == status]
        if sort == "score":
            records = objective.ranked(records, itemgetter("score"), itemgetter("id"))
        emit(json_lines(records))
        return
    hp_names, metric_names, rows = index.flat()
    warn(index.warnings)
    if status:
        rows = [r for r in rows if r[1] == status]
    if sort == "score":
        rows = objective.ranked(rows, itemgetter(2), itemgetter(0))
    if fmt is TrialsFormat.csv:
        emit(to_csv(hp_names, metric_names, rows))
        return
    title = f"{store.root.name}: {len(rows)} trials"
    if front is not None:
        title += f"; Pareto front: {', '.join(map(str, sorted(front))) or 'none yet'}"
    if use_rich(len(rows)):
        from tuner_cli.cli.console import console, trials_table
        from tuner_cli.trial import TrialRecord

        wanted = {r[0] for r in rows}
        order = {r[0]: i for i, r in enumerate(rows)}
        full = sorted(
            (TrialRecord.from_dict(r) for r in index.summaries() if r["id"] in wanted),
            key=lambda r: order[r.id],
        )
        console.print(trials_table(full, objective, title=title))
    else:
        emit(title)
        emit(flat_table(hp_names, rows, objective))


def json_lines(records: list[dict[str, Any]]) -> str:
    """A JSON array with one record per line: valid JSON, greppable, and quick to write."""
    if not records:
        return "[]"
    return "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]"


def to_csv(hp_names: list[str], metric_names: list[str], rows: list[list[Any]]) -> str:
    """One row per trial; hyperparameters and best-epoch metrics get a column each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "status", "score", "best_epoch", "duration_s", *hp_names, *metric_names])
    writer.writerows(rows)
    return buffer.getvalue()


def _front_ids(summaries: list[dict[str, Any]], objectives: list[Objective]) -> set[int] | None:
    """The ids on the Pareto front of a multi-objective study; None for one objective."""
    if len(objectives) < 2:
        return None
    completed = [r for r in summaries if r["status"] == TrialStatus.COMPLETED.value]
    return {r["id"] for r in pareto_front(completed, objectives, lambda r: r.get("scores"))}
