"""The config file, validated once into typed objects.

Everything past this module works with these objects and never sees YAML. Validation errors
become one ``ConfigError`` naming the key path, the file and the line, with the closest valid
key suggested for a typo.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from tuner_cli.config.references import resolve
from tuner_cli.config.yaml_source import YamlDocument, load_yaml_file, load_yaml_text
from tuner_cli.errors import DICT_SOURCE, ConfigError, KeyPath, format_path, quoted
from tuner_cli.objective import Objective, infer_direction
from tuner_cli.space import Hyperparameter, SearchSpace, config_key
from tuner_cli.strict import KeyedError, StrictModel
from tuner_cli.trial import HYPERPARAMETER_NAME, env_name

SKLEARN_DATASETS = ("digits", "iris", "wine", "breast_cancer", "diabetes")
KERAS_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "boston_housing")
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
Reference = str  # "$name": the value of a hyperparameter
BIG = 10**7
DEFAULT_MAX_TOKENS = 2000
"""The words kept of a text column read beside other columns: one input slot each, so with
the rows encoded once per worker, 10,000 rows take 80 MB of float32 per text column."""
FLOAT32_MAX = 3.4e38
FLOAT32_TINY = 1.2e-38
BUILDER_PARAM = TypeAdapter(Hyperparameter)


class BadKeyError(KeyedError):
    """A key that is itself wrong (not its value), so the error can point at its line."""


class ValidationData(StrictModel):
    """A file with the training data's layout: its keys and target are the training file's
    unless given here."""

    path: str
    x_key: str | None = None
    y_key: str | None = None
    target: str | None = None


class CrossValidation(StrictModel):
    """Each trial trains ``folds`` times, each fold held out once; its score is the mean."""

    folds: int = Field(ge=2, le=100)
    stratified: bool = True
    """Keep each class's share in every fold (needs whole-number class labels)."""


FOLDER_SOURCES = ("images", "text")
"""Sources that read one subfolder per class and stream it as a ``tf.data`` pipeline."""


