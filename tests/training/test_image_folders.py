"""``data: {source: images}``: class folders streamed by tf.data; the exported model takes
images as read from the files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tuner_cli import load_config_dict, run_search

REPO = Path(__file__).resolve().parents[2]


def make_data():
    spec = importlib.util.spec_from_file_location("make_data", REPO / "examples" / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def config(data: dict) -> dict:
    return {
        "name": "digit-folders",
        "seed": 3,
        "data": data,
        "search_space": {"units": {"type": "fixed", "value": 64}},
        "model": {
            "layers": [
                {"Flatten": {}},
                {"Dense": {"units": "$units", "activation": "relu"}},
                {"Dense": {"units": 10, "activation": "softmax"}},
            ],
            "optimizer": {"name": "adam", "learning_rate": 0.01},
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        },
        "training": {"epochs": 3, "batch_size": 32},
        "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
    }


def read_folder(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Every PNG as a raw (8, 8, 1) float array of 0-255 values, labelled by folder order."""
    from PIL import Image

    x, y = [], []
    for label, sub in enumerate(sorted(p for p in folder.iterdir() if p.is_dir())):
        for path in sorted(sub.glob("*.png")):
            x.append(np.asarray(Image.open(path), dtype="float32")[..., None])
            y.append(label)
    return np.stack(x), np.array(y)


def test_an_image_folder_loads_as_a_tf_data_stream_with_its_class_names(tmp_path):
    import tensorflow as tf

    from tuner_cli.training.data import load_dataset

    make_data().digit_images(tmp_path / "digits", rows=slice(0, 200))
    study = load_config_dict(
        config(
            {"source": "images", "path": "digits", "scale": "standard", "color_mode": "grayscale"}
        ),
        tmp_path,
    )
    data = load_dataset(study, seed=0)
    assert data.x_train is None and isinstance(data.streams.train, tf.data.Dataset)
    assert data.class_names == tuple(f"{d}_{n}" for d, n in enumerate(make_data().DIGIT_NAMES))
    assert data.input_shape == (8, 8, 1) and data.rows == (160, 40)
    fit = data.fit_arguments(batch_size=16)
    x, y = next(iter(fit["x"]))
    assert x.shape == (16, 8, 8, 1) and y.shape == (16,)
    assert abs(float(tf.reduce_mean(x))) < 0.5, "standard scaling centres the training pixels"
    assert data.scaling.per_channel and data.scaling.centre.shape == (1,)
    x, y = data.evaluation_rows(4)
    assert x.shape == (4, 8, 8, 1)
    for _ in range(2):  # a peek must not leave the cached validation pipeline cut short
        assert sum(len(y) for _, y in fit["validation_data"]) == 40


def test_reading_an_image_folder_prints_nothing(tmp_path, capsys):
    """Keras announces "Using 48 files for training." on stdout whatever its ``verbose``; in
    kt-run that line broke into validate's output, the search log and the live view."""
    import keras

    from tuner_cli.training.data import load_dataset

    make_data().digit_images(tmp_path / "digits", rows=slice(0, 60))
    data = {"source": "images", "path": "digits", "color_mode": "grayscale"}
    load_dataset(load_config_dict(config(data), tmp_path), seed=0)
    assert capsys.readouterr().out == ""
    assert keras.config.is_interactive_logging_enabled(), "Keras' own switch is put back"


