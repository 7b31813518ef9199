"""``strategy.warm_start``: another study's finished trials inform the model, are not run
again, and study.json records which were used."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tuner_cli import load_config_dict, read_trials, run_search
from tuner_cli.errors import ConfigError
from tuner_cli.events import SearchEvents
from tuner_cli.search.warm_start import load_warm_start
from tuner_cli.space import config_key

HERE = Path(__file__).resolve().parent
SPACE = {
    "x": {"type": "float", "min": -5.0, "max": 10.0},
    "y": {"type": "float", "min": 0.0, "max": 15.0},
}


def study(name: str, strategy: dict, space=SPACE, seed=0) -> dict:
    return {
        "name": name,
        "seed": seed,
        "objective_function": "strategy_objectives:branin",
        "search_space": space,
        "strategy": {"objective": "loss", **strategy},
    }


EARLIER_SPACE = {**SPACE, "w": {"type": "int", "min": 1, "max": 3}}
"""The earlier study also searched ``w``, which Branin ignores and the later studies lack."""


@pytest.fixture
def earlier(tmp_path) -> Path:
    """A finished random study of Branin with 12 trials."""
    config = study("earlier", {"name": "random", "max_trials": 12}, EARLIER_SPACE, seed=7)
    return run_search(load_config_dict(config, HERE), tmp_path / "old", workers=0).root


def test_known_trials_steer_the_first_proposals_and_are_not_rerun(tmp_path, earlier):
    known = {
        config_key({"x": t.hyperparameters["x"], "y": t.hyperparameters["y"]})
        for t in read_trials(earlier)
    }
    config = study("later", {"name": "bayesian", "max_trials": 6, "warm_start": str(earlier)})
    result = run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    trials = sorted(result.trials, key=lambda t: t.id)
    assert len(trials) == 6, "the 12 known trials are not this study's"
    assert not known & {config_key(t.hyperparameters) for t in trials}
    assert all(t.extra["proposed_by"].startswith("model:") for t in trials), (
        "12 known trials are more than the initial design needs"
    )
    best_known = min(t.score for t in read_trials(earlier))
    assert result.best.score < best_known
    info = json.loads((result.root / "study.json").read_text())
    assert len(info["warm_start"].pop("digest")) == 16, "what the trials were, for a resume"
    assert info["warm_start"] == {
        "path": str(earlier),
        "trial_ids": list(range(1, 13)),
        "left_out": 0,
    }


def test_a_resumed_study_learns_from_the_same_trials_after_the_other_grew(tmp_path, earlier):
    config = study("later", {"name": "bayesian", "max_trials": 3, "warm_start": str(earlier)})
    run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    grow = study("earlier", {"name": "random", "max_trials": 15}, EARLIER_SPACE, seed=7)
    run_search(load_config_dict(grow, HERE), tmp_path / "old", workers=0)
    more = {**config, "strategy": {**config["strategy"], "max_trials": 5}}
    result = run_search(load_config_dict(more, HERE), tmp_path / "new", workers=0)
    assert len(result.trials) == 5
    info = json.loads((result.root / "study.json").read_text())
    assert info["warm_start"]["trial_ids"] == list(range(1, 13))


def test_an_overlapping_space_uses_the_trials_that_fit(tmp_path, earlier):
    """This space drops the earlier one's w, adds a fixed z and narrows x: the trials with x
    below 0 are left out, with a warning; the rest feed BOHB's model."""
    narrow = {
        "x": {"type": "float", "min": 0.0, "max": 10.0},
        "y": SPACE["y"],
        "z": {"type": "fixed", "value": 1},
    }
    config = study("narrow", {"name": "bohb", "max_epochs": 3, "warm_start": str(earlier)}, narrow)
    warnings: list[str] = []

    class Collect(SearchEvents):
        def warning(self, message: str) -> None:
            warnings.append(message)

    events = Collect()
    result = run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0, events=events)
    info = json.loads((result.root / "study.json").read_text())["warm_start"]
    fits = [t.id for t in read_trials(earlier) if t.hyperparameters["x"] >= 0]
    assert info["trial_ids"] == fits and info["left_out"] == 12 - len(fits) > 0
    assert any("warm start" in w and "left out" in w for w in warnings)
    assert len(result.trials) == 5, "BOHB's own plan for max_epochs 3, factor 3"


