"""ASHA: promotion as soon as a trial is in the top 1/factor of its rung, never a wait for a
round, continuation of the promoted trial's own record, and a resume from the records."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tuner_cli import best_trials, load_config_dict, run_search
from tuner_cli.objective import Objective
from tuner_cli.report import render_report
from tuner_cli.results.store import StudyStore
from tuner_cli.space import FloatParam, SearchSpace
from tuner_cli.strategies import WAIT, make_strategy
from tuner_cli.trial import TrialRecord, TrialStatus

HERE = Path(__file__).resolve().parent
LOSS = Objective("loss", "min")
SPACE = SearchSpace({"x": FloatParam(type="float", min=0.0, max=1.0)})
CONFIG = {
    "name": "asha",
    "seed": 2,
    "objective_function": "strategy_objectives:bowl",
    "search_space": {"x": {"type": "float", "min": 0.0, "max": 1.0}},
    "strategy": {"name": "asha", "objective": "loss", "max_epochs": 9, "factor": 3},
}


def asha(space=SPACE, **settings):
    from tuner_cli.config import StrategyConfig

    values = {"max_epochs": 9, "factor": 3, **settings}
    config = StrategyConfig(name="asha", objective="loss", **values)
    return make_strategy("asha", space, LOSS, 0, config)


def finished(i: int, scores: list[float], status=TrialStatus.COMPLETED) -> TrialRecord:
    rungs = [{"round": k, "epochs": 3**k, "score": s} for k, s in enumerate(scores)]
    extra = {"rung": max(len(scores) - 1, 0), "budget": 3 ** max(len(scores) - 1, 0)}
    return TrialRecord(i, status, {"x": i / 100}, score=scores[-1], extra={**extra, "rungs": rungs})


def test_rungs_grow_by_the_factor_up_to_max_epochs():
    assert asha().budgets == [1, 3, 9]
    assert asha(min_epochs=2, max_epochs=20).budgets == [2, 6, 18, 20]
    assert asha().default_max_trials() == 17, "as many configurations as Hyperband's brackets"


def test_a_trial_in_the_top_third_is_promoted_at_once_without_waiting_for_others():
    strategy = asha()
    trials = [finished(1, [0.5]), finished(2, [0.9])]
    proposal = strategy.ask(trials)
    assert proposal.continues is None and proposal.budget == 1, "2 // 3 = 0 promotions yet"
    trials.append(finished(3, [0.7]))
    trials.append(TrialRecord(4, TrialStatus.RUNNING, {"x": 0.5}, extra={"rung": 0, "budget": 1}))
    proposal = strategy.ask(trials)
    assert proposal.continues == 1 and proposal.budget == 3 and proposal.fields == {"rung": 1}


def test_the_highest_rung_promotes_first_and_a_promoted_trial_only_once():
    strategy = asha()
    trials = [finished(i, [s]) for i, s in enumerate([0.1, 0.5, 0.6, 0.7, 0.8, 0.9], start=1)]
    trials[0] = finished(1, [0.1, 0.05])
    trials[1] = finished(2, [0.5, 0.2])
    trials.append(finished(7, [0.95, 0.3]))
    # rung 1 holds 3 trials: the best of them (trial 1) goes to rung 2
    proposal = strategy.ask(trials)
    assert proposal.continues == 1 and proposal.budget == 9
    trials[0].extra["rung"] = 2
    trials[0].status = TrialStatus.RUNNING
    # rung 0 holds 7 trials: top 2 are trials 1 and 2, both already promoted -> a new trial
    proposal = strategy.ask(trials)
    assert proposal.continues is None and proposal.budget == 1


def test_no_new_trial_left_means_promotions_only_then_wait_then_the_end():
    strategy = asha()
    trials = [finished(i, [s]) for i, s in enumerate([0.3, 0.2, 0.9], start=1)]
    proposal = strategy.ask_continuation(trials)
    assert proposal.continues == 2
    trials[1].status = TrialStatus.RUNNING
    trials[1].extra["rung"] = 1
    assert strategy.ask_continuation(trials) is WAIT
    trials[1] = finished(2, [0.2, 0.1])
    assert strategy.ask_continuation(trials) is None
    trials.append(finished(4, [0.1, 0.05, 0.01]))
    assert strategy.continuable(trials) == {1, 2, 3}, "below the top rung, any may still rise"


def test_an_exhausted_space_ends_the_search_once_nothing_can_be_promoted(tmp_path):
    space = {"x": {"type": "choice", "values": [0.1, 0.3, 0.5, 0.9]}}
    config = {**CONFIG, "search_space": space}
    result = run_search(load_config_dict(config, HERE), tmp_path, workers=0)
    assert result.summary.stop_reason == "search space exhausted"
    assert len(result.trials) == 4
    promoted = [t.hyperparameters["x"] for t in result.trials if t.extra["rung"] == 1]
    assert 0.3 in promoted and len(promoted) <= 2, "each promotion was a top third at its time"


def test_a_search_continues_promoted_trials_in_their_own_record(tmp_path):
    result = run_search(load_config_dict(CONFIG, HERE), tmp_path, workers=0)
    trials = result.trials
    assert len(trials) == 17 and all(t.status is TrialStatus.COMPLETED for t in trials)
    top = [t for t in trials if t.extra["rung"] == 2]
    assert top, "some trial reached max_epochs"
    for trial in top:
        assert [g["epochs"] for g in trial.extra["rungs"]] == [1, 3, 9]
        assert [h["epoch"] for h in trial.history] == [1, 3, 9]
        assert trial.metrics["budget_seen"] == 9 and trial.extra["budget"] == 9
    assert result.best.extra["rung"] == 2


def test_the_best_trial_is_the_best_of_the_largest_budget_reached(tmp_path, kt_run):
    """Short runs of ``deceptive_bowl`` score better than any full one: the best trial (the
    summary, ``best_trials`` and ``kt-run best``) is still a fully trained one."""
    config = {**CONFIG, "objective_function": "strategy_objectives:deceptive_bowl"}
    result = run_search(load_config_dict(config, HERE), tmp_path, workers=0)
    full = [t for t in result.trials if t.extra["budget"] == 9]
    assert full and min(t.score for t in result.trials) < min(t.score for t in full)
    best_full = min(full, key=lambda t: t.score)
    assert result.best.id == best_full.id
    assert best_trials(result.root)[0].id == best_full.id
    shown = kt_run("best", str(result.root), "--format", "json")
    assert json.loads(shown.stdout)["id"] == best_full.id
    table = kt_run("best", str(result.root), "--top", "3").stdout
    assert "epochs" in table.splitlines()[1], "the table says which budget each score is at"
    page = render_report(StudyStore(result.root))
    ringed = re.search(
        r'<circle cx="[\d.]+" cy="([\d.]+)"[^>]*stroke="[^"]+"[^>]*><title>'
        rf"trial {best_full.id} \(completed\) at 9 epochs",
        page,
    )
    line = re.search(r'<polyline points="([^"]+)"', page)
    assert ringed and line, "the report rings the best trial and draws the best-so-far line"
    assert line.group(1).split()[-1].endswith("," + ringed.group(1)), "the line ends at it"


def test_a_fresh_strategy_asks_what_the_running_one_would(tmp_path):
    """Nothing is kept between calls: a resumed search, given the same records, goes on
    exactly as the uninterrupted one."""
    study = load_config_dict(CONFIG, HERE)
    result = run_search(study, tmp_path, workers=0, max_trials=8)
    trials = sorted(result.trials, key=lambda t: t.id)
    used = make_strategy("asha", study.space, LOSS, 2, study.config.strategy)
    used.ask(trials[:5])
    fresh = make_strategy("asha", study.space, LOSS, 2, study.config.strategy)
    assert used.ask(trials) == fresh.ask(trials)


KERAS = """
name: asha-keras
seed: 3
data: {source: sklearn, name: digits, validation_split: 0.2, scale: standard}
search_space:
  units: {type: int, min: 16, max: 64, step: 16}
  learning_rate: {type: float, min: 3.0e-3, max: 1.0e-2, sampling: log}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 10, activation: softmax}
  optimizer: {name: adam, learning_rate: $learning_rate}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {batch_size: 64}