class DataConfig(StrictModel):
    source: Literal["sklearn", "npz", "csv", "keras", "python", "images", "text"]
    name: str | None = None
    path: str | None = None
    x_key: str = "x"
    y_key: str = "y"
    target: str | None = None
    delimiter: str = ","
    decimal: Literal[".", ","] = Field(
        default=".", description="csv: the decimal mark of numbers ('.' or ',')"
    )
    callable: str | None = Field(default=None, description='"pkg.mod:load" -> (x, y)')
    validation_split: float = Field(default=0.2, gt=0.0, lt=1.0)
    validation: ValidationData | None = None
    scale: Literal["none", "standard", "minmax"] | float = "none"
    image_size: list[Annotated[int, Field(ge=1, le=65_536)]] | None = Field(
        default=None,
        description="[height, width] every image is resized to; without it all must match",
    )
    color_mode: Literal["grayscale", "rgb", "rgba"] = "rgb"
    cross_validation: CrossValidation | None = None
    features: list[str] | None = Field(
        default=None, description="csv: the input columns (default: all but the target)"
    )
    categorical: list[str] | None = Field(
        default=None,
        description="csv: columns read as categories (default: non-numbers); the target "
        "here reads its values as class names (a -1/1 label)",
    )
    numeric: list[str] | None = Field(
        default=None, description="csv: columns read as numbers (default: numbers and gaps)"
    )
    text: list[str] | None = Field(
        default=None,
        description="csv: [column] of free text, the model's one input: raw strings, which "
        "the template turns into numbers (TextVectorization first); beside other columns "
        "(data.features) or with several, each a bag of words among the table's columns",
    )
    max_tokens: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="csv: the words a text column read beside other columns keeps, its most "
        f"frequent in the training rows (default {DEFAULT_MAX_TOKENS})",
    )

    @field_validator("image_size")
    @classmethod
    def _height_and_width(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and len(value) != 2:
            raise ValueError(f"must be [height, width] (got {len(value)} numbers)")
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in '\r\n"':
            raise ValueError(
                f"must be one character other than a quote or a line break (got {quoted(value)})"
            )
        return value

    @field_validator("scale")
    @classmethod
    def _usable_factor(cls, value: str | float) -> str | float:
        if isinstance(value, float) and not (math.isfinite(value) and value != 0.0):
            raise ValueError(f"a scale factor must be a finite number other than 0 (got {value})")
        if isinstance(value, float) and not FLOAT32_TINY <= abs(value) <= FLOAT32_MAX:
            raise ValueError(f"{value:g} is outside what float32 data can be multiplied by")
        return value

    @model_validator(mode="after")
    def _check_source_keys(self):
        needs = {
            "sklearn": ("name",),
            "keras": ("name",),
            "npz": ("path",),
            "csv": ("path", "target"),
            "python": ("callable",),
            "images": ("path",),
            "text": ("path",),
        }[self.source]
        for key in needs:
            if getattr(self, key) is None:
                raise ValueError(f"source '{self.source}' needs '{key}'")
        choices = {"sklearn": SKLEARN_DATASETS, "keras": KERAS_DATASETS}.get(self.source)
        if choices and self.name not in choices:
            raise ValueError(
                f"unknown {self.source} dataset {quoted(self.name)}; "
                f"choose one of {', '.join(choices)}"
            )
        if self.validation is not None and self.source not in ("npz", "csv", *FOLDER_SOURCES):
            raise ValueError("'validation: {path: ...}' is for npz, csv, images and text data")
        if self.source != "images" and (self.image_size or self.color_mode != "rgb"):
            key = "image_size" if self.image_size else "color_mode"
            raise ValueError(f"'{key}' is for source 'images'")
        for key in ("features", "categorical", "numeric"):
            if getattr(self, key) is not None and self.source != "csv":
                raise ValueError(f"'{key}' is for source 'csv'")
        if self.decimal != "." and self.source != "csv":
            raise ValueError("'decimal' is for source 'csv'")
        if self.decimal == self.delimiter:
            raise ValueError(
                f"'decimal' and 'delimiter' are both {quoted(self.decimal)}; a file whose "
                "numbers have a decimal comma separates its cells otherwise (delimiter: ';')"
            )
        both = sorted(set(self.categorical or ()) & set(self.numeric or ()))
        if both:
            raise ValueError(f"{quoted(both[0])} is in both 'categorical' and 'numeric'")
        if self.features is not None and not self.features:
            raise ValueError("'features' is empty")
        if self.cross_validation is not None:
            if self.source in FOLDER_SOURCES:
                raise ValueError("'cross_validation' is for array data, not image or text folders")
            if self.validation is not None:
                raise ValueError(
                    "'cross_validation' holds out each fold in turn; drop 'validation'"
                )
        if self.source == "text" and self.scale != "none":
            raise ValueError("'scale' is for numbers; text is not scaled (remove it)")
        if self.source in FOLDER_SOURCES and self.scale == "minmax":
            raise ValueError(
                f"scale 'minmax' needs the data in memory; source '{self.source}' streams it "
                "(use 'standard', or a factor such as 0.00392156862745098 for 1/255)"
            )
        return self

    @property
    def text_beside_columns(self) -> bool:
        """``data.text`` read among a table's columns, each text a bag of words: with other
        columns named (``features``, ``numeric``, ``categorical``) or several text columns.
        One text column alone is the model's one input, raw strings, as a text folder's."""
        if not self.text:
            return False
        named = [*(self.features or ()), *(self.numeric or ()), *self.categorical_features]
        return len(self.text) > 1 or any(name not in self.text for name in named)

    @property
    def target_classes(self) -> bool:
        """The target listed in ``data.categorical``: its values, numbers too, are class
        names (a -1/1 label), which no softmax can take as class indices."""
        return self.target is not None and self.target in (self.categorical or ())

    @property
    def categorical_features(self) -> list[str]:
        """``data.categorical`` without the target: the input columns read as categories."""
        return [name for name in self.categorical or () if name != self.target]

    @model_validator(mode="after")
    def _text_columns(self):
        """A text column alone is strings a template's TextVectorization reads; beside other
        columns it is encoded with them (a bag of its most frequent words), and the template
        reads the encoded rows."""
        if self.text is None:
            if self.max_tokens is not None:
                raise KeyedError("max_tokens", "'max_tokens' is for text columns (data.text)")
            return self
        if self.source != "csv":
            raise KeyedError("text", "'text' is for source 'csv' (a folder of texts: 'text')")
        if not self.text:
            raise KeyedError("text", "'text' is empty")
        if len(set(self.text)) < len(self.text):
            raise KeyedError("text", "a column is listed twice")
        for column in self.text:
            if column == self.target:
                raise KeyedError("text", f"{quoted(column)} is the target column")
            for key in ("categorical", "numeric"):
                if column in (getattr(self, key) or ()):
                    raise KeyedError(
                        "text", f"{quoted(column)} is in both 'text' and {quoted(key)}"
                    )
        if self.scale != "none":
            raise KeyedError("scale", "'scale' is for numbers; text is not scaled (remove it)")
        if self.max_tokens is not None and not self.text_beside_columns:
            raise KeyedError(
                "max_tokens",
                "'max_tokens' is for text read beside other columns; a text column alone is "
                "the template's to turn into numbers (TextVectorization's max_tokens)",
            )
        return self


def _object_spec(value: Any, what: str) -> None:
    """``{ClassName: arguments}``: one key, a class name (``tuner_cli.training.keras_objects``
    makes it); anything else where a name or an object belongs is a config error."""
    if not isinstance(value, dict):
        return
    keys = list(value)
    if len(keys) != 1 or not isinstance(keys[0], str):
        raise ValueError(f"{what} is {{ClassName: {{arguments}}}} (got {quoted(value)})")
    if not (keys[0][:1].isupper() or ":" in keys[0]):
        raise KeyedError(
            keys[0],
            f"{quoted(keys[0])} is not a class name: a Keras class (AUC, CosineDecay...) "
            "starts with a capital letter; a class of your own is 'module:Class'",
        )


def _object_specs(items: list[Any], what: str) -> None:
    """``_object_spec`` for each item of a list, the error naming the item's index."""
    for i, item in enumerate(items):
        try:
            _object_spec(item, what)
        except ValueError as exc:
            raise KeyedError(i, str(exc)) from None


class ModelConfig(StrictModel):
    layers: list[dict[str, Any]] | None = Field(
        default=None,
        description="[{LayerClass: {arguments}}, {repeat: N, layers: [...]}, "
        "{residual: [...], project: false}, {branches: [[...], [...]], merge: concatenate}, "
        "{application: {name: MobileNetV2, weights: null, include_top: false, trainable: true}}]",
    )
    optimizer: str | dict[str, Any] = "adam"
    loss: str | dict[str, Any] | None = Field(
        default=None, description="a Keras loss name, or {LossClass: {arguments}}"
    )
    metrics: list[str | dict[str, Any]] = Field(
        default=[], description="Keras metric names or {MetricClass: {arguments}}"
    )

    @field_validator("loss")
    @classmethod
    def _loss_object(cls, value: Any) -> Any:
        _object_spec(value, "a loss")
        return value

    @field_validator("metrics")
    @classmethod
    def _metric_objects(cls, value: list[Any]) -> list[Any]:
        _object_specs(value, "a metric")
        return value

    builder: str | None = Field(
        default=None,
        description='"module:function" (build(hp) -> compiled model) or "module:Class" (a '
        "HyperModel: build(self, hp), optional fit(self, hp, model, *args, **kwargs)); hp is "
        "KerasTuner-compatible and, without search_space, the space is what it declares",
    )

    @model_validator(mode="after")
    def _layers_or_builder(self):
        if (self.layers is None) == (self.builder is None):
            raise ValueError("give either 'layers' (a template) or 'builder' (a function)")
        if self.layers is not None and self.loss is None:
            raise ValueError("a layers template needs 'loss'")
        if self.layers is not None and not self.layers:
            raise ValueError("'layers' is empty")
        return self


class EarlyStopping(StrictModel):
    monitor: str = "val_loss"
    patience: int = Field(default=3, ge=0, le=BIG)
    min_delta: float = Field(default=0.0, ge=0.0)


class TrainingConfig(StrictModel):
    epochs: int | Reference = Field(default=10)
    batch_size: int | Reference = 32
    early_stopping: EarlyStopping | None = None
    distribution: Literal["none", "mirrored"] = Field(
        default="none",
        description="mirrored: train each trial on all devices of its worker "
        "(tf.distribute.MirroredStrategy; batch_size is the global batch)",
    )
    callbacks: list[dict[str, Any]] = Field(
        default=[],
        description="[{CallbackClass: {arguments}}]: any keras.callbacks class, or "
        "'module:Class' of your own; made afresh for every trial",
    )

    class_weight: Literal["balanced"] | dict[str | int, float] | None = Field(
        default=None,
        description="balanced, or {class name or index: weight}; unlisted classes weigh 1",
    )

    @field_validator("callbacks")
    @classmethod
    def _callback_objects(cls, value: list[Any]) -> list[Any]:
        _object_specs(value, "a callback")
        return value

    @field_validator("class_weight")
    @classmethod
    def _positive_weights(cls, value: str | dict | None) -> str | dict | None:
        if isinstance(value, dict):
            if not value:
                raise ValueError("give at least one class and its weight, or 'balanced'")
            for name, weight in value.items():
                if not (math.isfinite(weight) and weight > 0):
                    raise KeyedError(name, f"a class weight must be above 0 (got {weight})")
        return value

    @field_validator("epochs", "batch_size")
    @classmethod
    def _positive_or_reference(cls, value: int | str) -> int | str:
        if isinstance(value, str):
            if not value.startswith("$") or value.startswith("$$"):
                raise ValueError(f"must be a number or a $reference (got {quoted(value)})")
        elif not 1 <= value <= BIG:
            raise ValueError(f"must be between 1 and {BIG:,} (got {value})")
        return value


class ObjectiveSpec(StrictModel):
    name: str
    direction: Literal["min", "max"] | None = None


class MedianPruning(StrictModel):
    """Stop a trial whose best value so far is worse than the median of completed trials'
    best values at the same epoch."""

    type: Literal["median"]
    warmup_epochs: int = Field(default=1, ge=0, le=BIG)
    """Never prune at or before this epoch: early epochs say little."""
    min_trials: int = Field(default=3, ge=1, le=BIG)
    """Completed trials that must have reached the epoch before it is judged."""


class AshaPruning(StrictModel):
    """Asynchronous successive halving: at epochs min_epochs * reduction_factor**k a trial
    continues only if it is in the top 1/reduction_factor of the trials that reached it."""

    type: Literal["asha"]
    min_epochs: int = Field(default=1, ge=1, le=BIG)
    reduction_factor: int = Field(default=3, ge=2, le=100)
    min_trials: int = Field(default=1, ge=1, le=BIG)
    """Other trials that must have reached a rung before it is judged."""


Pruning = Annotated[MedianPruning | AshaPruning, Field(discriminator="type")]


def _valid_duration(value: str | float | None) -> str | float | None:
    if value is not None:
        parse_duration(value)
    return value


Duration = Annotated[str | float | None, AfterValidator(_valid_duration)]
"""``45s``, ``90m``, ``2h``, ``1d`` or seconds; kept as written, read with ``parse_duration``."""


MULTI_FIDELITY = ("hyperband", "bohb", "asha")
"""Strategies that train trials in rungs up to ``max_epochs``, continuing the promoted ones."""
WARM_STARTED = ("bayesian", "bohb")
"""Strategies whose model can learn from another study's trials (``warm_start``)."""
READ_BY = {
    **dict.fromkeys(("max_epochs", "factor", "min_epochs", "hyperband_iterations"), MULTI_FIDELITY),
    **dict.fromkeys(("num_initial_points", "acquisition"), ("bayesian", "bohb")),
}
"""Strategy keys only some strategies read: under another, a warning says the key is ignored
(not an error, so ``--strategy`` can switch one file between strategies)."""


class StrategyConfig(StrictModel):
    name: Literal["random", "grid", "hyperband", "bayesian", "bohb", "asha"] = "random"
    objective: str | ObjectiveSpec | list[str | ObjectiveSpec] = "val_loss"
    """One metric, or several for a multi-objective search (the first ranks ``score``)."""
    max_trials: int | None = Field(default=None, ge=1, le=BIG)
    executions_per_trial: int = Field(default=1, ge=1, le=100)
    max_consecutive_failures: int = Field(default=3, ge=1, le=BIG)
    max_retries: int = Field(default=0, ge=0, le=100)
    max_time: Duration = None
    max_trial_time: Duration = None
    """A trial running longer than this is failed and its worker process replaced."""
    initial_points: list[dict[str, Any]] | None = Field(
        default=None, description="configurations to run first, in order"
    )
    """Checked against the search space once it is built (``check_initial_points``)."""
    warm_start: str | None = Field(
        default=None, description="another study's folder whose finished trials the model learns"
    )
    # bayesian (and bohb's model)
    num_initial_points: int | None = Field(default=None, ge=1, le=BIG)
    acquisition: Literal["ei", "pi", "lcb", "gp_hedge"] = "ei"
    # hyperband, bohb, asha
    max_epochs: int | None = Field(default=None, ge=1, le=BIG)
    factor: int = Field(default=3, ge=2, le=100)
    min_epochs: int = Field(default=1, ge=1, le=BIG)
    hyperband_iterations: int = Field(default=1, ge=1, le=1000)
    # random, grid, bayesian
    pruning: Pruning | None = None

    @model_validator(mode="after")
    def _strategy_keys(self):
        if self.name in MULTI_FIDELITY:
            if self.max_epochs is None:
                raise ValueError(f"{self.name} needs 'max_epochs' (the most epochs a trial trains)")
            if self.min_epochs > self.max_epochs:
                raise BadKeyError(
                    "min_epochs",
                    f"min_epochs ({self.min_epochs}) is above max_epochs ({self.max_epochs})",
                )
            if self.pruning is not None:
                raise BadKeyError(
                    "pruning",
                    f"'pruning' is for random, grid and bayesian; {self.name} stops trials itself",
                )
        if isinstance(self.objective, list) and self.name not in ("random", "grid", "bayesian"):
            raise BadKeyError(
                "objective",
                f"a list of objectives is for random, grid and bayesian; {self.name} ranks "
                "trials by one objective to promote them",
            )
        if self.warm_start is not None and self.name not in WARM_STARTED:
            raise BadKeyError(
                "warm_start",
                f"warm_start feeds a model, so it is for {' and '.join(WARM_STARTED)} "
                f"(strategy.name is {self.name})",
            )
        return self

    @field_validator("objective")
    @classmethod
    def _objectives_listed_once(cls, value: Any) -> Any:
        entries = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not value:
            raise ValueError("a list of objectives needs at least one")
        if isinstance(value, list) and len(value) == 1:
            return value[0]  # one objective, as KerasTuner and Optuna take a list of one
        names = [entry if isinstance(entry, str) else entry.name for entry in entries]
        for index, name in enumerate(names):
            if (first := names.index(name)) < index:  # at the repeat's own line
                raise KeyedError(
                    index,
                    f"objective {quoted(name)} is listed twice (it is strategy.objective[{first}] "
                    "too)",
                )
        return value

    def objective_spec(self, metric_classes: Mapping[str, str] | None = None) -> Objective:
        """The objective, or the first of several: it ranks trials by ``score``."""
        return self.objectives(metric_classes)[0]

    def objectives(self, metric_classes: Mapping[str, str] | None = None) -> list[Objective]:
        """Every objective, in the order given. ``metric_classes``: a metric's own ``name`` ->
        its class (``top2`` -> ``SparseTopKCategoricalAccuracy``), so ``val_top2`` is
        maximised like an accuracy."""
        entries = self.objective if isinstance(self.objective, list) else [self.objective]
        return [_objective(entry, metric_classes or {}) for entry in entries]

    def time_limit_s(self) -> float | None:
        return None if self.max_time is None else parse_duration(self.max_time)

    def trial_time_limit_s(self) -> float | None:
        return None if self.max_trial_time is None else parse_duration(self.max_trial_time)


def _builder_param(name: str, entry: Mapping[str, Any]) -> Any:
    try:
        return BUILDER_PARAM.validate_python(dict(entry))
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(
            f"the builder's hyperparameter '{name}' is not usable: {problem}",
            key_path=("model", "builder"),
        ) from None


def _objective(entry: str | ObjectiveSpec, metric_classes: Mapping[str, str]) -> Objective:
    spec = ObjectiveSpec(name=entry) if isinstance(entry, str) else entry
    if spec.direction is not None:
        return Objective(spec.name, spec.direction)
    named = metric_classes.get(spec.name.removeprefix("val_"))
    if named is not None:
        try:
            return Objective(spec.name, infer_direction(named))
        except ValueError:
            pass
    return Objective(spec.name, infer_direction(spec.name))


def check_initial_points(points: list[dict[str, Any]], space: SearchSpace) -> None:
    """Every ``strategy.initial_points`` entry must be a configuration of the space, each a
    different one: a point never runs twice, so a repeated one would be dropped unseen."""
    first: dict[str, int] = {}
    for index, values in enumerate(points):
        try:
            point = space.point(values)
        except KeyedError as exc:
            raise ConfigError(
                str(exc), key_path=("strategy", "initial_points", index, exc.key)
            ) from None
        earlier = first.setdefault(config_key(point), index)
        if earlier != index:
            raise ConfigError(
                f"the same configuration as strategy.initial_points[{earlier}]",
                key_path=("strategy", "initial_points", index),
            )


def parse_duration(value: str | float) -> float:
    """``90m`` -> 5400.0; a bare number is seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError("must be > 0")
        return float(value)
    match = DURATION.match(str(value))
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"not a duration: {quoted(value)} (use e.g. 45s, 90m, 2h, 1d)")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2) or "s"]
    return float(match.group(1)) * unit


MIN_SIZE = 50_000_000
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
RESOURCE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)=(\d+(?:\.\d+)?)$")


class ExecutionConfig(StrictModel):
    """Where trials run. Free to change between runs of a study: it does not change results."""

    workers: int = Field(default=1, ge=0, le=1024)
    """Local worker processes (trials at once); 0 trains in the driver, for debugging."""
    recycle_after: int | None = Field(default=10, ge=1, le=BIG)
    """Replace a worker process after this many trials (null: never). Keras leaks a few MB a
    trial, more in a Dask worker (about 10 MB on digits); a fresh fork from the Keras-loaded
    forkserver costs about a second, so every 10 trials keeps memory flat for little. Only
    Keras studies recycle by default (see ``executors._factory.recycle_after``)."""
    recycle_memory: str | int | None = None
    """Replace a worker process whose memory is above this after a trial (e.g. 3GB)."""
    memory_limit: str | int | None = None
    """Stop a local worker that goes above this during a trial; the trial is failed."""
    resources: str | None = None
    """Dask worker resources each trial needs, e.g. "GPU=1" (with --scheduler)."""
    no_worker_timeout: Duration = "10m"
    """Stop the search when the cluster has had no worker this long (null: wait forever)."""

    @field_validator("recycle_memory", "memory_limit")
    @classmethod
    def _size(cls, value: str | int | None) -> str | int | None:
        if value is not None:
            parse_size(value)
        return value

    @field_validator("resources")
    @classmethod
    def _resources(cls, value: str | None) -> str | None:
        if value is not None:
            parse_resources(value)
        return value

    def memory_limit_bytes(self) -> int | None:
        return None if self.memory_limit is None else parse_size(self.memory_limit)

    def recycle_memory_bytes(self) -> int | None:
        return None if self.recycle_memory is None else parse_size(self.recycle_memory)

    def no_worker_timeout_s(self) -> float | None:
        return None if self.no_worker_timeout is None else parse_duration(self.no_worker_timeout)

    def resource_needs(self) -> dict[str, float]:
        return {} if self.resources is None else parse_resources(self.resources)


def parse_size(value: str | int) -> int:
    """``"2GB"`` -> 2_000_000_000, ``"2GiB"`` -> 2_147_483_648; a bare number is bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _at_least_min_size(value, value)
    match = SIZE.match(str(value))
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"not a size: {quoted(value)} (use e.g. 500MB, 4GB, 2GiB)")
    unit = (match.group(2) or "b").lower().rstrip("b")
    base = 1024 if unit.endswith("i") else 1000
    power = "kmgt".find(unit[:1]) + 1 if unit else 0
    return _at_least_min_size(int(float(match.group(1)) * base**power), value)


