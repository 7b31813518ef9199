"""KerasTuner code run by kt-run as it is: the tutorial's builder under every strategy that
trains Keras models, and a HyperModel class whose ``fit`` is tuned too."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, invoke
from tuner_cli import run_search
from tuner_cli.config import load_config

EXAMPLE = REPO / "examples" / "keras_tuner"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("tutorial.yaml", "hypermodel.yaml"):
        quick(folder / name)
    return folder


def quick(config: Path, keep_models: bool = False) -> Path:
    """One epoch a trial (hyperband: up to 3) and no saved models keep the suite quick."""
    text = config.read_text().replace("max_epochs: 4", "max_epochs: 3")
    text = re.sub(r"(?<![a-z_])epochs: [34]\b", "epochs: 1", text)
    text = re.sub(r"(?<![a-z_])epochs: 5\b", "epochs: 2", text)
    config.write_text(text if keep_models else text + "models: none\n")
    return config


def quick_copy(name: str, folder: Path, keep_models: bool = False) -> Path:
    for source in (REPO / "examples").iterdir():
        if source.is_file():
            shutil.copy(source, folder / source.name)
    return quick(folder / name, keep_models)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("strategy", "keras_import"),
    [("hyperband", "import keras"), ("bayesian", "from tensorflow import keras")],
)
def test_the_tutorial_builder_runs_unchanged(
    example, tmp_path, strategy, keras_import, monkeypatch
):
    """Random search runs it too, in worker processes (the test after the next)."""
    monkeypatch.delitem(sys.modules, "keras_tuner", raising=False)  # another test's import
    builder = example / "tutorial_builder.py"
    source = builder.read_text()
    assert "from tensorflow import keras" in source
    builder.write_text(source.replace("from tensorflow import keras", keras_import))
    sys.modules.pop("tutorial_builder", None)  # each copy is its own module
    study = load_config(example / "tutorial.yaml", strategy=strategy)
    result = run_search(study, tmp_path / "results", max_trials=2, workers=0)
    assert len(result.trials) == 2
    for record in result.trials:
        assert record.status.value == "completed", record.error
        assert set(record.hyperparameters) == {"units", "learning_rate"}
        assert record.hyperparameters["units"] in range(32, 513, 32)
        assert record.hyperparameters["learning_rate"] in (1e-2, 1e-3, 1e-4)
        assert 0.0 <= record.score <= 1.0
    assert result.best.score > 0.3  # ten classes: far above chance after one epoch
    kerastuner = sys.modules.get("keras_tuner")  # kt-run's stand-in where it is not installed
    assert kerastuner is None or kerastuner.__dict__.get("__kt_run_stand_in__"), "KerasTuner ran"


@pytest.mark.slow
def test_a_hypermodel_tunes_its_fit_and_validate_shows_the_discovered_space(example, tmp_path):
    shown = invoke("validate", str(example / "hypermodel.yaml"))
    assert shown.returncode == 0, shown.stderr
    table = " ".join(shown.stdout.split())
    for row in (
        "layers int 1 .. 2",
        "units_1 int 16 .. 64 step 16 [4 values] 16 layers = 2",
        "rate float 0.1 .. 0.4 step 0.1 [4 values] 0.1 dropout = True",
        "learning_rate choice 0.003, 0.01",  # the config's entry overrides the builder's range
        "batch_size choice 16, 64",  # declared in fit
    ):
        assert row in table, table
    sys.modules.pop("hypermodel", None)
    study = load_config(example / "hypermodel.yaml")
    result = run_search(study, tmp_path / "results", max_trials=2, workers=0)
    assert [r.status.value for r in result.trials] == ["completed"] * 2
    for record in result.trials:
        values = record.hyperparameters
        assert values["batch_size"] in (16, 64)
        assert values["learning_rate"] in (0.003, 0.01)
        assert ("units_1" in values) == (values["layers"] == 2)
        assert ("rate" in values) == values["dropout"]


@pytest.mark.slow
def test_the_schedule_and_callbacks_examples_run(tmp_path):
    schedule = load_config(quick_copy("schedule.yaml", tmp_path))
    result = run_search(schedule, tmp_path / "a", max_trials=1, workers=0)
    (record,) = result.trials
    assert record.status.value == "completed", record.error
    assert {"val_accuracy", "val_top2"} <= set(record.metrics)
    callbacks = load_config(quick_copy("callbacks.yaml", tmp_path))
    result = run_search(callbacks, tmp_path / "b", max_trials=2, workers=0)
    for record in result.trials:
        assert record.status.value == "completed", record.error
        assert all("learning_rate" in row and row["epoch_seconds"] > 0 for row in record.history)


@pytest.mark.slow
def test_the_residual_cnn_example_runs_and_keeps_its_model(tmp_path):
    import keras

    study = load_config(quick_copy("cnn_residual.yaml", tmp_path, keep_models=True))
    result = run_search(study, tmp_path / "results", max_trials=1, workers=0)
    assert [r.status.value for r in result.trials] == ["completed"]
    trained = keras.models.load_model(result.root / "models" / f"trial_{result.best.id:04d}.keras")
    kinds = {type(layer).__name__ for layer in trained.layers}
    assert {"Add", "Concatenate", "RandomTranslation"} <= kinds


MIRRORED_RUN = """\
import sys
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tuner_cli import run_search

