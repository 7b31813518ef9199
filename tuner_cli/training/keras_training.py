"""Keras training for one trial; imported only in processes that train."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from tuner_cli.config import StudyConfig
from tuner_cli.config.references import resolve
from tuner_cli.errors import ConfigError, TrialError
from tuner_cli.objective import Objective
from tuner_cli.training.builders import ModelBuilder, batch_size_given, load_builder
from tuner_cli.training.class_weights import class_weights
from tuner_cli.training.data import Dataset, load_dataset
from tuner_cli.training.distribution import distribution_scope
from tuner_cli.training.hyperparameters import HyperParameters
from tuner_cli.training.keras_objects import make_objects
from tuner_cli.training.preprocessing import with_encoder, with_preprocessing
from tuner_cli.training.template import compile_network, connect, template_layers
from tuner_cli.training.template_front import adapt_front, leading_preprocessing
from tuner_cli.training.traced_gradients import forgotten_after
from tuner_cli.trial import (
    EpochCallback,
    Pruner,
    TrialOutcome,
    TrialStatus,
    TrialTask,
    metric_number,
)


def seed_for(seed: int, trial_id: int, execution: int) -> int:
    """Distinct, reproducible seeds per trial and execution, from the study's seed."""
    return (seed * 1_000_003 + trial_id * 101 + execution) % 2**31


def build_for_inspection(study: StudyConfig, hp: dict[str, Any], data: Dataset) -> keras.Model:
    """The network a trial with these values would train on ``data`` (for checks). A
    builder's model without an ``Input`` is built for the data's shape, as fitting would, so
    its summary shows shapes and parameter counts instead of "?" and "0 (unbuilt)"."""
    model = Trainable.build(study, hp, data).model
    if not model.built:
        model.build((None, *data.network_shape))
    return model


@dataclass
class Trainable:
    """What a trial trains, and how to fit it.

    ``model`` is the network. A template that starts with preprocessing layers (adapted on
    the training split) has them in ``front``, a model from the data's inputs to the
    network's, and in ``front_layers`` for the exported model. A builder's model keeps the
    builder and its ``hp``: a HyperModel's own ``fit`` gets the same ``hp``.
    """

    model: keras.Model
    builder: ModelBuilder | None = None
    hp: HyperParameters | None = None
    front: keras.Model | None = None
    front_layers: tuple = ()

    @classmethod
    def build(cls, study: StudyConfig, values: dict[str, Any], data: Dataset) -> Trainable:
        model_config = study.config.model
        if model_config.builder:
            builder = load_builder(study)
            hp = builder.hyperparameters(values)
            return cls(builder.build(hp), builder, hp)
        steps = template_layers(model_config, values, study.base_dir)
        front = leading_preprocessing(steps)
        if not front:
            _check_takes_text(steps, data)
            network = connect(steps, data.network_shape)
            compile_network(network, model_config, values, study.base_dir)
            return cls(network)
        adapt_front(front, data.adapt_inputs())
        inputs = features = keras.Input(shape=data.network_shape, dtype=data.network_dtype)
        for layer in front:
            features = layer(features)
        network = connect(steps[len(front) :], features.shape[1:], features.dtype)
        compile_network(network, model_config, values, study.base_dir)
        return cls(network, front=keras.Model(inputs, features), front_layers=tuple(front))

    @property
    def fit_returns_result(self) -> bool:
        """A HyperModel's own ``fit``, which may return the trial's result (a number or a
        dict of metrics) instead of, or after, epochs that lack the objective."""
        return self.builder is not None and self.builder.fit_model is not None

    def defaults_used(self, values: dict[str, Any]) -> dict[str, Any]:
        """What the builder declared that the trial's values did not hold (a name discovery
        did not find): it ran at its default, untuned, and the record says so."""
        if self.hp is None:
            return {}
        return {name: v for name, v in self.hp.values.items() if name not in values}

    def fit(
        self,
        study: StudyConfig,
        data: Dataset,
        batch_size: int,
        everything: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Fit on ``data``'s training split, validated on the rest, or (``everything``, for
        ``export --retrain``) on all of it; ``kwargs``: epochs, callbacks..."""
        arguments = {**data.fit_arguments(batch_size, everything, self.front), **kwargs}
        if self.builder is None or self.builder.fit_model is None:
            return self.model.fit(**arguments)
        if not batch_size_given(study):
            arguments.pop("batch_size", None)
        return self.builder.fit(self.hp, self.model, **arguments)


def _check_takes_text(steps: list, data: Dataset) -> None:
    """Strings reach the network only through a front that turns them into numbers; without
    one Keras fails on the first layer's shape, which does not say what is missing."""
    if data.network_dtype == "string":
        raise ConfigError(
            f"the inputs are text, which {type(steps[0]).__name__} cannot take: a template for "
            "text starts with TextVectorization (or StringLookup), which turns the strings "
            "into numbers, e.g. TextVectorization: {max_tokens: 20000, "
            "output_sequence_length: 128}, Embedding, GlobalAveragePooling1D",
            key_path=("model", "layers", 0),
        )