def _at_least_min_size(size: int, value: str | int) -> int:
    """Dask reads a memory limit of 1 or less as a fraction of the machine's memory, and a
    worker cannot even start in a few bytes: a size is a size, and a plausible one."""
    if size < MIN_SIZE:
        raise ValueError(
            f"{quoted(value)} is {size:,} bytes; a memory size must be at least "
            f"{MIN_SIZE // 10**6} MB (write the unit, e.g. 500MB or 4GB)"
        )
    return size


def parse_resources(value: str) -> dict[str, float]:
    """``"GPU=1 MEM=4e9"`` style, as ``dask worker --resources`` takes it (commas work too)."""
    needs: dict[str, float] = {}
    for item in value.replace(",", " ").split():
        match = RESOURCE.match(item)
        if not match or float(match.group(2)) <= 0:
            raise ValueError(f"not a resource: {quoted(item)} (use NAME=AMOUNT, e.g. GPU=1)")
        needs[match.group(1)] = float(match.group(2))
    if not needs:
        raise ValueError("no resource given (use NAME=AMOUNT, e.g. GPU=1)")
    return needs


class LoggingConfig(StrictModel):
    """Copies of each finished trial for experiment trackers; the results folder stays the truth.

    Free to change between runs of a study: it does not change results.
    """

    tensorboard: str | None = Field(
        default=None,
        description="folder for TensorBoard event files (relative to the config): per-epoch "
        "scalars and HParams",
    )
    mlflow: str | None = Field(
        default=None,
        description="MLflow tracking URI (e.g. file:./mlruns; a relative store is from the "
        "config's folder): one run per trial",
    )