result = run_search(sys.argv[1], sys.argv[2], workers=0)
for record in result.trials:
    print(record.id, record.status.value, record.extra.get("replicas"), record.score)
"""

MIRRORED_CONFIG = """\
name: mirrored
seed: 1
data: {source: sklearn, name: digits, scale: standard}
search_space:
  units: {type: choice, values: [16, 32]}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 10, activation: softmax}
  optimizer: {name: adam, learning_rate: 0.01}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 1, batch_size: 64, distribution: mirrored}
strategy: {name: random, objective: val_accuracy, max_trials: 1}
"""


@pytest.mark.slow
def test_a_mirrored_trial_trains_on_two_logical_cpu_devices(tmp_path):
    import subprocess

    from tests.conftest import cli_env

    (tmp_path / "run.py").write_text(MIRRORED_RUN)
    (tmp_path / "mirrored.yaml").write_text(MIRRORED_CONFIG)
    done = subprocess.run(
        [sys.executable, "run.py", "mirrored.yaml", "results"],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    trial, status, replicas, score = done.stdout.split()
    assert (trial, status, replicas) == ("1", "completed", "2")
    assert float(score) > 0.5
    assert (tmp_path / "results" / "mirrored" / "models" / "trial_0001.keras").is_file()


DRIVER_RUN = """\
import sys
from tuner_cli import run_search

if __name__ == "__main__":  # worker processes start from a forkserver
    result = run_search(sys.argv[1], sys.argv[2], max_trials=1, workers=1)
    assert "tensorflow" not in sys.modules and "keras" not in sys.modules
    (record,) = result.trials
    print(record.status.value, sorted(record.hyperparameters))
"""


@pytest.mark.slow
def test_with_worker_processes_the_space_is_discovered_in_a_worker(example):
    import subprocess

    from tests.conftest import cli_env

    (example / "driver.py").write_text(DRIVER_RUN)
    done = subprocess.run(
        [sys.executable, "driver.py", "tutorial.yaml", "results"],
        cwd=example,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "completed ['learning_rate', 'units']"


DEEP_ONLY = """
import keras


def build(hp):
    model = keras.Sequential([keras.Input(shape=(64,))])
    wide = hp.Boolean("wide")
    deep = hp.Boolean("deep")
    if wide and deep:  # a combination discovery does not try: one value at a time
        model.add(keras.layers.Dense(hp.Int("extra", 8, 16, step=8)))
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class OwnLoop:
    def build(self, hp):
        return build(hp)

    def fit(self, hp, model, x, y, validation_data=None, **kwargs):
        model.fit(x, y, epochs=1, verbose=0)
        logs = model.evaluate(*validation_data, verbose=0, return_dict=True)
        return {"val_accuracy": logs["accuracy"]}
"""


@pytest.mark.slow
def test_undiscovered_names_are_recorded_and_an_own_training_loop_may_return_its_score(tmp_path):
    (tmp_path / "deep_only.py").write_text(DEEP_ONLY)
    config = {
        "name": "deep-only",
        "seed": 2,
        "data": {"source": "sklearn", "name": "digits", "scale": "standard"},
        "model": {"builder": "deep_only:build"},
        "training": {"epochs": 1},
        "strategy": {"name": "grid", "objective": "val_accuracy"},
        "models": "none",
    }
    from tuner_cli.config import load_config_dict

    result = run_search(load_config_dict(config, tmp_path), tmp_path / "a", workers=0)
    assert len(result.trials) == 4  # the builder's two booleans, every combination
    for record in result.trials:
        both = record.hyperparameters == {"wide": True, "deep": True}
        assert record.extra.get("builder_defaults") == ({"extra": 8} if both else None)
    config["model"]["builder"] = "deep_only:OwnLoop"
    config["name"] = "own-loop"
    result = run_search(load_config_dict(config, tmp_path), tmp_path / "b", max_trials=1, workers=0)
    (record,) = result.trials
    assert record.status.value == "completed", record.error
    assert 0.0 < record.score <= 1.0 and record.history[0]["val_accuracy"] == record.score


EPOCHS_IN_FIT = """
import keras


