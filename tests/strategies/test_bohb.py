"""BOHB: Hyperband's brackets with configurations from a model of the largest budget that has
enough results, and once two budgets have results from one model over configuration and
budget."""

from __future__ import annotations

from pathlib import Path

from tuner_cli import load_config_dict, run_search
from tuner_cli.config import StrategyConfig
from tuner_cli.objective import Objective
from tuner_cli.space import FloatParam, SearchSpace
from tuner_cli.strategies import make_strategy
from tuner_cli.strategies._budget_model import BudgetModel
from tuner_cli.strategies.settings import BayesianSettings
from tuner_cli.trial import TrialRecord, TrialStatus

HERE = Path(__file__).resolve().parent
LOSS = Objective("loss", "min")
SPACE = SearchSpace({"x": FloatParam(type="float", min=0.0, max=1.0)})
CONFIG = {
    "name": "bohb",
    "seed": 3,
    "objective_function": "strategy_objectives:bowl",
    "search_space": {"x": {"type": "float", "min": 0.0, "max": 1.0}},
    "strategy": {"name": "bohb", "objective": "loss", "max_epochs": 9, "factor": 3},
}


def rung_trial(i: int, scores: dict[int, float], status=TrialStatus.COMPLETED) -> TrialRecord:
    rungs = [{"round": k, "epochs": e, "score": s} for k, (e, s) in enumerate(scores.items())]
    budget = max(scores) if scores else 1
    return TrialRecord(i, status, {"x": i / 20}, extra={"budget": budget, "rungs": rungs})


def test_the_model_uses_the_largest_budget_with_enough_results():
    model = BudgetModel(SPACE, LOSS, 0, BayesianSettings(num_initial_points=3))
    trials = [rung_trial(i, {1: 0.5 + i / 10}) for i in range(1, 6)]
    trials += [rung_trial(6, {1: 0.4, 3: 0.3}), rung_trial(7, {1: 0.3, 3: 0.2})]
    budget, observed = model.observations(trials)
    assert budget == 1 and len(observed) == 7, "budget 3 has only 2 results"
    trials.append(rung_trial(8, {1: 0.2, 3: 0.1}))
    trials.append(TrialRecord(9, TrialStatus.RUNNING, {"x": 0.9}, extra={"budget": 3}))
    budget, observed = model.observations(trials)
    assert budget == 3
    assert sorted(t.id for t in observed if t.score is not None) == [6, 7, 8]
    pending = sorted(t.id for t in observed if t.status is TrialStatus.RUNNING)
    assert pending == [1, 2, 3, 4, 5, 9], "the running one, and those without a result at 3"


def test_the_full_budget_needs_fewer_results():
    """Its scores carry no low-budget bias: 3 results at max_epochs outrank 5 at budget 1."""
    settings = BayesianSettings(num_initial_points=5)
    trials = [rung_trial(i, {1: 0.5 + i / 10}) for i in range(1, 6)]
    trials += [rung_trial(i, {1: 0.4, 3: 0.3, 9: 0.2 - i / 100}) for i in (6, 7)]
    model = BudgetModel(SPACE, LOSS, 0, settings, full_budget=9)
    assert model.observations(trials)[0] == 1, "two results at 9 are not enough"
    trials.append(rung_trial(8, {1: 0.4, 3: 0.3, 9: 0.1}))
    assert model.observations(trials)[0] == 9
    assert BudgetModel(SPACE, LOSS, 0, settings).observations(trials)[0] == 1, "no full budget"
    assert model.ask(trials).fields["model_budget"] == 9


