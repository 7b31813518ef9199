"""``data: {source: text}``: a TextVectorization layer at the head of the template is adapted on
the training texts, and the exported model takes raw strings."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.training.test_image_folders import make_data
from tuner_cli import load_config_dict, run_search


def config(data: dict, epochs: int = 6) -> dict:
    return {
        "name": "topics",
        "seed": 5,
        "data": data,
        "search_space": {"max_tokens": {"type": "choice", "values": [50, 200]}},
        "model": {
            "layers": [
                {"TextVectorization": {"max_tokens": "$max_tokens", "output_sequence_length": 20}},
                {"Embedding": {"input_dim": "$max_tokens", "output_dim": 8}},
                {"GlobalAveragePooling1D": {}},
                {"Dense": {"units": 3, "activation": "softmax"}},
            ],
            "optimizer": {"name": "adam", "learning_rate": 0.02},
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        },
        "training": {"epochs": epochs, "batch_size": 32},
        "strategy": {"name": "grid", "objective": "val_accuracy"},
    }


def read_texts(folder) -> tuple[np.ndarray, np.ndarray]:
    x, y = [], []
    for label, sub in enumerate(sorted(p for p in folder.iterdir() if p.is_dir())):
        for path in sorted(sub.glob("*.txt")):
            x.append(path.read_text(encoding="utf-8"))
            y.append(label)
    return np.array(x, dtype=object), np.array(y)


def test_the_vocabulary_is_learnt_from_the_training_texts_only(tmp_path):
    from tuner_cli.training.data import load_dataset
    from tuner_cli.training.keras_training import Trainable

    make_data().topic_texts(tmp_path / "train", per_class=20)
    make_data().topic_texts(tmp_path / "val", per_class=5, seed=1)
    (tmp_path / "val" / "sport" / "extra.txt").write_text("zebraword " * 5)
    study = load_config_dict(
        config({"source": "text", "path": "train", "validation": {"path": "val"}}), tmp_path
    )
    data = load_dataset(study, seed=0)
    assert data.class_names == ("cooking", "sport", "weather") and data.rows == (60, 16)
    built = Trainable.build(study, {"max_tokens": 200}, data)
    (vectorizer,) = built.front_layers
    vocabulary = vectorizer.get_vocabulary()
    assert "striker" in vocabulary and "zebraword" not in vocabulary
    x, y = data.evaluation_rows(4, built.front)
    assert tuple(x.shape) == (4, 20) and "int" in str(x.dtype)


def test_reading_a_text_folder_prints_nothing(tmp_path, capsys):
    """The split Keras makes of a folder is announced on stdout whatever its ``verbose``."""
    from tuner_cli.training.data import load_dataset

    make_data().topic_texts(tmp_path / "texts", per_class=10)
    load_dataset(load_config_dict(config({"source": "text", "path": "texts"}), tmp_path), seed=0)
    assert capsys.readouterr().out == ""


@pytest.mark.slow
def test_the_exported_text_model_scores_raw_strings_as_the_search_recorded(tmp_path):
    import keras

    from tuner_cli.cli.app import app

    make_data().topic_texts(tmp_path / "train", per_class=60)
    make_data().topic_texts(tmp_path / "val", per_class=20, seed=1)
    # absolute: `export --retrain STUDY_DIR` reads the data relative to the saved config
    data = {
        "source": "text",
        "path": str(tmp_path / "train"),
        "validation": {"path": str(tmp_path / "val")},
    }
    result = run_search(load_config_dict(config(data), tmp_path), tmp_path / "out", workers=0)
    assert all(t.status.value == "completed" for t in result.trials) and len(result.trials) == 2
    study_dir = tmp_path / "out" / "topics"
    assert json.loads((study_dir / "study.json").read_text())["class_names"] == [
        "cooking",
        "sport",
        "weather",
    ]
    x_val, y_val = read_texts(tmp_path / "val")
    for retrain in ([], ["--retrain"]):
        output = tmp_path / f"best{len(retrain)}.keras"
        args = ["export", str(study_dir), "--output", str(output), *retrain]
        exported = CliRunner().invoke(app, args)
        assert exported.exit_code == 0, exported.output
        model = keras.models.load_model(output)
        accuracy = float(np.mean(model.predict(x_val, verbose=0).argmax(axis=1) == y_val))
        if retrain:
            assert accuracy >= result.best.score - 0.05
        else:
            assert accuracy == pytest.approx(result.best.score, abs=1e-6)


@pytest.mark.parametrize(
    "content, message",
    [
        (
            "caf\u00e9 au lait".encode("latin-1"),
            "old.txt is not UTF-8 text (byte 0xe9 at offset 3)",
        ),
        ("sport news".encode("utf-16"), "old.txt is UTF-16 text (its byte order mark); Keras"),
    ],
)
def test_a_text_file_not_in_utf8_is_a_config_error_naming_it(tmp_path, content, message):
    """Keras reads the files as bytes; a Latin-1 or UTF-16 file trained, then every trial
    failed saving its model ('utf-8' codec can't decode byte 0xff), naming no file. A UTF-16
    file is named as such (its byte 0xff said nothing of what to convert it from)."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    make_data().topic_texts(tmp_path / "train", per_class=5)
    (tmp_path / "train" / "sport" / "old.txt").write_bytes(content)
    (tmp_path / "train" / "sport" / "bom.txt").write_bytes("\ufeffgoal".encode("utf-8"))
    study = load_config_dict(config({"source": "text", "path": "train"}), tmp_path)
    with pytest.raises(ConfigError) as error:
        load_dataset(study, seed=0)
    assert message in error.value.message and error.value.key_path == ("data", "path")


def test_a_byte_order_mark_is_not_read_as_part_of_the_first_word(tmp_path):
    from tuner_cli.training.data import load_dataset

    make_data().topic_texts(tmp_path / "train", per_class=10)
    for path in (tmp_path / "train").rglob("*.txt"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Notepad saves UTF-8
    study = load_config_dict(config({"source": "text", "path": "train"}), tmp_path)
    data = load_dataset(study, seed=0)
    texts = [
        text.numpy().decode()
        for stream in (data.streams.train, data.streams.val)
        for text, _ in stream
    ]
    assert len(texts) == 30 and not any(text.startswith("\ufeff") for text in texts)


def test_files_keras_passes_over_beside_the_texts_are_named(tmp_path, kt_run):
    """Keras reads only .txt files; a review saved as .md or without a suffix (as the 20
    Newsgroups files are) is passed over silently."""
    for label in ("neg", "pos"):
        (tmp_path / "t" / label).mkdir(parents=True)
        for i in range(3):
            (tmp_path / "t" / label / f"{i}.txt").write_text(f"{label} words", encoding="utf-8")
    (tmp_path / "t" / "pos" / "long.md").write_text("pos words", encoding="utf-8")
    (tmp_path / "t" / "pos" / "49960").write_text("pos words", encoding="utf-8")
    (tmp_path / "t" / "pos" / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "t" / "neg" / "README.md").write_text("where these came from", encoding="utf-8")
    (tmp_path / "t" / "neg" / "Thumbs.db").write_bytes(b"\0")
    checked = kt_run("init", "t", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "2 files will not be trained on (1 without a suffix, 1 .md: pos/49960, pos/long.md)" in (
        checked.stderr
    )
    assert "rename them to .txt" in checked.stderr
    assert not any(name in checked.stderr for name in (".DS_Store", "README", "Thumbs"))


def test_every_file_not_in_utf8_is_counted_in_one_message(tmp_path):
    """A corpus saved in Latin-1 is rarely one file: naming one per run made a user fix and
    rerun once per file."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.data import load_dataset

    make_data().topic_texts(tmp_path / "train", per_class=5)
    for name in ("a", "b", "c", "d", "e"):
        (tmp_path / "train" / "sport" / f"{name}.txt").write_bytes("déjà".encode("latin-1"))
    study = load_config_dict(config({"source": "text", "path": "train"}), tmp_path)
    with pytest.raises(ConfigError) as error:
        load_dataset(study, seed=0)
    assert error.value.message.endswith(
        "is not UTF-8 text (byte 0xe9 at offset 1); save it as UTF-8; 4 other files are not "
        "UTF-8 either (b.txt, c.txt, d.txt, ...)"
    ), error.value.message