def test_another_objective_is_refused_naming_the_key(tmp_path, earlier):
    config = study("later", {"name": "bayesian", "warm_start": str(earlier)})
    config["strategy"]["objective"] = {"name": "loss", "direction": "max"}
    with pytest.raises(ConfigError, match="their scores do not compare") as caught:
        run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    assert "strategy.warm_start" in str(caught.value)
    assert not (tmp_path / "new").exists(), "nothing written"


def bowl_study(name: str, strategy: dict, seed: int = 0) -> dict:
    """A study of ``bowl``, whose loss a larger budget lowers, as more epochs would."""
    return {
        **study(name, strategy, {"x": {"type": "float", "min": 0.0, "max": 1.0}}, seed),
        "objective_function": "strategy_objectives:bowl",
    }


@pytest.fixture
def hyperband(tmp_path) -> Path:
    """A finished Hyperband study of ``bowl`` with max_epochs 9."""
    config = bowl_study("earlier", {"name": "hyperband", "max_epochs": 9}, seed=7)
    return run_search(load_config_dict(config, HERE), tmp_path / "old", workers=0).root


def test_a_bayesian_study_learns_only_the_trials_trained_to_the_largest_budget(tmp_path, hyperband):
    config = bowl_study("later", {"name": "bayesian", "warm_start": str(hyperband)})
    warm = load_warm_start(load_config_dict(config, HERE))
    records = read_trials(hyperband)
    full = [t.id for t in records if t.extra["budget"] == 9]
    assert 0 < len(full) < len(records)
    assert [t.id for t in warm.trials] == full
    shorter = len(records) - len(full)
    assert f"{len(full)} used and {shorter} left out: {shorter} trained to fewer than 9" in (
        warm.warning()
    )


def test_a_bayesian_study_is_warned_when_the_other_stopped_short_of_its_max_epochs(tmp_path):
    """An ASHA study of two trials never promoted one: the scores are all of 1 epoch of 9."""
    config = bowl_study("short", {"name": "asha", "max_epochs": 9, "max_trials": 2}, seed=7)
    short = run_search(load_config_dict(config, HERE), tmp_path / "old", workers=0).root
    later = bowl_study("later", {"name": "bayesian", "warm_start": str(short)})
    warm = load_warm_start(load_config_dict(later, HERE))
    assert len(warm.trials) == 2
    assert warm.warning() == (
        f"warm start: the trials of {short} reached at most 1 epoch of its max_epochs 9: this "
        "study learns from shorter training than it asked for"
    )


def test_bohb_learns_each_rung_up_to_its_own_max_epochs(tmp_path, hyperband):
    """Rungs past this study's max_epochs are dropped: they would stay the largest budget for
    good. With the known 3-epoch results the model proposes from budget 3 at once."""
    config = bowl_study("later", {"name": "bohb", "max_epochs": 3, "warm_start": str(hyperband)})
    warm = load_warm_start(load_config_dict(config, HERE))
    epochs = {r["epochs"] for t in warm.trials for r in t.extra["rungs"]}
    assert epochs == {1, 3}
    past = [t.id for t in read_trials(hyperband) if t.extra["rungs"][0]["epochs"] == 9]
    assert past and warm.info["left_out"] == len(past)
    assert "trained only to more than this study's max_epochs (3)" in warm.warning()
    result = run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    modelled = [t for t in result.trials if t.extra["proposed_by"].startswith("model:")]
    assert modelled and all(t.extra["model_budget"] == 3 for t in modelled)


def test_the_warning_says_why_each_trial_was_left_out(tmp_path, earlier):
    space = {**SPACE, "v": {"type": "float", "min": 0.0, "max": 1.0}}
    config = study("later", {"name": "bayesian", "warm_start": str(earlier)}, space)
    warm = load_warm_start(load_config_dict(config, HERE))
    assert not warm.trials
    assert "none is usable and 12 left out: 12 without a value for 'v'" in warm.warning()
    narrow = {
        **space,
        "x": {"type": "float", "min": 0.0, "max": 10.0},
        "v": {"type": "fixed", "value": 1},
    }
    config = study("later", {"name": "bayesian", "warm_start": str(earlier)}, narrow)
    warm = load_warm_start(load_config_dict(config, HERE))
    outside = 12 - len(warm.trials)
    assert f"{outside} left out: {outside} with 'x' outside this space" in warm.warning()


