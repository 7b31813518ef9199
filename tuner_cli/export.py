"""The best trial's model as one ``.keras`` file that ``keras.models.load_model`` opens.

Two ways: copy the model the search kept (``models: best`` or ``all``; the weights of the
trial's best epoch, with the optimizer state of its last), or train it again from the saved
config on the training plus validation data for the trial's best epoch count (``--retrain``),
which needs no kept model and uses every labelled row.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tuner_cli.errors import KtRunError, UsageError
from tuner_cli.objective import Objective
from tuner_cli.store import StudyStore
from tuner_cli.trial import TrialRecord, TrialStatus
from tuner_cli.trial_index import load_index, read_record


@dataclass
class Exported:
    record: TrialRecord
    path: Path
    how: str
    """One line for the user: where the weights came from."""


def choose_trial(store: StudyStore, trial_id: int | None) -> TrialRecord:
    """The given trial, or the best completed one."""
    if trial_id is None:
        info = store.read_study()
        objective = Objective(info["objective"]["name"], info["objective"]["direction"])
        best = load_index(store).best_records(objective, 1)
        if not best:
            raise KtRunError(f"no completed trial in {store.root} to export")
        trial_id = best[0].id
    record = read_record(store, trial_id)
    if record is None:
        raise UsageError(f"no readable trial {trial_id} in {store.root}")
    if record.status is not TrialStatus.COMPLETED:
        raise UsageError(f"trial {trial_id} is {record.status.value}, not completed")
    return record


def check_has_models(study) -> None:
    """An objective-function study trains no Keras model: neither way of exporting applies."""
    if not study.is_keras:
        raise UsageError(
            f"this study tunes an objective_function ({study.config.objective_function}), not a "
            "Keras model, so it has no model to export (nor to retrain); `kt-run best` gives "
            "its best hyperparameters"
        )


def copy_saved_model(store: StudyStore, record: TrialRecord, output: Path, policy: str) -> Exported:
    saved = store.model_path(record.id)
    if not saved.is_file():
        if policy == "none":
            raise UsageError(
                "the study kept no models (models: none), so there are no weights to export; "
                "use --retrain to train the best configuration again"
            )
        kept = "only the best trial's model" if policy == "best" else "every trial's model"
        raise UsageError(
            f"no saved model for trial {record.id} in {store.models_dir}: with models: {policy} "
            f"the search keeps {kept}; use --retrain to train trial {record.id} again"
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(saved, output)
    epoch = record.best_epoch or len(record.history)
    return Exported(
        record,
        output,
        f"trial {record.id}'s saved model (weights of its best epoch, {epoch} of "
        f"{len(record.history)})",
    )


def retrain(study, record: TrialRecord, output: Path) -> Exported:
    """Build the trial's model afresh and fit it on training + validation data.

    ``study`` is the ``StudyConfig`` the trial ran with. The data is loaded and scaled exactly as
    in the search, so the exported model expects inputs scaled the same way.
    """
    check_has_models(study)
    from tuner_cli.keras_import import import_keras

    keras = import_keras()
    import numpy as np

    from tuner_cli.data import load_dataset
    from tuner_cli.keras_training import build_for_inspection, seed_for
    from tuner_cli.template import resolve

    hp = record.hyperparameters
    data = load_dataset(study)
    keras.utils.set_random_seed(seed_for(study.config.seed, record.id, 0))
    model = build_for_inspection(study, hp)
    epochs = record.best_epoch or int(resolve(study.config.training.epochs, hp))
    model.fit(
        np.concatenate([data.x_train, data.x_val]),
        np.concatenate([data.y_train, data.y_val]),
        epochs=epochs,
        batch_size=int(resolve(study.config.training.batch_size, hp)),
        verbose=0,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save(output)
    rows = len(data.x_train) + len(data.x_val)
    return Exported(
        record, output, f"trial {record.id} retrained for {epochs} epochs on {rows} rows"
    )
