"""Checks that run before a search touches its results directory.

A config can be well-formed YAML with valid keys and still be unable to run: a data file that
is missing or has other arrays, a layer Keras does not know, an objective the model never
reports. Found in the first trial, each would fail every trial (and leave a study behind);
found here, it is a config error (exit 2) and nothing is written. The check builds the model
at the default hyperparameter values and evaluates it on a few validation rows, which is what
tells the metric names a Keras history will hold.

A search on Dask workers runs the Keras part of the check in a worker (see
``tuner_cli.executors.worker.check_in_worker``), so the driver never imports TensorFlow and the
worker's process, which had Keras loaded while the driver started up, is warm for the first
trial.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tuner_cli.errors import ConfigError, exception_text, quoted
from tuner_cli.training.objective_function import load_objective_function
from tuner_cli.training.user_code import user_location
from tuner_cli.wording import did_you_mean

NOT_NAMES = ("get", "serialize", "deserialize")
"""Functions of ``keras.losses`` and ``keras.metrics`` that are not losses or metrics."""
ALIASES = ("accuracy", "acc", "mse", "mae", "mape", "msle")
"""Short names Keras' ``compile`` takes besides the modules' functions."""

if TYPE_CHECKING:
    from tuner_cli.config import StudyConfig

EVALUATE_ROWS = 4
MESSAGE_CHARS = 300


def preflight(study: StudyConfig, seed: int) -> dict[str, dict[str, Any]] | None:
    """Raise ``ConfigError`` for what would make every trial fail; imports Keras if needed.

    ``seed`` is the study's: the data is split as the trials will split it, so the dataset
    the check loads is the one they find cached. Returns what ``check_study`` returns: the
    builder's declared space, for ``StudyConfig.with_builder_space``.
    """
    try:
        return check_study(study, seed)
    except ConfigError as exc:
        study.locate(exc)
        raise


def check_study(study: StudyConfig, seed: int) -> dict[str, dict[str, Any]] | None:
    """The checks themselves, in whichever process will train (a ``ConfigError`` if failed).

    Returns the search space a KerasTuner-style builder declares (``search_space``-style
    entries, plain data so they cross to the driver), or None when there is no builder.
    """
    if not study.is_keras:
        load_objective_function(study)
        return None
    from tuner_cli.training.keras_import import import_keras

    keras = import_keras()
    from tuner_cli.training.data import check_every_fold, load_dataset
    from tuner_cli.training.keras_training import training_class_weights

    data = load_dataset(study, seed)
    check_every_fold(study, seed)
    declared = None
    returned: list[str] = []
    if study.config.model.builder:
        declared = discover_builder_space(study, data, returned)
        study = study.with_builder_space(declared)
    trainable = build_at_defaults(study, data)
    model = trainable.model
    try:
        check_labels(data, model, _classes_hint(study.config.data))
        metrics = reported_metrics(model, data, trainable.front)
        check_metric_names(study, metrics, returned)
        check_callbacks(study, metrics)
        training_class_weights(study, data)
    finally:
        del model, trainable
        keras.backend.clear_session()
    return declared


def discover_builder_space(
    study: StudyConfig, data: Any, returned: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Call the builder to learn what it declares (``tuner_cli.training.discovery``); a
    HyperModel's ``fit`` runs once on a few rows, since it may declare hyperparameters too.
    The names of the metrics that ``fit`` returns (a number: the objective) are added to
    ``returned``: as in KerasTuner, they may be the objective though no epoch logs them."""
    import keras

    from tuner_cli.training.builders import batch_size_given, load_builder
    from tuner_cli.training.discovery import discover_space
    from tuner_cli.training.keras_training import returned_metrics
    from tuner_cli.training.traced_gradients import forgotten_after

    builder = load_builder(study)
    x, y = data.evaluation_rows(EVALUATE_ROWS)
    # as a trial passes it: a fit that sets its own batch size then clashes here, not later
    batch = {"batch_size": len(y)} if batch_size_given(study) else {}

    def run(hp: Any, first: bool) -> None:
        try:
            with forgotten_after():
                model = builder.build(hp)
                check_is_model(model)
                if first and builder.fit_model is not None:
                    result = builder.fit(
                        hp, model, x, y, validation_data=(x, y), epochs=1, verbose=0, **batch
                    )
                    names = returned_metrics(result, study.objective.name)
                    _check_returned(study, builder.spec, names)
                    (returned if returned is not None else []).extend(names or {})
        finally:
            keras.backend.clear_session()

    try:
        return discover_space(builder, run, study.space.defaults())
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - the builder is user code
        raise builder_failed(exc) from None


