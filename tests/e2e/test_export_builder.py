"""``export --retrain`` of a study whose model comes from a builder module next to its config:
the study remembers the config's folder, so the module is found from anywhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, invoke, run_cli

CONFIG = """
name: builder-export
seed: 1
data: {source: sklearn, name: digits, scale: standard}
search_space:
  layers: {type: int, min: 1, max: 1}
  units: {type: int, min: 8, max: 16, step: 8}
  learning_rate: {type: float, min: 1.0e-3, max: 1.0e-2, sampling: log}
model:
  builder: my_models:build
training: {epochs: 1, batch_size: 32}
strategy: {name: random, objective: val_accuracy, max_trials: 1}
"""


@pytest.mark.slow
def test_retrain_imports_the_builder_module_search_found(tmp_path: Path):
    configs = tmp_path / "configs"
    configs.mkdir()
    shutil.copy(REPO / "examples" / "my_models.py", configs / "my_models.py")
    (configs / "builder.yaml").write_text(CONFIG, encoding="utf-8")
    searched = invoke("search", "configs/builder.yaml", "--workers", "0", "-q", cwd=tmp_path)
    assert searched.returncode == 0, searched.stderr
    study = tmp_path / "results" / "builder-export"
    info = json.loads((study / "study.json").read_text())
    assert Path(info["config_dir"]) == configs.resolve()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    exported = run_cli("export", str(study), "--retrain", "-o", "m.keras", cwd=elsewhere)
    assert exported.returncode == 0, exported.stderr
    assert (elsewhere / "m.keras").stat().st_size > 0