class Config(StrictModel):
    name: str
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    data: DataConfig | None = None
    search_space: dict[str, Hyperparameter] = {}
    model: ModelConfig | None = None
    training: TrainingConfig = TrainingConfig()
    strategy: StrategyConfig = StrategyConfig()
    objective_function: str | None = Field(
        default=None, description='"pkg.mod:fn": fn(hp, budget) -> float | dict'
    )
    models: Literal["none", "best", "all"] = Field(
        default="best", description="which trained models to keep in models/"
    )
    execution: ExecutionConfig = ExecutionConfig()
    logging: LoggingConfig | None = None

    @classmethod
    def _unknown_key(cls, key: str, valid: list[str]) -> KeyedError:
        """``epochs: 10`` at the top level is a key of ``training`` indented too little, which
        a list of the top-level keys does not tell."""
        for section in ("data", "model", "training", "strategy", "execution", "logging"):
            model = _section_model(cls.model_fields[section].annotation)
            if key in model.model_fields:
                return KeyedError(
                    key,
                    f"unknown key {quoted(key)} at the top level; it is a key of {section}: "
                    f"indent it under '{section}:'",
                )
        return super()._unknown_key(key, valid)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not STUDY_NAME.fullmatch(value):
            raise ValueError(
                f"{quoted(value)} is not a safe study name: use letters, digits, '.', '_' and '-', "
                "starting with a letter or digit (it names a folder)"
            )
        return value

    @field_validator("search_space")
    @classmethod
    def _param_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        seen: dict[str, str] = {}
        for name in value:
            if not HYPERPARAMETER_NAME.fullmatch(name):
                raise BadKeyError(
                    name,
                    f"hyperparameter name {quoted(name)} must be a Python-style name, or such "
                    "names joined by '/' or '-' (block_1/units, units-1)",
                )
            if env_name(name) in seen:
                raise BadKeyError(
                    name,
                    f"hyperparameter names '{seen[env_name(name)]}' and '{name}' differ only in "
                    "case or punctuation; `kt-run best --format env` would give both as "
                    f"KT_BEST_HP_{env_name(name)}: rename one",
                )
            seen[env_name(name)] = name
        return value

    def metric_classes(self) -> dict[str, str]:
        """The ``name`` a metric object gives itself -> its class name."""
        named: dict[str, str] = {}
        for item in self.model.metrics if self.model is not None else []:
            if isinstance(item, dict):
                ((cls, arguments),) = item.items()
                if isinstance(arguments, dict) and isinstance(arguments.get("name"), str):
                    named[arguments["name"]] = cls.rpartition(":")[2]
        return named

    @model_validator(mode="after")
    def _objective_direction(self):
        try:
            self.strategy.objectives(self.metric_classes())
        except ValueError as exc:
            raise ConfigError(str(exc), key_path=("strategy", "objective")) from None
        return self

    @model_validator(mode="after")
    def _workload(self):
        """Keys that cannot go together. Each error names the key to change, so its line is
        shown (a plain ``ValueError`` here would be reported at the top level, with none)."""
        if self.objective_function is not None:
            if self.data is not None or self.model is not None:
                raise ConfigError(
                    "give either 'objective_function' or 'data' and 'model'",
                    key_path=("objective_function",),
                )
        elif self.data is None or self.model is None:
            raise ValueError("needs 'data' and 'model' (or an 'objective_function')")
        # a promoted trial continues one saved model: the best fold's (which trained on the
        # other folds' held-out rows) or the best execution's (so its score is one run's)
        continued = self.strategy.name in MULTI_FIDELITY
        if self.data is not None and self.data.cross_validation is not None:
            if continued:
                raise ConfigError(
                    f"does not combine with {self.strategy.name}, which continues one model "
                    "from round to round",
                    key_path=("data", "cross_validation"),
                )
            if self.strategy.executions_per_trial > 1:
                raise ConfigError(
                    "data.cross_validation already trains each trial several times (once a "
                    "fold); set it to 1",
                    key_path=("strategy", "executions_per_trial"),
                )
        if continued and self.strategy.executions_per_trial > 1:
            raise ConfigError(
                f"does not combine with {self.strategy.name}, which continues one model from "
                "round to round (a promoted trial would train once, from its best execution's "
                "model); set it to 1",
                key_path=("strategy", "executions_per_trial"),
            )
        if self.objective_function is not None and self.strategy.pruning is not None:
            raise ConfigError(
                "needs per-epoch values from Keras training; an objective_function returns "
                "one value per call, so it cannot be pruned",
                key_path=("strategy", "pruning"),
            )
        return self