def _check_returned(study: StudyConfig, spec: str, names: dict[str, float] | None) -> None:
    """A dict the fit returns is the trial's result, as in KerasTuner, so one without the
    objective fails every trial (whatever the epochs logged): refuse it here instead."""
    objective = study.objective.name
    if names is None or objective in names:
        return
    listed = isinstance(study.config.strategy.objective, list)
    raise ConfigError(
        f"{spec}'s fit returns a dict without {objective!r} (it holds "
        f"{', '.join(sorted(names)) or 'nothing'}), and what it returns is the trial's "
        f"result: add {objective!r} to the dict, return the History (or a number, the "
        "objective's value), or name one of its keys as the objective",
        key_path=("strategy", "objective", 0, "name") if listed else ("strategy", "objective"),
    )


def check_is_model(model: Any) -> None:
    import keras

    if not isinstance(model, keras.Model):
        raise ConfigError(
            f"the builder must return a keras.Model (got {type(model).__name__})",
            key_path=("model", "builder"),
        )


def build_at_defaults(study: StudyConfig, data: Any) -> Any:
    """What a trial at default values would train; an error in user code here is a config
    error too."""
    from tuner_cli.training.keras_training import Trainable

    try:
        trainable = Trainable.build(study, study.space.defaults(), data)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - the builder is user code
        if study.config.model.builder:
            raise builder_failed(exc) from None
        raise ConfigError(
            f"building the model at the default hyperparameter values failed: {_short(exc)}",
            key_path=("model",),
        ) from None
    if study.config.model.builder:
        check_is_model(trainable.model)
    return trainable


def builder_failed(exc: Exception) -> ConfigError:
    """The builder's error, with the line of the user's own code it came from."""
    return ConfigError(
        f"building the model at the default hyperparameter values failed: {_short(exc)}"
        f"{user_location(exc)}",
        key_path=("model", "builder"),
    )


def reported_metrics(model: Any, data: Any, front: Any = None) -> list[str]:
    """The names ``fit`` will log (without ``val_``), learnt by evaluating a few rows."""
    x, y = data.evaluation_rows(EVALUATE_ROWS, front)
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ConfigError(
            "the builder must return a compiled model: call model.compile(...) in it, or give "
            "model.loss (and model.optimizer, model.metrics) in the config, which compile it "
            "as KerasTuner's Tuner(loss=..., optimizer=..., metrics=...) does",
            key_path=("model", "builder"),
        )
    try:
        logs = model.evaluate(x, y, batch_size=len(y), verbose=0, return_dict=True)
    except Exception as exc:  # noqa: BLE001 - shape and loss mismatches come in many types
        text = str(exc)
        if "loss identifier" in text or "metric identifier" in text:
            raise _unknown_name("loss" if "loss identifier" in text else "metrics", text) from None
        raise ConfigError(
            f"the model does not fit the data (evaluated at default values): {_short(exc)}",
            key_path=("model",),
        ) from None
    return list(logs)


SPARSE_LOSSES = ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")


def _classes_hint(data: Any) -> str:
    """How a CSV's number target becomes class indices, for the message about its labels."""
    if data is None or data.source != "csv" or data.target_classes:
        return ""
    return (
        f"; or add 'categorical: [{data.target}]' to data: the target's values are then class "
        "names, class 0 the smallest"
    )


