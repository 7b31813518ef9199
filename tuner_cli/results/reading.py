"""Reading a study back: its objective, its trials, its best ones. Commands, the report and
Python callers all read through here, so a study is interpreted one way."""

from __future__ import annotations

from pathlib import Path

from tuner_cli.objective import Objective
from tuner_cli.results.store import StudyStore
from tuner_cli.results.trial_index import load_index
from tuner_cli.trial import TrialRecord


def study_objective(store: StudyStore) -> Objective:
    """The objective as study.json recorded it when the study started."""
    info = store.read_study()
    return Objective(info["objective"]["name"], info["objective"]["direction"])


def read_trials(study_dir: str | Path) -> list[TrialRecord]:
    """Every readable trial record of the study in ``study_dir`` (``<output>/<name>``), by id."""
    return StudyStore(Path(study_dir)).load_trials()


def best_trials(study_dir: str | Path, top: int = 1) -> list[TrialRecord]:
    """The ``top`` best completed trials, best first, as ``kt-run best`` ranks them."""
    store = StudyStore(Path(study_dir))
    return load_index(store).best_records(study_objective(store), top)
