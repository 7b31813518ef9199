"""The config's JSON Schema: every shipped config validates, typical mistakes do not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, invoke
from tuner_cli.config.schema import config_schema

jsonschema = pytest.importorskip("jsonschema")

SHIPPED = sorted([*REPO.glob("configs/*.yaml"), *REPO.glob("examples/*.yaml")])


@pytest.fixture(scope="module")
def validator():
    schema = config_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_cli_prints_the_schema_and_writes_a_file(tmp_path):
    result = invoke("schema")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert printed["title"] == "kt-run config"
    written = invoke("schema", "--output", str(tmp_path / "kt-run.schema.json"))
    assert written.returncode == 0
    assert json.loads((tmp_path / "kt-run.schema.json").read_text()) == printed
    dash = invoke("schema", "-o", "-", cwd=tmp_path)
    assert dash.returncode == 0 and json.loads(dash.stdout) == printed
    assert not (tmp_path / "-").exists()


def test_the_schema_is_not_written_over_a_folder_or_a_study_file(tmp_path):
    study = tmp_path / "s"
    study.mkdir()
    (study / "study.json").write_text("{}")
    folder = invoke("schema", "--output", str(tmp_path))
    assert folder.returncode == 2 and "is a folder" in folder.stderr
    own = invoke("schema", "--output", str(study / "study.json"))
    assert own.returncode == 2 and "one of the files of the study" in own.stderr
    assert (study / "study.json").read_text() == "{}"
    missing = invoke("schema", "--output", str(tmp_path / "no" / "such" / "s.json"))
    assert missing.returncode == 2 and "cannot write the schema to" in missing.stderr
    assert "internal error" not in missing.stderr


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_configs_validate(validator, path: Path):
    errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
    assert errors == []


BASE = {
    "name": "s",
    "data": {"source": "sklearn", "name": "digits"},
    "search_space": {"units": {"type": "int", "min": 8, "max": 64}},
    "model": {"layers": [{"Dense": {"units": "$units"}}], "loss": "mse"},
    "training": {"epochs": "$epochs", "batch_size": 32},
    "logging": {"tensorboard": "tb", "mlflow": "file:./mlruns"},
}


@pytest.mark.parametrize(
    "change",
    [
        {"strategy": {"nmae": "random"}},
        {"strategy": {"name": "annealing"}},
        {"strategy": {"max_trials": 0}},
        {"search_space": {"units": {"type": "int", "min": "eight", "max": 64}}},
        {"search_space": {"units": {"type": "integer", "min": 8, "max": 64}}},
        {"training": {"epochs": "ten"}},
        {"logging": {"wandb": "x"}},
        {"models": "some"},
    ],
)
def test_mistakes_are_flagged(validator, change):
    assert validator.is_valid(BASE)
    assert not validator.is_valid({**BASE, **change})


@pytest.mark.parametrize("name", ["batch_size", "batch-size", "block_1/batch"])
def test_a_reference_the_loader_takes_is_valid_in_the_schema(validator, name):
    """Hyperparameter names may join Python names by '-' or '/' (``units-1``, KerasTuner's
    ``block_1/units``), and ``training.batch_size: $batch-size`` loads; the schema's pattern
    for a reference took Python names only, so an editor underlined a config kt-run runs."""
    from tuner_cli.config import load_config_dict

    config = {
        "name": "s",
        "data": {"source": "sklearn", "name": "iris"},
        "search_space": {name: {"type": "choice", "values": [8, 16]}},
        "model": {"layers": [{"Dense": {"units": 3}}], "loss": "mse"},
        "training": {"epochs": 1, "batch_size": f"${name}"},
    }
    assert load_config_dict(config).batch_size({name: 16}) == 16
    assert validator.is_valid(config)
    for wrong in ("$", "$1units", "$batch size", "$a/", "batch_size"):
        assert not validator.is_valid({**config, "training": {"batch_size": wrong}}), wrong
