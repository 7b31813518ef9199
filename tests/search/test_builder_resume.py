"""A study whose builder now declares another space is not resumed into mixed trials."""

from __future__ import annotations

import pytest

from tuner_cli.config import load_config_dict
from tuner_cli.errors import ConfigError
from tuner_cli.results import StudyStore
from tuner_cli.search.study import check_resumable, claim_study

CONFIG = {
    "name": "builder-resume",
    "seed": 1,
    "data": {"source": "sklearn", "name": "digits"},
    "model": {"builder": "models:build"},
    "strategy": {"objective": "val_accuracy"},
}


def test_a_changed_builder_space_is_refused_and_the_same_one_resumes(tmp_path):
    declared = {"units": {"type": "int", "min": 32, "max": 512, "step": 32}}
    study = load_config_dict(CONFIG, tmp_path).with_builder_space(declared)
    lock, _, _ = claim_study(study, tmp_path / "results", False, 1)
    lock.release()
    store = StudyStore(tmp_path / "results" / "builder-resume")
    check_resumable(study, store)  # the same declarations: resumes
    wider = {"units": {"type": "int", "min": 32, "max": 1024, "step": 32}}
    changed = load_config_dict(CONFIG, tmp_path).with_builder_space(wider)
    with pytest.raises(ConfigError, match="now declares different hyperparameters"):
        check_resumable(changed, store)