@dataclass(frozen=True)
class StudyConfig:
    """A validated config together with where it came from."""

    config: Config
    space: SearchSpace
    raw: dict[str, Any]
    text: str
    path: Path
    origin: Path | None = None
    """The folder of the config file a study was started from, when ``path`` is the study's
    saved copy of it (``results/<name>/config.yaml``)."""
    written: str | None = None
    """The file's text as the user wrote it, when ``text`` is the config as run with
    ``--strategy``/``--name`` (a re-written dump whose lines are not the file's)."""
    overrides: str = ""
    """Those overrides as given on the command line, for errors that the file alone would not
    explain (``--strategy bayesian``)."""

    def locate(self, error: ConfigError) -> ConfigError:
        """Give ``error`` the file and the line of the key it names, unless it has a place
        already: for errors found after loading (the warm-start folder, the pre-search check).
        The line is the file's own, overrides or not, and the overrides are named as
        ``load_config`` names them."""
        if not error.source:
            document = load_yaml_text(self.written or self.text, str(self.path))
            error.source, error.line = str(self.path), document.line_of(error.key_path)
            if self.overrides:
                error.message += f" (with {self.overrides})"
        return error

    @property
    def base_dir(self) -> Path:
        """Modules and data files named in the config are found relative to it: the folder
        of the file the user wrote, even when the config is read back from a study."""
        return (self.origin or self.path.parent).resolve()

    @property
    def objective(self) -> Objective:
        return self.config.strategy.objective_spec(self.config.metric_classes())

    @property
    def objectives(self) -> list[Objective]:
        """Several for a multi-objective study; ``objective`` is their first."""
        return self.config.strategy.objectives(self.config.metric_classes())

    @property
    def is_keras(self) -> bool:
        return self.config.objective_function is None

    def main_names(self) -> dict[str, KeyPath]:
        """What the config names in ``__main__`` (``"__main__:build_model"``: a notebook's or
        a script's own function or class), each with the first key that names it; worker
        processes have another ``__main__``, so the search sends these to them."""
        return {
            spec.removeprefix(MAIN_PREFIX): path
            for spec, path in self.named_code().items()
            if spec.startswith(MAIN_PREFIX)
        }

    def named_code(self) -> dict[str, KeyPath]:
        """Every ``module:name`` the config holds (a builder, a loader, a layer class as a
        key), each with the first key that names it."""
        found: dict[str, KeyPath] = {}

        def visit(value: Any, path: KeyPath) -> None:
            if isinstance(value, str) and NAMED_CODE.fullmatch(value):
                found.setdefault(value, path)
            elif isinstance(value, dict):
                for key, item in value.items():
                    visit(key, (*path, key))  # {"__main__:MyLayer": {...}}: a class as a key
                    visit(item, (*path, key))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    visit(item, (*path, index))

        visit(self.raw, ())
        return found

    def epochs(self, hp: Mapping[str, Any]) -> int:
        """``training.epochs`` for one trial's values (it may be a ``$reference``)."""
        return int(resolve(self.config.training.epochs, hp))

    def batch_size(self, hp: Mapping[str, Any]) -> int:
        """``training.batch_size`` for one trial's values (it may be a ``$reference``)."""
        return int(resolve(self.config.training.batch_size, hp))

    def given(self, section: str) -> dict[str, Any]:
        """The keys the file itself gives in ``section`` (``training``, ``strategy``), as
        written: a default is not a choice the user made, so it earns no warning and yields to
        a HyperModel's own ``fit``."""
        part = self.raw.get(section) if isinstance(self.raw, dict) else None
        return part if isinstance(part, dict) else {}

    def ignored_settings(self) -> list[str]:
        """Settings the config gives that its strategy does not use, for a warning."""
        strategy = self.config.strategy
        notes = [
            f"strategy.{key} is ignored under {strategy.name} (it is for {', '.join(READ_BY[key])})"
            for key in self.given("strategy")
            if key in READ_BY and strategy.name not in READ_BY[key]
        ]
        epochs = self.given("training").get("epochs")
        if strategy.name in MULTI_FIDELITY and epochs is not None:
            notes.append(
                f"training.epochs ({epochs}) is ignored under {strategy.name}: trials "
                f"train up to strategy.max_epochs ({strategy.max_epochs}) in rounds"
            )
        if self.config.objective_function is not None and strategy.executions_per_trial > 1:
            notes.append(
                "strategy.executions_per_trial is ignored for an objective_function, which is "
                "called once a trial (average its runs inside it)"
            )
        return notes

    def with_builder_space(self, declared: Mapping[str, Mapping[str, Any]]) -> StudyConfig:
        """This study with the space its builder declares (found by calling it in a process
        that may import Keras: ``tuner_cli.training.discovery``).

        A ``search_space`` entry of the same name replaces the builder's declaration (keeping
        the builder's condition when it gives no ``when`` of its own); entries only in
        ``search_space`` stay, after the builder's. ``strategy.initial_points`` are checked
        here, against the whole space: they may name what the builder declares.
        """
        points = self.config.strategy.initial_points or []
        if not declared:
            check_initial_points(points, self.space)
            return self
        own = self.config.search_space
        params: dict[str, Any] = {}
        for name, entry in declared.items():
            override = own.get(name)
            if override is None:
                params[name] = _builder_param(name, entry)
            elif override.when is None and entry.get("when"):
                params[name] = override.model_copy(update={"when": dict(entry["when"])})
            else:
                params[name] = override
        for name, param in own.items():
            params.setdefault(name, param)
        try:
            space = SearchSpace(params)
        except ConfigError as exc:
            if len(exc.key_path) < 2 or exc.key_path[1] not in own:
                exc.key_path = ("model", "builder")
            raise
        if self.config.strategy.name == "grid" and space.continuous():
            name = space.continuous()[0]
            raise ConfigError(
                f"grid search needs every float to have a step; the builder declares '{name}' "
                "without one (give it a step, or a search_space entry with step or count)",
                key_path=("search_space", name) if name in own else ("model", "builder"),
            )
        check_initial_points(points, space)
        return replace(self, space=space)

    def resolve_path(self, value: str) -> Path:
        """``value`` from the config's folder. Each leading ``..`` steps up from that folder
        (``base_dir`` has no links left in it, so that is the folder the system reaches), so
        messages and study.json name ``/work/results/x``, not ``/work/configs/../results/x``."""
        path = Path(value).expanduser()
        if path.is_absolute():
            return path
        parts = path.parts
        up = next((i for i, part in enumerate(parts) if part != ".."), len(parts))
        base = self.base_dir
        for _ in range(up):
            base = base.parent
        return base.joinpath(*parts[up:])


