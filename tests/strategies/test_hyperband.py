"""Hyperband: the bracket plan, successive halving from the records, continuation and resume."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tuner_cli.config import load_config
from tuner_cli.errors import ConfigError
from tuner_cli.executors import InProcessExecutor
from tuner_cli.search import run_search
from tuner_cli.search.runner import SearchEvents, SearchRunner
from tuner_cli.search.study import open_study
from tuner_cli.space import config_key
from tuner_cli.strategies import WAIT, make_strategy
from tuner_cli.strategies._hyperband import hyperband_plan
from tuner_cli.trial import TrialRecord, TrialStatus

OBJECTIVE_MODULE = """
from pathlib import Path

def f(hp, budget):
    calls = Path(__file__).with_name("calls.txt")
    with calls.open("a") as handle:
        handle.write(f"{hp['x']} {budget}\\n")
    stop = Path(__file__).with_name("stop_at")
    if stop.exists() and len(calls.read_text().splitlines()) >= int(stop.read_text()):
        stop.unlink()
        raise KeyboardInterrupt
    return {"loss": (hp["x"] - 0.3) ** 2 + 1.0 / budget, "budget_seen": float(budget)}
"""

FN_CONFIG = """
name: hb
seed: 5
objective_function: "hbfn:f"
search_space:
  x: {type: float, min: 0.0, max: 1.0}
strategy:
  name: hyperband
  objective: loss
  max_epochs: 9
  factor: 3
"""

KERAS_CONFIG = """
name: hb-keras
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
training: {epochs: 5, batch_size: 64}
models: all
strategy:
  name: hyperband
  objective: val_accuracy
  max_epochs: 3
  factor: 3
"""


@pytest.fixture(autouse=True)
def fresh_objective_module(monkeypatch):
    """Each test writes its own ``hbfn.py``; forget the one an earlier test imported."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "hbfn", raising=False)
    yield
    sys.modules.pop("hbfn", None)


class Interrupting(SearchEvents):
    """Stops the search like Ctrl-C at the first epoch a continued trial trains."""

    def __init__(self, at_epoch: int | None = None):
        self.at_epoch = at_epoch

    def on_progress(self, trial_id: int, epoch: int, epochs: int, logs: dict) -> bool:
        if epoch == self.at_epoch:
            self.at_epoch = None
            raise KeyboardInterrupt
        return False


def run_study(path: Path, output: Path, events: Interrupting | None = None, max_trials=None):
    study = load_config(path)
    store, info = open_study(study, output, overwrite=False)
    settings = study.config.strategy
    strategy = make_strategy(settings.name, study.space, study.objective, info["seed"], settings)
    events = events or Interrupting()
    runner = SearchRunner(
        study,
        store,
        strategy,
        InProcessExecutor(study, events.on_progress),
        events,
        max_trials or settings.max_trials or strategy.default_max_trials(),
        seed=info["seed"],
    )
    return runner.run(), store


def records(store) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(store.trials_dir.glob("trial_*.json"))]


def plan_shape(max_epochs, factor, min_epochs=1, iterations=1):
    return [
        [(r.trials, r.epochs) for r in b.rounds]
        for b in hyperband_plan(max_epochs, factor, min_epochs, iterations)
    ]


def test_plan_for_nine_epochs_and_factor_three_is_the_standard_one():
    assert plan_shape(9, 3) == [[(9, 1), (3, 3), (1, 9)], [(5, 3), (1, 9)], [(3, 9)]]


def test_plan_with_min_epochs_and_iterations():
    assert plan_shape(81, 3, min_epochs=27) == [[(3, 27), (1, 81)], [(2, 81)]]
    assert plan_shape(8, 2, min_epochs=2) == [[(4, 2), (2, 4), (1, 8)], [(3, 4), (1, 8)], [(3, 8)]]
    two = hyperband_plan(9, 3, 1, 2)
    assert [b.iteration for b in two] == [0, 0, 0, 1, 1, 1]
    assert [b.index for b in two] == list(range(6))


def test_plan_epochs_count_continued_training_once():
    brackets = hyperband_plan(9, 3, 1, 1)
    assert [b.epochs_trained for b in brackets] == [9 + 3 * 2 + 6, 5 * 3 + 6, 27]


def _strategy(tmp_path, write_config, text=FN_CONFIG):
    (tmp_path / "hbfn.py").write_text(OBJECTIVE_MODULE)
    study = load_config(write_config(text))
    settings = study.config.strategy
    return make_strategy("hyperband", study.space, study.objective, 0, settings)


def _trial(i, bracket, rnd, status, rungs):
    return TrialRecord(
        id=i,
        status=status,
        hyperparameters={"x": i / 100},
        extra={
            "bracket": bracket,
            "round": rnd,
            "rungs": [{"round": r, "score": s} for r, s in rungs],
        },
    )