class EpochsInFit:
    def build(self, hp):
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, epochs=hp.Int("epochs", 1, 3), **kwargs)
"""


@pytest.mark.slow
def test_a_hypermodel_whose_fit_chooses_the_epochs_trains_that_many(tmp_path):
    """KerasTuner code tunes epochs in fit when search() is given none; kt-run, which passes
    training.epochs, leaves them to the fit then, and refuses a config that also sets them."""
    from tuner_cli.config import load_config_dict
    from tuner_cli.errors import ConfigError

    (tmp_path / "epochs_in_fit.py").write_text(EPOCHS_IN_FIT)
    config = {
        "name": "epochs-in-fit",
        "seed": 1,
        "data": {"source": "sklearn", "name": "iris"},
        "model": {"builder": "epochs_in_fit:EpochsInFit"},
        "strategy": {"name": "grid", "objective": "val_accuracy"},
        "models": "none",
    }
    result = run_search(load_config_dict(config, tmp_path), tmp_path / "a", workers=0)
    trained = {t.hyperparameters["epochs"]: len(t.history) for t in result.trials}
    assert trained == {1: 1, 2: 2, 3: 3}
    config["training"] = {"epochs": 2}
    with pytest.raises(ConfigError, match="fit sets epochs itself .* remove training.epochs"):
        run_search(load_config_dict(config, tmp_path), tmp_path / "b", workers=0)


SCOPED_BLOCKS = """
import keras
import numpy as np
from keras_tuner.engine.hypermodel import HyperModel


class Blocks(HyperModel):
    def build(self, hp):
        model = keras.Sequential([keras.Input((4,))])
        for i in range(hp.Int("num-blocks", 1, 2)):
            with hp.name_scope(f"block_{i}"):
                model.add(keras.layers.Dense(hp.Choice("units", np.arange(4, 17, 4))))
        model.add(keras.layers.Dense(3, activation="softmax"))
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model
"""


@pytest.mark.slow
def test_name_scopes_dashed_names_and_numpy_choices_run_and_export(tmp_path, monkeypatch):
    """A builder KerasTuner runs: scoped names (``block_1/units``), ``num-blocks``, an old
    import path and ``np.arange`` values (which once came back as floats Dense refuses)."""
    monkeypatch.delitem(sys.modules, "scoped_blocks", raising=False)
    (tmp_path / "scoped_blocks.py").write_text(SCOPED_BLOCKS)
    (tmp_path / "scoped.yaml").write_text(
        "name: scoped\nseed: 2\ndata: {source: sklearn, name: iris}\n"
        "model: {builder: 'scoped_blocks:Blocks'}\ntraining: {epochs: 1}\n"
        "strategy: {name: grid, objective: val_accuracy, max_trials: 3}\nmodels: none\n"
    )
    searched = invoke("search", "scoped.yaml", "--workers", "0", cwd=tmp_path)
    assert searched.returncode == 0, searched.stderr
    result = invoke("trials", "scoped", "--format", "json", cwd=tmp_path)
    records = json.loads(result.stdout)
    assert [r["status"] for r in records] == ["completed"] * 3
    for record in records:
        values = record["hyperparameters"]
        blocks = [f"block_{i}/units" for i in range(values["num-blocks"])]
        assert sorted(values) == sorted(["num-blocks", *blocks])  # block_1 only with 2 blocks
        assert all(type(values[name]) is int for name in blocks)
    exported = invoke("best", "scoped", "--format", "env", cwd=tmp_path)
    assert "export KT_BEST_HP_BLOCK_0_UNITS=" in exported.stdout


OWN_SCORE = """
import keras
import numpy as np


class Regressor:
    def build(self, hp):
        units = hp.Choice("units", [4, 8])
        layers = [keras.Input((4,)), keras.layers.Dense(units), keras.layers.Dense(3)]
        model = keras.Sequential(layers)
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model


class ReturnsFloat(Regressor):  # KerasTuner's guide: train, then score it yourself
    def fit(self, hp, model, x, y, validation_data, **kwargs):
        model.fit(x, y, **kwargs)
        x_val, y_val = validation_data
        predicted = np.argmax(model.predict(x_val, verbose=0), axis=1)
        return np.float32(np.mean(predicted == np.ravel(y_val)))