def load_config(
    path: str | Path, strategy: str | None = None, name: str | None = None
) -> StudyConfig:
    """The config at ``path``; ``strategy`` and ``name`` override ``strategy.name`` and
    ``name`` (``search --strategy/--name``), so one file can run several comparable studies.

    A changed strategy names the study ``<name>-<strategy>`` unless ``name`` is given, so it
    never collides with the study the file makes as written. Errors still point at the file's
    lines, and say which override led to them.
    """
    if isinstance(path, Mapping):
        raise TypeError(
            "load_config takes the path of a YAML file, not a dict: a dict of the config's keys "
            "is load_config_dict(data, base_dir)"
        )
    path = Path(path)
    document = load_yaml_file(path)
    text = path.read_text(encoding="utf-8")
    if strategy is None and name is None:
        return _validate(document, path, text)
    overrides = _apply_overrides(document, strategy, name)
    if not overrides:
        return _validate(document, path, text)
    try:
        study = _validate(document, path, _overridden_text(document.data, overrides))
    except ConfigError as exc:
        exc.message += f" (with {overrides})"
        raise
    return replace(study, written=text, overrides=overrides)


def _apply_overrides(document: YamlDocument, strategy: str | None, name: str | None) -> str:
    """Set the overrides in the parsed document; returns them as given on the command line
    (empty when they change nothing)."""
    return _override(document.data, strategy, name)


