"""What ``examples/make_data.py`` writes, at the paths the README and the examples give, is
data the user made, not a change to the checkout: `git status` stays clean."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import REPO


def _written_paths() -> list[str]:
    """The output of each usage line of make_data.py's docstring, under examples/."""
    usage = (REPO / "examples" / "make_data.py").read_text(encoding="utf-8")
    return [f"examples/{m}" for m in re.findall(r"^ +python make_data\.py \S+ (\S+)", usage, re.M)]


def test_every_file_make_data_writes_is_ignored_by_git():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    paths = _written_paths()
    assert "examples/topics.csv" in paths and len(paths) == 4
    # a folder's pattern (`/examples/topics/`) matches what is written inside it
    candidates = [candidate for path in paths for candidate in (path, f"{path}/a_file")]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *candidates],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert [p for p in paths if p not in ignored and f"{p}/a_file" not in ignored] == []
