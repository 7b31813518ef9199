"""The Bayesian strategy: never repeats, categories and conditions, concurrency, resume, quality."""

from __future__ import annotations

import json
import math
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from tuner_cli.config import StrategyConfig, load_config
from tuner_cli.objective import Objective
from tuner_cli.space import (
    BoolParam,
    ChoiceParam,
    FixedParam,
    FloatParam,
    IntParam,
    SearchSpace,
    config_key,
)
from tuner_cli.strategies import make_strategy
from tuner_cli.strategies._bayesian._encoding import CATEGORY_CHANGE, SpaceEncoding
from tuner_cli.strategies._bayesian._gp import LENGTH_PRIOR, GaussianProcess, _neg_log_posterior
from tuner_cli.strategies._bayesian._search import (
    EARLY_MARGIN,
    EARLY_MARGIN_TRIALS_PER_DIMENSION,
    EDGE_STEP,
    NEAR,
    BayesianSearch,
    _even_good_tail,
    _near,
    _stalled,
    _standardise,
)
from tuner_cli.strategies.settings import BayesianSettings
from tuner_cli.training.imports import load_callable
from tuner_cli.trial import TrialRecord, TrialStatus

MIN = Objective("value", "min")


def bayesian(space: SearchSpace, seed: int = 0, objective: Objective = MIN, **settings):
    config = StrategyConfig(name="bayesian", objective={"name": "value", "direction": "min"})
    return make_strategy("bayesian", space, objective, seed, config.model_copy(update=settings))


def drive(
    strategy, fn: Callable[[dict], float], trials: int, records: list | None = None
) -> list[TrialRecord]:
    """Ask and record completed trials, as the search loop does."""
    return drive_with_sources(strategy, fn, trials, records)[0]


def drive_with_sources(
    strategy, fn: Callable[[dict], float], trials: int, records: list | None = None
) -> tuple[list[TrialRecord], list[str]]:
    """``drive``, and how each new trial was proposed (``proposed_by``)."""
    records = list(records or [])
    sources = []
    for _ in range(trials):
        proposal = strategy.ask(records)
        if proposal is None:
            break
        hp = proposal.hyperparameters
        records.append(TrialRecord(len(records) + 1, TrialStatus.COMPLETED, hp, score=fn(hp)))
        sources.append(proposal.fields.get("proposed_by", ""))
    return records, sources


def unit_space(names: str) -> SearchSpace:
    return SearchSpace({n: FloatParam(type="float", min=0.0, max=1.0) for n in names})


def branin_space() -> SearchSpace:
    return SearchSpace(
        {
            "x1": FloatParam(type="float", min=-5.0, max=10.0),
            "x2": FloatParam(type="float", min=0.0, max=15.0),
        }
    )


