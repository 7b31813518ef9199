"""The best trial's model as one ``.keras`` file that ``keras.models.load_model`` opens.

Here: choose the trial and copy the model the search kept (``models: best`` or ``all``; the
weights of the trial's best epoch, with the optimizer state of its last). Training it again
(``--retrain``) is ``tuner_cli.training.retrain``: this room never imports Keras.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tuner_cli.errors import KtRunError, UsageError
from tuner_cli.results.reading import front_ids, study_objective, study_objectives
from tuner_cli.results.store import StudyStore, atomic_write_bytes, write_error
from tuner_cli.results.trial_index import load_index, read_record
from tuner_cli.trial import TrialRecord, TrialStatus

if TYPE_CHECKING:
    from tuner_cli.config import StudyConfig


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


def check_has_models(study: StudyConfig) -> None:
    """An objective-function study trains no Keras model: neither way of exporting applies."""
    if not study.is_keras:
        raise UsageError(
            f"this study tunes an objective_function ({study.config.objective_function}), not a "
            "Keras model, so it has no model to export (nor to retrain); `kt-run best` gives "
            "its best hyperparameters"
        )


def _kept_models(store: StudyStore) -> str:
    """What ``models: best`` keeps: the best trial's model, or with several objectives every
    Pareto-front member's (each a trade-off a user may want), which the message names."""
    objectives = study_objectives(store)
    front = front_ids(load_index(store).summaries(), objectives)
    if front is None:
        return "only the best trial's model"
    ids = ", ".join(map(str, sorted(front))) or "none yet"
    return f"only the models of the Pareto front's trials ({ids})"


def copy_saved_model(store: StudyStore, record: TrialRecord, output: Path, policy: str) -> str:
    """Copy the model the search kept, renamed over ``output`` once whole (as the other
    formats are); returns where its weights came from, for the user."""
    saved = store.model_path(record.id)
    if not saved.is_file():
        if policy == "none":
            raise UsageError(
                "the study kept no models (models: none), so there are no weights to export; "
                "use --retrain to train the best configuration again"
            )
        kept = _kept_models(store) if policy == "best" else "every trial's model"
        raise UsageError(
            f"no saved model for trial {record.id} in {store.models_dir}: with models: {policy} "
            f"the search keeps {kept}; use --retrain to train trial {record.id} again"
        )
    try:  # whole or not at all: a server watching ``output`` must never load half a model
        atomic_write_bytes(output, saved.read_bytes())
    except OSError as exc:
        raise write_error(f"cannot write the model to {output}", exc) from None
    epoch = record.best_epoch or len(record.history)
    return (
        f"trial {record.id}'s saved model (weights of its best epoch, {epoch} of "
        f"{len(record.history)})"
    )
