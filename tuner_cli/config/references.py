"""The ``model:`` template: ``$name`` references checked at load, compiled into Keras models.

Checking needs no Keras, so ``validate`` and a bad config fail fast; Keras is imported only by
``build_model``. An argument whose hyperparameter is inactive is left out of the call, so the
layer's or optimizer's own default applies.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from tuner_cli.errors import ConfigError, KeyPath, quoted

if TYPE_CHECKING:
    from tuner_cli.config import Config, ModelConfig
    from tuner_cli.space import SearchSpace

INACTIVE = object()
REPEAT_MAX = 1000


def reference_name(value: Any) -> str | None:
    """``"$units"`` -> ``"units"``; ``"$$x"`` is an escaped literal, not a reference."""
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return value[1:]
    return None


def resolve(value: Any, hp: Mapping[str, Any]) -> Any:
    """Substitute references, recursively; an inactive reference resolves to ``INACTIVE``."""
    name = reference_name(value)
    if name is not None:
        return hp.get(name, INACTIVE)
    if isinstance(value, str) and value.startswith("$$"):
        return value[1:]
    if isinstance(value, dict):
        resolved = {k: resolve(v, hp) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not INACTIVE}
    if isinstance(value, list):
        return [resolve(v, hp) for v in value]
    return value


def _references(value: Any, path: KeyPath) -> Iterator[tuple[str, KeyPath]]:
    name = reference_name(value)
    if name is not None:
        yield name, path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _references(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _references(item, path + (i,))


def check_references(config: Config, space: SearchSpace) -> set[str]:
    """Fail on references to unknown hyperparameters and on malformed layer entries.

    Returns the names the template uses, so unused hyperparameters can be warned about.
    """
    found: list[tuple[str, KeyPath]] = []
    if config.model is not None:
        if config.model.layers is not None:
            _check_layers(config.model.layers, ("model", "layers"))
        found += _references(config.model.model_dump(exclude={"builder"}), ("model",))
    found += _references(config.training.model_dump(), ("training",))
    for name, path in found:
        if name not in space.params:
            close = difflib.get_close_matches(name, list(space.params), n=1)
            hint = f"; did you mean '${close[0]}'?" if close else ""
            raise ConfigError(
                f"'${name}' refers to no hyperparameter in search_space{hint}", key_path=path
            )
        _check_count(space, name, path)
    return {name for name, _ in found}


def _count_limits(path: KeyPath) -> tuple[int, int, bool] | None:
    """``(lowest, highest, needed in every trial)`` for a key that takes a count, else None."""
    from tuner_cli.config import BIG

    if path in (("training", "epochs"), ("training", "batch_size")):
        return 1, BIG, True
    if len(path) > 1 and path[-1] == "repeat" and isinstance(path[-2], int):
        return 0, REPEAT_MAX, False
    return None


def _check_count(space: SearchSpace, name: str, path: KeyPath) -> None:
    """A reference where a count belongs must give a usable count in every trial: the same
    bounds as a number written there, checked against every value the range can take."""
    limits = _count_limits(path)
    if limits is None:
        return
    low, high, always = limits
    param = space.params[name]
    problem = _count_problem(param, low, high)
    if problem:
        raise ConfigError(
            f"'${name}' must be a whole number from {low} to {high:,} in every trial, but "
            f"{problem}",
            key_path=path,
        )
    if always and param.when:
        raise ConfigError(
            f"'${name}' is active only under its 'when' condition, but this value is needed in "
            "every trial",
            key_path=path,
        )


def _count_problem(param: Any, low: int, high: int) -> str | None:
    if param.type == "int":
        if param.min < low or param.max > high:
            return f"its range is {param.min:,} to {param.max:,}"
        return None
    if param.type in ("choice", "fixed"):
        values = param.values if param.type == "choice" else [param.value]
        for value in values:
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not whole or not low <= value <= high:
                return f"it can be {quoted(value)}"
        return None
    return f"it is a {param.type} hyperparameter (use type: int)"


def unused_hyperparameters(study) -> list[str]:
    """Names a layers template never refers to: sampled and recorded, but without effect."""
    config = study.config
    if config.model is None or config.model.builder is not None:
        return []
    used = check_references(config, study.space)
    return [name for name in study.space.params if name not in used]


def _check_layers(layers: list[Any], path: KeyPath) -> None:
    for i, entry in enumerate(layers):
        where = path + (i,)
        if not isinstance(entry, dict) or not entry:
            raise ConfigError("each layer must be {LayerName: {arguments}}", key_path=where)
        if "repeat" in entry:
            extra = set(entry) - {"repeat", "layers"}
            if extra or not isinstance(entry.get("layers"), list) or not entry["layers"]:
                raise ConfigError(
                    "a repeat block is {repeat: N or $name, layers: [...]}", key_path=where
                )
            count = entry["repeat"]
            if reference_name(count) is None and (
                not isinstance(count, int)
                or isinstance(count, bool)
                or not 0 <= count <= REPEAT_MAX
            ):
                raise ConfigError(
                    f"repeat must be 0..{REPEAT_MAX} or a $reference (got {quoted(count)})",
                    key_path=where + ("repeat",),
                )
            _check_layers(entry["layers"], where + ("layers",))
            continue
        if len(entry) != 1:
            raise ConfigError(
                f"a layer entry has one key, the layer class (got {', '.join(map(str, entry))})",
                key_path=where,
            )
        ((name, args),) = entry.items()
        if args is not None and not isinstance(args, dict):
            raise ConfigError(
                f"the arguments of {name} must be a mapping", key_path=where + (name,)
            )


def build_model(model: ModelConfig, hp: Mapping[str, Any], input_shape: tuple[int, ...]):
    """Compile the template into a ready-to-fit ``keras.Model``."""
    import keras

    layers = [keras.Input(shape=input_shape)]
    layers += _make_layers(model.layers or [], hp, ("model", "layers"))
    network = keras.Sequential(layers)
    network.compile(
        optimizer=make_optimizer(model.optimizer, hp),
        loss=resolve(model.loss, hp),
        metrics=resolve(list(model.metrics), hp),
    )
    return network


def _make_layers(entries: list[dict[str, Any]], hp: Mapping[str, Any], path: KeyPath) -> list:
    import keras

    built = []
    for i, entry in enumerate(entries):
        if "repeat" in entry:
            count = resolve(entry["repeat"], hp)
            if count is INACTIVE:
                continue
            for _ in range(int(count)):
                built += _make_layers(entry["layers"], hp, path + (i, "layers"))
            continue
        ((name, args),) = entry.items()
        layer_class = _lookup(keras.layers, name, "layer", path + (i, name))
        try:
            built.append(layer_class(**resolve(args or {}, hp)))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"cannot create {name}: {exc}", key_path=path + (i, name)) from None
    return built


def make_optimizer(spec: str | dict[str, Any], hp: Mapping[str, Any]):
    import keras

    spec = resolve(spec, hp)
    if isinstance(spec, str):
        spec = {"name": spec}
    arguments = dict(spec)
    name = arguments.pop("name", None)
    if not isinstance(name, str):
        raise ConfigError("the optimizer needs a 'name'", key_path=("model", "optimizer"))
    optimizer_class = _lookup(keras.optimizers, name, "optimizer", ("model", "optimizer", "name"))
    try:
        return optimizer_class(**arguments)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"cannot create optimizer {name}: {exc}", key_path=("model", "optimizer")
        ) from None


def _lookup(module: Any, name: str, kind: str, path: KeyPath) -> type:
    """A class of ``module`` by name, case-insensitively (``adam`` finds ``Adam``)."""
    classes = {n: getattr(module, n) for n in dir(module) if n[:1].isupper()}
    classes = {n: c for n, c in classes.items() if isinstance(c, type)}
    if name in classes:
        return classes[name]
    by_lower = {n.lower(): c for n, c in classes.items()}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name, list(classes), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise ConfigError(f"unknown Keras {kind} '{name}'{hint}", key_path=path)