def branin(hp: dict) -> float:
    x1, x2 = hp["x1"], hp["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def conditional_space() -> SearchSpace:
    return SearchSpace(
        {
            "optimizer": ChoiceParam(type="choice", values=["adam", "sgd", "rmsprop"]),
            "momentum": FloatParam(type="float", min=0.0, max=0.9, when={"optimizer": "sgd"}),
            "nesterov": BoolParam(type="bool", when={"optimizer": "sgd"}),
            "learning_rate": FloatParam(type="float", min=1e-4, max=1e-1, sampling="log"),
            "units": IntParam(type="int", min=16, max=512, sampling="log"),
            "epochs": FixedParam(type="fixed", value=3),
        }
    )


def training_like(hp: dict) -> float:
    value = (math.log10(hp["learning_rate"]) + 2.5) ** 2 + (math.log2(hp["units"]) - 7) ** 2 / 4
    if hp["optimizer"] == "sgd":
        value += (hp["momentum"] - 0.8) ** 2 + (0.0 if hp["nesterov"] else 0.1)
    return value + {"adam": 0.3, "sgd": 0.0, "rmsprop": 0.5}[hp["optimizer"]]


def test_small_finite_space_runs_to_exhaustion_without_repeats():
    space = SearchSpace(
        {
            "units": IntParam(type="int", min=8, max=32, step=8),
            "activation": ChoiceParam(type="choice", values=["relu", "tanh", "gelu"]),
            "batch_norm": BoolParam(type="bool"),
        }
    )
    strategy = bayesian(space, num_initial_points=3)
    records = drive(strategy, lambda hp: hp["units"] / 64 + (hp["activation"] == "tanh"), 60)
    keys = [config_key(r.hyperparameters) for r in records]
    assert len(records) == space.size() == 24
    assert len(set(keys)) == len(keys)
    assert strategy.ask(records) is None


@pytest.mark.parametrize("rest", ["finite", "continuous"])
def test_a_float_with_a_count_takes_only_its_grid_points(rest):
    """From the space-filling start on, as random search does: a finite space is then run to
    exhaustion, its size as counted (the Sobol points once fell between the count's points)."""
    other = (
        ChoiceParam(type="choice", values=["a", "b", "c"])
        if rest == "finite"
        else FloatParam(type="float", min=0.0, max=1.0)
    )
    space = SearchSpace({"x": FloatParam(type="float", min=0.0, max=1.0, count=6), "c": other})
    strategy = bayesian(space)
    records = drive(strategy, lambda hp: (hp["x"] - 0.3) ** 2, 30)
    assert {r.hyperparameters["x"] for r in records} <= set(space.params["x"].grid_values())
    if rest == "finite":
        assert len(records) == space.size() == 18
        assert strategy.ask(records) is None


def test_int_rounding_never_repeats_in_a_large_space():
    """Continuous candidates round onto few ints: each must still be new."""
    space = SearchSpace(
        {
            "layers": IntParam(type="int", min=1, max=4),
            "units": IntParam(type="int", min=1, max=3000, sampling="log"),
        }
    )
    assert space.size() > 5_000  # sampled, not enumerated
    records = drive(bayesian(space, num_initial_points=4), lambda hp: abs(hp["layers"] - 2), 25)
    keys = [config_key(r.hyperparameters) for r in records]
    assert len(keys) == 25 and len(set(keys)) == 25


def test_failed_trials_are_not_proposed_again_and_count_as_seen():
    space = SearchSpace({"a": IntParam(type="int", min=1, max=3), "b": BoolParam(type="bool")})
    failed = [
        TrialRecord(1, TrialStatus.FAILED, {"a": 2, "b": True}, error={"message": "boom"}),
        TrialRecord(2, TrialStatus.FAILED, {"a": 3, "b": False}, error={"message": "boom"}),
        TrialRecord(3, TrialStatus.COMPLETED, {"a": 1, "b": False}, score=None),  # diverged
    ]
    strategy = bayesian(space, num_initial_points=2)
    records = drive(strategy, lambda hp: hp["a"], 10, failed)
    assert len(records) == 6
    assert len({config_key(r.hyperparameters) for r in records}) == 6
    assert strategy.ask(records) is None


def test_choice_is_encoded_as_categories_not_ordinals():
    space = SearchSpace({"c": ChoiceParam(type="choice", values=["a", "b", "c", "d"])})
    encoding = SpaceEncoding(space)
    rows = np.array([encoding.raw_from_config({"c": v}) for v in "abcd"])
    features = encoding.features(rows)
    assert features.shape == (4, 4)
    assert np.array_equal(features, np.eye(4))
    distances = {
        round(float(np.linalg.norm(features[i] - features[j])), 9)
        for i in range(4)
        for j in range(i)
    }
    assert distances == {round(math.sqrt(2), 9)}


def test_categorical_optimum_in_the_middle_of_the_list_is_found():
    """An ordinal encoding would expect 'c' to be like its neighbours, which are the worst."""
    values = ["a", "b", "c", "d", "e"]
    space = SearchSpace(
        {
            "c": ChoiceParam(type="choice", values=values),
            "x": FloatParam(type="float", min=0.0, max=1.0),
        }
    )
    scores = {"a": 1.0, "b": 3.0, "c": 0.0, "d": 3.0, "e": 1.0}
    records = drive(
        bayesian(space, num_initial_points=5), lambda hp: scores[hp["c"]] + (hp["x"] - 0.3) ** 2, 20
    )
    later = [r.hyperparameters["c"] for r in records[10:]]
    assert later.count("c") >= 6


def test_conditional_proposals_hold_only_active_parameters_in_range():
    space = conditional_space()
    records = drive(bayesian(space, num_initial_points=4, acquisition="ei"), training_like, 20)
    for record in records:
        hp = record.hyperparameters
        assert ("momentum" in hp) == ("nesterov" in hp) == (hp["optimizer"] == "sgd")
        assert set(hp) <= set(space.params)
        for name, value in hp.items():
            assert space.params[name].contains(value), (name, value)
        json.dumps(hp)
    assert {type(v) for r in records for v in r.hyperparameters.values()} <= {str, float, int, bool}


@pytest.mark.parametrize("acquisition", ["ei", "pi", "lcb", "gp_hedge"])
def test_every_acquisition_proposes_new_valid_configurations(acquisition):
    space = conditional_space()
    records = drive(
        bayesian(space, seed=3, num_initial_points=3, acquisition=acquisition), training_like, 9
    )
    assert len({config_key(r.hyperparameters) for r in records}) == 9
    assert records[-1].extra == {} and all(
        space.params[n].contains(v) for n, v in records[-1].hyperparameters.items()
    )


def test_initial_points_come_from_the_space_filling_design_then_the_model():
    strategy = bayesian(branin_space(), num_initial_points=4)
    records: list[TrialRecord] = []
    sources = []
    for _ in range(6):
        proposal = strategy.ask(records)
        sources.append(proposal.fields.get("proposed_by", ""))
        hp = proposal.hyperparameters
        records.append(TrialRecord(len(records) + 1, TrialStatus.COMPLETED, hp, score=branin(hp)))
    assert sources == ["initial"] * 4 + ["model:ei"] * 2


def test_running_trials_make_concurrent_proposals_spread_out():
    space = branin_space()
    strategy = bayesian(space, num_initial_points=5)
    records = drive(strategy, branin, 12)
    first = strategy.ask(records)
    running = TrialRecord(len(records) + 1, TrialStatus.RUNNING, first.hyperparameters)
    second = strategy.ask([*records, running])
    third = strategy.ask(
        [
            *records,
            running,
            TrialRecord(len(records) + 2, TrialStatus.RUNNING, second.hyperparameters),
        ]
    )

    def unit(hp: dict) -> np.ndarray:
        return np.array([space.params[n].to_unit(hp[n]) for n in ("x1", "x2")])

    points = [unit(p.hyperparameters) for p in (first, second, third)]
    for i in range(3):
        for j in range(i):
            assert np.linalg.norm(points[i] - points[j]) > 0.02


def proposal_before_and_after_a_resume(space, objective, seed, count):
    """The next proposal after ``count`` trials, from the records and from their JSON."""
    records = drive(bayesian(space, seed=seed, num_initial_points=4), objective, count)
    reloaded = [TrialRecord.from_dict(json.loads(json.dumps(r.to_dict()))) for r in records]
    first = bayesian(space, seed=seed, num_initial_points=4).ask(records)
    again = bayesian(space, seed=seed, num_initial_points=4).ask(reloaded)
    return records, first, again


def test_same_records_give_the_same_proposal_after_a_resume():
    space = conditional_space()
    records, first, again = proposal_before_and_after_a_resume(space, training_like, 7, 12)
    assert first.hyperparameters == again.hyperparameters
    other_seed = bayesian(space, seed=8, num_initial_points=4).ask(records)
    assert other_seed.hyperparameters != first.hyperparameters


def test_a_maximised_objective_is_climbed():
    space = SearchSpace({"x": FloatParam(type="float", min=0.0, max=1.0)})
    records = drive(
        bayesian(space, objective=Objective("accuracy", "max"), num_initial_points=3),
        lambda hp: 1.0 - (hp["x"] - 0.7) ** 2,
        12,
    )
    assert max(r.score for r in records) > 1.0 - 1e-3


def test_beats_random_search_on_branin():
    """Median over seeds at 25 trials; random's median regret is far above (about 1)."""
    optimum = 0.397887357729739
    ours, random = [], []
    for seed in range(5):
        ours.append(min(r.score for r in drive(bayesian(branin_space(), seed), branin, 25)))
        strategy = make_strategy("random", branin_space(), MIN, seed, StrategyConfig())
        random.append(min(r.score for r in drive(strategy, branin, 25)))
    ours_regret = statistics.median(ours) - optimum
    random_regret = statistics.median(random) - optimum
    assert ours_regret < 0.1
    assert ours_regret < random_regret / 4


def test_gp_likelihood_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.random((20, 3))
    y = np.sin(4 * x).sum(axis=1)
    y = (y - y.mean()) / y.std()
    sq = ((x[:, None, :] - x[None, :, :]) ** 2).reshape(-1, 3)
    theta = np.array([-0.7, -0.2, 0.3, 0.1, -6.0])
    value, grad = _neg_log_posterior(theta, sq, y)
    numeric = approx_fprime(theta, lambda t: _neg_log_posterior(t, sq, y)[0], 1e-6)
    assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-4)
    gp = GaussianProcess.fit(x, y, rng)
    mean, std = gp.predict(x)
    assert np.max(np.abs(mean - y)) < 0.1 and np.all(std < 0.2)
    # with a prior mean of its own for each length scale
    means = np.array([-0.7, 0.3, 1.0])
    value, grad = _neg_log_posterior(theta, sq, y, means)
    numeric = approx_fprime(theta, lambda t: _neg_log_posterior(t, sq, y, means)[0], 1e-6)
    assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-4)


