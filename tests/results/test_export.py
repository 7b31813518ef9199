"""kt-run export: the kept model, or a retrained one, loads with Keras and predicts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import invoke

CONFIG = """\
name: export-me
seed: 2
models: best
data: {source: sklearn, name: iris, scale: standard}
search_space:
  units: {type: int, min: 4, max: 8, step: 4}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 3, activation: softmax}
  optimizer: {name: adam, learning_rate: 0.01}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 2, batch_size: 16}
strategy: {name: grid, objective: val_accuracy, max_trials: 2}
"""


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    (folder / "config.yaml").write_text(CONFIG)
    result = invoke("search", "config.yaml", "--workers", "0", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


def _predicts(path: Path) -> None:
    from tuner_cli.training.keras_import import import_keras

    keras = import_keras()
    import numpy as np

    model = keras.models.load_model(path)
    predictions = model.predict(np.zeros((5, 4), dtype="float32"), verbose=0)
    assert predictions.shape == (5, 3)
    assert np.allclose(predictions.sum(axis=1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_export_copies_the_kept_model(searched):
    result = invoke("export", "--output", "best.keras", cwd=searched)
    assert result.returncode == 0, result.stderr
    best = json.loads(invoke("best", "--format", "json", cwd=searched).stdout)
    assert f"trial {best['id']}'s saved model" in result.stdout
    _predicts(searched / "best.keras")


@pytest.mark.slow
def test_export_retrains_on_all_the_data(searched):
    result = invoke("export", "--retrain", "--output", "out/retrained.keras", cwd=searched)
    assert result.returncode == 0, result.stderr
    assert "retrained for" in result.stdout
    assert "on 150 rows" in result.stdout  # iris: training plus validation rows
    _predicts(searched / "out" / "retrained.keras")


def _served_as_kept(folder: Path, x) -> tuple:
    """What ``kept.keras`` predicts for ``x``, checked equal to what the SavedModel ``serve``
    answers, and an interpreter of ``m.tflite``, all in ``folder``."""
    import warnings

    import numpy as np
    import tensorflow as tf

    from tuner_cli.training.keras_import import import_keras

    kept = import_keras().models.load_model(folder / "kept.keras").predict(x, verbose=0)
    loaded = tf.saved_model.load(str(folder / "serve"))
    assert np.allclose(loaded.serve(x).numpy(), kept, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
        return kept, tf.lite.Interpreter(model_path=str(folder / "m.tflite"))


@pytest.mark.slow
def test_export_for_serving_predicts_what_the_kept_model_predicts(searched, tmp_path):
    """A SavedModel (TF Serving) and a TensorFlow Lite file hold the scaling in front of the
    network, as the .keras file does, so raw inputs give the kept model's predictions."""

    import numpy as np

    served = invoke(
        "export", "--format", "saved_model", "-o", str(tmp_path / "serve"), cwd=searched
    )
    assert served.returncode == 0, served.stderr
    assert "as a SavedModel to" in served.stdout
    lite = invoke("export", "--retrain", "-o", str(tmp_path / "m.tflite"), cwd=searched)
    assert lite.returncode == 0 and "as a TensorFlow Lite model" in lite.stdout, lite.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite", "serve"]  # nothing partial

    x = np.random.default_rng(0).normal(2.0, 1.5, (5, 4)).astype("float32")  # raw iris scale
    invoke("export", "-o", str(tmp_path / "kept.keras"), cwd=searched)
    kept, interpreter = _served_as_kept(tmp_path, x)
    given = interpreter.get_input_details()[0]
    interpreter.resize_tensor_input(given["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(given["index"], x)
    interpreter.invoke()
    probabilities = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    assert probabilities.shape == (5, 3) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)

    again = invoke("export", "--format", "saved_model", "-o", str(tmp_path / "serve"), cwd=searched)
    assert again.returncode == 2 and "a SavedModel goes into a new folder" in again.stderr


@pytest.mark.slow
def test_export_without_kept_models_needs_retrain(searched, tmp_path):
    study = tmp_path / "results" / "export-me"
    shutil.copytree(searched / "results" / "export-me", study)
    config = study / "config.yaml"
    config.write_text(config.read_text().replace("models: best", "models: none"))
    shutil.rmtree(study / "models")
    result = invoke("export", str(study), "--output", str(tmp_path / "x.keras"))
    assert result.returncode == 2
    assert "models: none" in result.stderr
    assert "--retrain" in result.stderr
    assert not (tmp_path / "x.keras").exists()


def test_export_checks_its_arguments(tmp_path):
    from tests.cli.test_read_commands import make_study

    store = make_study(tmp_path / "study", count=3)
    wrong_suffix = invoke("export", str(store.root), "--output", str(tmp_path / "m.h5"))
    assert wrong_suffix.returncode == 2
    assert "must end in .keras or .tflite, or give --format saved_model" in wrong_suffix.stderr
    mismatch = invoke("export", str(store.root), "--format", "tflite", "-o", "m.keras")
    assert mismatch.returncode == 2 and "must end in .tflite for --format tflite" in mismatch.stderr
    folder_as_file = invoke("export", str(store.root), "--format", "saved_model", "-o", "m.keras")
    assert folder_as_file.returncode == 2 and "a SavedModel is a folder" in folder_as_file.stderr
    unknown = invoke("export", str(store.root), "--format", "onnx")
    assert (
        unknown.returncode == 2
        and "--format must be keras, saved_model or tflite" in unknown.stderr
    )
    failed = invoke("export", str(store.root), "--trial", "99", "--output", "m.keras")
    assert failed.returncode == 2
    assert "no readable trial 99" in failed.stderr


BEST_NOT_LAST = """\
name: best-epoch
seed: 0
models: best
data: {source: sklearn, name: digits, validation_split: 0.2, scale: standard}
search_space:
  units: {type: fixed, value: 256}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 10, activation: softmax}
  optimizer: {name: adam, learning_rate: 0.05}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 6, batch_size: 64}
strategy: {name: random, objective: {name: val_loss, direction: min}, max_trials: 1}
"""


@pytest.mark.slow
def test_the_kept_model_holds_the_best_epoch_not_the_last(tmp_path):
    """A learning rate this high makes the validation loss bounce, so the best epoch is an
    early one; the kept model must score what the record says, on the same rows."""
    import keras

    from tuner_cli.config import load_config
    from tuner_cli.training.data import load_dataset

    (tmp_path / "config.yaml").write_text(BEST_NOT_LAST)
    result = invoke("search", "config.yaml", "--workers", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    study_dir = tmp_path / "results" / "best-epoch"
    record = json.loads((study_dir / "trials" / "trial_0001.json").read_text())
    assert record["best_epoch"] < len(record["history"]), "this test needs an earlier best epoch"
    seed = json.loads((study_dir / "study.json").read_text())["seed"]
    data = load_dataset(load_config(tmp_path / "config.yaml"), seed)
    model = keras.models.load_model(study_dir / "models" / "trial_0001.keras")
    scores = model.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)
    best = record["history"][record["best_epoch"] - 1]
    assert scores["loss"] == pytest.approx(best["val_loss"], rel=1e-4)
    assert scores["loss"] != pytest.approx(record["history"][-1]["val_loss"], rel=1e-2)


def test_export_of_a_trial_without_a_saved_model_is_a_usage_error(tmp_path):
    from tests.cli.test_read_commands import make_study

    store = make_study(tmp_path / "study", count=3)
    result = invoke("export", str(store.root), "--trial", "2", "--output", "m.keras")
    assert result.returncode == 2
    assert "no saved model for trial 2" in result.stderr
    assert "keeps only the best trial's model" in result.stderr
    assert "--retrain" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_of_a_trial_off_the_pareto_front_says_which_models_were_kept(tmp_path):
    """A multi-objective study keeps every front member's model, not the best trial's alone:
    the message said "keeps only the best trial's model", hiding the other trade-offs."""
    from tests.cli.test_read_commands import make_pareto_study

    store = make_pareto_study(tmp_path / "study")
    result = invoke("export", str(store.root), "--trial", "3", "--output", "m.keras")
    assert result.returncode == 2
    assert "no saved model for trial 3" in result.stderr
    assert "keeps only the models of the Pareto front's trials (1, 2)" in result.stderr
    assert "best trial's model" not in result.stderr
    assert "--retrain" in result.stderr


@pytest.mark.parametrize("retrain", [[], ["--retrain"]])
def test_export_of_an_objective_function_study_says_there_is_no_model(tmp_path, retrain):
    from tests.conftest import REPO

    for name in ("objective.yaml", "objectives.py"):
        shutil.copy(REPO / "examples" / name, tmp_path / name)
    search = invoke("search", "objective.yaml", "-w", "0", "--max-trials", "2", cwd=tmp_path)
    assert search.returncode == 0, search.stderr
    result = invoke("export", *retrain, cwd=tmp_path)
    assert result.returncode == 2
    assert "tunes an objective_function (objectives:branin)" in result.stderr
    assert "use --retrain" not in result.stderr
    assert not (tmp_path / "best.keras").exists()


def test_export_to_an_output_that_cannot_be_written_is_an_error_naming_it(tmp_path):
    from tests.cli.test_read_commands import make_study

    store = make_study(tmp_path / "results" / "study", count=3)
    store.models_dir.mkdir()
    store.model_path(3).write_bytes(b"the kept model")
    (tmp_path / "folder.keras").mkdir()
    (tmp_path / "a_file").write_text("x")
    for output, message in (
        ("folder.keras", "--output 'folder.keras' is a folder"),
        ("a_file/m.keras", "cannot write the model to a_file/m.keras: a_file is a file, not"),
        ("a_file/deeper/m.keras", "a_file/deeper/m.keras: a_file is a file, not a folder"),
        ("y" * 300 + ".keras", "cannot write the model to yyy"),
        ("new/deeper/" + "y" * 300 + ".keras", "cannot write the model to new/deeper/yyy"),
    ):
        result = invoke("export", str(store.root), "-o", output, cwd=tmp_path)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
        assert result.returncode == 2, (output, result.stderr)
        assert message in result.stderr, (output, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "folder.keras", "results"]
    written = invoke("export", str(store.root), "-o", "sub/m.keras", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "sub" / "m.keras").read_bytes() == b"the kept model"


TABLE_CONFIG = """\
name: table-export
seed: 1
data: {source: csv, path: table.csv, target: label}
model:
  layers:
    - Dense: {units: 4, activation: relu}
    - Dense: {units: 2, activation: softmax}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 1, batch_size: 16}
strategy: {name: random, objective: val_accuracy, max_trials: 1}
"""


@pytest.mark.slow
def test_a_served_table_model_takes_the_columns_predict_takes(tmp_path):
    """A table's model takes a dict of 1-D columns (``predict({"color": np.array([...],
    dtype=object), ...})``). Exported with Keras' default signature, the SavedModel wanted
    each column as (N, 1) and refused those arrays, and TensorFlow Lite took them and gave a
    prediction of the wrong rows without a word."""

    import numpy as np

    rows = ["color,size,label"] + [
        f"{('red', 'green', 'blue')[i % 3]},{i / 10:.1f},{i % 2}" for i in range(40)
    ]
    (tmp_path / "table.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "config.yaml").write_text(TABLE_CONFIG)
    assert invoke("search", "config.yaml", "--workers", "0", cwd=tmp_path).returncode == 0
    for output in ("kept.keras", "m.tflite"):
        assert invoke("export", "-o", output, cwd=tmp_path).returncode == 0
    served = invoke("export", "--format", "saved_model", "-o", "serve", cwd=tmp_path)
    assert served.returncode == 0, served.stderr

    x = {
        "color": np.array(["red", "blue", "", "green"], dtype=object),
        "size": np.array([0.1, 2.5, np.nan, 1.0], dtype="float32"),
    }
    kept, interpreter = _served_as_kept(tmp_path, x)
    lite = interpreter.get_signature_runner()(**x)["output_0"]
    assert lite.shape == kept.shape and np.allclose(lite, kept, atol=1e-5)


@pytest.mark.slow
def test_an_export_cut_short_leaves_the_file_it_was_replacing_whole(tmp_path):
    """A re-export over last week's ``best.keras`` that a file-size limit (a full disk, a
    kill) stopped half way left half a model there, which a server watching the file
    loaded; the model is written beside it and renamed into place, as the other formats are."""
    from tests.cli.test_read_commands import make_study

    store = make_study(tmp_path / "study")
    store.model_path(3).parent.mkdir()
    store.model_path(3).write_bytes(b"k" * 200_000)
    old = tmp_path / "best.keras"
    old.write_bytes(b"last week's model")

    done = _export_writing_at_most(100_000, str(store.root), "-o", str(old))
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"error: cannot write the model to {old}: File too large")
    assert old.read_bytes() == b"last week's model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.keras", "study"]


@pytest.mark.slow
def test_a_retrained_export_cut_short_leaves_the_file_it_was_replacing_whole(searched):
    """``--retrain`` saved straight over ``--output``: cut short, half a model was left for a
    server watching the file to load."""
    old = searched / "served.keras"
    old.write_bytes(b"last week's model")
    done = _export_writing_at_most(8_000, "--retrain", "-o", str(old), cwd=searched)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"error: cannot write the model to {old}: File too large")
    assert old.read_bytes() == b"last week's model"
    assert not list(searched.glob(".*partial*"))


def _export_writing_at_most(size: int, *args: str, cwd: Path | None = None):
    """``kt-run export ARGS`` in a process whose files may not grow past ``size`` bytes, as
    a full disk would stop it half way."""
    import resource
    import subprocess
    import sys

    from tests.conftest import cli_env

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return subprocess.run(
        [sys.executable, "-m", "tuner_cli", "export", *args],
        cwd=cwd,
        env=cli_env(),
        preexec_fn=limit_file_size,
        capture_output=True,
        text=True,
        timeout=300,
    )