def test_promotions_wait_for_the_round_then_take_the_best(tmp_path, write_config):
    strategy = _strategy(tmp_path, write_config)
    done = TrialStatus.COMPLETED
    scores = [0.9, 0.2, 0.5, 0.1, 0.7, 0.3, 0.8, 0.6, 0.4]
    trials = [_trial(i + 1, 0, 0, done, [(0, s)]) for i, s in enumerate(scores)]
    trials[8].status = TrialStatus.RUNNING
    proposal = strategy.ask(trials)
    assert proposal.continues is None and proposal.fields == {"bracket": 1, "round": 0}

    trials[8].status = done
    promoted = []
    for _ in range(3):
        proposal = strategy.ask(trials)
        assert proposal.continues is not None and proposal.budget == 3
        promoted.append(proposal.continues)
        trials[proposal.continues - 1].extra["round"] = 1
        trials[proposal.continues - 1].status = TrialStatus.RUNNING
    assert sorted(promoted) == [2, 4, 6]
    assert strategy.ask_continuation(trials) is WAIT
    assert strategy.continuable(trials) == {2, 4, 6}


def test_max_trials_cap_closes_round_zero_early(tmp_path, write_config):
    strategy = _strategy(tmp_path, write_config)
    trials = [_trial(i + 1, 0, 0, TrialStatus.COMPLETED, [(0, s)]) for i, s in enumerate([3, 1, 2])]
    proposal = strategy.ask_continuation(trials)
    assert proposal.continues == 2 and proposal.fields["round"] == 1
    trials[1].extra["round"] = 1
    trials[1].extra["rungs"].append({"round": 1, "score": 0.5})
    proposal = strategy.ask_continuation(trials)
    assert proposal.continues == 2 and proposal.fields["round"] == 2 and proposal.budget == 9


def test_objective_function_run_records_rungs_and_growing_budgets(tmp_path, write_config):
    (tmp_path / "hbfn.py").write_text(OBJECTIVE_MODULE)
    summary, store = run_study(write_config(FN_CONFIG), tmp_path / "out")
    found = records(store)
    assert len(found) == 17 and summary.counts == {"completed": 17}
    assert summary.stop_reason == "every bracket of the Hyperband plan has run", (
        "no max_trials was given: the plan's own count is not a limit to report"
    )
    assert len({config_key(r["hyperparameters"]) for r in found}) == 17
    survivor = [r for r in found if r["bracket"] == 0 and r["round"] == 2]
    assert len(survivor) == 1
    rungs = survivor[0]["rungs"]
    assert [(g["round"], g["epochs"]) for g in rungs] == [(0, 1), (1, 3), (2, 9)]
    assert survivor[0]["budget"] == 9 and survivor[0]["metrics"]["budget_seen"] == 9
    assert [h["epoch"] for h in survivor[0]["history"]] == [1, 3, 9]
    round_one = [r for r in found if r["bracket"] == 0 and r["round"] >= 1]
    round_zero_scores = sorted(r["rungs"][0]["score"] for r in found if r["bracket"] == 0)
    assert sorted(r["rungs"][0]["score"] for r in round_one) == round_zero_scores[:3]
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert len(calls) == 9 + 3 + 1 + 5 + 1 + 3


def test_resume_mid_bracket_runs_no_configuration_twice(tmp_path, write_config):
    (tmp_path / "hbfn.py").write_text(OBJECTIVE_MODULE)
    (tmp_path / "stop_at").write_text("11")
    path = write_config(FN_CONFIG)
    with pytest.raises(KeyboardInterrupt):
        run_study(path, tmp_path / "out")
    _, store = run_study(path, tmp_path / "out")
    found = records(store)
    assert [r["status"] for r in found] == ["completed"] * 17
    assert len({config_key(r["hyperparameters"]) for r in found}) == 17
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert len(calls) == 22 + 1
    assert len(set(calls)) == 22, "only the interrupted call is repeated"
    assert sum(len(r["rungs"]) for r in found) == 22


def test_max_trials_smaller_than_the_plan_still_finishes_started_brackets(tmp_path, write_config):
    (tmp_path / "hbfn.py").write_text(OBJECTIVE_MODULE)
    summary, store = run_study(write_config(FN_CONFIG), tmp_path / "out", max_trials=6)
    found = records(store)
    assert len(found) == 6
    assert max(r["round"] for r in found) == 2
    assert summary.stop_reason == "max_trials reached"


def test_hyperband_config_errors(write_config):
    base = FN_CONFIG.replace("  max_epochs: 9\n", "")
    with pytest.raises(ConfigError, match="max_epochs"):
        load_config(write_config(base))
    with pytest.raises(ConfigError, match="min_epochs"):
        load_config(write_config(FN_CONFIG + "  min_epochs: 10\n"))


