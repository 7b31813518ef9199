"""The best trial's model as one ``.keras`` file that ``keras.models.load_model`` opens.

Here: choose the trial and copy the model the search kept (``models: best`` or ``all``; the
weights of the trial's best epoch, with the optimizer state of its last). Training it again
(``--retrain``) is ``tuner_cli.training.retrain``: this room never imports Keras.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tuner_cli.errors import KtRunError, UsageError
from tuner_cli.results.reading import study_objective
from tuner_cli.results.store import StudyStore
from tuner_cli.results.trial_index import load_index, read_record
from tuner_cli.trial import TrialRecord, TrialStatus


def choose_trial(store: StudyStore, trial_id: int | None) -> TrialRecord:
    """The given trial, or the best completed one."""
    if trial_id is None:
        best = load_index(store).best_records(study_objective(store), 1)
        if not best:
            raise KtRunError(f"no completed trial in {store.root} to export")
        trial_id = best[0].id
    record = read_record(store, trial_id)
    if record is None:
        raise UsageError(f"no readable trial {trial_id} in {store.root}")
    if record.status is not TrialStatus.COMPLETED:
        raise UsageError(f"trial {trial_id} is {record.status.value}, not completed")
    return record


def copy_saved_model(store: StudyStore, record: TrialRecord, output: Path, policy: str) -> str:
    """Copy the model the search kept; returns where its weights came from, for the user."""
    saved = store.model_path(record.id)
    if not saved.is_file():
        if policy == "none":
            raise UsageError(
                "the study kept no models (models: none), so there are no weights to export; "
                "use --retrain to train the best configuration again"
            )
        raise KtRunError(
            f"no saved model for trial {record.id} in {store.models_dir} (models: {policy}); "
            "use --retrain to train it again"
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(saved, output)
    epoch = record.best_epoch or len(record.history)
    return (
        f"trial {record.id}'s saved model (weights of its best epoch, {epoch} of "
        f"{len(record.history)})"
    )
