"""A reader that stops early (``kt-run trials | head -1``): the command ends quietly, as cat
or grep do there, with their exit code 141 (128 + SIGPIPE)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_read_commands import make_study
from tests.conftest import REPO, cli_env
from tuner_cli.results.store import StudyStore
from tuner_cli.trial import TrialRecord, TrialStatus

TRIALS = 1500
"""Enough rows that every format is several times a pipe's 64 KiB buffer."""


@pytest.fixture(scope="module")
def big_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pipe") / "results" / "study"
    make_study(root, count=TRIALS)
    history = [{"epoch": e, "loss": 1 / e, "val_accuracy": e / 5000} for e in range(1, 5001)]
    StudyStore(root).write_trial(
        TrialRecord(
            id=TRIALS + 1,
            status=TrialStatus.COMPLETED,
            hyperparameters={"units": 8, "lr": 0.01, "act": "relu"},
            score=0.5,
            metrics={"val_accuracy": 0.5},
            history=history,
            best_epoch=5000,
        )
    )
    return root


def _env(unbuffered: bool = False) -> dict[str, str]:
    """The environment of a plain ``python``, or with PYTHONUNBUFFERED=1 (set in many Docker
    images and CI jobs), under which stdout's bytes go straight to the pipe."""
    env = cli_env()
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env


def _start(*args: str, unbuffered: bool = False) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tuner_cli", *args],
        cwd=REPO,
        env=_env(unbuffered),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    return process


def _read_first_line(*args: str, unbuffered: bool = False) -> subprocess.CompletedProcess[str]:
    """``kt-run ARGS | head -1``: the first line read, then the pipe closed while the command
    still has most of its output to write."""
    process = _start(*args, unbuffered=unbuffered)
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    return subprocess.CompletedProcess(args, process.wait(timeout=120), first, stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["trials"],
        ["trials", "--format", "csv"],
        ["trials", "--format", "json"],
        ["best", "--top", str(TRIALS)],
        ["best", "--top", str(TRIALS), "--format", "yaml"],
        ["show", str(TRIALS + 1)],
        ["show", str(TRIALS + 1), "--format", "json"],
    ],
    ids=" ".join,
)
def test_a_reader_that_stops_after_the_first_line_ends_the_command_quietly(big_study, args):
    result = _read_first_line(*args, str(big_study))
    assert result.stdout  # it had started writing
    assert result.stderr == ""
    assert result.returncode == 141


@pytest.mark.parametrize(
    "args",
    [["trials", "--format", "csv"], ["trials", "--format", "json"], ["trials"]],
    ids=" ".join,
)
def test_a_reader_that_stops_early_is_noticed_with_pythonunbuffered_set(big_study, args):
    """Under PYTHONUNBUFFERED, one write of the whole CSV met the pipe closing part way: the
    system took part of it, CPython's text layer dropped the rest without an error, and the
    command ended 0 as if the reader had had everything (``set -o pipefail`` saw no cut)."""
    result = _read_first_line(*args, str(big_study), unbuffered=True)
    assert result.stdout
    assert result.stderr == ""
    assert result.returncode == 141


def test_a_reader_gone_before_the_first_write_is_quiet_too(big_study):
    """``kt-run best | true``: the few lines wait in Python's buffer and fail only when it is
    flushed, which would otherwise be at exit ("Exception ignored ... BrokenPipeError")."""
    process = _start("best", str(big_study), "--format", "env")
    process.stdout.close()
    assert process.stderr.read() == ""
    assert process.wait(timeout=120) == 141


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"]], ids=" ".join)
def test_help_to_a_reader_gone_ends_as_the_read_commands_do(args):
    """Typer prints help through rich, whose own answer to a closed stdout is exit code 1."""
    process = _start(*args)
    process.stdout.close()
    assert process.stderr.read() == ""
    assert process.wait(timeout=120) == 141