def test_a_configuration_run_only_at_another_budget_is_not_proposed_again():
    """The 1-epoch model proposed the same optimum twice, equal to six digits, once the first
    proposal had run in a 3-epoch bracket (digits, seed 0). Now its 3-epoch result brings in
    the joint model (no full budget given: it predicts the largest budget with results), which
    knows that result."""
    model = BudgetModel(SPACE, LOSS, 0, BayesianSettings(num_initial_points=3))
    trials = [rung_trial(i, {1: (i / 20 - 0.3) ** 2 + 1.0}) for i in (1, 2, 3, 4, 8, 9, 10, 11)]
    first = model.ask(trials)
    assert first.fields["proposed_by"].startswith("model:")
    assert abs(first.hyperparameters["x"] - 0.3) < 0.01
    ran = TrialRecord(
        20,
        TrialStatus.COMPLETED,
        first.hyperparameters,
        extra={"budget": 3, "rungs": [{"round": 0, "epochs": 3, "score": 0.4}]},
    )
    second = model.ask([*trials, ran])
    assert second.fields["proposed_by"].startswith("model:")
    assert second.fields["model_budget"] == 3
    assert abs(second.hyperparameters["x"] - first.hyperparameters["x"]) > 0.01


def test_the_joint_model_follows_the_full_budget_where_a_low_budget_misleads():
    """At 1 epoch x = 0.8 is best, at the full 9 epochs x = 0.3: the per-budget model would
    propose from the 1-epoch results (the 9-epoch budget has too few); the joint model
    proposes near the full budget's optimum."""
    settings = BayesianSettings(num_initial_points=5)
    xs = (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95)
    trials = [
        TrialRecord(
            i,
            TrialStatus.COMPLETED,
            {"x": x},
            extra={
                "budget": 9 if x in (0.25, 0.45) else 1,
                "rungs": [{"epochs": 1, "score": (x - 0.8) ** 2}]
                + ([{"epochs": 9, "score": (x - 0.3) ** 2}] if x in (0.25, 0.45) else []),
            },
        )
        for i, x in enumerate(xs)
    ]
    model = BudgetModel(SPACE, LOSS, 0, settings, full_budget=9)
    assert model.observations(trials)[0] == 1
    proposal = model.ask(trials)
    assert proposal.fields["proposed_by"].startswith("model:")
    assert proposal.fields["model_budget"] == 9
    assert abs(proposal.hyperparameters["x"] - 0.3) < 0.1, proposal


def test_the_joint_model_learns_from_low_budgets_that_agree():
    """Before any full-budget result, where 1 and 3 epochs agree (the same bowl, lower at 3),
    the joint model proposes for 9 epochs near their common optimum."""
    settings = BayesianSettings(num_initial_points=5)
    xs = (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95)
    trials = [
        rung_trial(i, {1: (x - 0.6) ** 2 + 1.0, **({3: (x - 0.6) ** 2 + 0.5} if i % 3 else {})})
        for i, x in enumerate(xs)
    ]
    for trial, x in zip(trials, xs, strict=True):
        trial.hyperparameters["x"] = x
    proposal = BudgetModel(SPACE, LOSS, 0, settings, full_budget=9).ask(trials)
    assert proposal.fields["proposed_by"].startswith("model:")
    assert proposal.fields["model_budget"] == 9
    assert abs(proposal.hyperparameters["x"] - 0.6) < 0.1, proposal


def test_before_any_budget_has_enough_results_proposals_fill_the_space():
    model = BudgetModel(SPACE, LOSS, 0, BayesianSettings(num_initial_points=5))
    trials = [rung_trial(i, {1: 0.5}) for i in range(1, 4)]
    budget, observed = model.observations(trials)
    assert budget is None and all(t.status is TrialStatus.RUNNING for t in observed)
    assert model.ask(trials).fields == {"proposed_by": "initial"}


def known_trial(i: int, x: float, scores: dict[int, float]) -> TrialRecord:
    """Another study's trial as ``strategy.warm_start`` gives it: completed, with its rungs."""
    rungs = [{"epochs": e, "score": s} for e, s in scores.items()]
    return TrialRecord(
        i, TrialStatus.COMPLETED, {"x": x}, score=rungs[-1]["score"], extra={"rungs": rungs}
    )


