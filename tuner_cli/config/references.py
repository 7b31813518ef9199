"""The ``$reference`` rules: what ``$name`` means, checked at load and resolved per trial.

Pure Python, so ``validate`` and a bad config fail fast without Keras; the Keras half (building
layers and optimizers) is ``tuner_cli.training.template``. A reference to an inactive
hyperparameter resolves to ``INACTIVE`` and its argument is left out of the call, so the layer's
or optimizer's own default applies.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from tuner_cli.errors import ConfigError, KeyPath, quoted

if TYPE_CHECKING:
    from tuner_cli.config import Config
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
        if "residual" in entry or "branches" in entry or "application" in entry:
            _check_block(entry, where)
            continue
        if len(entry) != 1:
            first, *others = map(str, entry)
            # "- Dense:" over "  units: 8" at the same indentation: arguments become siblings
            hint = (
                f"; indent {', '.join(others)} under {first}: (two more spaces)"
                if next(iter(entry.values())) is None
                else ""
            )
            raise ConfigError(
                f"a layer entry has one key, the layer class (got {', '.join(map(str, entry))})"
                + hint,
                key_path=where,
            )
        ((name, args),) = entry.items()
        if args is not None and not isinstance(args, dict):
            raise ConfigError(
                f"the arguments of {name} must be a mapping", key_path=where + (name,)
            )


BLOCK_SHAPES = {
    "residual": ({"residual", "project"}, "{residual: [layers...], project: true|false}"),
    "branches": (
        {"branches", "merge"},
        "{branches: [[layers...], [layers...]], merge: concatenate}",
    ),
    "application": (
        {"application"},
        "{application: {name: MobileNetV2, weights: null|imagenet|PATH, include_top: false, "
        "trainable: true|false}}",
    ),
}
MERGE_NAMES = ("concatenate", "add", "average", "multiply", "maximum", "minimum")


def _check_block(entry: dict[str, Any], where: KeyPath) -> None:
    """Residual blocks, branches and backbones (``tuner_cli.training.blocks``): their shape."""
    kind = next(key for key in BLOCK_SHAPES if key in entry)
    keys, shape = BLOCK_SHAPES[kind]
    extra = [str(k) for k in entry if k not in keys]
    if extra:
        raise ConfigError(
            f"a {kind} entry is {shape} (unexpected {', '.join(extra)})", key_path=where
        )
    value = entry[kind]
    if kind == "residual":
        if not isinstance(value, list) or not value:
            raise ConfigError(f"a residual block is {shape}", key_path=where + (kind,))
        _check_layers(value, where + (kind,))
    elif kind == "branches":
        if not isinstance(value, list) or len(value) < 2:
            raise ConfigError(
                f"branches are at least two lists of layers: {shape}", key_path=where + (kind,)
            )
        for i, branch in enumerate(value):
            if not isinstance(branch, list):
                raise ConfigError(
                    "each branch is a list of layers ([] passes the input on)",
                    key_path=where + (kind, i),
                )
            _check_layers(branch, where + (kind, i))
        merge = entry.get("merge", "concatenate")
        if reference_name(merge) is None and merge not in MERGE_NAMES:
            raise ConfigError(
                f"unknown merge {quoted(merge)}; use one of {', '.join(MERGE_NAMES)}",
                key_path=where + ("merge",),
            )
    else:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise ConfigError(f"an application needs a name: {shape}", key_path=where + (kind,))
        weights = value.get("weights")
        if weights is not None and not isinstance(weights, str):
            raise ConfigError(
                "weights is null (random), imagenet (Keras' cache) or a file path",
                key_path=where + (kind, "weights"),
            )
