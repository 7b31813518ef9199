"""The diff a changed config is refused with: key paths a user can find, values as YAML."""

from __future__ import annotations

from pathlib import Path

from tuner_cli.config import load_config_text
from tuner_cli.search.study import config_changes

BUILDER = """\
name: changes
data: {source: npz, path: data.npz}
search_space:
  units: {type: int, min: 4, max: 8, step: 4}
model:
  builder: "builders:build"
training: {epochs: 1, batch_size: 8}
strategy: {name: grid, objective: val_accuracy}
"""

LAYERS = """\
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 3, activation: softmax}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]"""


def changes(old: str, new: str, tmp_path: Path) -> list[str]:
    def dump(text: str) -> dict:
        return load_config_text(text, tmp_path / "a.yaml").config.model_dump(mode="json")

    return config_changes(dump(old), dump(new))


def test_each_changed_value_is_named_by_its_path(tmp_path):
    changed = BUILDER.replace("builders:build", "builders:other").replace("epochs: 1", "epochs: 2")
    lines = changes(BUILDER, changed, tmp_path)
    assert "model.builder: builders:build -> builders:other" in lines
    assert "training.epochs: 1 -> 2" in lines


def test_a_layer_argument_is_named_by_its_place_in_the_list(tmp_path):
    layered = BUILDER.replace('  builder: "builders:build"', LAYERS)
    lines = changes(layered, layered.replace("units: 3", "units: 5"), tmp_path)
    assert lines == ["model.layers[1].Dense.units: 3 -> 5"]


def test_values_read_as_yaml_not_python(tmp_path):
    layered = BUILDER.replace('  builder: "builders:build"', LAYERS)
    folds = layered.replace("data.npz}", "data.npz, cross_validation: {folds: 3}}")
    changed = folds.replace("activation: relu", "activation: gelu").replace(
        "folds: 3}", "folds: 3, stratified: false}"
    )
    lines = changes(folds, changed, tmp_path)
    assert "model.layers[0].Dense.activation: relu -> gelu" in lines
    assert "data.cross_validation.stratified: true -> false" in lines
    assert not any("'" in line or "True" in line or "None" in line for line in lines)


def test_limits_free_to_change_are_not_changes(tmp_path):
    more = BUILDER.replace("objective: val_accuracy}", "objective: val_accuracy, max_trials: 9}")
    assert changes(BUILDER, more, tmp_path) == []


def test_bounds_on_a_hung_trial_or_a_workerless_cluster_are_free_to_change(tmp_path):
    """A user whose trial hangs stops the search, adds ``max_trial_time`` as the README says,
    and reruns the same command: the study resumes, since neither bound changes what a trial
    computes (as ``memory_limit`` does not)."""
    bounded = (
        BUILDER.replace("objective: val_accuracy}", "objective: val_accuracy, max_trial_time: 10m}")
        + "execution: {no_worker_timeout: 30s}\n"
    )
    assert changes(BUILDER, bounded, tmp_path) == []