class ReturnsDict(Regressor):
    def fit(self, hp, model, x, y, validation_data, **kwargs):
        score = ReturnsFloat.fit(self, hp, model, x, y, validation_data, **kwargs)
        return {"metric_a": score, "metric_b": 1 - score}


class ScoresAfterValidating(Regressor):
    def fit(self, hp, model, *args, **kwargs):
        model.fit(*args, **kwargs)
        return 0.25
"""


@pytest.mark.slow
def test_what_a_hypermodels_fit_returns_is_the_trials_score_as_in_keras_tuner(tmp_path):
    """KerasTuner scores a trial by the fit's return value: a number is the objective, a dict
    holds it, even when the epochs logged other metrics (or the objective itself)."""
    from tuner_cli.config import load_config_dict
    from tuner_cli.errors import ConfigError

    (tmp_path / "own_score.py").write_text(OWN_SCORE)
    config = {
        "name": "own-score",
        "seed": 1,
        "data": {"source": "sklearn", "name": "iris", "scale": "standard"},
        "training": {"epochs": 2},
        "models": "none",
    }
    cases = [
        ("ReturnsFloat", {"name": "accuracy_mine", "direction": "max"}),
        ("ReturnsDict", {"name": "metric_a", "direction": "max"}),
        ("ScoresAfterValidating", "val_loss"),
    ]
    for builder, objective in cases:
        config["model"] = {"builder": f"own_score:{builder}"}
        config["strategy"] = {"name": "random", "objective": objective}
        study = load_config_dict(config, tmp_path)
        result = run_search(study, tmp_path / builder, max_trials=1, workers=0)
        (record,) = result.trials
        assert record.status.value == "completed", record.error
        assert len(record.history) == 2 and record.best_epoch == 2
        name = study.objective.name
        assert record.history[-1][name] == record.score == record.metrics[name]
        if builder == "ScoresAfterValidating":  # the returned value wins over the epoch's
            assert record.score == 0.25 and record.history[0]["val_loss"] != 0.25
        else:
            assert 0.0 <= record.score <= 1.0 and name not in record.history[0]
    config["strategy"]["objective"] = {"name": "metric_c", "direction": "max"}
    config["model"] = {"builder": "own_score:ReturnsDict"}
    with pytest.raises(ConfigError, match=r"without 'metric_c' \(it holds metric_a, metric_b\)"):
        run_search(load_config_dict(config, tmp_path), tmp_path / "c", workers=0)


BATCH_IN_FIT = """
import keras


class BatchInFit:
    def build(self, hp):
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), **kwargs)
"""


@pytest.mark.slow
def test_a_fit_that_sets_its_batch_size_clashes_with_training_batch_size_at_validate(tmp_path):
    """Every trial failed with Python's TypeError before; now validate names the key."""
    (tmp_path / "batch_in_fit.py").write_text(BATCH_IN_FIT)
    (tmp_path / "batch.yaml").write_text(
        "name: batch\ndata: {source: sklearn, name: iris}\n"
        "model: {builder: 'batch_in_fit:BatchInFit'}\n"
        "training: {epochs: 1, batch_size: 8}\nstrategy: {objective: val_accuracy}\n"
    )
    checked = invoke("validate", "batch.yaml", cwd=tmp_path)
    assert checked.returncode == 2
    assert "training.batch_size: batch_in_fit:BatchInFit's fit sets batch_size itself" in (
        checked.stderr
    )
    assert "remove training.batch_size (batch.yaml:4)" in checked.stderr
    assert "Traceback" not in checked.stderr


@pytest.mark.slow
def test_a_fit_returning_a_dict_without_the_objective_is_refused_before_any_trial(tmp_path):
    """The epochs log ``val_loss``, but a returned dict is the trial's result: every trial
    failed ("returned a dict without the objective"), exit 1, after ``validate`` had said
    "Config is valid." The check's own fit returns the dict, so the config is refused."""
    (tmp_path / "own_score.py").write_text(OWN_SCORE)
    (tmp_path / "dict.yaml").write_text(
        "name: dict\nseed: 1\ndata: {source: sklearn, name: iris}\n"
        "model: {builder: 'own_score:ReturnsDict'}\n"
        "training: {epochs: 1}\nstrategy: {objective: val_loss, max_trials: 2}\n"
    )
    for command in ("validate", "search"):
        refused = invoke(command, "dict.yaml", cwd=tmp_path)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert (
            "strategy.objective: own_score:ReturnsDict's fit returns a dict without "
            "'val_loss' (it holds metric_a, metric_b)" in refused.stderr
        )
        assert "(dict.yaml:6)" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "results").exists()