@pytest.mark.slow
def test_the_exported_image_model_scores_raw_files_as_the_search_recorded(tmp_path):
    import keras

    from tuner_cli.cli.app import app

    make_data().digit_images(tmp_path / "train", rows=slice(0, 1400))
    make_data().digit_images(tmp_path / "val", rows=slice(1400, None))
    data = {
        "source": "images",
        "path": "train",
        "validation": {"path": "val"},
        "color_mode": "grayscale",
        "scale": 1 / 255,
    }
    result = run_search(load_config_dict(config(data), tmp_path), tmp_path / "out", workers=0)
    study_dir = tmp_path / "out" / "digit-folders"
    info = json.loads((study_dir / "study.json").read_text())
    assert info["class_names"][:2] == ["0_zero", "1_one"] and len(info["class_names"]) == 10
    output = tmp_path / "best.keras"
    exported = CliRunner().invoke(app, ["export", str(study_dir), "--output", str(output)])
    assert exported.exit_code == 0, exported.output

    x_val, y_val = read_folder(tmp_path / "val")
    model = keras.models.load_model(output)
    accuracy = float(np.mean(model.predict(x_val, verbose=0).argmax(axis=1) == y_val))
    assert accuracy == pytest.approx(result.best.score, abs=1e-6)
    assert accuracy > 0.8


def resize_some(folder: Path, sizes: list[tuple[int, int]]) -> None:
    """The folder's PNGs in turn at each of ``sizes`` (width, height), as photos of several
    cameras arrive."""
    from PIL import Image

    for index, path in enumerate(sorted(folder.rglob("*.png"))):
        width, height = sizes[index % len(sizes)]
        Image.open(path).resize((width, height), Image.Resampling.NEAREST).save(path)


@pytest.mark.slow
def test_the_exported_model_resizes_raw_files_of_any_size_as_the_search_did(tmp_path):
    """With ``image_size``, Keras' reader resized every image before the network saw it, but
    the exported model took only images already at that size: a photo read from its file
    failed in a Flatten model, and in a convolutional one was silently scored at its own
    size. The export now resizes as the search did, so files read as they are score what the
    search recorded."""
    import keras

    from tuner_cli.cli.app import app

    make_data().digit_images(tmp_path / "train", rows=slice(0, 600))
    make_data().digit_images(tmp_path / "val", rows=slice(1400, None))
    for folder in ("train", "val"):
        resize_some(tmp_path / folder, [(8, 8), (16, 16), (12, 20)])
    data = {
        "source": "images",
        "path": "train",
        "validation": {"path": "val"},
        "color_mode": "grayscale",
        "image_size": [8, 8],
        "scale": 1 / 255,
    }
    result = run_search(load_config_dict(config(data), tmp_path), tmp_path / "out", workers=0)
    output = tmp_path / "best.keras"
    study_dir = tmp_path / "out" / "digit-folders"
    exported = CliRunner().invoke(app, ["export", str(study_dir), "--output", str(output)])
    assert exported.exit_code == 0, exported.output

    from PIL import Image

    model = keras.models.load_model(output)
    by_size: dict[tuple[int, int], tuple[list, list]] = {}
    for label, sub in enumerate(sorted((tmp_path / "val").iterdir())):
        for path in sorted(sub.glob("*.png")):
            pixels = np.asarray(Image.open(path), dtype="float32")[..., None]
            images, labels = by_size.setdefault(pixels.shape, ([], []))
            images.append(pixels)
            labels.append(label)
    assert len(by_size) == 3
    right = sum(
        int(np.sum(model.predict(np.stack(x), verbose=0).argmax(axis=1) == np.array(y)))
        for x, y in by_size.values()
    )
    accuracy = right / sum(len(y) for _, y in by_size.values())
    assert accuracy == pytest.approx(result.best.score, abs=1e-6)
    assert accuracy > 0.7