def make_callbacks(study: StudyConfig, hp: dict[str, Any]) -> list[keras.callbacks.Callback]:
    """``training.callbacks``, made afresh for each trial: a callback keeps state (a plateau's
    patience, a best value) that must not leak from one trial into the next."""
    path = ("training", "callbacks")
    made = make_objects(
        resolve(study.config.training.callbacks, hp), "callbacks", path, study.base_dir
    )
    for i, callback in enumerate(made):
        if not isinstance(callback, keras.callbacks.Callback):
            raise ConfigError(
                f"{type(callback).__name__} is not a keras.callbacks.Callback",
                key_path=path + (i,),
            )
    return made


def _build_for_trial(study: StudyConfig, hp: dict[str, Any], data: Dataset) -> Trainable:
    """The trial's model. The pre-search check built it at the default values, so a config
    error here comes from these values alone (a residual block that changes its width, one
    pooling too many for the image size): this trial fails, naming the entry, and the search
    goes on."""
    try:
        return Trainable.build(study, hp, data)
    except ConfigError as exc:
        raise TrialError(
            f"the model cannot be built at these values: {study.locate(exc)}"
        ) from None


def train_trial(study: StudyConfig, task: TrialTask, on_epoch: EpochCallback) -> TrialOutcome:
    """Train ``executions_per_trial`` times, or once per fold with ``data.cross_validation``
    (each fold held out once, with its own early stopping and pruning; a pruned fold ends the
    trial). The score is the mean of the runs' best epochs; the kept model is the best run's.
    """
    objective = study.objective
    folds = study.config.data.cross_validation
    executions = study.config.strategy.executions_per_trial
    runs: list[_Run] = []
    for run in range(folds.folds if folds else executions):
        with forgotten_after():
            runs.append(_fit(study, task, run, on_epoch, fold=run if folds else 0))
        if runs[-1].pruned:
            break
    best = min(runs, key=lambda r: objective.sort_key(r.score))
    pruned = runs[-1].pruned if folds else best.pruned
    outcome = TrialOutcome(
        status=TrialStatus.PRUNED if pruned else TrialStatus.COMPLETED,
        score=sum(r.score for r in runs) / len(runs),
        metrics={
            **{k: v for k, v in best.history[best.best_epoch - 1].items() if k != "epoch"},
            "params": int(best.params),
        },
        history=best.history,
        best_epoch=best.best_epoch,
        model_bytes=best.model_bytes,
        checkpoint_bytes=best.checkpoint_bytes,
    )
    if folds is not None:
        outcome.extra["folds"] = [{"score": r.score, "best_epoch": r.best_epoch} for r in runs]
    elif len(runs) > 1:
        outcome.extra["executions"] = [{"score": r.score, "best_epoch": r.best_epoch} for r in runs]
    if (scores := _mean_scores(study, runs)) is not None:
        outcome.extra["scores"] = scores
    if pruned:
        outcome.extra["pruned_at_epoch"] = len(runs[-1].history)
    if best.replicas > 1:
        outcome.extra["replicas"] = best.replicas
    if best.defaults_used:
        outcome.extra["builder_defaults"] = best.defaults_used
    return outcome


def _mean_scores(study: StudyConfig, runs: list[_Run]) -> dict[str, float] | None:
    """Each objective of a multi-objective trial that trained several times (executions,
    folds), measured as its score is: the mean over the runs at each run's best epoch. The
    best run's metrics alone would put the trial on the front by its luckiest run, its first
    objective apart from its ``score``. None for one objective or one run (its metrics)."""
    if len(study.objectives) < 2 or len(runs) < 2:
        return None
    return {
        o.name: runs[0].params
        if o.name == "params"
        else sum(r.history[r.best_epoch - 1][o.name] for r in runs) / len(runs)
        for o in study.objectives
    }


@dataclass
class _Run:
    replicas: int
    """Devices the model trained on (``training.distribution: mirrored``)."""
    defaults_used: dict[str, Any]
    history: list[dict[str, float]]
    best_epoch: int
    score: float
    pruned: bool
    model_bytes: bytes | None
    checkpoint_bytes: bytes | None
    params: int
    """The model's parameter count: an objective a multi-objective study may use."""