def test_one_change_of_category_is_the_same_prior_distance_for_every_kind():
    """One-hot choices, two-value choices and bools: changing one value moves a configuration
    CATEGORY_CHANGE length scales at the prior's length scales; numbers keep their prior."""
    space = SearchSpace(
        {
            "activation": ChoiceParam(type="choice", values=["relu", "tanh", "gelu"]),
            "optimizer": ChoiceParam(type="choice", values=["adam", "sgd"]),
            "batch_norm": BoolParam(type="bool"),
            "x": FloatParam(type="float", min=0.0, max=1.0),
        }
    )
    encoding = SpaceEncoding(space)
    lengths = np.exp(encoding.log_length_prior(LENGTH_PRIOR[0]))
    base = {"activation": "relu", "optimizer": "adam", "batch_norm": False, "x": 0.5}
    changes = {"activation": "gelu", "optimizer": "sgd", "batch_norm": True}
    features = encoding.features(encoding.raw_from_config(base)[None, :])[0]
    for name, value in changes.items():
        other = encoding.features(encoding.raw_from_config({**base, name: value})[None, :])[0]
        distance = np.sqrt((((features - other) / lengths) ** 2).sum())
        assert distance == pytest.approx(CATEGORY_CHANGE), name
    assert lengths[-1] == pytest.approx(np.exp(LENGTH_PRIOR[0]))


