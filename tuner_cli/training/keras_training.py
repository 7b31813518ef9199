"""Keras training for one trial; imported only in processes that train."""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from tuner_cli.config import StudyConfig
from tuner_cli.errors import TrialError
from tuner_cli.objective import Objective
from tuner_cli.training.class_weights import class_weights
from tuner_cli.training.data import Dataset, load_dataset
from tuner_cli.training.imports import load_callable
from tuner_cli.training.preprocessing import with_encoder, with_preprocessing
from tuner_cli.training.template import build_model, compile_network, template_layers
from tuner_cli.training.template_front import adapt_front, leading_preprocessing
from tuner_cli.trial import EpochCallback, Pruner, TrialOutcome, TrialStatus, TrialTask


def seed_for(seed: int, trial_id: int, execution: int) -> int:
    """Distinct, reproducible seeds per trial and execution, from the study's seed."""
    return (seed * 1_000_003 + trial_id * 101 + execution) % 2**31


@dataclass
class TrialModel:
    """What a trial trains: the network, and the template's adapted preprocessing layers in
    front of it (``front``, a model from the data's inputs to the network's; ``None`` when
    the template starts with none)."""

    network: keras.Model
    front: keras.Model | None = None
    front_layers: tuple = ()


def build_for_inspection(study: StudyConfig, hp: dict[str, Any], data: Dataset) -> keras.Model:
    """The network a trial with these values would train on ``data`` (for checks)."""
    return build_trial_model(study, hp, data).network


def build_trial_model(study: StudyConfig, hp: dict[str, Any], data: Dataset) -> TrialModel:
    model_config = study.config.model
    if model_config.builder:
        builder = load_callable(model_config.builder, study.base_dir, ("model", "builder"))
        return TrialModel(builder(dict(hp)))
    layers = template_layers(model_config, hp)
    front = leading_preprocessing(layers)
    if not front:
        return TrialModel(build_model(model_config, hp, data.network_shape))
    adapt_front(front, data.adapt_inputs())
    inputs = features = keras.Input(shape=data.network_shape, dtype=data.network_dtype)
    for layer in front:
        features = layer(features)
    front_model = keras.Model(inputs, features)
    network = keras.Sequential(
        [keras.Input(shape=features.shape[1:], dtype=features.dtype), *layers[len(front) :]]
    )
    compile_network(network, model_config, hp)
    return TrialModel(network, front_model, tuple(front))


def train_trial(study: StudyConfig, task: TrialTask, on_epoch: EpochCallback) -> TrialOutcome:
    """Train ``executions_per_trial`` times, or once per fold with ``data.cross_validation``
    (each fold held out once, with its own early stopping and pruning; a pruned fold ends the
    trial). The score is the mean of the runs' best epochs; the kept model is the best run's.
    """
    objective = study.objective
    folds = study.config.data.cross_validation
    executions = 1 if task.resume_model else study.config.strategy.executions_per_trial
    runs: list[_Run] = []
    for run in range(folds.folds if folds else executions):
        runs.append(_fit(study, task, run, on_epoch, fold=run if folds else 0))
        if runs[-1].pruned:
            break
    best = min(runs, key=lambda r: objective.sort_key(r.score))
    pruned = runs[-1].pruned if folds else best.pruned
    outcome = TrialOutcome(
        status=TrialStatus.PRUNED if pruned else TrialStatus.COMPLETED,
        score=sum(r.score for r in runs) / len(runs),
        metrics={k: v for k, v in best.history[best.best_epoch - 1].items() if k != "epoch"},
        history=best.history,
        best_epoch=best.best_epoch,
        model_bytes=best.model_bytes,
        checkpoint_bytes=best.checkpoint_bytes,
    )
    if folds is not None:
        outcome.extra["folds"] = [{"score": r.score, "best_epoch": r.best_epoch} for r in runs]
    elif len(runs) > 1:
        outcome.extra["executions"] = [{"score": r.score, "best_epoch": r.best_epoch} for r in runs]
    if pruned:
        outcome.extra["pruned_at_epoch"] = len(runs[-1].history)
    return outcome


@dataclass
class _Run:
    history: list[dict[str, float]]
    best_epoch: int
    score: float
    pruned: bool
    model_bytes: bytes | None
    checkpoint_bytes: bytes | None