def _fit(
    study: StudyConfig, task: TrialTask, execution: int, on_epoch: EpochCallback, fold: int = 0
) -> _Run:
    config = study.config
    hp = task.hyperparameters
    data = load_dataset(study, task.seed, fold)
    epochs = task.budget or study.epochs(hp)
    keras.utils.set_random_seed(seed_for(task.seed, task.trial_id, execution))
    with distribution_scope(config.training.distribution) as replicas:
        trainable = _build_for_trial(study, hp, data)
        if task.resume_model is not None:
            # a continued trial's checkpoint holds the network alone; its front (adapted again,
            # the same way) and a HyperModel's fit stay as built
            trainable.model = restore_checkpoint(
                trainable.model, task.resume_model, data.network_shape
            )
    model = trainable.model
    watcher = _EpochWatcher(
        study.objective, epochs, on_epoch, list(task.history), task.pruner, task.return_model
    )
    watcher.fit_may_return = trainable.fit_returns_result
    # the config's callbacks first, so what they add to the logs (a learning rate) is recorded
    callbacks: list[Any] = [*make_callbacks(study, hp), watcher]
    if config.training.early_stopping is not None:
        stop = config.training.early_stopping
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=stop.monitor, patience=stop.patience, min_delta=stop.min_delta
            )
        )
    returned = trainable.fit(
        study,
        data,
        study.batch_size(hp),
        class_weight=training_class_weights(study, data),
        initial_epoch=len(task.history),
        epochs=epochs,
        callbacks=callbacks,
        verbose=0,
    )
    watcher.record_returned(returned, model)
    defaults_used = trainable.defaults_used(hp)
    front_layers = trainable.front_layers
    del trainable, returned  # the model goes with clear_session below, not at return
    watcher.raise_problem()
    best_epoch = watcher.best_epoch()
    checkpoint = model_to_bytes(model) if task.return_checkpoint else None
    model_bytes = None
    if watcher.best_weights is not None:
        exported_as_trained = not data.front() and not front_layers
        if best_epoch == len(watcher.history) and checkpoint is not None and exported_as_trained:
            model_bytes = checkpoint
        else:
            model.set_weights(watcher.best_weights)
            model_bytes = model_to_bytes(for_export(model, data, front_layers))
    params = model.count_params()
    del model
    keras.backend.clear_session()
    return _Run(
        replicas=replicas,
        defaults_used=defaults_used,
        history=watcher.history,
        best_epoch=best_epoch,
        score=watcher.history[best_epoch - 1][study.objective.name],
        pruned=watcher.pruned,
        model_bytes=model_bytes,
        checkpoint_bytes=checkpoint,
        params=params,
    )


def for_export(network: keras.Model, data: Dataset, front: list | None = None) -> keras.Model:
    """The trained network behind the data's preprocessing (``data.scale``) and the
    template's adapted ``front`` layers: the model that takes raw inputs."""
    layers = data.front() + list(front or [])
    if data.encoding is not None:
        return with_encoder(network, data.encoding.graph, layers)
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


def restore_checkpoint(
    model: keras.Model, checkpoint: bytes, input_shape: tuple[int, ...]
) -> keras.Model:
    """``model``, freshly built for the trial's values, with the checkpoint's weights and
    optimizer state. Not ``load_model``: that rebuilds the architecture from the file, which
    needs every custom object in it registered with Keras, and a builder's metric or loss
    function (``metrics=[my_f1]``) seldom is, so a promoted trial failed where its first
    round had trained. The same values build the same model, as KerasTuner relies on too. A
    model Keras cannot build from a shape alone is loaded whole, as before."""
    try:
        if not model.built:
            model.build((None, *input_shape))
        model.optimizer.build(model.trainable_variables)
    except Exception:  # noqa: BLE001 - a builder's model (a subclass) may not build from a shape
        return model_from_bytes(checkpoint)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.keras"
        path.write_bytes(checkpoint)
        model.load_weights(path)
    return model