def test_combines_categories_never_tried_together():
    """Each categorical parameter's best value is learned from the trials that have it, and
    the best combination is tried though no early trial combined them: the additive effects
    below have a unique best combination (a=2, b=1, c=3) and x=0.7."""
    effects = {"a": [0.6, 0.9, 0.0, 0.4], "b": [0.5, 0.0, 0.8, 0.3], "c": [0.7, 0.3, 0.9, 0.0]}
    params = {k: ChoiceParam(type="choice", values=[0, 1, 2, 3]) for k in effects}
    space = SearchSpace({**params, "x": FloatParam(type="float", min=0.0, max=1.0)})

    def additive(hp: dict) -> float:
        return sum(effects[k][hp[k]] for k in effects) + 3 * (hp["x"] - 0.7) ** 2

    for seed in range(6):
        records = drive(bayesian(space, seed), additive, 14)
        assert min(r.score for r in records) < 0.05, seed


@pytest.mark.slow
def test_search_command_runs_and_resumes_a_bayesian_study(kt_run, tmp_path, write_config):
    (tmp_path / "quadratic.py").write_text(
        "def objective(hp, budget=None):\n"
        "    value = (hp['x'] - 0.3) ** 2 + (hp['n'] - 3) ** 2 / 10\n"
        "    return value + (0.0 if hp['kind'] == 'b' else 0.5)\n",
        encoding="utf-8",
    )
    config = write_config(
        """
name: quad
seed: 1
objective_function: "quadratic:objective"
search_space:
  x: {type: float, min: -1.0, max: 1.0}
  n: {type: int, min: 1, max: 8}
  kind: {type: choice, values: [a, b, c]}
strategy:
  name: bayesian
  objective: {name: loss, direction: min}
  max_trials: 8
  num_initial_points: 4
  acquisition: ei
"""
    )
    output = tmp_path / "results"
    result = kt_run("search", str(config), "--results", str(output), "-w", "0")
    assert result.returncode == 0, result.stderr
    result = kt_run(
        "search", str(config), "--results", str(output), "--max-trials", "11", "-w", "0"
    )
    assert result.returncode == 0, result.stderr
    records = [
        json.loads(p.read_text()) for p in sorted((output / "quad" / "trials").glob("trial_*.json"))
    ]
    assert len(records) == 11
    assert all(r["status"] == "completed" and r["score"] is not None for r in records)
    assert len({config_key(r["hyperparameters"]) for r in records}) == 11
    assert [r["proposed_by"] for r in records[:4]] == ["initial"] * 4
    assert all(r["proposed_by"] == "model:ei" for r in records[4:])
    assert min(r["score"] for r in records) < 0.5


