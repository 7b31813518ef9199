"""What every strategy promises, checked against each of them through the real search loop.

A new strategy joins by adding its settings to ``STRATEGIES``. The promises: no configuration
proposed twice; the search ends once a finite space is used up; ``WAIT`` only while a trial is
running (else the loop would have nothing to wait for); a strategy rebuilt from the records of
a study stopped by Ctrl-C goes on as if it had not stopped; proposals respect conditions (a
parameter whose parent has another value is left out).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.fakes import ScriptedExecutor, runner_for
from tuner_cli.results.store import StudyStore
from tuner_cli.strategies import Wait
from tuner_cli.trial import TrialOutcome, TrialStatus, TrialTask

STRATEGIES = {
    "random": {},
    "grid": {},
    "bayesian": {"num_initial_points": 3},
    "hyperband": {"max_epochs": 9, "factor": 3},
    "bohb": {"max_epochs": 9, "factor": 3, "num_initial_points": 3},
    "asha": {"max_epochs": 9, "factor": 3},
}

FINITE = {
    "units": {"type": "choice", "values": [8, 16, 32]},
    "activation": {"type": "choice", "values": ["relu", "tanh"]},
    "deep": {"type": "bool"},
}
CONDITIONAL = {
    "optimizer": {"type": "choice", "values": ["adam", "sgd"]},
    "momentum": {
        "type": "float",
        "min": 0.0,
        "max": 0.9,
        "step": 0.3,
        "when": {"optimizer": "sgd"},
    },
    "x": {"type": "float", "min": 0.0, "max": 1.0, "step": 0.25},
}


def noisy_score(task: TrialTask) -> TrialOutcome:
    """A score that differs for every configuration and grows with the budget."""
    digest = hashlib.sha256(json.dumps(task.hyperparameters, sort_keys=True).encode()).digest()
    score = digest[0] / 255 + (task.budget or 0) / 100
    return TrialOutcome(TrialStatus.COMPLETED, score=score)


def search(
    tmp_path, name: str, space: dict, max_trials: int, slots: int = 1, stop_after: int | None = None
):
    executor = ScriptedExecutor(slots=slots, outcome=noisy_score, stop_after=stop_after)
    runner = runner_for(
        tmp_path,
        executor,
        space=space,
        strategy={"name": name, **STRATEGIES[name], "objective": {"name": "s", "direction": "max"}},
        max_trials=max_trials,
    )
    return runner, runner.run()


def configurations(trials) -> list[str]:
    return [json.dumps(t.hyperparameters, sort_keys=True) for t in trials]


@pytest.mark.parametrize("name", STRATEGIES)
def test_never_proposes_a_configuration_twice(tmp_path, name):
    _, summary = search(tmp_path, name, FINITE, max_trials=8, slots=3)
    assert len(summary.trials) == 8
    assert len(set(configurations(summary.trials))) == 8


@pytest.mark.parametrize("name", STRATEGIES)
def test_ends_when_a_finite_space_is_used_up(tmp_path, name):
    _, summary = search(tmp_path, name, FINITE, max_trials=100, slots=2)
    assert summary.stop_reason in {"search space exhausted", "max_trials reached"}
    assert len(set(configurations(summary.trials))) == len(summary.trials) <= 12
    if name != "hyperband":  # its brackets may end before every combination was tried
        assert len(summary.trials) == 12 and summary.stop_reason == "search space exhausted"


@pytest.mark.parametrize("name", STRATEGIES)
def test_waits_only_while_a_trial_is_running(tmp_path, name):
    runner, summary = search(tmp_path, name, CONDITIONAL, max_trials=10, slots=4)
    finished = [t for t in summary.trials if t.status.is_finished()]
    assert len(finished) == len(summary.trials) >= 1
    assert not isinstance(runner.strategy.ask(finished), Wait)


@pytest.mark.parametrize("name", STRATEGIES)
def test_rebuilt_from_records_it_goes_on_as_if_never_stopped(tmp_path, name):
    _, whole = search(tmp_path / "whole", name, CONDITIONAL, max_trials=10)
    with pytest.raises(KeyboardInterrupt):
        search(tmp_path / "split", name, CONDITIONAL, max_trials=10, stop_after=4)
    _, resumed = search(tmp_path / "split", name, CONDITIONAL, max_trials=10)
    assert configurations(resumed.trials) == configurations(whole.trials)
    on_disk = StudyStore(tmp_path / "split" / "fake").load_trials()
    assert [t.id for t in on_disk] == list(range(1, len(whole.trials) + 1))


@pytest.mark.parametrize("name", STRATEGIES)
def test_conditional_parameters_appear_only_under_their_parent(tmp_path, name):
    _, summary = search(tmp_path, name, CONDITIONAL, max_trials=12, slots=2)
    optimizers = set()
    for trial in summary.trials:
        hp = trial.hyperparameters
        optimizers.add(hp["optimizer"])
        assert ("momentum" in hp) == (hp["optimizer"] == "sgd"), hp
        assert 0.0 <= hp["x"] <= 1.0
    assert optimizers == {"adam", "sgd"}
