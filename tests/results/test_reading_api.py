"""``read_trials`` and ``best_trials`` from Python answer as ``kt-run best`` does."""

from __future__ import annotations

import json

import pytest

import tuner_cli
from tests.conftest import REPO, invoke
from tuner_cli import best_trials, read_trials, run_search
from tuner_cli.errors import UsageError
from tuner_cli.results import StoreError

TWO_OBJECTIVES = {
    "name": "branin-two",
    "seed": 5,
    "objective_function": "objectives:branin",
    "search_space": {
        "x": {"type": "float", "min": -5.0, "max": 10.0},
        "y": {"type": "float", "min": 0.0, "max": 15.0},
    },
    "strategy": {
        "name": "random",
        "objective": [
            {"name": "branin", "direction": "min"},
            {"name": "distance_to_origin", "direction": "min"},
        ],
        "max_trials": 12,
    },
}


def _cli_ids(root, *options: str) -> list[int]:
    done = invoke("best", str(root), "--format", "json", *options)
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    return [r["id"] for r in (records if isinstance(records, list) else [records])]


def test_best_trials_of_a_multi_objective_study_is_the_pareto_front_as_kt_run_best(tmp_path):
    study = tuner_cli.load_config_dict(TWO_OBJECTIVES, REPO / "examples")
    root = run_search(study, tmp_path, workers=0).root
    front = _cli_ids(root)
    assert 1 < len(front) < 12, "a front of some trials, not all"
    assert [t.id for t in best_trials(root)] == front
    for top in (1, 2, 12):
        assert [t.id for t in best_trials(root, top=top)] == _cli_ids(root, "--top", str(top))


def test_reading_a_folder_that_is_no_study_is_an_error_not_an_empty_list(tmp_path):
    """A typo in a notebook (``results/digit-mlp``) must not read as "no trials yet"."""
    for read in (read_trials, best_trials):
        with pytest.raises(StoreError, match="is not a study"):
            read(tmp_path / "no-such-study")


def test_the_results_folder_or_a_file_given_for_a_study_names_what_to_give(tmp_path):
    """``kt-run best results`` and ``kt-run best config.yaml`` find the study; these take the
    study folder itself, and said "results is not a study (no study.json)" or, for the
    config, "cannot read config.yaml/study.json: [Errno 20] Not a directory"."""
    study = tuner_cli.load_config_dict(TWO_OBJECTIVES, REPO / "examples")
    root = run_search(study, tmp_path / "results", workers=0, max_trials=1).root
    (tmp_path / "config.yaml").write_text("name: x\n")
    for read in (read_trials, best_trials):
        with pytest.raises(StoreError) as refused:
            read(tmp_path / "results")
        assert str(refused.value) == (
            f"{tmp_path / 'results'} holds studies, not one: give a study's own folder ({root})"
        )
        with pytest.raises(StoreError) as refused:
            read(tmp_path / "config.yaml")
        assert str(refused.value) == (
            f"{tmp_path / 'config.yaml'} is a file: give a study's folder, <output>/<name> "
            "(run_search(...).root)"
        )


@pytest.mark.parametrize("top", [0, -1, 2.5, "3", True])
def test_best_trials_refuses_a_top_that_is_not_a_count_from_1(tmp_path, top):
    """``top=0`` gave one trial, ``top=-1`` every trial but the last of a front, and ``-1``,
    ``2.5`` or ``"3"`` every completed trial of a single objective, each read in full."""
    study = tuner_cli.load_config_dict(TWO_OBJECTIVES, REPO / "examples")
    root = run_search(study, tmp_path, workers=0, max_trials=2).root
    with pytest.raises(UsageError, match=r"top: must be a whole number from 1 \(got"):
        best_trials(root, top=top)
    single = {
        **TWO_OBJECTIVES,
        "name": "one",
        "strategy": {"name": "random", "objective": {"name": "branin", "direction": "min"}},
    }
    root = run_search(
        tuner_cli.load_config_dict(single, REPO / "examples"), tmp_path, workers=0, max_trials=2
    ).root
    with pytest.raises(UsageError, match="top: must be a whole number from 1"):
        best_trials(root, top=top)