def test_a_long_tail_of_good_values_is_pulled_in_and_a_tail_of_bad_ones_is_not():
    rng = np.random.default_rng(0)
    typical = rng.normal(0.0, 0.1, 30)
    good_tail = np.concatenate([typical, [-3.0, -2.5]])
    warped = _even_good_tail(good_tail)
    assert np.array_equal(np.argsort(warped), np.argsort(good_tail))  # same order
    # the best value ends fewer spreads below the prior mean (the worst value) than before
    plain = -(good_tail.max() - good_tail.min()) / good_tail.std()
    assert _standardise(good_tail).min() > plain + 0.2
    bad_tail = -good_tail
    assert np.array_equal(_even_good_tail(bad_tail), bad_tail)
    assert np.array_equal(_even_good_tail(np.ones(5)), np.ones(5))


def test_a_search_has_stalled_when_its_last_trials_improved_nothing():
    improving = np.array([9.0, 7.0, 8.0, 5.0, 6.0, 4.0, 3.0, 2.0, 1.0])
    assert not _stalled(improving, initial=5)
    flat = np.array([9.0, 7.0, 8.0, 6.0, 1.0, 1.0005, 1.0, 1.0, 1.0])
    assert _stalled(flat, initial=5)
    assert not _stalled(flat[:8], initial=5)  # fewer than 4 trials after the initial design
    assert not _stalled(np.ones(10), initial=5)  # no range: nothing to compare with


def test_a_stalled_search_pulls_in_a_tail_of_bad_values():
    rng = np.random.default_rng(0)
    bad_tail = np.concatenate([rng.normal(0.0, 0.1, 30), [3.0, 2.5]])
    evened = _standardise(bad_tail, even_bad_tail=True)
    assert np.array_equal(np.argsort(evened), np.argsort(bad_tail))  # same order
    # the best value ends more spreads below the prior mean (the worst value) than before
    assert evened.min() < _standardise(bad_tail).min() - 0.5


def test_a_stalled_search_leaves_the_boundary_for_a_better_valley_on_branin():
    """Seed 12 found the bottom of x1 = 10 (regret 1.55) by trial 12 and, before the stall
    rule, proposed within 0.003 of it until trial 30; the valley at (9.42, 2.47) is 0.04 of
    the range away (benchmarks/results/bayesian_seeds.md). With the stall rule alone it left
    at trial 28 (0.0917 at 30); skipping near-duplicates (round 3) gets it out earlier."""
    space = branin_space()
    records = drive(bayesian(space, seed=12), branin, 30)
    assert min(r.score for r in records) - 0.397887357729739 < 0.1
    units = np.array(
        [[space.params[n].to_unit(r.hyperparameters[n]) for n in ("x1", "x2")] for r in records]
    )
    gaps = np.abs(units[:, None, :] - units[None, :, :]).max(axis=2)
    assert gaps[np.triu_indices(len(units), 1)].min() >= NEAR