def test_validate_says_when_no_known_trial_is_usable(tmp_path, earlier, capsys):
    from tests.config.test_bad_configs import call_main

    space = {**SPACE, "v": {"type": "float", "min": 0.0, "max": 1.0}}
    config = study("later", {"name": "bayesian", "warm_start": str(earlier)}, space)
    path = tmp_path / "later.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    shutil.copy(HERE / "strategy_objectives.py", tmp_path)
    code, err = call_main(["validate", str(path)], capsys)
    assert code == 0
    assert "none is usable" in " ".join(err.split())


def two_objective_study(name: str, objectives: list, warm_start: Path | None = None) -> dict:
    """A study of ``two_bowls`` over x and y, bayesian when it warm-starts."""
    strategy = {"name": "bayesian" if warm_start else "random", "max_trials": 4}
    raw = study(name, strategy, {k: {**v, "min": 0.0, "max": 1.0} for k, v in SPACE.items()})
    raw["objective_function"] = "strategy_objectives:two_bowls"
    raw["strategy"]["objective"] = objectives
    if warm_start:
        raw["strategy"]["warm_start"] = str(warm_start)
    return raw


NEAR = {"name": "near", "direction": "min"}
FAR = {"name": "far", "direction": "min"}
SUM = {"name": "sum", "direction": "min"}


@pytest.mark.parametrize(
    "earlier_objectives, lacking",
    [(NEAR, "far (minimised)"), ([NEAR, SUM], "far (minimised)")],
    ids=["one objective", "another second objective"],
)
def test_an_objective_the_other_study_did_not_score_is_refused(
    tmp_path, earlier_objectives, lacking
):
    """Its known trials would have no value for it, and the model would take each for a
    failed trial, the worst result there is."""
    raw = two_objective_study("earlier", earlier_objectives)
    earlier = run_search(load_config_dict(raw, HERE), tmp_path / "old", workers=0).root
    later = two_objective_study("later", [NEAR, FAR], earlier)
    with pytest.raises(
        ConfigError, match=f"this study also optimises {re.escape(lacking)}"
    ) as caught:
        run_search(load_config_dict(later, HERE), tmp_path / "new", workers=0)
    assert "strategy.warm_start" in str(caught.value)
    assert not (tmp_path / "new").exists(), "nothing written"


def test_one_objective_of_several_the_other_study_scored_is_learnt(tmp_path):
    raw = two_objective_study("earlier", [NEAR, FAR])
    earlier = run_search(load_config_dict(raw, HERE), tmp_path / "old", workers=0).root
    later = two_objective_study("later", NEAR, earlier)
    assert len(load_warm_start(load_config_dict(later, HERE)).trials) == 4


def test_a_study_cannot_warm_start_from_its_own_folder(tmp_path):
    """With ``--overwrite`` it would read its trials as known ones and then delete them; on
    resume it would learn each of its own trials twice."""
    raw = study("self", {"name": "random", "max_trials": 3})
    first = run_search(load_config_dict(raw, HERE), tmp_path, workers=0).root
    again = study("self", {"name": "bayesian", "max_trials": 3, "warm_start": str(first)})
    with pytest.raises(ConfigError, match="this study's own folder") as caught:
        run_search(load_config_dict(again, HERE), tmp_path, overwrite=True, workers=0)
    assert "strategy.warm_start" in str(caught.value)
    assert len(read_trials(first)) == 3, "nothing deleted"


def test_the_warning_names_what_the_other_study_varied_and_this_space_lacks(tmp_path, earlier):
    config = study("later", {"name": "bayesian", "warm_start": str(earlier)})
    warm = load_warm_start(load_config_dict(config, HERE))
    assert len(warm.trials) == 12
    assert "varied 'w', which this space lacks" in warm.warning()
    same = study("same", {"name": "bayesian", "warm_start": str(earlier)}, EARLIER_SPACE)
    assert load_warm_start(load_config_dict(same, HERE)).warning() is None


def test_a_folder_that_is_no_study_is_refused_with_what_it_is(tmp_path, earlier):
    config_file = tmp_path / "config.yaml"
    config_file.write_text("name: x\n")
    cases = [
        (tmp_path / "missing", "does not exist"),
        (config_file, "is a file; name the other study's folder"),
        (earlier.parent, "holds studies rather than being one; name one of them: earlier$"),
        (tmp_path / "old" / "earlier" / "trials", r"is not a kt-run study \(no study.json\)"),
    ]
    for folder, message in cases:
        config = study("later", {"name": "bayesian", "warm_start": str(folder)})
        with pytest.raises(ConfigError, match=message) as caught:
            load_warm_start(load_config_dict(config, HERE))
        assert "strategy.warm_start" in str(caught.value)


