"""The ``model: layers`` template compiled into a Keras model, one trial's values filled in.

The ``$reference`` rules themselves are ``tuner_cli.config.references`` (no Keras there).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuner_cli.config.references import INACTIVE, resolve
from tuner_cli.errors import ConfigError, KeyPath, quoted
from tuner_cli.training.blocks import BLOCK_KEYS, LAYER_PATHS, Step, apply_steps, make_block
from tuner_cli.training.keras_objects import find_class, make_objects
from tuner_cli.wording import did_you_mean

if TYPE_CHECKING:
    from tuner_cli.config import ModelConfig


def build_model(
    model: ModelConfig,
    hp: Mapping[str, Any],
    input_shape: tuple[int, ...],
    base_dir: Path = Path("."),
):
    """Compile the template into a ready-to-fit ``keras.Model``."""
    network = connect(template_layers(model, hp, base_dir), input_shape)
    compile_network(network, model, hp, base_dir)
    return network


def template_layers(model: ModelConfig, hp: Mapping[str, Any], base_dir: Path) -> list[Step]:
    """The template's steps, created with one trial's values (not yet connected)."""
    return make_steps(model.layers or [], hp, ("model", "layers"), base_dir)


def connect(steps: list[Step], input_shape: tuple[int, ...], dtype: Any = None) -> Any:
    """A ``Sequential`` stack, or a functional model when the steps hold residual blocks,
    branches or an application backbone."""
    import keras

    inputs = keras.Input(shape=input_shape, dtype=dtype)
    if all(isinstance(step, keras.layers.Layer) for step in steps):
        try:
            return keras.Sequential([inputs, *steps])
        except Exception:
            # which layer failed: step by step on a fresh input, naming its template entry
            apply_steps(steps, keras.Input(shape=input_shape, dtype=dtype))
            raise
    return keras.Model(inputs, apply_steps(steps, inputs))


def compile_network(
    network: Any, model: ModelConfig, hp: Mapping[str, Any], base_dir: Path = Path(".")
) -> None:
    network.compile(
        optimizer=make_optimizer(model.optimizer, hp, base_dir),
        loss=make_objects(resolve(model.loss, hp), "loss", ("model", "loss"), base_dir),
        metrics=make_objects(
            resolve(list(model.metrics), hp), "metrics", ("model", "metrics"), base_dir
        ),
    )


NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def make_steps(
    entries: list[dict[str, Any]], hp: Mapping[str, Any], path: KeyPath, base_dir: Path
) -> list[Step]:
    """The template's entries as steps: Keras layers, and blocks that wire layers together."""
    import keras

    built: list[Step] = []
    for i, entry in enumerate(entries):
        where = path + (i,)
        if "repeat" in entry:
            count = resolve(entry["repeat"], hp)
            if count is INACTIVE:
                continue
            for _ in range(int(count)):
                built += make_steps(entry["layers"], hp, where + ("layers",), base_dir)
            continue
        block = next((key for key in BLOCK_KEYS if key in entry), None)
        if block is not None:
            built.append(make_block(block, entry, hp, where, base_dir, make_steps))
            continue
        ((name, args),) = entry.items()
        if ":" in name:  # a layer of the user's own code, as anywhere else in the template
            layer_class = find_class(name, "layers", where + (name,), base_dir)
        else:
            layer_class = _lookup(keras.layers, name, "layer", where + (name,))
        resolved = resolve(args or {}, hp)
        arguments = make_objects(resolved, None, where + (name,), base_dir)
        try:
            layer = layer_class(**arguments)
        except (TypeError, ValueError) as exc:
            hints = _left_out(args, resolved) + _misspelt(layer_class, arguments)
            raise ConfigError(
                f"cannot create {name}: {exc}{hints}", key_path=where + (name,)
            ) from None
        with suppress(TypeError):  # a user's class that is not hashable or weakly referable
            LAYER_PATHS[layer] = where + (name,)
        built.append(layer)
    return built


def _misspelt(layer_class: type, arguments: Mapping[str, Any]) -> str:
    """For each argument no ``__init__`` of the layer's classes names, the close names that
    they do: Keras lists the unknown arguments but not what was meant."""
    known: set[str] = set()
    for cls in layer_class.__mro__:
        init = cls.__dict__.get("__init__")
        if init is not None:
            parameters = inspect.signature(init).parameters.values()
            known |= {p.name for p in parameters if p.kind in NAMED and p.name != "self"}
    hints = [
        f"{quoted(key)}{hint}"
        for key in arguments
        if key not in known and (hint := did_you_mean(key, known, cutoff=0.6))
    ]
    return f" ({'; '.join(hints)})" if hints else ""


def _left_out(args: Any, resolved: Any) -> str:
    """The arguments dropped because they name an inactive hyperparameter: a layer without a
    default for one (``Dense`` without ``units``) fails at values where it is inactive, and
    Keras' "missing 1 required positional argument" does not say that kt-run left it out."""
    if not isinstance(args, dict) or not isinstance(resolved, dict):
        return ""
    dropped = [f"{key}: {args[key]}" for key in args if key not in resolved]
    if not dropped:
        return ""
    return (
        f" ({', '.join(dropped)} left out: its hyperparameter is inactive at these values, "
        "under its 'when'; make the layer conditional too, e.g. inside a repeat of 0 or 1)"
    )


def make_optimizer(spec: str | dict[str, Any], hp: Mapping[str, Any], base_dir: Path = Path(".")):
    import keras

    spec = resolve(spec, hp)
    if isinstance(spec, str):
        spec = {"name": spec}
    arguments = make_objects(dict(spec), None, ("model", "optimizer"), base_dir)
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
    hint = did_you_mean(name, classes)
    raise ConfigError(f"unknown Keras {kind} '{name}'{hint}", key_path=path)
