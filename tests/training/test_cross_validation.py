"""``data.cross_validation``: each trial trains once per fold; the record keeps every fold."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tuner_cli import load_config_dict, run_search


def iris(cross_validation: dict) -> dict:
    return {
        "name": "folded",
        "seed": 7,
        "data": {
            "source": "sklearn",
            "name": "iris",
            "scale": "standard",
            "cross_validation": cross_validation,
        },
        "search_space": {"units": {"type": "fixed", "value": 8}},
        "model": {
            "layers": [
                {"Dense": {"units": "$units", "activation": "relu"}},
                {"Dense": {"units": 3, "activation": "softmax"}},
            ],
            "optimizer": {"name": "adam", "learning_rate": 0.05},
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        },
        "training": {"epochs": 3, "batch_size": 16},
        "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
    }


@pytest.mark.parametrize("stratified", [True, False])
def test_the_folds_hold_out_every_row_once_with_scaling_from_their_training_rows(
    tmp_path, stratified
):
    from tuner_cli.training.data import load_dataset

    study = load_config_dict(iris({"folds": 3, "stratified": stratified}), tmp_path)
    held_out = []
    for fold in range(3):
        data = load_dataset(study, seed=7, fold=fold)
        assert data.rows == (100, 50)
        assert np.allclose(data.train_inputs.mean(axis=0), 0, atol=1e-5)
        held_out.append(data.x_val)
        if stratified:
            assert set(np.bincount(data.y_val).tolist()) <= {16, 17}
    from sklearn.datasets import load_iris

    everything = load_iris().data.astype("float32")
    assert sorted(map(tuple, np.concatenate(held_out))) == sorted(map(tuple, everything))


@pytest.mark.slow
def test_a_trial_records_each_fold_and_scores_their_mean_and_retrain_uses_all_rows(tmp_path):
    from tuner_cli.cli.app import app

    config = iris({"folds": 3})
    config["training"]["early_stopping"] = {"monitor": "val_loss", "patience": 1}
    result = run_search(load_config_dict(config, tmp_path), tmp_path / "out", workers=0)
    study_dir = tmp_path / "out" / "folded"
    record = json.loads((study_dir / "trials" / "trial_0001.json").read_text())
    folds = record["folds"]
    assert len(folds) == 3 and all(0 <= f["score"] <= 1 for f in folds)
    assert record["score"] == pytest.approx(np.mean([f["score"] for f in folds]))
    assert result.best.score == pytest.approx(record["score"])
    output = tmp_path / "all.keras"
    exported = CliRunner().invoke(
        app, ["export", str(study_dir), "--retrain", "--output", str(output)]
    )
    assert exported.exit_code == 0, exported.output
    assert "on 150 rows" in exported.output


@pytest.mark.slow
def test_several_objectives_are_each_the_mean_of_the_folds_as_the_score_is(tmp_path):
    """The front and the model rank by ``scores``: the best fold's values alone would rank a
    trial by its luckiest fold, and its first objective would differ from its ``score``."""
    config = iris({"folds": 3})
    config["strategy"]["objective"] = [
        {"name": "val_accuracy", "direction": "max"},
        {"name": "val_loss", "direction": "min"},
        {"name": "params", "direction": "min"},
    ]
    run_search(load_config_dict(config, tmp_path), tmp_path / "out", workers=0)
    record = json.loads((tmp_path / "out" / "folded" / "trials" / "trial_0001.json").read_text())
    assert record["scores"]["val_accuracy"] == pytest.approx(record["score"])
    assert record["scores"]["params"] == record["metrics"]["params"]


def test_mean_scores_average_each_objective_at_each_runs_best_epoch():
    from tuner_cli.training.keras_training import _mean_scores, _Run

    def run(history: list[dict], best_epoch: int) -> _Run:
        score = history[best_epoch - 1]["val_accuracy"]
        return _Run(1, {}, history, best_epoch, score, False, None, None, 99)

    config = iris({"folds": 2})
    config["strategy"]["objective"] = [
        "val_accuracy",
        {"name": "val_loss", "direction": "min"},
        {"name": "params", "direction": "min"},
    ]
    study = load_config_dict(config)
    runs = [
        run([{"val_accuracy": 0.5, "val_loss": 2.0}, {"val_accuracy": 0.9, "val_loss": 1.0}], 2),
        run([{"val_accuracy": 0.7, "val_loss": 3.0}, {"val_accuracy": 0.6, "val_loss": 0.5}], 1),
    ]
    assert _mean_scores(study, runs) == {"val_accuracy": 0.8, "val_loss": 2.0, "params": 99}
    assert _mean_scores(study, runs[:1]) is None, "one run: its metrics are the scores"