@pytest.mark.parametrize(
    "later_objectives",
    [FAR, [FAR, NEAR]],
    ids=["the second objective alone", "both, in the other order"],
)
def test_objectives_the_other_study_scored_are_learnt_in_any_order(tmp_path, later_objectives):
    """Each objective of this study was one of the other's, with the same direction: its
    trials hold every score needed, whichever of them ranked its trials first."""
    raw = two_objective_study("earlier", [NEAR, FAR])
    earlier = run_search(load_config_dict(raw, HERE), tmp_path / "old", workers=0).root
    later = load_config_dict(two_objective_study("later", later_objectives, earlier), HERE)
    warm = load_warm_start(later)
    records = {t.id: t for t in read_trials(earlier)}
    assert len(warm.trials) == 4
    assert all(t.score == records[t.id].extra["scores"]["far"] for t in warm.trials), (
        "the score a known trial brings is this study's first objective's"
    )
    result = run_search(later, tmp_path / "new", workers=0)
    assert len(result.trials) == 4


def test_another_direction_for_an_objective_of_several_says_which(tmp_path):
    raw = two_objective_study("earlier", [NEAR, FAR])
    earlier = run_search(load_config_dict(raw, HERE), tmp_path / "old", workers=0).root
    later = two_objective_study("later", [NEAR, {**FAR, "direction": "max"}], earlier)
    with pytest.raises(ConfigError) as caught:
        load_warm_start(load_config_dict(later, HERE))
    assert "far (minimised)" in str(caught.value) and "far (maximised)" in str(caught.value)
    assert "their scores do not compare" in str(caught.value)
    assert "no scores for" not in str(caught.value), "it scored far, in the other direction"


@pytest.mark.parametrize("strategy", [{"name": "bayesian"}, {"name": "bohb", "max_epochs": 3}])
def test_a_finite_space_the_known_trials_cover_says_so_before_and_after(tmp_path, strategy):
    """Known trials are not run again: when they hold every configuration of this space the
    search has nothing to run, which must not read as a plain 'search space exhausted'."""
    space = {"x": {"type": "choice", "values": [0.0, 1.0]}, "y": {"type": "fixed", "value": 0.0}}
    wider = {**space, "z": {"type": "choice", "values": [0.0, 1.0, 2.0]}}
    raw = two_objective_study("earlier", SUM)
    raw.update(search_space=wider, strategy={"name": "grid", "objective": SUM})
    earlier = run_search(load_config_dict(raw, HERE), tmp_path / "old", workers=0).root
    later = {**raw, "name": "later", "search_space": space}
    later["strategy"] = {**strategy, "objective": SUM, "warm_start": str(earlier)}
    warm = load_warm_start(load_config_dict(later, HERE))
    assert len(warm.trials) == 6
    assert "every configuration of this space (2) is among the known trials" in warm.warning()
    result = run_search(load_config_dict(later, HERE), tmp_path / "new", workers=0)
    assert not result.trials
    assert "strategy.warm_start" in result.summary.stop_reason


def test_the_warning_names_the_status_of_trials_left_unfinished(tmp_path):
    """A failed trial, one still running in the other study and one interrupted are each left
    out, and the warning says which, not 'not completed' for all three."""
    raw = two_objective_study("earlier", FAR)
    raw["search_space"]["drop"] = {"type": "bool"}
    raw["objective_function"] = "strategy_objectives:two_bowls_but_far"
    raw["strategy"].update(max_trials=8, max_consecutive_failures=8)
    earlier = run_search(load_config_dict(raw, HERE), tmp_path / "old", workers=0).root
    records = read_trials(earlier)
    failed = sum(t.status.value == "failed" for t in records)
    assert 0 < failed < 6
    done = [t for t in records if t.status.value == "completed"]
    for record, status in zip(done, ["running", "interrupted"], strict=False):
        path = earlier / "trials" / f"trial_{record.id:04d}.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "status": status}))
    later = two_objective_study("later", FAR, earlier)
    later["search_space"]["drop"] = {"type": "bool"}
    warning = load_warm_start(load_config_dict(later, HERE)).warning()
    assert f"{failed} failed" in warning
    assert "1 still running" in warning and "1 interrupted" in warning
    assert "not completed" not in warning


