"""Pruning: the median and ASHA rules, their config, and trials pruned in real training."""

from __future__ import annotations

import json
import pickle

import pytest

from tests.strategies.test_hyperband import records, run_study
from tuner_cli.config import AshaPruning, MedianPruning, load_config
from tuner_cli.errors import ConfigError
from tuner_cli.objective import Objective
from tuner_cli.strategies.pruning import AshaPruner, MedianPruner, best_so_far, make_pruner
from tuner_cli.trial import TrialRecord, TrialStatus

ACC = Objective("val_accuracy", "max")
LOSS = Objective("val_loss", "min")

KERAS_CONFIG = """
name: pruned
seed: 1
data: {source: sklearn, name: digits, validation_split: 0.2, scale: standard}
search_space:
  learning_rate: {type: choice, values: [1.0e-2, 2.0e-2, 1.0e-6, 2.0e-6]}
model:
  layers:
    - Dense: {units: 32, activation: relu}
    - Dense: {units: 10, activation: softmax}
  optimizer: {name: sgd, learning_rate: $learning_rate, momentum: 0.9}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 3, batch_size: 64}
models: none
strategy:
  name: grid
  objective: val_accuracy
"""


def history(values, name="val_accuracy"):
    return [{"epoch": i + 1, name: v} for i, v in enumerate(values)]


def record(i, values, status=TrialStatus.COMPLETED, name="val_accuracy"):
    return TrialRecord(id=i, status=status, hyperparameters={}, history=history(values, name))


def test_best_so_far_follows_the_direction():
    assert best_so_far(history([0.5, 0.4, 0.7]), ACC) == [0.5, 0.5, 0.7]
    assert best_so_far(history([0.5, 0.4, 0.7], "val_loss"), LOSS) == [0.5, 0.4, 0.4]


def test_median_prunes_below_the_median_after_warmup_and_enough_trials():
    done = [record(1, [0.5, 0.8, 0.9]), record(2, [0.6, 0.85, 0.9]), record(3, [0.4, 0.7, 0.8])]
    pruner = make_pruner(_settings("median", warmup_epochs=1, min_trials=3), ACC, done)
    assert isinstance(pruner, MedianPruner)
    assert not pruner.should_prune(history([0.1])), "epoch 1 is warm-up"
    assert pruner.should_prune(history([0.1, 0.2]))
    assert not pruner.should_prune(history([0.1, 0.8]))
    assert not pruner.should_prune(history([0.1, 0.2, 0.3, 0.4])), "no trial reached epoch 4"
    fewer = make_pruner(_settings("median", warmup_epochs=0, min_trials=4), ACC, done)
    assert not fewer.should_prune(history([0.1, 0.2]))


def test_median_uses_completed_trials_only_and_minimises_losses():
    done = [
        record(1, [1.0, 0.5], name="val_loss"),
        record(2, [1.2, 0.6], name="val_loss"),
        record(3, [9.0, 9.0], status=TrialStatus.PRUNED, name="val_loss"),
    ]
    pruner = make_pruner(_settings("median", warmup_epochs=0, min_trials=2), LOSS, done)
    assert pruner.reference[2] == [0.5, 0.6]
    assert pruner.should_prune(history([2.0, 1.5], "val_loss"))
    assert not pruner.should_prune(history([0.9, 0.4], "val_loss"))


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    """With 4 finished trials at 0.9, 0.8, 0.7, 0.6 the median is 0.75: a trial at 0.76 is
    better than it. Taking the better middle value (0.8) pruned it, and with 2 finished trials
    pruned every trial worse than the best of them."""
    done = [record(i, [0.5, v]) for i, v in enumerate([0.9, 0.8, 0.7, 0.6], start=1)]
    pruner = make_pruner(_settings("median", warmup_epochs=0, min_trials=2), ACC, done)
    assert not pruner.should_prune(history([0.5, 0.76]))
    assert pruner.should_prune(history([0.5, 0.74]))
    two = make_pruner(_settings("median", warmup_epochs=0, min_trials=2), ACC, done[:2])
    assert not two.should_prune(history([0.5, 0.86])), "the median of 0.9 and 0.8 is 0.85"
    losses = [record(i, [v], name="val_loss") for i, v in enumerate([0.2, 0.4], start=1)]
    lower = make_pruner(_settings("median", warmup_epochs=0, min_trials=2), LOSS, losses)
    assert not lower.should_prune(history([0.29], "val_loss"))
    assert lower.should_prune(history([0.31], "val_loss"))


