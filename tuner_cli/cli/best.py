from __future__ import annotations

import json
import re
import shlex
from enum import Enum
from pathlib import Path

import typer

from tuner_cli.cli.common import (
    OutputOption,
    abort,
    locate_study,
    ranked,
    study_objective,
    to_json,
    to_yaml,
)
from tuner_cli.trial import TrialRecord, TrialStatus


class BestFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"
    env = "env"


def best(
    target: str = typer.Argument(None, help="Results folder, study folder or config file."),
    top: int = typer.Option(1, "--top", "-k", min=1, help="How many of the best trials."),
    fmt: BestFormat = typer.Option(BestFormat.table, "--format", "-f"),
    fail_under: float = typer.Option(
        None, help="Exit 1 if the best score is worse than this (lower, or higher when minimised)."
    ),
    output: Path = OutputOption,
) -> None:
    """The winning hyperparameters, for people and for CI scripts."""
    store = locate_study(target, output)
    objective = study_objective(store)
    records = store.load_trials()
    completed = [r for r in records if r.status is TrialStatus.COMPLETED and r.score is not None]
    if not completed:
        abort(f"no completed trial in {store.root} yet", code=1)
    winners = ranked(completed, objective)[:top]
    if fmt is BestFormat.json:
        typer.echo(to_json(_payload(winners, top)))
    elif fmt is BestFormat.yaml:
        typer.echo(to_yaml(_payload(winners, top)), nl=False)
    elif fmt is BestFormat.env:
        typer.echo(env_lines(winners[0]))
    else:
        from tuner_cli.console import console, trials_table

        console.print(trials_table(winners, objective, title=f"Best of {len(records)} trials"))
    if fail_under is not None and not objective.passes(winners[0].score, fail_under):
        abort(
            f"best {objective.name} {winners[0].score:.6g} is worse than --fail-under "
            f"{fail_under:g} ({objective.direction}imised)",
            code=1,
        )


def _payload(winners: list[TrialRecord], top: int):
    records = [w.to_dict() for w in winners]
    return records if top > 1 else records[0]


def env_lines(record: TrialRecord) -> str:
    """``KT_BEST_HP_UNITS=64`` lines, quoted so ``eval "$(kt-run best --format env)"`` is safe."""
    values = {"TRIAL": record.id, "SCORE": record.score}
    values.update({f"HP_{_env_name(k)}": v for k, v in record.hyperparameters.items()})
    return "\n".join(
        f"KT_BEST_{name}={shlex.quote(value if isinstance(value, str) else json.dumps(value))}"
        for name, value in values.items()
    )


def _env_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
