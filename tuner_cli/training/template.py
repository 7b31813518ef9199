"""The ``model: layers`` template compiled into a Keras model, one trial's values filled in.

The ``$reference`` rules themselves are ``tuner_cli.config.references`` (no Keras there).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tuner_cli.config.references import INACTIVE, resolve
from tuner_cli.errors import ConfigError, KeyPath

if TYPE_CHECKING:
    from tuner_cli.config import ModelConfig


def build_model(model: ModelConfig, hp: Mapping[str, Any], input_shape: tuple[int, ...]):
    """Compile the template into a ready-to-fit ``keras.Model``."""
    import keras

    network = keras.Sequential([keras.Input(shape=input_shape), *template_layers(model, hp)])
    compile_network(network, model, hp)
    return network


def template_layers(model: ModelConfig, hp: Mapping[str, Any]) -> list:
    """The template's layers, created with one trial's values (not yet connected)."""
    return _make_layers(model.layers or [], hp, ("model", "layers"))


def compile_network(network: Any, model: ModelConfig, hp: Mapping[str, Any]) -> None:
    network.compile(
        optimizer=make_optimizer(model.optimizer, hp),
        loss=resolve(model.loss, hp),
        metrics=resolve(list(model.metrics), hp),
    )


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
