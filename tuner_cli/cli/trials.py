from __future__ import annotations

import csv
import io
import json
from enum import Enum
from operator import itemgetter
from pathlib import Path
from typing import Any

import click

from tuner_cli.cli.common import (
    emit,
    flat_table,
    locate_study,
    results_folder,
    use_rich,
    warn,
    warn_if_left_running,
)
from tuner_cli.cli.read_options import ReadCommand, format_option, study_options
from tuner_cli.results.reading import front_ids, study_objective, study_objectives
from tuner_cli.results.trial_index import load_index
from tuner_cli.trial import TrialStatus, measured_budget, stage_fields
from tuner_cli.wording import plural


class TrialsFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@click.command(cls=ReadCommand)
@study_options
@format_option(TrialsFormat, "json: each record without its per-epoch history (see `kt-run show`).")
@click.option(
    "--status",
    type=click.Choice([s.value for s in TrialStatus]),
    help="Only trials with this status.",
)
@click.option(
    "--sort",
    type=click.Choice(["id", "score"]),
    default="id",
    show_default=True,
    help="Order by id, or by score (best first).",
)
def trials(
    target: str | None,
    fmt: TrialsFormat,
    status: str | None,
    sort: str,
    results: Path,
    output: Path | None,
) -> None:
    """Every trial of a study.

    TARGET: a results folder, a study folder or the study's config file.
    """
    store = locate_study(target, results_folder(results, output))
    objective = study_objective(store)
    index = load_index(store)
    objectives = study_objectives(store)
    summaries = index.summaries()
    front = front_ids(summaries, objectives)
    warn_if_left_running(store, [r["id"] for r in summaries if r["status"] == "running"])
    if fmt is TrialsFormat.json:
        records = summaries
        warn(index.warnings)
        if front is not None:
            records = [{**r, "pareto_front": r["id"] in front} for r in records]
        if status:
            records = [r for r in records if r["status"] == status]
        if sort == "score":
            records = objective.ranked(
                records, itemgetter("score"), itemgetter("id"), measured_budget
            )
        emit(json_lines(records))
        return
    hp_names, metric_names, rows = index.flat()
    warn(index.warnings)
    if status:
        rows = [r for r in rows if r[1] == status]
    budgets = index.budgets()
    if sort == "score":
        rows = objective.ranked(rows, itemgetter(2), itemgetter(0), lambda r: budgets[r[0]])
    if fmt is TrialsFormat.csv:
        emit(to_csv(hp_names, metric_names, rows, stages(summaries), front))
        return
    title = f"{store.root.name}: {plural(len(rows), 'trial')}"
    if front is not None:
        title += f"; Pareto front: {', '.join(map(str, sorted(front))) or 'none yet'}"
    if use_rich(len(rows)):
        from tuner_cli.cli.console import console, trials_table
        from tuner_cli.trial import TrialRecord

        wanted = {r[0] for r in rows}
        order = {r[0]: i for i, r in enumerate(rows)}
        full = sorted(
            (TrialRecord.from_dict(r) for r in summaries if r["id"] in wanted),
            key=lambda r: order[r.id],
        )
        console.print(trials_table(full, objectives, title=title, front=front))
    else:
        emit(title)
        scores = {s["id"]: s.get("scores") for s in summaries} if front is not None else None
        emit(flat_table(hp_names, rows, objectives, scores, budgets, front))


def json_lines(records: list[dict[str, Any]]) -> str:
    """A JSON array with one record per line: valid JSON, greppable, and quick to write."""
    if not records:
        return "[]"
    return "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]"


def stages(summaries: list[dict[str, Any]]) -> tuple[list[str], dict[int, list[Any]]]:
    """The ``STAGE_FIELDS`` the study's trials hold, and per trial id its values of them;
    none when no trial has any."""
    fields = stage_fields(summaries)
    return fields, {s["id"]: [s.get(field) for field in fields] for s in summaries}


def to_csv(
    hp_names: list[str],
    metric_names: list[str],
    rows: list[list[Any]],
    stage_values: tuple[list[str], dict[int, list[Any]]] | None = None,
    front: set[int] | None = None,
) -> str:
    """One row per trial; hyperparameters and best-epoch metrics get a column each, and a
    multi-fidelity study's place of each trial follows the duration (Hyperband's and BOHB's
    bracket, round and budget in epochs; ASHA's rung and budget), and a multi-objective
    study's ``pareto_front`` (true or false, as in the JSON) after them.

    Every column has its own name: a hyperparameter or metric named like a column before it
    (the metric ``learning_rate`` that ReduceLROnPlateau logs beside the hyperparameter of
    that name, a metric ``score``) is written under its path in the JSON record,
    ``hyperparameters.NAME`` or ``metrics.NAME``, since ``csv.DictReader`` and pandas keep
    only one of two equal names (or rename one) and a script would read the wrong value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    staged, values = stage_values or ([], {})
    marked = ["pareto_front"] if front is not None else []
    header = ["id", "status", "score", "best_epoch", "duration_s", *staged, *marked]
    for section, names in (("hyperparameters", hp_names), ("metrics", metric_names)):
        taken = set(header)
        header += [f"{section}.{name}" if name in taken else name for name in names]
    writer.writerow(header)
    for row in rows:
        middle = values.get(row[0], [None] * len(staged))
        if front is not None:
            middle = [*middle, str(row[0] in front).lower()]
        writer.writerow([*row[:5], *middle, *row[5:]])
    return buffer.getvalue()