def test_an_unreadable_record_of_the_other_study_is_counted_as_left_out(tmp_path, earlier):
    """A damaged record (a half-copied folder, an edit gone wrong) was skipped in silence:
    '11 known trials' of a study whose folder holds 12, with nothing saying why."""
    (earlier / "trials" / "trial_0002.json").write_text("{broken")
    config = study("later", {"name": "bayesian", "warm_start": str(earlier)}, EARLIER_SPACE)
    warm = load_warm_start(load_config_dict(config, HERE))
    assert len(warm.trials) == 11
    assert "of the 12 trials in" in warm.warning()
    assert "11 used and 1 left out: 1 unreadable (trial_0002.json:" in warm.warning()


@pytest.mark.parametrize("strategy", [{"name": "bayesian"}, {"name": "bohb", "max_epochs": 3}])
def test_an_initial_point_a_known_trial_holds_is_skipped_with_a_warning(
    tmp_path, earlier, strategy
):
    """Known trials are not run again, a given point among them included: the warning names
    the point and the trial, so a listed point that does not run is no surprise."""
    first = read_trials(earlier)[0].hyperparameters
    point = {"x": first["x"], "y": first["y"]}
    config = study("later", {**strategy, "max_trials": 3, "warm_start": str(earlier)})
    config["strategy"]["initial_points"] = [{"x": 1.0, "y": 2.0}, point]
    warm = load_warm_start(load_config_dict(config, HERE))
    assert f"strategy.initial_points[1] is trial 1 of {earlier}" in warm.warning()
    result = run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    ran = [config_key(t.hyperparameters) for t in result.trials]
    assert config_key({"x": 1.0, "y": 2.0}) in ran and config_key(point) not in ran


def test_a_value_of_another_kind_is_left_out_saying_what_this_space_holds(earlier):
    """An int space cannot take the other study's float values, though they lie in its range:
    'outside this space' alone reads like a range error, so the warning says what fits."""
    space = {**SPACE, "x": {"type": "int", "min": -5, "max": 10}}
    config = study("later", {"name": "bayesian", "warm_start": str(earlier)}, space)
    warning = load_warm_start(load_config_dict(config, HERE)).warning()
    assert "12 with 'x' outside this space (an integer from -5 to 10)" in warning


def test_a_resume_after_the_other_study_was_started_over_warns(tmp_path, earlier):
    """study.json keeps the ids of the trials learnt; once the other study is run again with
    --overwrite those ids name other trials, which a resume must not learn unawares."""
    config = study("later", {"name": "bayesian", "max_trials": 2, "warm_start": str(earlier)})
    run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    same = load_config_dict(config, HERE)
    saved = json.loads((tmp_path / "new" / "later" / "study.json").read_text())["warm_start"]
    assert load_warm_start(same, saved).warning() == load_warm_start(same).warning()
    again = study("earlier", {"name": "random", "max_trials": 12}, EARLIER_SPACE, seed=8)
    run_search(load_config_dict(again, HERE), tmp_path / "old", workers=0, overwrite=True)
    warning = load_warm_start(same, saved).warning()
    assert f"the trials of {earlier} this study learnt from have changed" in warning
    more = {**config, "strategy": {**config["strategy"], "max_trials": 3}}
    result = run_search(load_config_dict(more, HERE), tmp_path / "new", workers=0)
    assert len(result.trials) == 3


def test_a_resume_after_the_other_study_was_removed_says_it_is_needed(tmp_path, earlier):
    config = study("later", {"name": "bayesian", "max_trials": 2, "warm_start": str(earlier)})
    run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    shutil.rmtree(earlier)
    with pytest.raises(ConfigError, match="does not exist") as caught:
        run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    assert "this study learnt from 12 of its trials" in str(caught.value)


def test_the_report_says_which_study_the_search_learnt_from(tmp_path, earlier):
    """The report's trials are this study's only; without a word about the known trials a
    reader takes the first model proposals for lucky guesses."""
    from tuner_cli.report import render_report
    from tuner_cli.results.store import StudyStore

    config = study("later", {"name": "bayesian", "max_trials": 2, "warm_start": str(earlier)})
    result = run_search(load_config_dict(config, HERE), tmp_path / "new", workers=0)
    page = render_report(StudyStore(result.root))
    assert "<th>warm start</th>" in page
    assert f"12 trials of {earlier}" in page


