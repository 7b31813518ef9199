"""Reading a study back: its objective, its trials, its best ones. Commands, the report and
Python callers all read through here, so a study is interpreted one way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuner_cli.errors import whole_number_from_1
from tuner_cli.objective import Objective, pareto_front
from tuner_cli.results.store import StoreError, StudyStore
from tuner_cli.results.trial_index import load_index
from tuner_cli.trial import TrialRecord, TrialStatus


def study_objective(store: StudyStore) -> Objective:
    """The objective as study.json recorded it when the study started."""
    info = store.read_study()
    return Objective(info["objective"]["name"], info["objective"]["direction"])


def read_trials(study_dir: str | Path) -> list[TrialRecord]:
    """Every readable trial record of the study in ``study_dir`` (``<output>/<name>``), by id.
    A folder that is no study (a mistyped name) raises ``StoreError``, as ``best_trials``
    does, rather than reading as a study without trials."""
    store = _study(study_dir)
    store.read_study()
    return store.load_trials()


def best_trials(study_dir: str | Path, top: int | None = None) -> list[TrialRecord]:
    """The ``top`` best completed trials (default 1), best first, as ``kt-run best --top``
    answers: for several objectives the Pareto front (all of it by default, else its first
    ``top`` by the first objective), not a ranking by the first objective alone."""
    # top=0 gave one trial and -1, 2.5 or "3" every completed one, each read in full
    top = whole_number_from_1("top", top)
    store = _study(study_dir)
    objectives = study_objectives(store)
    if len(objectives) > 1:
        return pareto_trials(store.load_trials(), objectives)[:top]
    return load_index(store).best_records(objectives[0], top or 1)


def _study(study_dir: str | Path) -> StudyStore:
    """The study in ``study_dir``. ``kt-run best`` also takes the folder that holds studies or
    a config file and finds the study; these take the study folder itself, and say so."""
    path = Path(study_dir)
    if path.is_file():
        raise StoreError(
            f"{path} is a file: give a study's folder, <output>/<name> (run_search(...).root)"
        )
    store = StudyStore(path)
    if path.is_dir() and not store.study_file.exists():
        try:
            studies = sorted(p for p in path.iterdir() if StudyStore(p).study_file.is_file())
        except OSError:  # unreadable: read_study says what it can
            studies = []
        if studies:
            shown = ", ".join(map(str, studies[:3])) + (", ..." if len(studies) > 3 else "")
            raise StoreError(f"{path} holds studies, not one: give a study's own folder ({shown})")
    return store


def study_objectives(store: StudyStore) -> list[Objective]:
    """Every objective of a multi-objective study (study.json's ``objectives``), else the one."""
    info = store.read_study()
    listed = info.get("objectives")
    if isinstance(listed, list) and len(listed) > 1:
        return [Objective(o["name"], o["direction"]) for o in listed]
    return [study_objective(store)]


def pareto_trials(trials: list[TrialRecord], objectives: list[Objective]) -> list[TrialRecord]:
    """The completed trials no other dominates on ``scores``, best first by the first objective."""
    completed = [t for t in trials if t.status is TrialStatus.COMPLETED]
    front = pareto_front(completed, objectives, lambda t: t.extra.get("scores"))
    return objectives[0].ranked(front)


def front_ids(summaries: list[dict[str, Any]], objectives: list[Objective]) -> set[int] | None:
    """The ids of the trial index summaries on the Pareto front; None for one objective.
    The ``trials`` command and the report mark these, so both agree on what the front is."""
    if len(objectives) < 2:
        return None
    completed = [r for r in summaries if r["status"] == TrialStatus.COMPLETED.value]
    return {r["id"] for r in pareto_front(completed, objectives, lambda r: r.get("scores"))}
