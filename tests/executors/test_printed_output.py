"""What user code prints in a worker process reaches the driver's own output, a line at a
time: written to the terminal the worker shares, it landed inside the live panel, the next
redraw erased it, and a notebook never showed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

OBJECTIVE = """\
import sys

def noisy(hp, budget):
    print(f"trial with x={hp['x']}")
    print("step 1 of 3\\rstep 3 of 3")
    print("careful", file=sys.stderr)
    if hp["x"] == 1:
        for i in range(1_005):
            print(f"line {i}")
    print("no newline at the end", end="")
    return float(hp["x"])
"""

CONFIG = """\
name: noisy
objective_function: noisy:noisy
search_space:
  x: {type: int, min: 0, max: 1}
strategy: {name: grid, objective: {name: score, direction: max}}
"""


@pytest.mark.slow
def test_prints_of_a_worker_reach_the_drivers_output_line_by_line(tmp_path: Path):
    (tmp_path / "noisy.py").write_text(OBJECTIVE)
    (tmp_path / "noisy.yaml").write_text(CONFIG)
    result = run_cli("search", "noisy.yaml", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert "trial with x=0" in out and "trial with x=1" in out
    assert out.count("step 3 of 3") == 2 and not any("step 1" in line for line in out)
    assert "line 997" in out and "line 998" not in out, "1,000 lines of a trial at most"
    # sent once the trial ends; the second trial's is past its 1,000 lines
    assert out.count("no newline at the end") == 1
    assert "(more printed lines left out after 1,000)" in out
    assert result.stderr.splitlines().count("careful") == 2