def _override(data: Any, strategy: str | None, name: str | None) -> str:
    """Set the overrides in a config's top-level mapping, in place; returns them as given on the
    command line (empty when they change nothing)."""
    if not isinstance(data, dict):
        return ""
    given = []
    settings = data.get("strategy")
    current = settings.get("name", "random") if isinstance(settings, dict) else "random"
    if strategy is not None and strategy != current:
        if not isinstance(settings, dict):
            settings = data["strategy"] = {}
        settings["name"] = strategy
        given.append(f"--strategy {strategy}")
        if name is None and isinstance(data.get("name"), str):
            data["name"] = f"{data['name']}-{strategy}"
    if name is not None and name != data.get("name"):
        data["name"] = name
        given.append(f"--name {name}")
    return " ".join(given)


def _overridden_text(data: dict[str, Any], overrides: str) -> str:
    """The config as run, for the study's config.yaml and the workers (comments not kept)."""
    import yaml

    header = f"# the config as run with `kt-run search ... {overrides}`\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


MAIN_PREFIX = "__main__:"
"""How a config names a function or class of the notebook or script that runs the search."""
NAMED_CODE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")
"""``module:name``, as a config names code (a time such as ``1:30`` is no name)."""


def load_config_dict(
    data: Mapping[str, Any],
    base_dir: str | Path = ".",
    strategy: str | None = None,
    name: str | None = None,
) -> StudyConfig:
    """A config given as a dict (from a notebook, say), checked exactly like a YAML file.

    Modules and files it names are found relative to ``base_dir``; the study keeps the dict as
    YAML text, as it keeps a file's text, so a rerun with an equal dict resumes. ``strategy``
    and ``name`` override as in ``load_config`` (the dict itself is left as given).
    """
    import yaml

    if not isinstance(data, Mapping):
        raise TypeError(
            f"load_config_dict takes a dict of the config's keys (got {quoted(data)}, of type "
            f"{type(data).__name__}): a YAML file is load_config(path)"
        )
    plain = _plain_data(dict(data), ())  # a copy: the caller's dict is left as given
    overrides = _override(plain, strategy, name)
    text = yaml.safe_dump(plain, sort_keys=False)
    try:
        study = load_config_text(text, Path(base_dir) / DICT_SOURCE)
    except ConfigError as exc:
        if overrides:
            exc.message += f" (with {overrides})"
        raise
    return replace(study, overrides=overrides)


NAMED_KEYS: tuple[KeyPath, ...] = (
    ("model", "builder"),
    ("objective_function",),
    ("data", "callable"),
)
"""Where a config takes ``module:function``; a dict may give the function itself there."""


def _plain_data(value: Any, path: KeyPath) -> Any:
    """``value`` as the plain data a YAML file could hold. A notebook's dict often carries
    values computed with NumPy (``np.float64``, an array of choices) or a ``pathlib.Path``, which
    mean what they say and are converted, and its own functions where the YAML names them
    (``"builder": build_model``), which become their names (``"__main__:build_model"``), as
    does a class given as an object's key (``{MyLayer: {units: 8}}``). Anything else (a
    ``kt.Objective``, a function elsewhere) cannot be saved in the study's config, so it is
    refused by key instead of failing inside the YAML writer."""
    if value is None or type(value) in (bool, int, float, str):  # np.float64 is a float too
        return value
    if path in NAMED_KEYS and (callable(value) or callable(getattr(value, "build", None))):
        return _name_of(value, path)  # a function, a class, a HyperModel
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            name = _name_of(key, (*path, key.__name__)) if _is_named(key) else key
            plain[name] = _plain_data(item, (*path, name))
        return plain
    if isinstance(value, (list, tuple)):
        return [_plain_data(item, (*path, i)) for i, item in enumerate(value)]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if type(value).__module__ == "numpy" and callable(getattr(value, "tolist", None)):
        return _plain_data(value.tolist(), path)  # a NumPy scalar or array
    hint = ""
    if callable(value):
        hint = (
            ": name it as a string, 'module:function' or 'module:Class' (a notebook's own as "
            "'__main__:NAME'); a function object itself is taken only by model.builder, "
            "objective_function and data.callable"
        )
    raise ConfigError(
        f"{type(value).__name__} {value!r} is not plain data (a string, number, list or "
        f"mapping), so the study cannot keep it in its config{hint}",
        key_path=path,
    )


def _is_named(value: Any) -> bool:
    return isinstance(value, (type, types.FunctionType))


