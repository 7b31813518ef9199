"""``training.class_weight``: per-class loss weights for ``model.fit``, from any source.

``balanced`` weighs class c by n / (k * n_c) over the training labels (as scikit-learn's
``compute_class_weight`` does), so every class adds the same total weight; a mapping names
classes by index or, where the data has class names (folders, a word target), by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tuner_cli.errors import ConfigError, quoted

KEY = ("training", "class_weight")


def class_weights(spec: str | dict | None, labels: np.ndarray, names: Any) -> dict | None:
    """``fit``'s ``class_weight`` argument, or ``None``."""
    if spec is None:
        return None
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ConfigError(
            f"class weights need one whole-number class label per example (the labels are "
            f"{labels.dtype} with shape {labels.shape[1:] or 'scalar'})",
            key_path=KEY,
        )
    classes = len(names) if names else int(labels.max()) + 1
    if spec == "balanced":
        counts = np.bincount(labels, minlength=classes)
        present = counts > 0
        weights = np.where(present, len(labels) / (present.sum() * np.maximum(counts, 1)), 1.0)
        return {index: float(weight) for index, weight in enumerate(weights)}
    weights = dict.fromkeys(range(classes), 1.0)
    for key, weight in spec.items():
        weights[_class_index(key, names, classes)] = float(weight)
    return weights


def _class_index(key: str | int, names: Any, classes: int) -> int:
    if names and key in names:
        return list(names).index(key)
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        index = int(key)
        if index < classes:
            return index
    known = f"the classes are {', '.join(names)}" if names else f"labels run 0 to {classes - 1}"
    raise ConfigError(
        f"no class {quoted(key)}; {known}{_yaml_boolean_hint(key)}", key_path=(*KEY, key)
    )


def _yaml_boolean_hint(key: str | int) -> str:
    """YAML reads an unquoted ``yes``, ``no``, ``on`` or ``off`` as a boolean, which arrives
    here as ``'True'`` or ``'False'``: a word target of yes/no, the commonest, is then never
    found by the name the user wrote."""
    if str(key) not in ("True", "False"):
        return ""
    return " (YAML reads an unquoted yes, no, on or off as true or false: quote the class, 'yes')"
