"""The results room: the study folder (its only writer), the trial index, reading, export."""

from tuner_cli.results.reading import (
    best_trials,
    front_ids,
    pareto_trials,
    read_trials,
    study_objective,
    study_objectives,
)
from tuner_cli.results.store import StoreError, StudyStore, atomic_write_text, read_trial_file
from tuner_cli.results.trial_index import load_index, read_record

__all__ = [
    "StoreError",
    "StudyStore",
    "atomic_write_text",
    "best_trials",
    "front_ids",
    "load_index",
    "pareto_trials",
    "read_record",
    "read_trial_file",
    "read_trials",
    "study_objective",
    "study_objectives",
]
