"""The image, text and table examples run as their comments say, with a worker process that
reads the data itself."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from tests.conftest import REPO, invoke, run_cli


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "kind", "folder", "classes"),
    [
        ("digit_images.yaml", "images", "digit_images", 10),
        ("topics.yaml", "text", "topics", 3),
        ("wine_table.yaml", "csv", "wine.csv", 3),
    ],
)
def test_a_folder_example_searches_in_a_worker_and_exports(tmp_path, config, kind, folder, classes):
    for name in (config, "make_data.py"):
        shutil.copy(REPO / "examples" / name, tmp_path / name)
    import subprocess

    made = subprocess.run(
        [sys.executable, "make_data.py", kind, folder], cwd=tmp_path, capture_output=True
    )
    assert made.returncode == 0, made.stderr
    result = run_cli("search", config, "--max-trials", "1", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (study,) = (tmp_path / "results").iterdir()
    assert len(json.loads((study / "study.json").read_text())["class_names"]) == classes
    record = json.loads((study / "trials" / "trial_0001.json").read_text())
    assert record["status"] == "completed" and record["score"] > 0.6
    exported = invoke("export", "-o", "best.keras", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "best.keras").stat().st_size > 0