def _fit(
    study: StudyConfig, task: TrialTask, execution: int, on_epoch: EpochCallback, fold: int = 0
) -> _Run:
    config = study.config
    hp = task.hyperparameters
    data = load_dataset(study, task.seed, fold)
    epochs = task.budget or study.epochs(hp)
    keras.utils.set_random_seed(seed_for(task.seed, task.trial_id, execution))
    trial_model = build_trial_model(study, hp, data)
    model = trial_model.network
    if task.resume_model is not None:
        model = model_from_bytes(task.resume_model)
    watcher = _EpochWatcher(
        study.objective, epochs, on_epoch, list(task.history), task.pruner, task.return_model
    )
    callbacks: list[Any] = [watcher]
    if config.training.early_stopping is not None:
        stop = config.training.early_stopping
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=stop.monitor, patience=stop.patience, min_delta=stop.min_delta
            )
        )
    model.fit(
        **data.fit_arguments(study.batch_size(hp), front=trial_model.front),
        class_weight=training_class_weights(study, data),
        initial_epoch=len(task.history),
        epochs=epochs,
        callbacks=callbacks,
        verbose=0,
    )
    watcher.raise_problem()
    best_epoch = watcher.best_epoch()
    checkpoint = model_to_bytes(model) if task.return_checkpoint else None
    model_bytes = None
    if watcher.best_weights is not None:
        exported_as_trained = not data.front() and trial_model.front is None
        if best_epoch == len(watcher.history) and checkpoint is not None and exported_as_trained:
            model_bytes = checkpoint
        else:
            model.set_weights(watcher.best_weights)
            model_bytes = model_to_bytes(for_export(model, data, trial_model.front_layers))
    del model
    keras.backend.clear_session()
    return _Run(
        history=watcher.history,
        best_epoch=best_epoch,
        score=watcher.history[best_epoch - 1][study.objective.name],
        pruned=watcher.pruned,
        model_bytes=model_bytes,
        checkpoint_bytes=checkpoint,
    )


def for_export(network: keras.Model, data: Dataset, front: list | None = None) -> keras.Model:
    """The trained network behind the data's preprocessing (``data.scale``) and the
    template's adapted ``front`` layers: the model that takes raw inputs."""
    layers = data.front() + list(front or [])
    if data.encoding is not None:
        return with_encoder(network, data.encoding.graph(), layers)
    return with_preprocessing(network, layers, data.input_shape, data.input_dtype)


def training_class_weights(study: StudyConfig, data: Dataset) -> dict | None:
    spec = study.config.training.class_weight
    return None if spec is None else class_weights(spec, data.training_labels, data.class_names)


def model_to_bytes(model: keras.Model) -> bytes:
    """The model as a ``.keras`` file: architecture, weights and optimizer state."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def model_from_bytes(data: bytes) -> keras.Model:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(data)
        return keras.models.load_model(path)


class _EpochWatcher(keras.callbacks.Callback):
    """Records history, reports progress, and stops on NaN, a missing objective or a prune.

    ``keep_best``: hold a copy of the weights at the best epoch, so the model kept for the
    trial is the one its score was measured on, not the last epoch's.
    """

    def __init__(
        self,
        objective: Objective,
        epochs: int,
        on_epoch: EpochCallback,
        history: list[dict[str, float]],
        pruner: Pruner | None = None,
        keep_best: bool = False,
    ):
        super().__init__()
        self.objective = objective
        self.epochs = epochs
        self.on_epoch_callback = on_epoch
        self.history = history
        self.pruner = pruner
        self.keep_best = keep_best
        self.best_weights: list[Any] | None = None
        """Set only if an epoch of this run is the trial's best; a continued trial whose best
        epoch came before the continuation has none."""
        self.problem: str | None = None
        self.pruned = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = {k: float(v) for k, v in (logs or {}).items()}
        self.history.append({"epoch": epoch + 1, **logs})
        if self.objective.name not in logs:
            self.problem = (
                f"the objective '{self.objective.name}' is not in the training history; "
                f"the metrics there are: {', '.join(sorted(logs))}"
            )
        elif any(not math.isfinite(v) for v in logs.values()):
            bad = [k for k, v in logs.items() if not math.isfinite(v)]
            self.problem = f"{', '.join(bad)} became {logs[bad[0]]} at epoch {epoch + 1}"
        else:
            if self.keep_best and self.best_epoch() == len(self.history):
                self.best_weights = self.model.get_weights()
            if self.on_epoch_callback(epoch + 1, self.epochs, logs) or (
                self.pruner is not None and self.pruner.should_prune(self.history)
            ):
                self.pruned = True
        if self.problem or self.pruned:
            self.model.stop_training = True

    def raise_problem(self) -> None:
        if self.problem:
            raise TrialError(self.problem)

    def best_epoch(self) -> int:
        scores = [h[self.objective.name] for h in self.history]
        best = min(range(len(scores)), key=lambda i: self.objective.sort_key(scores[i]))
        return best + 1
