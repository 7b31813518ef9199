"""One meaning per option name: ``--results DIR`` is the folder of studies everywhere,
``-o/--output`` a file a command writes; the old ``-o DIR`` still works, with a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from tuner_cli import run_search


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("studies") / "elsewhere"
    run_search(REPO / "examples" / "objective.yaml", folder, max_trials=3, workers=0)
    return folder


@pytest.mark.parametrize("command", [["best"], ["trials"], ["show", "1"]])
def test_results_names_the_folder_on_read_commands(results, tmp_path, command):
    done = run_cli(*command, "--results", str(results), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_the_old_output_spelling_still_works_and_says_what_replaces_it(results, tmp_path):
    done = run_cli("best", "-o", str(results), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "deprecated" in done.stderr and f"use --results {results}" in done.stderr


def test_report_writes_its_file_to_output_and_reads_results(results, tmp_path):
    done = run_cli("report", "--results", str(results), "-o", "page.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "page.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("command", [["best"], ["trials"], ["show", "1"]])
def test_a_study_s_own_config_yaml_names_that_study_from_any_folder(results, tmp_path, command):
    """``results/<name>/config.yaml`` is the study's config file: it names the study it sits
    in, not ``./results/<name>`` of whatever folder the command runs from."""
    saved = results / "branin" / "config.yaml"
    done = run_cli(*command, str(saved), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no results" not in done.stderr
