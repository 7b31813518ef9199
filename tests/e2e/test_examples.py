"""The shipped examples run as documented."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPO, cli_env

pytestmark = pytest.mark.slow  # the shipped examples run as a user runs them


@pytest.fixture
def short_tmp():
    """A TMPDIR short enough for the Unix socket local workers start from (pytest's own
    folders can pass 107 characters under pytest-xdist)."""
    folder = Path(tempfile.mkdtemp(prefix="gate-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _gate(tmp_path: Path, temp: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "examples").mkdir()
    script = tmp_path / "examples" / "ci_gate.sh"
    shutil.copy(REPO / "examples" / "ci_gate.sh", script)
    for name in ("objective.yaml", "objectives.py"):
        shutil.copy(REPO / "examples" / name, tmp_path / name)
    return subprocess.run(
        ["bash", str(script), "objective.yaml"],
        cwd=tmp_path,
        env={**cli_env(), "MAX_TRIALS": "4", "TMPDIR": str(temp or tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ci_gate_finds_kt_run_and_writes_json_to_a_temp_file(tmp_path, short_tmp):
    wrapper = tmp_path / "kt-run-wrapper"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tuner_cli "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    result = _gate(tmp_path, short_tmp, KT_RUN=str(wrapper), THRESHOLD="100")
    assert result.returncode == 0, result.stderr
    assert "best trial " in result.stdout
    assert "X=" in result.stdout and "Y=" in result.stdout  # the study's own names
    assert "units" not in result.stdout
    assert not (tmp_path / "best.json").exists()
    path = Path(result.stdout.strip().splitlines()[-1].removeprefix("best record: "))
    assert path.parent == short_tmp
    assert json.loads(path.read_text())["status"] == "completed"
    # a threshold the best score misses fails the gate (branin is minimised: above fails)
    (tmp_path / "again").mkdir()
    failed = _gate(tmp_path / "again", short_tmp, KT_RUN=str(wrapper), THRESHOLD="0.01")
    assert failed.returncode == 1
    assert "--fail-under" in failed.stderr


def test_ci_gate_says_how_to_get_kt_run(tmp_path):
    result = _gate(tmp_path, PATH="/usr/bin:/bin")
    assert result.returncode == 127
    assert "kt-run not found" in result.stderr
    assert "make install" in result.stderr and "KT_RUN" in result.stderr