def check_labels(data: Any, model: Any, hint: str = "") -> None:
    """With a sparse categorical loss, every label is the index of one of the output's units.

    Keras finds a label out of range only when a batch holds it, mid-epoch; a fractional one
    it silently truncates. The few rows evaluated before a search may miss both. Array
    labels are read in full; class folders' labels are their class indices. A python
    loader's pipelines are not read here (that would take a pass over them).
    """
    loss = getattr(model, "loss", None)
    name = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
    outputs = getattr(model, "outputs", None) or []
    if name not in SPARSE_LOSSES or len(outputs) != 1 or outputs[0].shape[-1] in (None, 1):
        return
    units, rank = int(outputs[0].shape[-1]), len(outputs[0].shape)
    key = ("model",)
    if data.streams is not None:
        names = data.class_names
        if names and len(names) > units:
            shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise ConfigError(
                f"the data has {len(names)} classes ({shown}), but the model's output has "
                f"{units} units; give the last layer {len(names)} units",
                key_path=key,
            )
        return
    for label, y in (("y", data.y_train), ("y_val", data.y_val)):
        y = np.asarray(y)
        if y.ndim == rank and y.shape[-1] == units:  # shaped as the output
            raise ConfigError(
                f"{label} has shape {y.shape}: one-hot labels, but the loss "
                f"{quoted(name)} takes one class index per row; use categorical_crossentropy, "
                "or labels 0, 1, 2...",
                key_path=key,
            )
        if y.ndim == rank and y.shape[-1] == 1:
            y = y[..., 0]  # a column of labels
        if y.ndim != rank - 1:
            continue  # shapes that do not fit: evaluating the model reports them
        if y.size == 0 or not np.issubdtype(y.dtype, np.number):
            continue
        if not np.all(np.mod(y, 1) == 0):
            raise ConfigError(
                f"{label} holds {float(y[np.mod(y, 1) != 0][0]):g}: with the loss {quoted(name)} "
                "labels must be whole numbers, class indices 0, 1, 2... (for a regression "
                "use a loss such as mse)",
                key_path=key,
            )
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= units:
            raise ConfigError(
                f"{label} holds labels from {low} to {high}, but the model's output has "
                f"{units} units (class indices 0 to {units - 1}); labels must count from 0 "
                f"to one less than the number of classes, or the last layer needs more units{hint}",
                key_path=key,
            )


def _unknown_name(key: str, text: str) -> ConfigError:
    """Keras' "Could not interpret loss identifier: X", with the names it would know."""
    import keras

    name = text.rsplit("identifier:", 1)[-1].strip()
    module = keras.losses if key == "loss" else keras.metrics
    known = [n for n in dir(module) if n[:1].islower() and n not in NOT_NAMES]
    kind = "loss" if key == "loss" else "metric"
    return ConfigError(
        f"Keras does not know the {kind} {quoted(name)}{did_you_mean(name, [*known, *ALIASES])} "
        f"(or give a class: {{ClassName: {{...}}}})",
        key_path=("model", key),
    )


def check_metric_names(
    study: StudyConfig, metrics: list[str], returned: list[str] | None = None
) -> None:
    """Every objective and the early-stopping monitor must be names the history will hold.
    ``params``, the parameter count, is not in the history but every Keras trial reports it:
    any objective but the first (which picks the best epoch) may be it. ``returned``: what a
    HyperModel's ``fit`` returns, which may be an objective too (never the monitor, which
    is read every epoch)."""
    logged = [*metrics, *(f"val_{name}" for name in metrics)]
    shown = ", ".join(dict.fromkeys([*logged, *(returned or [])]))
    listed = isinstance(study.config.strategy.objective, list)
    for i, objective in enumerate(o.name for o in study.objectives):
        if i and objective == "params":
            continue
        if objective not in logged and objective not in (returned or []):
            key = ("strategy", "objective", i, "name") if listed else ("strategy", "objective")
            if objective == "params":
                raise ConfigError(
                    "'params' (the parameter count) cannot be the first objective, which picks "
                    "each trial's best epoch and ranks the tables: list it after one from the "
                    f"training history ({shown})",
                    key_path=key,
                )
            raise ConfigError(
                f"'{objective}' is not a metric the model reports; the training history will "
                f"hold {shown} (add the metric to model.metrics or choose one of these)",
                key_path=key,
            )
    stopping = study.config.training.early_stopping
    if stopping is not None and stopping.monitor not in logged:
        raise ConfigError(
            f"'{stopping.monitor}' is not a metric the model reports; choose one of {shown}",
            key_path=("training", "early_stopping", "monitor"),
        )


def check_callbacks(study: StudyConfig, metrics: list[str]) -> None:
    """``training.callbacks`` can be made, and what they monitor is in the history."""
    from tuner_cli.training.keras_training import make_callbacks

    logged = [*metrics, *(f"val_{name}" for name in metrics)]
    callbacks = make_callbacks(study, study.space.defaults())
    for i, callback in enumerate(callbacks):
        monitor = getattr(callback, "monitor", None)
        if isinstance(monitor, str) and monitor not in logged:
            ((name, _),) = study.config.training.callbacks[i].items()
            raise ConfigError(
                f"'{monitor}' is not a metric the model reports; choose one of {', '.join(logged)}",
                key_path=("training", "callbacks", i, name),
            )


def _short(exc: Exception) -> str:
    """TensorFlow errors run to pages: the message on one line (Keras' wrapper around a
    layer's error left out), cut to ``MESSAGE_CHARS``."""
    text = exception_text(exc)
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."