def test_every_third_model_proposal_exploits_the_mean_on_a_small_space_without_categories():
    def sources(space: SearchSpace, fn: Callable[[dict], float], trials: int) -> list[str]:
        return drive_with_sources(bayesian(space, num_initial_points=4), fn, trials)[1]

    assert (
        sources(branin_space(), branin, 13)
        == ["initial"] * 4
        + [
            "model:ei",
            "model:ei",
            "model:mean",
        ]
        * 3
    )
    # categories, or more than three dimensions: the acquisition every time
    assert set(sources(conditional_space(), training_like, 10)[4:]) == {"model:ei"}
    assert set(
        sources(unit_space("abcd"), lambda hp: sum((v - 0.3) ** 2 for v in hp.values()), 10)[4:]
    ) == {"model:ei"}


def test_an_exploitation_turn_is_the_same_after_a_resume():
    _, first, again = proposal_before_and_after_a_resume(branin_space(), branin, 3, 6)
    assert first.fields["proposed_by"] == "model:mean"
    assert first.hyperparameters == again.hyperparameters


def test_exploitation_turns_refine_the_seeds_that_spread_their_trials_on_branin():
    """Seeds 1 and 4 ended at regret 0.0051 and 0.0124 at 30 trials with the acquisition alone
    (seed 4's last 14 trials alternated between the three minima), above Optuna GP's median
    of 0.0024 (benchmarks/results/bayesian_seeds.md, round 3)."""
    for seed in (1, 4):
        records = drive(bayesian(branin_space(), seed=seed), branin, 30)
        assert min(r.score for r in records) - 0.397887357729739 < 0.0024, seed


def test_a_candidate_within_a_thousandth_of_a_trial_in_every_coordinate_counts_as_run():
    trials = np.array([[0.5, 0.5], [0.2, 0.9]])
    assert _near(np.array([0.5 + NEAR / 2, 0.5 - NEAR / 2]), trials)
    assert not _near(np.array([0.5 + NEAR / 2, 0.5 + 2 * NEAR]), trials)  # one coordinate apart
    assert not _near(np.array([0.5, np.nan]), trials)
    assert not _near(np.array([0.5, 0.5]), np.empty((0, 2)))


def edge_records(names: str) -> list[TrialRecord]:
    """Six trials whose best, the fourth, lies on the lower bound of ``a``."""
    rows = [(0.6, 0.3), (0.8, 0.7), (0.3, 0.9), (0.0, 0.4), (0.5, 0.2), (0.9, 0.5)]
    scores = [3.0, 4.0, 3.5, 1.0, 2.5, 2.8]
    return [
        TrialRecord(i + 1, TrialStatus.COMPLETED, {n: (a if n == "a" else b) for n in names}, s)
        for i, ((a, b), s) in enumerate(zip(rows, scores, strict=True))
    ]


def test_a_best_trial_on_a_bound_is_probed_once_just_inside_it():
    records = edge_records("abcd")
    strategy = bayesian(unit_space("abcd"), num_initial_points=4)
    probe = strategy.ask(records)
    assert probe.fields["proposed_by"] == "model:edge"
    assert probe.hyperparameters == {"a": pytest.approx(EDGE_STEP), "b": 0.4, "c": 0.4, "d": 0.4}
    records.append(TrialRecord(7, TrialStatus.COMPLETED, probe.hyperparameters, score=1.5))
    assert strategy.ask(records).fields["proposed_by"] != "model:edge"
    # a best trial just found (not yet EDGE_PATIENCE trials old), or a small space: no probe
    assert strategy.ask(records[:5]).fields["proposed_by"] != "model:edge"
    small = bayesian(unit_space("abc"), num_initial_points=4)
    assert small.ask(edge_records("abc")).fields["proposed_by"] != "model:edge"