def test_validate_prints_the_plan(tmp_path, write_config, kt_run):
    (tmp_path / "hbfn.py").write_text(OBJECTIVE_MODULE)
    result = kt_run("validate", str(write_config(FN_CONFIG)))
    assert result.returncode == 0, result.stderr
    assert "3 brackets, 17 configurations" in result.stdout
    assert "bracket 0: 9 x 1 ep -> 3 x 3 ep -> 1 x 9 ep" in result.stdout
    returns = "what it returns (a number, or a dict holding 'loss') is checked when the first"
    assert returns in " ".join(result.stdout.split()), "a misspelt metric shows only then"


@pytest.mark.slow
def test_keras_promotion_continues_weights_and_optimizer_and_resumes_mid_rung(
    tmp_path, write_config
):
    """Bracket 0 is 3 x 1 epoch -> 1 x 3 epochs (max_trials 3 keeps it to that bracket); the
    run is stopped in the promoted trial's second epoch, resumed, and the trial goes on from
    its checkpoint, not from scratch."""
    path = write_config(KERAS_CONFIG)
    with pytest.raises(KeyboardInterrupt):
        run_study(path, tmp_path / "out", Interrupting(at_epoch=2), max_trials=3)
    _, store = run_study(path, tmp_path / "out", max_trials=3)
    found = records(store)
    assert len(found) == 3 and all(r["status"] == "completed" for r in found)
    assert len({config_key(r["hyperparameters"]) for r in found}) == 3
    (promoted,) = [r for r in found if r["round"] == 1]
    assert [h["epoch"] for h in promoted["history"]] == [1, 2, 3]
    assert [(g["round"], g["epochs"]) for g in promoted["rungs"]] == [(0, 1), (1, 3)]
    first, after = promoted["history"][0]["loss"], promoted["history"][1]["loss"]
    assert after < 0.7 * first, "a restarted model would repeat a first epoch's loss"
    assert not list(store.checkpoints_dir.glob("*.keras")), "no checkpoint outlives its use"

    import keras

    from tuner_cli.training.data import load_dataset

    model = keras.models.load_model(store.model_path(promoted["id"]))
    steps = -(-len(load_dataset(load_config(path), seed=0).x_train) // 64)
    assert int(model.optimizer.iterations) == 3 * steps


CUSTOM_METRIC_BUILDER = """
import keras

def spread(y_true, y_pred):  # a metric function, not registered with Keras
    return keras.ops.std(y_pred)

def build(hp):
    model = keras.Sequential([
        keras.layers.Dense(hp.Choice("units", [4, 8, 16]), activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy", spread])
    return model
"""


@pytest.mark.slow
def test_a_builders_unregistered_metric_function_survives_promotion(tmp_path, write_config):
    """A promoted trial continues in a model built again from its values, with the
    checkpoint's weights and optimizer state: loading the checkpoint whole needed every
    custom object registered with Keras, and KerasTuner builders' metric functions are not."""
    (tmp_path / "custom_metric_builder.py").write_text(CUSTOM_METRIC_BUILDER)
    path = write_config(
        "name: hb-custom\n"
        "seed: 1\n"
        "data: {source: sklearn, name: iris, scale: standard}\n"
        "model: {builder: custom_metric_builder:build}\n"
        "training: {batch_size: 32}\n"
        "strategy: {name: hyperband, objective: val_accuracy, max_epochs: 3, factor: 3}\n"
    )
    result = run_search(path, tmp_path / "out", workers=0, max_trials=3)
    found = [json.loads(p.read_text()) for p in sorted(result.root.glob("trials/*.json"))]
    assert [r["status"] for r in found] == ["completed"] * 3, [r.get("error") for r in found]
    (promoted,) = [r for r in found if r["round"] == 1]
    assert [h["epoch"] for h in promoted["history"]] == [1, 2, 3]
    assert all("spread" in h for h in promoted["history"])


KERAS_HYPERBAND = """\
name: hb-epochs
data: {source: sklearn, name: iris, scale: standard}
search_space:
  units: {type: choice, values: [4, 8]}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 3, activation: softmax}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 20, batch_size: 32}
strategy: {name: hyperband, objective: val_accuracy, max_epochs: 2, factor: 2, max_trials: 2}
"""
EPOCHS_IGNORED = "training.epochs (20) is ignored under hyperband"


def test_validate_warns_that_training_epochs_is_ignored(write_config, kt_run):
    result = kt_run("validate", str(write_config(KERAS_HYPERBAND)), "--no-build")
    assert result.returncode == 0, result.stderr
    assert EPOCHS_IGNORED in result.stderr
    assert "strategy.max_epochs (2)" in result.stderr
    quiet = kt_run("validate", str(write_config(FN_CONFIG)), "--no-build")
    assert "ignored" not in quiet.stderr


def test_validate_checks_another_strategy_and_names_the_keys_it_ignores(write_config, kt_run):
    """``--strategy`` switches one file between strategies, so keys another strategy reads
    are warned about, not refused: here max_epochs and factor under random, and the
    Bayesian acquisition under hyperband."""
    config = write_config(KERAS_HYPERBAND.replace("factor: 2,", "factor: 2, acquisition: pi,"))
    as_random = kt_run("validate", str(config), "--no-build", "--strategy", "random")
    assert as_random.returncode == 0, as_random.stderr
    warned = " ".join(as_random.stderr.split())
    assert "strategy.max_epochs is ignored under random (it is for hyperband, bohb, asha)" in warned
    assert "strategy.factor is ignored under random" in warned and EPOCHS_IGNORED not in warned
    assert "Strategy: random" in as_random.stdout
    as_written = " ".join(kt_run("validate", str(config), "--no-build").stderr.split())
    assert (
        "strategy.acquisition is ignored under hyperband (it is for bayesian, bohb)" in as_written
    )
    assert "max_epochs is ignored" not in as_written


@pytest.mark.slow
def test_search_warns_that_training_epochs_is_ignored(tmp_path, write_config, kt_run):
    config = write_config(KERAS_HYPERBAND)
    result = kt_run("search", str(config), "-w", "0", "--results", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert EPOCHS_IGNORED in result.stderr


def test_a_max_trials_beyond_the_plan_ends_with_the_plan_not_an_exhausted_space(
    tmp_path, write_config
):
    (tmp_path / "hbfn.py").write_text(OBJECTIVE_MODULE)
    summary, _ = run_study(write_config(FN_CONFIG), tmp_path / "out", max_trials=30)
    assert len(summary.trials) == 17
    assert summary.stop_reason == "every bracket of the Hyperband plan has run"


def test_a_max_trials_above_the_plan_warns_that_the_plan_ends_the_search(tmp_path, kt_run):
    """max_trials 30 under a plan of 5 configurations ran 5 trials, with no word before the
    search that the other 25 would not run, nor how to have more."""
    here = Path(__file__).resolve().parent
    (tmp_path / "strategy_objectives.py").write_text((here / "strategy_objectives.py").read_text())
    config = tmp_path / "above.yaml"
    config.write_text(
        "name: above\nseed: 1\nobjective_function: strategy_objectives:bowl\n"
        "search_space: {x: {type: float, min: 0.0, max: 1.0}}\n"
        "strategy: {name: bohb, objective: loss, max_epochs: 3, factor: 3, max_trials: 30}\n"
    )
    expected = (
        "max_trials (30) is above the BOHB plan's 5 configurations: the search ends when the "
        "plan has run (hyperband_iterations: N runs it N times)"
    )
    checked = kt_run("validate", str(config))
    assert checked.returncode == 0 and expected in " ".join(checked.stderr.split())
    searched = kt_run("search", str(config), "-w", "0", "--results", str(tmp_path / "out"))
    assert searched.returncode == 0 and expected in " ".join(searched.stderr.split())
    assert "every bracket of the BOHB plan has run (5 completed)" in searched.stdout


def test_a_max_trials_below_the_plan_says_which_brackets_are_cut(tmp_path, kt_run, write_config):
    """validate and the search print the whole plan (17 configurations for max_epochs 9,
    factor 3); a max_trials of 10 stops it in bracket 1, which the plan alone does not say."""
    import yaml

    from tuner_cli import load_config_dict

    here = Path(__file__).resolve().parent

    class Warnings(SearchEvents):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def warning(self, message: str) -> None:
            self.seen.append(message)

    raw = {
        "name": "cut",
        "seed": 1,
        "objective_function": "strategy_objectives:bowl",
        "search_space": {"x": {"type": "float", "min": 0.0, "max": 1.0}},
        "strategy": {"name": "hyperband", "objective": "loss", "max_epochs": 9, "factor": 3},
    }
    expected = (
        "max_trials (10) is below the Hyperband plan's 17 configurations, so the plan above stops "
        "early, starting bracket 1 with 1 of its 5, bracket 2 with none of its 3"
    )
    warnings = Warnings()
    run_search(load_config_dict(raw, here), tmp_path, max_trials=10, workers=0, events=warnings)
    assert any(expected in w for w in warnings.seen), warnings.seen
    (tmp_path / "strategy_objectives.py").write_text((here / "strategy_objectives.py").read_text())
    raw["strategy"]["max_trials"] = 10
    checked = kt_run("validate", str(write_config(yaml.safe_dump(raw))))
    assert checked.returncode == 0 and expected in " ".join(checked.stderr.split())
    raw["strategy"].pop("max_trials")
    quiet = Warnings()
    run_search(load_config_dict(raw, here), tmp_path / "all", workers=0, events=quiet)
    assert not [w for w in quiet.seen if "max_trials" in w]