def _image_bytes(pixels: np.ndarray, fmt: str, mode: str | None = None) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    image = Image.fromarray(pixels)
    (image.convert(mode) if mode else image).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("cut.png", lambda png, jpg: png[: len(png) // 2], "is truncated"),
        ("cut.jpg", lambda png, jpg: jpg[: len(jpg) * 3 // 4], "is truncated"),
        (
            "scan.png",
            lambda png, jpg: _image_bytes(np.zeros((40, 40, 3), np.uint8), "TIFF"),
            "is a TIFF image",
        ),
        (
            "bits.bmp",
            lambda png, jpg: _image_bytes(np.zeros((40, 40, 3), np.uint8), "BMP", "1"),
            "1 bit per pixel",
        ),
        ("._ok.png", lambda png, jpg: b"\x00\x05\x16\x07" + bytes(60), "macOS metadata"),
    ],
)
def test_an_image_tensorflow_cannot_decode_is_a_config_error_naming_it(
    tmp_path, name, content, message
):
    """Pillow opens these from their headers, but TensorFlow's decoder fails on them: found
    only mid-epoch, every trial failed with 'Invalid PNG data, size 200' and no file name."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training import class_folders

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)
    png, jpg = _image_bytes(pixels, "PNG"), _image_bytes(pixels, "JPEG")
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        (tmp_path / label / "ok.png").write_bytes(png)
    (tmp_path / "b" / name).write_bytes(content(png, jpg))
    folders = class_folders.scan(tmp_path, "images", ("data", "path"))
    for check in (class_folders.check_images, class_folders.image_size):
        with pytest.raises(ConfigError) as error:
            check(folders, ("data", "path"))
        assert f"{name} " in error.value.message and message in error.value.message


def test_a_hidden_folder_is_no_class_as_keras_reads_the_folder(tmp_path):
    """Keras skips subfolders whose name starts with a dot (``.ipynb_checkpoints``, ``.git``);
    kt-run counted them as classes: an empty one refused the data, one with files made
    study.json's class names (and the split's counts) disagree with Keras' labels."""
    import keras

    from tuner_cli.training import class_folders
    from tuner_cli.training.streams import _keras_quiet

    png = _image_bytes(np.zeros((8, 8, 3), np.uint8), "PNG")
    for label in ("a", "b", ".ipynb_checkpoints", ".empty"):
        (tmp_path / label).mkdir()
    for label in ("a", "b", ".ipynb_checkpoints"):
        (tmp_path / label / "0.png").write_bytes(png)
    folders = class_folders.scan(tmp_path, "images", ("data", "path"))
    with _keras_quiet():
        read = keras.utils.image_dataset_from_directory(tmp_path, batch_size=None)
    assert folders.class_names == tuple(read.class_names) == ("a", "b")
    assert folders.count == int(read.cardinality()) == 2


def test_files_keras_passes_over_are_named_before_the_search(tmp_path, kt_run):
    """Keras reads .png/.jpg/.jpeg/.bmp/.gif and passes over a .webp or .tif photo without a
    word: a folder a third of which is .webp trained on two thirds of it. Such files are named
    by init, validate and the search (a notes file beside the images is not a photo)."""
    import keras

    from tuner_cli.training import class_folders
    from tuner_cli.training.streams import _keras_quiet

    pixels = np.zeros((8, 8, 3), np.uint8)
    for label in ("a", "b"):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        for i, kind in enumerate(("PNG", "JPEG", "WEBP", "PNG")):
            suffix = {"PNG": "png", "JPEG": "JPG", "WEBP": "webp"}[kind]
            (tmp_path / "imgs" / label / f"{i}.{suffix}").write_bytes(_image_bytes(pixels, kind))
    (tmp_path / "imgs" / "b" / "scan.tif").write_bytes(_image_bytes(pixels, "TIFF"))
    (tmp_path / "imgs" / "b" / "notes.txt").write_text("where these came from", encoding="utf-8")
    folders = class_folders.scan(tmp_path / "imgs", "images", ("data", "path"))
    with _keras_quiet():
        read = keras.utils.image_dataset_from_directory(tmp_path / "imgs", batch_size=None)
    assert folders.count == int(read.cardinality()) == 6
    note = "3 files will not be trained on (2 .webp, 1 .tif: a/2.webp, b/2.webp, b/scan.tif)"
    made = kt_run("init", "imgs", cwd=tmp_path)
    assert made.returncode == 0 and note in made.stderr, made.stderr
    checked = kt_run("validate", "imgs.yaml", "--no-build", cwd=tmp_path)
    assert checked.returncode == 0 and note in checked.stderr, checked.stderr
    assert "convert them to PNG or JPEG" in checked.stderr and "notes.txt" not in checked.stderr