BENCHMARK_FUNCTIONS = Path(__file__).resolve().parents[2] / "benchmarks" / "functions"


def hartmann6_run(seed: int, trials: int = 30) -> tuple[list[TrialRecord], list[str], float]:
    """The quality benchmark's Hartmann6 study (benchmarks/functions): its records, how each
    was proposed, and the function's minimum."""
    study = load_config(BENCHMARK_FUNCTIONS / "hartmann6.yaml")
    function = load_callable(study.config.objective_function, study.base_dir, ("test",))
    records, sources = drive_with_sources(bayesian(study.space, seed=seed), function, trials)
    return records, sources, sys.modules[function.__module__].OPTIMUM


def test_early_proposals_on_a_larger_space_without_categories_ask_for_more_improvement():
    six = bayesian(unit_space("abcdef"))
    horizon = EARLY_MARGIN_TRIALS_PER_DIMENSION * 6
    assert six._improvement_margin(0) == EARLY_MARGIN
    assert 0 < six._improvement_margin(horizon - 1) < six._improvement_margin(horizon // 2)
    assert six._improvement_margin(horizon) == six._improvement_margin(10 * horizon) == 0.0
    # small spaces (exploitation turns instead) and spaces with categories: never
    assert bayesian(unit_space("abc"))._improvement_margin(0) == 0.0
    assert bayesian(conditional_space())._improvement_margin(0) == 0.0


def test_the_early_margin_gets_a_crawling_hartmann6_seed_to_the_optimum():
    """Seed 2 sat in the global basin from trial 8 but, asking only for some improvement,
    moved 0.1 to 0.2 a trial and ended at regret 0.733 at 30 trials, above Optuna GP's
    median of 0.143 (benchmarks/results/bayesian_seeds.md)."""
    records, _, minimum = hartmann6_run(seed=2)
    assert min(r.score for r in records) - minimum < 0.143


def test_a_probe_off_a_bound_moves_a_hartmann6_seed_into_its_basin():
    """Seed 77 ended at regret 0.188 with the early margin alone; its probes (trials 17 and
    23) both improved the best trial, and it ends in the second basin's floor (0.119)."""
    records, sources, minimum = hartmann6_run(seed=77)
    probes = [i for i, source in enumerate(sources) if source == "model:edge"]
    assert probes
    for i in probes:
        assert records[i].score < min(r.score for r in records[:i])
    assert min(r.score for r in records) - minimum < 0.143


def test_a_best_trial_in_a_corner_is_probed_in_every_number():
    records = edge_records("abcd")
    records[3] = TrialRecord(4, TrialStatus.COMPLETED, dict.fromkeys("abcd", 1.0), 1.0)
    probe = bayesian(unit_space("abcd"), num_initial_points=4).ask(records)
    assert probe.fields["proposed_by"] == "model:edge"
    assert probe.hyperparameters == pytest.approx(dict.fromkeys("abcd", 1.0 - EDGE_STEP))


def test_the_plan_counts_only_the_space_filling_trials_that_will_run():
    """Known trials (``strategy.warm_start``) count towards the initial design."""
    space = SearchSpace({"x": FloatParam(type="float", min=0.0, max=1.0)})
    known = tuple(TrialRecord(i, TrialStatus.COMPLETED, {"x": i / 10}, score=1.0) for i in (1, 2))
    strategy = BayesianSearch(
        space, MIN, 0, BayesianSettings(num_initial_points=5, known_trials=known)
    )
    first, warm = strategy.describe_plan()
    assert first.startswith("Bayesian optimisation: 3 space-filling (Sobol) trials, then")
    assert "2 known trials from another study, counted towards the 5 initial points" in warm
    plenty = BayesianSettings(num_initial_points=2, known_trials=known)
    covered = BayesianSearch(space, MIN, 0, plenty).describe_plan()[0]
    assert covered.startswith("Bayesian optimisation: a Gaussian process with the 'ei' ")
    assert "from the first trial on, the warm start's trials standing in for the" in covered
    assert "0 space-filling" not in covered