def load_kept_model(path: Path) -> keras.Model:
    """A model the search kept in ``models/``, for ``SearchResult.get_best_models``."""
    return keras.models.load_model(path)


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
        self.fit_may_return = False
        """A HyperModel's ``fit``: an epoch without the objective is not yet a problem, since
        the fit may return it when training ends (KerasTuner's custom-metric idiom)."""
        self.run_start = len(history)
        self.returned_epoch: int | None = None
        """The epoch a result the fit returned was recorded at: the trial's best, since
        KerasTuner scores a trial by what its fit returns."""

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """The epochs ``fit`` was really given: a HyperModel's ``fit`` may choose its own."""
        self.epochs = int(self.params.get("epochs") or self.epochs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = {k: float(v) for k, v in (logs or {}).items()}
        self.history.append({"epoch": epoch + 1, **logs})
        self._check(epoch, logs)
        if self.problem or self.pruned:
            self.model.stop_training = True

    def _check(self, epoch: int, logs: dict[str, float]) -> None:
        if self.objective.name not in logs:
            if not self.fit_may_return:
                self.problem = self._missing(logs)
        elif any(not math.isfinite(v) for v in logs.values()):
            bad = [k for k, v in logs.items() if not math.isfinite(v)]
            self.problem = f"{', '.join(bad)} became {logs[bad[0]]} at epoch {epoch + 1}"
        else:
            if self.keep_best and self.best_epoch() == len(self.history):
                self.best_weights = self.model.get_weights()
            shown = {k: v for k, v in logs.items() if k != "epoch"}
            if self.on_epoch_callback(epoch + 1, self.epochs, shown) or (
                self.pruner is not None and self.pruner.should_prune(self.history)
            ):
                self.pruned = True

    def _missing(self, logs: Mapping[str, Any]) -> str:
        return (
            f"the objective '{self.objective.name}' is not in the training history; "
            f"the metrics there are: {', '.join(sorted(k for k in logs if k != 'epoch'))}"
        )

    def record_returned(self, returned: Any, model: keras.Model) -> None:
        """What a HyperModel's ``fit`` returned, as KerasTuner reads it: a number is the
        objective's value and a dict holds it, and either is the trial's result, even after
        epochs that logged the objective (``model.fit(...)`` then a score of its own). It is
        recorded at the last epoch this run trained (or as one more when none was). A
        ``History`` or ``None`` leaves the epochs as the result."""
        result = returned_metrics(returned, self.objective.name)
        ran = self.history[self.run_start :]
        if self.problem or self.pruned:
            return
        if result is None:
            if not ran:
                self.problem = (
                    "training recorded no epoch: a HyperModel's fit must pass on the callbacks "
                    "it is given to model.fit (fit(self, hp, model, *args, **kwargs) -> "
                    "model.fit(*args, **kwargs)), or return the objective's value or a dict of "
                    "metrics"
                )
            elif all(self.objective.name not in entry for entry in ran):
                self.problem = (
                    f"{self._missing(ran[-1])}; a HyperModel's fit may return it instead "
                    f"(a number, or a dict holding '{self.objective.name}')"
                )
            return
        if self.objective.name not in result:
            self.problem = (
                f"the HyperModel's fit returned a dict without the objective "
                f"'{self.objective.name}': it holds {', '.join(sorted(result)) or 'nothing'}"
            )
            return
        self.set_model(model)
        if not ran:
            self.history.append({"epoch": len(self.history) + 1})
        reported = self.objective.name in self.history[-1]
        self.history[-1].update(result)
        self.returned_epoch = len(self.history)
        if reported:  # the epoch went out already, with the value model.fit logged
            self._check_finite(result)
        else:
            self._check(len(self.history) - 1, self.history[-1])
        if self.keep_best and not self.problem:
            self.best_weights = self.model.get_weights()  # the model the result measured

    def _check_finite(self, result: dict[str, float]) -> None:
        bad = [k for k, v in result.items() if not math.isfinite(v)]
        if bad:
            self.problem = f"the HyperModel's fit returned {bad[0]} = {result[bad[0]]}"

    def raise_problem(self) -> None:
        if self.problem:
            raise TrialError(self.problem)

    def best_epoch(self) -> int:
        if self.returned_epoch is not None:
            return self.returned_epoch
        scored = [i for i, h in enumerate(self.history) if self.objective.name in h]
        best = min(
            scored, key=lambda i: self.objective.sort_key(self.history[i][self.objective.name])
        )
        return best + 1


def returned_metrics(returned: Any, objective: str) -> dict[str, float] | None:
    """A fit's return value as metrics, as KerasTuner accepts it: a number (a NumPy one too)
    is the objective's value, a dict maps names to numbers; anything else (a ``History``,
    ``None``) is None. A dict's value that is not a number fails the trial, naming it."""
    if not isinstance(returned, Mapping):
        number = metric_number(returned)
        return None if number is None else {objective: number}
    result: dict[str, float] = {}
    for name, value in returned.items():
        number = metric_number(value)
        if number is None:
            raise TrialError(
                f"the HyperModel's fit returned {name!r} = {value!r:.80}, which is not a number"
            )
        result[str(name)] = number
    return result