def test_known_trials_are_modelled_at_their_rungs_budgets():
    """At 1 epoch the known trials prefer x = 0.8, at 9 epochs x = 0.3: the model learns the
    9-epoch scores (with two budgets, the joint model predicting 9 epochs) and says so; before,
    it learned their last scores with no budget, and proposals carried no ``model_budget``."""
    known = tuple(
        known_trial(100 + i, x, {1: (x - 0.8) ** 2, 9: (x - 0.3) ** 2})
        for i, x in enumerate((0.05, 0.1, 0.15, 0.2, 0.4, 0.45, 0.5, 0.55))
    )
    model = BudgetModel(SPACE, LOSS, 0, BayesianSettings(num_initial_points=3, known_trials=known))
    first = model.ask([])
    assert first.fields["proposed_by"].startswith("model:")
    assert first.fields["model_budget"] == 9
    assert abs(first.hyperparameters["x"] - 0.3) < 0.05
    ran = rung_trial(1, {1: 0.4})
    ran.hyperparameters.update(first.hyperparameters)
    second = model.ask([ran])
    assert second.fields["model_budget"] == 9
    # a 1-epoch result says little about 9 epochs here: the optimum stays where it was, and
    # only a configuration within a thousandth of one that ran is skipped (``_near``)
    assert second.hyperparameters != first.hyperparameters
    assert 0.001 < abs(second.hyperparameters["x"] - first.hyperparameters["x"]) < 0.05


def test_too_few_known_results_at_any_budget_fill_the_space_first():
    known = (known_trial(100, 0.3, {9: 0.0}), known_trial(101, 0.6, {9: 0.1}))
    model = BudgetModel(SPACE, LOSS, 0, BayesianSettings(num_initial_points=3, known_trials=known))
    assert model.ask([]).fields == {"proposed_by": "initial"}


def test_about_a_third_of_model_time_proposals_stay_random():
    model = BudgetModel(SPACE, LOSS, 1, BayesianSettings(num_initial_points=3))
    sources = []
    for n in range(6, 24):
        trials = [rung_trial(i, {1: abs(i / 20 - 0.3)}) for i in range(1, n)]
        sources.append(model.ask(trials).fields["proposed_by"])
    random_share = sources.count("random") / len(sources)
    assert 0.1 <= random_share <= 0.6, sources
    assert all(s == "random" or s.startswith("model:") for s in sources)


def test_a_bohb_search_runs_hyperbands_plan_with_model_proposals(tmp_path):
    result = run_search(load_config_dict(CONFIG, HERE), tmp_path, workers=0)
    trials = sorted(result.trials, key=lambda t: t.id)
    assert len(trials) == 17 and all(t.status is TrialStatus.COMPLETED for t in trials)
    brackets = [t.extra["bracket"] for t in trials]
    assert [brackets.count(b) for b in (0, 1, 2)] == [9, 5, 3]
    modelled = [t for t in trials if t.extra["proposed_by"].startswith("model:")]
    assert modelled and all(t.extra["model_budget"] in (1, 3, 9) for t in modelled)
    assert abs(result.best.hyperparameters["x"] - 0.3) < 0.05
    assert result.best.extra["rungs"][-1]["epochs"] == 9


def test_validate_plan_names_bohb_and_its_model():
    strategy = make_strategy(
        "bohb", SPACE, LOSS, 0, StrategyConfig(name="bohb", objective="loss", max_epochs=9)
    )
    plan = "\n".join(strategy.describe_plan())
    assert plan.startswith("BOHB: max_epochs 9, factor 3")
    assert "largest budget with at least 5 results (3 at 9 epochs;" in plan
    assert "once two budgets have results, one Gaussian process over configuration and" in plan


def test_the_plan_counts_one_epoch_in_the_singular():
    settings = StrategyConfig(name="bohb", objective="loss", max_epochs=1)
    plan = "\n".join(make_strategy("bohb", SPACE, LOSS, 0, settings).describe_plan())
    assert "(3 at 1 epoch;" in plan