models: all
strategy: {name: asha, objective: val_accuracy, max_epochs: 3, factor: 3, max_trials: 3}
"""


@pytest.mark.slow
def test_a_keras_trial_is_promoted_and_continues_from_its_checkpoint(tmp_path, write_config):
    """Three 1-epoch trials; the best is promoted as soon as the third finishes and trains
    epochs 2 and 3 from its checkpoint (weights and optimizer state), in its own record."""
    import keras

    from tuner_cli.config import load_config
    from tuner_cli.training.data import load_dataset

    path = write_config(KERAS)
    result = run_search(path, tmp_path / "out", workers=0)
    assert len(result.trials) == 3
    (promoted,) = [t for t in result.trials if t.extra["rung"] == 1]
    assert [h["epoch"] for h in promoted.history] == [1, 2, 3]
    assert [(g["round"], g["epochs"]) for g in promoted.extra["rungs"]] == [(0, 1), (1, 3)]
    first, after = promoted.history[0]["loss"], promoted.history[1]["loss"]
    assert after < 0.7 * first, "a restarted model would repeat a first epoch's loss"
    model = keras.models.load_model(result.root / "models" / f"trial_{promoted.id:04d}.keras")
    steps = -(-len(load_dataset(load_config(path), seed=3).x_train) // 64)
    assert int(model.optimizer.iterations) == 3 * steps


def test_a_one_rung_plan_says_nothing_is_promoted():
    plan = "\n".join(asha(max_epochs=3, min_epochs=3).describe_plan())
    assert "1 rung: 3 ep; every trial trains fully, nothing is promoted" in plan
    assert "promoted trials continue" not in plan and "backfill" not in plan
    assert "backfill" in "\n".join(asha().describe_plan())
