"""``{ClassName: {arguments}}`` anywhere in the template, made into the Keras object it names.

The argument's own key says where the class is looked up, so ``kernel_regularizer: {L2: ...}``
finds ``keras.regularizers.L2`` and ``learning_rate: {CosineDecay: ...}`` a schedule; under
any other key the namespaces are searched in a fixed order. ``"module:Class"`` names a class of
the user's own code (a custom metric, a callback). The arguments may be a mapping (keyword
arguments), a list (positional), a single value (one positional argument) or null (none),
and may hold objects themselves. Objects are made afresh for every model, so no trial shares
a metric's state or a callback with another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuner_cli.errors import ConfigError, KeyPath
from tuner_cli.training.imports import load_attribute
from tuner_cli.wording import did_you_mean

SUFFIX_NAMESPACES = (
    ("regularizer", "regularizers"),
    ("initializer", "initializers"),
    ("constraint", "constraints"),
)
KEY_NAMESPACES = {
    "learning_rate": "optimizers.schedules",
    "loss": "losses",
    "metrics": "metrics",
    "weighted_metrics": "metrics",
    "callbacks": "callbacks",
    "layer": "layers",
    "backward_layer": "layers",
}
SEARCH_ORDER = (
    "regularizers",
    "initializers",
    "constraints",
    "losses",
    "metrics",
    "optimizers.schedules",
    "layers",
)
KIND = {
    "regularizers": "regularizer",
    "initializers": "initializer",
    "constraints": "constraint",
    "losses": "loss",
    "metrics": "metric",
    "optimizers.schedules": "learning-rate schedule",
    "layers": "layer",
    "callbacks": "callback",
}


def is_object_spec(value: Any) -> bool:
    """``{L2: {l2: 0.01}}``: one key, a class name (capitalised, or ``module:Class``)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return isinstance(key, str) and (key[:1].isupper() or ":" in key)


def make_objects(value: Any, key: str | int | None, path: KeyPath, base_dir: Path) -> Any:
    """``value`` with every object spec in it made into its object (recursively)."""
    if is_object_spec(value):
        return make_object(value, key, path, base_dir)
    if isinstance(value, list):
        return [make_objects(item, key, path + (i,), base_dir) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {k: make_objects(v, k, path + (k,), base_dir) for k, v in value.items()}
    return value


def make_object(spec: dict[str, Any], key: str | int | None, path: KeyPath, base_dir: Path) -> Any:
    ((name, arguments),) = spec.items()
    where = path + (name,)
    namespaces = _namespaces(key)
    cls = _find_class(name, namespaces, where, base_dir)
    arguments = make_objects(arguments, name, where, base_dir)
    if isinstance(arguments, dict) and ":" not in name and namespaces == ("callbacks",):
        _check_keywords(cls, arguments, where)
    try:
        if arguments is None:
            return cls()
        if isinstance(arguments, dict):
            return cls(**arguments)
        if isinstance(arguments, list):
            return cls(*arguments)
        return cls(arguments)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot create {name}: {exc}", key_path=where) from None


def _check_keywords(cls: type, arguments: dict[str, Any], path: KeyPath) -> None:
    """A Keras callback that takes ``**kwargs`` ignores the ones it does not name
    (``ReduceLROnPlateau(patiance=2)`` keeps its patience of 10), so a misspelt argument,
    which a layer or an optimizer refuses, would change nothing without a word."""
    import inspect

    parameters = inspect.signature(cls.__init__).parameters.values()
    if not any(p.kind is p.VAR_KEYWORD for p in parameters):
        return
    named = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in arguments:
        if key not in named:
            hint = did_you_mean(key, [n for n in named if n != "self"])
            raise ConfigError(
                f"cannot create {cls.__name__}: unknown argument '{key}'{hint}", key_path=path
            )


def find_class(name: str, namespace: str, path: KeyPath, base_dir: Path) -> type:
    """One class of ``keras.<namespace>`` (or ``module:Class``), for callers that know it."""
    return _find_class(name, (namespace,), path, base_dir)


def _namespaces(key: str | int | None) -> tuple[str, ...]:
    if isinstance(key, str):
        for suffix, namespace in SUFFIX_NAMESPACES:
            if key.endswith(suffix):
                return (namespace,)
        if key in KEY_NAMESPACES:
            return (KEY_NAMESPACES[key],)
    return SEARCH_ORDER


def _find_class(name: str, namespaces: tuple[str, ...], path: KeyPath, base_dir: Path) -> Any:
    if ":" in name:
        target = load_attribute(name, base_dir, path)
        if not callable(target):
            raise ConfigError(f"'{name}' is not a class or function", key_path=path)
        return target
    import keras

    candidates: list[str] = []
    for namespace in namespaces:
        module = keras
        for part in namespace.split("."):
            module = getattr(module, part)
        classes = {n: getattr(module, n) for n in dir(module) if n[:1].isupper()}
        classes = {n: c for n, c in classes.items() if isinstance(c, type)}
        if name in classes:
            return classes[name]
        candidates += classes
    hint = did_you_mean(name, candidates)
    kind = KIND[namespaces[0]] if len(namespaces) == 1 else "class"
    where = f" in keras.{namespaces[0]}" if len(namespaces) == 1 else ""
    raise ConfigError(
        f"unknown Keras {kind} '{name}'{where}{hint} (a class of your own: 'module:Class')",
        key_path=path,
    )
