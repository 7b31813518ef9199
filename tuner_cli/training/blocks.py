"""Template entries that are not one layer: residual blocks, parallel branches, a backbone.

```yaml
- residual:                   # output = input + these layers' output
    - Conv2D: {filters: 16, kernel_size: 3, padding: same, activation: relu}
    - Conv2D: {filters: 16, kernel_size: 3, padding: same}
  project: true               # optional: a learnt projection of the input when widths differ
- branches:                   # the same input through each list; [] is the input itself
    - [Conv2D: {filters: 8, kernel_size: 1}]
    - [Conv2D: {filters: 8, kernel_size: 3, padding: same}]
  merge: concatenate          # concatenate (default), add, average, multiply, maximum, minimum
- application: {name: MobileNetV2, weights: null, include_top: false, trainable: false}
```

Each becomes a function from a tensor to a tensor, applied while the functional model is
wired, so the saved model holds only standard Keras layers (``Add``, ``Concatenate``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tuner_cli.config.references import resolve
from tuner_cli.errors import ConfigError, KeyPath, exception_text
from tuner_cli.wording import did_you_mean

BLOCK_KEYS = ("residual", "branches", "application")
MERGES = {
    "concatenate": "Concatenate",
    "add": "Add",
    "average": "Average",
    "multiply": "Multiply",
    "maximum": "Maximum",
    "minimum": "Minimum",
}
Step = Any
"""A Keras layer, or a function from a tensor to a tensor (a block)."""
StepMaker = Callable[[list[dict[str, Any]], Mapping[str, Any], KeyPath, Path], list[Step]]


LAYER_PATHS: weakref.WeakKeyDictionary[Any, KeyPath] = weakref.WeakKeyDictionary()
"""Each template layer's key path (``model.layers[2].MaxPooling2D``), for its errors."""


def apply_steps(steps: list[Step], x: Any) -> Any:
    for step in steps:
        x = call_step(step, x)
    return x


def call_step(step: Step, x: Any) -> Any:
    """``step(x)``; a template layer that cannot take ``x`` (a pooling past the image size,
    an LSTM given 2-D input) is a config error naming its entry, the input and Keras' reason,
    which names neither."""
    try:
        path = LAYER_PATHS.get(step)
    except TypeError:  # not hashable: not a layer of the template
        path = None
    if path is None:
        return step(x)
    try:
        return step(x)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - Keras raises ValueError, TypeError, its own...
        raise ConfigError(
            f"cannot take its input of shape {tuple(x.shape[1:])}: "
            f"{type(exc).__name__}: {exception_text(exc)}",
            key_path=path,
        ) from None


def make_block(
    kind: str,
    entry: dict[str, Any],
    hp: Mapping[str, Any],
    path: KeyPath,
    base_dir: Path,
    make_steps: StepMaker,
) -> Step:
    if kind == "residual":
        inner = make_steps(entry["residual"], hp, path + ("residual",), base_dir)
        return _residual(inner, bool(resolve(entry.get("project", False), hp)), path)
    if kind == "branches":
        branches = [
            make_steps(branch, hp, path + ("branches", i), base_dir)
            for i, branch in enumerate(entry["branches"])
        ]
        return _branches(branches, resolve(entry.get("merge", "concatenate"), hp), path)
    arguments = resolve(entry["application"], hp)
    return _application(dict(arguments), path + ("application",), base_dir)


def _residual(inner: list[Step], project: bool, path: KeyPath) -> Step:
    import keras

    def residual(x: Any) -> Any:
        y = apply_steps(inner, x)
        shortcut = x
        if tuple(x.shape[1:]) != tuple(y.shape[1:]):
            if not project or tuple(x.shape[1:-1]) != tuple(y.shape[1:-1]):
                how = (
                    "only the last dimension can be projected"
                    if project
                    else "give the block `project: true` for a learnt projection of the input, "
                    "or make its layers keep the shape"
                )
                raise ConfigError(
                    f"a residual block adds its input {tuple(x.shape[1:])} to its output "
                    f"{tuple(y.shape[1:])}, which differ: {how}",
                    key_path=path + ("residual",),
                )
            shortcut = keras.layers.Dense(int(y.shape[-1]), use_bias=False)(x)
        return keras.layers.Add()([shortcut, y])

    return residual


def _branches(branches: list[list[Step]], merge: str, path: KeyPath) -> Step:
    import keras

    if merge not in MERGES:
        raise ConfigError(
            f"unknown merge {merge!r}; use one of {', '.join(MERGES)}", key_path=path + ("merge",)
        )

    def merged(x: Any) -> Any:
        outputs = [apply_steps(branch, x) for branch in branches]
        try:
            return getattr(keras.layers, MERGES[merge])()(outputs)
        except ValueError as exc:
            shapes = ", ".join(str(tuple(o.shape[1:])) for o in outputs)
            raise ConfigError(
                f"the branches' outputs {shapes} cannot be merged by {merge}: "
                f"{str(exc).splitlines()[0]}",
                key_path=path + ("branches",),
            ) from None

    return merged


def _application(arguments: dict[str, Any], path: KeyPath, base_dir: Path) -> Step:
    name = arguments.pop("name")
    trainable = arguments.pop("trainable", True)
    application = _find_application(name, path + ("name",))
    arguments.setdefault("include_top", False)
    weights = arguments.setdefault("weights", None)
    if weights not in (None, "imagenet"):
        weights_path = Path(str(weights)).expanduser()
        weights_path = weights_path if weights_path.is_absolute() else base_dir / weights_path
        if not weights_path.is_file():
            raise ConfigError(f"no weights file {weights_path}", key_path=path + ("weights",))
        arguments["weights"] = str(weights_path)

    def backbone(x: Any) -> Any:
        try:
            model = application(input_shape=tuple(x.shape[1:]), **arguments)
        except Exception as exc:  # noqa: BLE001 - downloads and shape checks fail many ways
            raise _application_error(name, weights, exc, path) from None
        model.trainable = bool(trainable)
        return model(x, training=None if trainable else False)

    return backbone


def _find_application(name: Any, path: KeyPath) -> Callable[..., Any]:
    import keras

    known = [n for n in dir(keras.applications) if n[:1].isupper()]
    if name in known:
        return getattr(keras.applications, name)
    hint = did_you_mean(str(name), known)
    raise ConfigError(f"unknown keras.applications model {name!r}{hint}", key_path=path)


def _application_error(name: str, weights: Any, exc: Exception, path: KeyPath) -> ConfigError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if weights == "imagenet" and ("fetch" in text.lower() or "url" in text.lower()):
        cache = Path(keras_home()) / "models"
        return ConfigError(
            f"{name} with weights: imagenet needs its weights file, which is not in Keras' "
            f"cache ({cache}) and cannot be downloaded ({type(exc).__name__}: {text}). "
            "Download it once where there is internet access (the file goes to that cache), "
            "give weights: PATH to a weights file, or weights: null to train from scratch",
            key_path=path + ("weights",),
        )
    return ConfigError(f"cannot create {name}: {type(exc).__name__}: {text}", key_path=path)


def keras_home() -> str:
    import os

    return os.environ.get("KERAS_HOME") or str(Path("~/.keras").expanduser())
