"""What the commands share: finding a study, rendering records, and stopping with an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer

from tuner_cli.errors import UsageError
from tuner_cli.objective import Objective
from tuner_cli.store import StudyStore
from tuner_cli.trial import TrialRecord

DEFAULT_OUTPUT = Path("results")

OutputOption = typer.Option(
    DEFAULT_OUTPUT, "--output", "-o", help="Folder that holds the studies (one subfolder each)."
)


def abort(message: str, code: int = 2) -> NoReturn:
    from tuner_cli.console import error_console

    error_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def locate_study(target: str | None, output: Path) -> StudyStore:
    """A study from a results folder, a study folder, or the config that made it.

    With no target, ``./results`` is searched; several studies there must be told apart.
    """
    if target is not None and Path(target).is_file():
        from tuner_cli.config import load_config

        study = load_config(target)
        return _existing(StudyStore(output / study.config.name))
    folder = Path(target) if target is not None else output
    if (folder / "study.json").is_file():
        return StudyStore(folder)
    if not folder.is_dir():
        raise UsageError(f"no results at '{folder}': run `kt-run search CONFIG` first")
    studies = sorted(p.parent for p in folder.glob("*/study.json"))
    if not studies:
        raise UsageError(f"no study in '{folder}' (a study folder holds study.json)")
    if len(studies) > 1:
        names = ", ".join(str(p) for p in studies)
        raise UsageError(f"'{folder}' holds several studies ({names}); name one of them")
    return StudyStore(studies[0])


def _existing(store: StudyStore) -> StudyStore:
    if not store.exists():
        raise UsageError(f"the config's study has no results yet at '{store.root}'")
    return store


def study_objective(store: StudyStore) -> Objective:
    info = store.read_study()
    return Objective(info["objective"]["name"], info["objective"]["direction"])


def ranked(records: list[TrialRecord], objective: Objective) -> list[TrialRecord]:
    return sorted(records, key=lambda r: (objective.sort_key(r.score), r.id))


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2)


def to_yaml(value: Any) -> str:
    import yaml

    return yaml.safe_dump(value, sort_keys=False)
