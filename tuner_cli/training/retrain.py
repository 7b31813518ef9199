"""``kt-run export --retrain``: one trial's model trained again on all the labelled data."""

from __future__ import annotations

from pathlib import Path

from tuner_cli.config import StudyConfig
from tuner_cli.errors import UsageError
from tuner_cli.trial import TrialRecord
from tuner_cli.wording import plural


def retrain(study: StudyConfig, record: TrialRecord, output: Path, seed: int) -> str:
    """Build the trial's model afresh and fit it on training + validation data.

    ``study`` is the config the trial ran with and ``seed`` the study's seed (study.json): the
    data is split and scaled exactly as in the search, and the saved model holds that scaling,
    so it takes raw inputs as the exported model of the search does. Returns one line for the
    user saying what was trained.
    """
    if not study.is_keras:
        raise UsageError("this study tunes an objective_function, not a Keras model: no model")
    from tuner_cli.training.keras_import import import_keras

    keras = import_keras()
    from tuner_cli.training.data import load_dataset
    from tuner_cli.training.keras_training import (
        Trainable,
        for_export,
        seed_for,
        training_class_weights,
    )

    hp = record.hyperparameters
    data = load_dataset(study, seed)
    keras.utils.set_random_seed(seed_for(seed, record.id, 0))
    trainable = Trainable.build(study, hp, data)
    epochs = record.best_epoch or study.epochs(hp)
    trainable.fit(
        study,
        data,
        study.batch_size(hp),
        everything=True,
        epochs=epochs,
        class_weight=training_class_weights(study, data),
        verbose=0,
    )
    for_export(trainable.model, data, trainable.front_layers).save(output)
    on = "all the data" if None in data.rows else f"{sum(data.rows)} rows"
    return f"trial {record.id} retrained for {plural(epochs, 'epoch')} on {on}"
