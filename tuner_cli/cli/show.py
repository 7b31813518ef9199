from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

import click

from tuner_cli.cli.common import (
    emit,
    extra_parts,
    format_duration,
    format_score,
    format_value,
    locate_study,
    plain_table,
    results_folder,
    to_json,
    to_yaml,
    use_rich,
    warn_if_left_running,
)
from tuner_cli.cli.read_options import ReadCommand, format_option, study_options
from tuner_cli.errors import UsageError
from tuner_cli.results.reading import front_ids, study_objectives
from tuner_cli.results.store import StudyStore
from tuner_cli.results.trial_index import load_index, read_record_checked
from tuner_cli.trial import TrialRecord, TrialStatus


class ShowFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


@click.command(cls=ReadCommand)
@click.argument("trial", type=int)
@study_options
@format_option(ShowFormat)
def show(
    trial: int, target: str | None, fmt: ShowFormat, results: Path, output: Path | None
) -> None:
    """One trial in full: hyperparameters, metrics, per-epoch history, error.

    TRIAL: the trial's id (as in `kt-run trials`); TARGET: a results folder, a study folder or
    the study's config file.
    """
    store = locate_study(target, results_folder(results, output))
    record, why = read_record_checked(store, trial)
    if record is None:
        raise UsageError(_missing(store, trial, why))
    if record.status is TrialStatus.RUNNING:
        warn_if_left_running(store, [record.id])
    on_front = _on_front(store, record)
    marked = {} if on_front is None else {"pareto_front": on_front}
    if fmt is ShowFormat.json:
        emit(to_json({**record.to_dict(), **marked}))
    elif fmt is ShowFormat.yaml:
        emit(to_yaml({**record.to_dict(), **marked}))
    elif use_rich(len(record.history)):
        from tuner_cli.cli.console import print_trial

        print_trial(record, on_front)
    else:
        emit(plain_trial(record, on_front))


def _on_front(store: StudyStore, record: TrialRecord) -> bool | None:
    """Whether the trial is on a multi-objective study's Pareto front, as ``trials`` marks it
    (``pareto_front`` in its JSON); None for one objective, where there is no front."""
    objectives = study_objectives(store)
    if len(objectives) < 2:
        return None
    front = front_ids(load_index(store).summaries(), objectives)
    return front is not None and record.id in front


def _missing(store: StudyStore, trial: int, why: str) -> str:
    """``why``: what reading the record found wrong (empty when there is no file)."""
    try:
        exists = store.trial_path(trial).exists()
    except OSError:  # an id too long for a file name (ENAMETOOLONG) has no record either
        exists = False
    if exists:
        reason = why.partition(": ")[2] or why
        return f"{store.trial_path(trial)} is not a readable trial record ({reason})"
    try:
        ids = sorted(
            int(name[6:-5])
            for name in os.listdir(store.trials_dir)
            if name.startswith("trial_") and name.endswith(".json") and name[6:-5].isdigit()
        )
    except OSError:
        ids = []
    known = f"{ids[0]}..{ids[-1]}" if ids else "none yet"
    return f"no trial {trial} in {store.root} (trials: {known})"


def plain_trial(record: TrialRecord, on_front: bool | None = None) -> str:
    """The plain-text twin of ``console.print_trial``."""
    extra, tables = extra_parts(record, on_front)
    facts = [
        ["status", record.status.value],
        ["score", format_score(record.score)],
        ["best epoch", format_value(record.best_epoch)],
        *[[name, format_value(value)] for name, value in record.hyperparameters.items()],
        *extra,
        ["started", record.started_at or "-"],
        ["duration", format_duration(record.duration_s)],
        ["worker", record.worker or "-"],
    ]
    text = f"Trial {record.id}\n" + plain_table(["field", "value"], facts, left=(0, 1))
    for title, headers, rows in tables:
        text += f"\n{title}\n" + plain_table(headers, rows, left=())
    if record.history:
        names = [k for k in record.history[0] if k != "epoch"]
        rows = [
            [str(row.get("epoch", i)), *[format_score(row.get(n)) for n in names]]
            + (["<- best"] if i == record.best_epoch else [""])
            for i, row in enumerate(record.history, start=1)
        ]
        text += "\nHistory\n" + plain_table(["epoch", *names, ""], rows, left=(len(names) + 1,))
    if record.error:
        text += f"\nerror: {record.error.get('message', '')}\n"
        if record.error.get("traceback"):
            text += record.error["traceback"]
    return text
