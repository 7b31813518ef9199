"""Shared fixtures: run the real CLI in a subprocess, and write small configs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "NO_COLOR": "1"})
    env.update(extra)
    return env


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300, **env: str):
    """``kt-run ARGS`` in a fresh interpreter, as a user or a CI script would run it."""
    return subprocess.run(
        [sys.executable, "-m", "tuner_cli", *args],
        cwd=cwd,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def block_tensorflow(tmp_path: Path) -> str:
    """A PYTHONPATH folder whose tensorflow and keras fail to import."""
    folder = tmp_path / "no_tf"
    for name in ("tensorflow", "keras"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "__init__.py").write_text(f"raise ImportError('{name} is blocked')\n")
    return str(folder)


@pytest.fixture
def kt_run():
    return run_cli


@pytest.fixture
def write_config(tmp_path: Path):
    def write(text: str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