def _name_of(value: Any, path: KeyPath) -> str:
    """The ``module:name`` that finds ``value`` again in a worker process, a later kernel or
    ``kt-run export --retrain``: a function's or class's own module and name
    (``"__main__:build_model"`` in a notebook), or for an object (a HyperModel made in the
    notebook) the name the notebook binds it to."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        kind = "class" if isinstance(value, type) else "function"
        if "<" in qualname:  # <lambda>, <locals>
            raise ConfigError(
                f"the {kind} {qualname} has no name another process can find (a lambda, or one "
                "defined inside a function): define it at the top level of the notebook or of "
                "a module, then pass it or its name ('module:function')",
                key_path=path,
            )
        found: Any = sys.modules.get(module)
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if found is not value:
            raise ConfigError(
                f"'{module}:{qualname}' does not name this {kind} (a method, or a {kind} "
                "defined again since, under the same name): pass a top-level function or class "
                "as it is defined now, or its name as a string",
                key_path=path,
            )
        return f"{module}:{qualname}"
    main = sys.modules.get("__main__")
    bound = [n for n, v in vars(main).items() if v is value and not n.startswith("_")]
    if bound:
        return f"{MAIN_PREFIX}{bound[0]}"
    raise ConfigError(
        f"{type(value).__name__} {value!r} has no name the study can keep in its config: give "
        "'module:function' or 'module:Class' as a string, or a top-level function, class or "
        "object of the notebook (hypermodel = MyHyperModel(); then pass hypermodel)",
        key_path=path,
    )


def load_config_text(text: str, path: Path, origin: Path | None = None) -> StudyConfig:
    """Validate config text that was saved elsewhere (a study's copy of its config);
    ``origin`` is the folder the config was first read from, where its modules are found."""
    study = _validate(load_yaml_text(text, str(path)), path, text)
    return study if origin is None else dataclasses.replace(study, origin=origin)


def _validate(document: YamlDocument, path: Path, text: str) -> StudyConfig:
    from tuner_cli.config.references import check_references

    if not isinstance(document.data, dict):
        raise ConfigError("the top level must be a mapping of keys", source=document.source)
    try:
        config = Config.model_validate(document.data)
        _check_finite(config.model_dump(), ())
        space = SearchSpace(config.search_space)
        check_references(config, space)
        if config.model is None or config.model.builder is None:  # else: with_builder_space
            check_initial_points(config.strategy.initial_points or [], space)
        if config.strategy.name == "grid" and space.continuous():
            raise ConfigError(
                "grid search needs every float to have a step or a count",
                key_path=("search_space", space.continuous()[0]),
            )
    except ValidationError as exc:
        raise _config_error(exc, document) from None
    except ConfigError as exc:
        if not exc.source:
            exc.source, exc.line = document.source, document.line_of(exc.key_path)
        raise
    return StudyConfig(config=config, space=space, raw=document.data, text=text, path=path)


def _check_finite(value: Any, path: KeyPath) -> None:
    """No NaN or infinity anywhere: YAML floats are checked on reading, but a quoted
    ``"inf"`` becomes one only when a number field converts it."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{value} is not a finite number", key_path=path)
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, path + (index,))


def _config_error(exc: ValidationError, document: YamlDocument) -> ConfigError:
    problems: list[tuple[KeyPath, str]] = []
    for error in _deepest(exc.errors(), document.data):
        path = _error_path(error, document.data)
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, KeyedError):
            message = str(cause)
        elif error["type"] == "union_tag_invalid":
            ctx = error["ctx"]
            message = (
                f"unknown {ctx['discriminator'].strip(chr(39))} {quoted(ctx['tag'])}; "
                f"expected one of {ctx['expected_tags']}"
            )
        elif error["type"] == "union_tag_not_found":
            key = error["ctx"]["discriminator"].strip("'")
            message = f"needs a {quoted(key)} key"
            expected = _expected_tags(document.data, path, key)
            message += f": one of {expected}" if expected else ""
        elif error["type"] == "model_attributes_type":
            message = f"must be a mapping of keys (got {quoted(error['input'], 60)})"
        else:
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] not in ("missing", "value_error") and "input" in error:
                message += f" (got {quoted(error['input'], 60)})"
        if path not in [p for p, _ in problems]:
            problems.append((path, message))
    first_path, first_message = problems[0]
    error = ConfigError(
        first_message,
        key_path=first_path,
        source=document.source,
        line=document.line_of(first_path),
    )
    if len(problems) > 1:
        more = "; ".join(f"{format_path(p) or 'config'}: {m}" for p, m in problems[1:5])
        error.message += f". Also: {more}"
    return error


def _section_model(annotation: Any) -> type[StrictModel]:
    """The section's model in ``DataConfig | None``."""
    members = typing.get_args(annotation) or (annotation,)
    return next(m for m in members if isinstance(m, type) and issubclass(m, StrictModel))


def _expected_tags(data: Any, path: KeyPath, key: str) -> str | None:
    """The values ``key`` may take at ``path`` (``'int', 'float', ...``), which pydantic names
    only for a wrong one: the config is checked again with an impossible one there."""
    import copy

    probe = copy.deepcopy(data)
    node = probe
    for part in path:
        node = node[part]
    node[key] = "\0"
    try:
        Config.model_validate(probe)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "union_tag_invalid" and _error_path(error, probe) == path:
                return error["ctx"]["expected_tags"]
    return None


def _deepest(errors: list[Any], data: Any) -> list[Any]:
    """The errors less a union member's type mismatch at a key where another member of the
    union got further: for ``objective: [loss, {name: acc, direction: mx}]`` the problem is
    the direction, not that the list "should be a valid string"."""
    paths = [_error_path(e, data) for e in errors]

    def superseded(error: Any, path: KeyPath) -> bool:
        return error["type"].endswith("_type") and any(
            len(other) > len(path) and other[: len(path)] == path for other in paths
        )

    return [e for e, path in zip(errors, paths, strict=True) if not superseded(e, path)]


def _error_path(error: Any, data: Any) -> KeyPath:
    """The key path an error is reported at: a ``KeyedError`` names a key below its model."""
    path = _data_path(error["loc"], data, error["type"])
    cause = error.get("ctx", {}).get("error")
    return path + (cause.key,) if isinstance(cause, KeyedError) else path


def _data_path(loc: tuple[Any, ...], data: Any, error_type: str) -> KeyPath:
    """Pydantic's location minus its internal steps (union members, tags), as keys of the data."""
    path: list[str | int] = []
    current = data
    for i, part in enumerate(loc):
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and part < len(current)
        if in_dict or in_list:
            current = current[part]
            path.append(part)
        elif error_type == "missing" and i == len(loc) - 1:
            path.append(part)
    return tuple(path)
