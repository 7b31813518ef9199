"""A notebook's or a piped script's own functions, run by worker processes.

Worker processes have their own ``__main__``: the search sends the functions a config names
as ``"__main__:NAME"`` (or passes as objects) to them by value. These run real Python
processes: a script fed on standard input (``python - <<EOF``) and a Jupyter kernel.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_env

REPO = Path(__file__).resolve().parents[2]


def _piped(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python - <<EOF``: the script's ``__main__.__file__`` is ``<stdin>``, no file."""
    return subprocess.run(
        [sys.executable, "-"],
        input=script,
        cwd=cwd,
        env=cli_env(PYTHONPATH=str(REPO), TMPDIR="/tmp", **env),
        capture_output=True,
        text=True,
        timeout=240,
    )


PIPED_WITH_A_MODULE = f"""\
from tuner_cli import load_config_dict, run_search

study = load_config_dict(
    {{
        "name": "branin",
        "seed": 1,
        "objective_function": "objectives:branin",
        "search_space": {{
            "x": {{"type": "float", "min": -5.0, "max": 10.0}},
            "y": {{"type": "float", "min": 0.0, "max": 15.0}},
        }},
        "strategy": {{"name": "random", "objective": {{"name": "branin", "direction": "min"}}}},
    }},
    base_dir={str(REPO / "examples")!r},
)
print(run_search(study, "results", max_trials=2, workers=1))
"""


@pytest.mark.slow
def test_a_script_on_standard_input_starts_local_workers(tmp_path):
    """Each worker tried to run the main script again, ``<stdin>``, which is no file: the
    search failed with "Nanny failed to start worker process" and a traceback."""
    piped = _piped(PIPED_WITH_A_MODULE, tmp_path)
    assert piped.returncode == 0, piped.stderr[-3000:]
    assert "2 trials (2 completed)" in piped.stdout
