"""The image, text, table and text-table examples run as their comments say; the image folder
is read by a worker process itself, as on a cluster."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from tests.conftest import REPO, invoke


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "kind", "folder", "classes", "workers"),
    [
        ("digit_images.yaml", "images", "digit_images", 10, "1"),
        ("topics.yaml", "text", "topics", 3, "0"),
        ("wine_table.yaml", "csv", "wine.csv", 3, "0"),
        ("topics_table.yaml", "text-csv", "topics.csv", 3, "0"),
    ],
)
def test_a_data_example_searches_and_exports(tmp_path, config, kind, folder, classes, workers):
    for name in (config, "make_data.py"):
        shutil.copy(REPO / "examples" / name, tmp_path / name)
    import subprocess

    made = subprocess.run(
        [sys.executable, "make_data.py", kind, folder], cwd=tmp_path, capture_output=True
    )
    assert made.returncode == 0, made.stderr
    result = invoke("search", config, "--max-trials", "1", "--workers", workers, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (study,) = (tmp_path / "results").iterdir()
    assert len(json.loads((study / "study.json").read_text())["class_names"]) == classes
    record = json.loads((study / "trials" / "trial_0001.json").read_text())
    assert record["status"] == "completed" and record["score"] > 0.6
    exported = invoke("export", "-o", "best.keras", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "best.keras").stat().st_size > 0