def test_asha_rungs_and_top_fraction():
    pruner = AshaPruner(ACC, min_epochs=1, reduction_factor=3, min_trials=1)
    assert [e for e in range(1, 30) if pruner.is_rung(e)] == [1, 3, 9, 27]
    others = [record(i, [v]) for i, v in enumerate([0.9, 0.8, 0.7, 0.6, 0.5], start=1)]
    others.append(record(6, [0.95], status=TrialStatus.PRUNED))
    pruner = make_pruner(_settings("asha", min_epochs=1, reduction_factor=3), ACC, others)
    assert pruner.should_prune(history([0.85])), "6 others + itself: keeps the top 2"
    assert not pruner.should_prune(history([0.91]))
    assert not pruner.should_prune(history([0.1, 0.1])), "epoch 2 is no rung"


def test_asha_keeps_a_trial_alone_at_its_rung_and_waits_for_min_trials():
    pruner = make_pruner(_settings("asha", min_trials=2), ACC, [record(1, [0.9])])
    assert not pruner.should_prune(history([0.1]))
    pruner = make_pruner(_settings("asha"), ACC, [])
    assert not pruner.should_prune(history([0.1]))


def test_pruners_pickle_for_remote_workers():
    pruner = make_pruner(_settings("asha"), ACC, [record(1, [0.9])])
    assert pickle.loads(pickle.dumps(pruner)) == pruner


def _settings(kind, **options):
    model = MedianPruning if kind == "median" else AshaPruning
    return model(type=kind, **options)


def test_pruning_config_is_checked(write_config):
    keras = KERAS_CONFIG + "  pruning: {type: median, warmup_epochs: 1}\n"
    assert load_config(write_config(keras)).config.strategy.pruning.warmup_epochs == 1
    with pytest.raises(ConfigError, match="unknown type 'mean'"):
        load_config(write_config(KERAS_CONFIG + "  pruning: {type: mean}\n"))
    with pytest.raises(ConfigError, match="reduction_factor"):
        load_config(write_config(KERAS_CONFIG + "  pruning: {type: median, reduction_factor: 2}\n"))
    hyperband = KERAS_CONFIG.replace("name: grid", "name: hyperband\n  max_epochs: 4")
    with pytest.raises(ConfigError, match="hyperband stops trials itself"):
        load_config(write_config(hyperband + "  pruning: {type: asha}\n"))
    function = (
        "name: f\nobjective_function: 'm:f'\nsearch_space: {x: {type: float, min: 0, max: 1}}\n"
        "strategy: {name: random, objective: loss, pruning: {type: median}}\n"
    )
    with pytest.raises(ConfigError, match="objective_function"):
        load_config(write_config(function))


def check_pruned(trials: list[dict]) -> None:
    assert len(trials) == 4
    by_rate = {t["hyperparameters"]["learning_rate"]: t for t in trials}
    for rate in (1.0e-6, 2.0e-6):
        hopeless = by_rate[rate]
        assert hopeless["status"] == "pruned"
        assert hopeless["pruned_at_epoch"] == len(hopeless["history"]) < 3
    assert by_rate[1.0e-2]["status"] == "completed"
    assert len(by_rate[1.0e-2]["history"]) == 3


@pytest.mark.slow
def test_median_prunes_hopeless_trials_in_a_worker_process(tmp_path, write_config, kt_run):
    """Through the CLI, so the pruner travels to the worker inside the trial task."""
    path = write_config(
        KERAS_CONFIG + "  pruning: {type: median, warmup_epochs: 1, min_trials: 2}\n"
    )
    result = kt_run("search", str(path), "--results", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    found = sorted((tmp_path / "out/pruned/trials").glob("trial_*.json"))
    check_pruned([json.loads(p.read_text()) for p in found])


@pytest.mark.slow
def test_asha_prunes_hopeless_trials(tmp_path, write_config):
    path = write_config(KERAS_CONFIG + "  pruning: {type: asha, min_epochs: 1}\n")
    _, store = run_study(path, tmp_path / "out")
    check_pruned(records(store))