def test_a_folder_named_from_the_config_s_parent_is_recorded_without_dots(tmp_path, earlier):
    configs = tmp_path / "configs"
    configs.mkdir()
    config = study("later", {"name": "bayesian", "warm_start": "../old/earlier"})
    warm = load_warm_start(load_config_dict(config, configs))
    assert warm.info["path"] == str(earlier.resolve())


def test_a_builder_study_learns_the_known_trials_in_the_space_its_builder_declares(
    tmp_path, earlier, monkeypatch
):
    """A KerasTuner-style builder's space is known only after the model check: the known
    trials must be read against it, not against the (here empty) ``search_space``, which
    would keep none of their values and say every configuration had run."""
    from tests.fakes import Recorder, ScriptedExecutor

    class Declaring(ScriptedExecutor):
        def preflight(self, seed: int) -> dict:
            return EARLIER_SPACE

    monkeypatch.setattr(
        "tuner_cli.search.run.make_executor", lambda *args, **kwargs: Declaring(slots=1)
    )
    config = {
        "name": "builder",
        "data": {"source": "sklearn", "name": "digits"},
        "model": {"builder": "models:build"},
        "strategy": {"name": "bayesian", "objective": "loss", "max_trials": 3},
    }
    config["strategy"]["warm_start"] = str(earlier)
    events = Recorder()
    result = run_search(load_config_dict(config, tmp_path), tmp_path / "new", events=events)
    assert events.warnings == []
    assert all(t.extra["proposed_by"].startswith("model:") for t in result.trials), (
        "12 known trials are more than the initial design needs"
    )
    info = json.loads((result.root / "study.json").read_text())["warm_start"]
    assert info["trial_ids"] == list(range(1, 13))


def keras_study(name: str, strategy: dict, epochs: int | None = None) -> dict:
    """A tiny Keras study of iris (``epochs``: its ``training.epochs``, when given)."""
    return {
        "name": name,
        "seed": 0,
        "data": {"source": "sklearn", "name": "iris", "scale": "standard"},
        "search_space": {"units": {"type": "choice", "values": [2, 8, 16]}},
        "model": {
            "layers": [{"Dense": {"units": "$units"}}, {"Dense": {"units": 3}}],
            "loss": {"SparseCategoricalCrossentropy": {"from_logits": True}},
            "metrics": ["accuracy"],
        },
        "training": {"batch_size": 32, **({"epochs": epochs} if epochs else {})},
        "strategy": {"objective": "val_accuracy", **strategy},
    }


@pytest.mark.slow
def test_known_trials_trained_for_another_length_are_warned_about(tmp_path):
    """A score depends on how long a configuration trained: the known trials of a 3-epoch
    study, learnt by a study that trains 1 epoch (or by BOHB at its max_epochs 9), look like
    what this study's own trials would score there, and they do not compare."""
    raw = keras_study("earlier", {"name": "random", "max_trials": 2}, epochs=3)
    earlier = run_search(load_config_dict(raw, HERE), tmp_path / "old", workers=0).root
    for strategy, epochs, theirs, mine in [
        ({"name": "bayesian"}, 1, "3 epochs", "1 epoch (training.epochs)"),
        ({"name": "bohb", "max_epochs": 9}, None, "3 epochs", "9 epochs (max_epochs)"),
    ]:
        later = keras_study("later", {**strategy, "warm_start": str(earlier)}, epochs)
        warning = load_warm_start(load_config_dict(later, HERE)).warning()
        assert warning is not None and f"the trials used trained {theirs}" in warning
        assert f"this study counts them as trained {mine}" in warning
    same = keras_study("same", {"name": "bayesian", "warm_start": str(earlier)}, epochs=3)
    assert load_warm_start(load_config_dict(same, HERE)).warning() is None
    # scores on iris say nothing of wine: the model would learn them as this study's own
    other = {**same, "data": {**same["data"], "name": "wine"}}
    warning = load_warm_start(load_config_dict(other, HERE)).warning()
    assert warning == (
        "warm start: the trials used trained on other data (data.name: iris -> wine: theirs "
        "-> this study's); their scores may not carry over"
    )
