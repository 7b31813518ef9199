from __future__ import annotations

import json
import math
import shlex
from collections import Counter
from collections.abc import Iterable
from enum import Enum
from pathlib import Path

import click

from tuner_cli.cli.common import (
    abort,
    emit,
    format_score,
    locate_study,
    results_folder,
    summaries_table,
    to_json,
    to_yaml,
    use_rich,
    warn,
)
from tuner_cli.cli.read_options import ReadCommand, format_option, study_options
from tuner_cli.errors import UsageError
from tuner_cli.results.reading import pareto_trials, study_objective, study_objectives
from tuner_cli.results.trial_index import load_index, summarize
from tuner_cli.trial import TrialRecord, env_name
from tuner_cli.wording import plural


class BestFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"
    env = "env"


@click.command(cls=ReadCommand)
@study_options
@click.option(
    "--top",
    "-k",
    type=click.IntRange(min=1),
    help="How many of the best trials (default 1; for several objectives, the whole front).",
)
@format_option(
    BestFormat,
    "json/yaml: the full record (a list with --top); env: export KT_BEST_*=... lines.",
)
@click.option(
    "--fail-under",
    type=float,
    callback=lambda ctx, param, value: _finite(value),
    help="Exit 1 if the best score is worse than this (lower, or higher when minimised).",
)
def best(
    target: str | None,
    top: int | None,
    fmt: BestFormat,
    fail_under: float | None,
    results: Path,
    output: Path | None,
) -> None:
    """The winning hyperparameters, for people and for CI scripts.

    TARGET: a results folder, a study folder or the study's config file.
    """
    store = locate_study(target, results_folder(results, output))
    objective = study_objective(store)
    objectives = study_objectives(store)
    index = load_index(store)
    front = len(objectives) > 1
    if front:
        members = pareto_trials(store.load_trials(), objectives)
        winners = members[:top]
        title = (
            f"Pareto front: {len(members):,} of {plural(len(index), 'trial')} "
            f"({', '.join(f'{o.name} {o.direction}' for o in objectives)})"
        )
        if len(winners) < len(members):
            shown = "the one" if len(winners) == 1 else f"the {len(winners):,}"
            title += f"; {shown} with the best {objectives[0].name} shown"
    else:
        winners = index.best_records(objective, top or 1)
        title = f"Best of {len(index)} trials"
    warn(index.warnings)
    if not winners:
        abort(f"no completed trial in {store.root}{_why_none(index.summaries())}", code=1)
    if fmt is BestFormat.json:
        emit(to_json(_payload(winners, top, front)))
    elif fmt is BestFormat.yaml:
        emit(to_yaml(_payload(winners, top, front)))
    elif fmt is BestFormat.env:
        emit(env_lines(winners[0], index.header["hp_names"]))
    elif use_rich(len(winners)):
        from tuner_cli.cli.console import best_table, console, trials_table

        if len(winners) == 1 and not front:
            console.print(best_table(winners[0], objectives, title))
        else:
            console.print(trials_table(winners, objectives, title=title))
    else:
        emit(title)
        emit(summaries_table([summarize(w.to_dict()) for w in winners], objectives))
    score = winners[0].score
    if fail_under is not None and not objective.passes(score, fail_under):
        abort(
            f"best {objective.name} {_failing_score(score, objective, fail_under)} is worse "
            f"than --fail-under {fail_under:g} ({objective.direction}imised)",
            code=1,
        )


def _why_none(summaries: list[dict]) -> str:
    """`` yet`` for a study still to run; for one whose trials all ended otherwise, how they
    ended and where to read why: "yet" read as if waiting would help."""
    ended = Counter(s["status"] for s in summaries if s["status"] != "running")
    if not ended:
        return " yet"
    counts = ", ".join(f"{n} {status}" for status, n in sorted(ended.items()))
    return f": {counts} (`kt-run trials` lists them; `kt-run show ID` says why)"


def _failing_score(score: float | None, objective, threshold: float) -> str:
    """The score in four significant digits, or in as many more as it takes to show it fails:
    0.89996 against 0.9 would read ``0.9000 is worse than 0.9``."""
    shown = format_score(score)
    if score is None or math.isnan(score):
        return shown
    digits = 5
    while digits < 17 and objective.passes(float(shown), threshold):
        shown = f"{score:.{digits}g}"
        digits += 1
    return shown


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number", param_hint="--fail-under")
    return value


def _payload(winners: list[TrialRecord], top: int | None, front: bool):
    """One record, or a list: with any ``--top`` (``--top 1`` too, so a script passing its
    own K reads one shape whatever K is), and always for a Pareto front."""
    records = [w.to_dict() for w in winners]
    return records if top is not None or front else records[0]


def env_lines(record: TrialRecord, study_names: Iterable[str] = ()) -> str:
    """``export KT_BEST_HP_UNITS=64`` lines, quoted so ``eval "$(kt-run best --format env)"``
    is safe; exported, so the programs the script starts see them too. The study's other
    hyperparameters (``study_names`` the best trial has none of: inactive under a condition)
    are unset: evaluated again after a new best, an old ``KT_BEST_HP_MOMENTUM`` stayed.

    Names keep only ``[A-Z0-9_]``; every value is single-quoted by ``shlex.quote`` (strings as
    they are, anything else as JSON), so no value can run a command or end its assignment.
    """
    scores = record.extra.get("scores") or {}
    values = {"TRIAL": record.id, "SCORE": record.score}
    values.update({f"SCORE_{env_name(k)}": v for k, v in scores.items()})
    values.update({f"HP_{env_name(k)}": v for k, v in record.hyperparameters.items()})
    if len(values) != 2 + len(scores) + len(record.hyperparameters):
        raise UsageError(
            "hyperparameter or objective names of this study differ only in case or "
            "punctuation, so their KT_BEST_* variables would collide; use --format json"
        )
    texts = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    lines = [f"export KT_BEST_{k}={shlex.quote(v)}" for k, v in texts.items()]
    inactive = {f"HP_{env_name(n)}" for n in study_names} - texts.keys()
    return "\n".join([*lines, *(f"unset KT_BEST_{k}" for k in sorted(inactive))])
