"""``run_search`` from Python: the call the command line makes, and the study's one seed."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

import tuner_cli
from tests.fakes import Recorder
from tuner_cli import best_trials, load_config_dict, read_trials, run_search
from tuner_cli.wording import format_number

REPO = Path(__file__).resolve().parents[2]

BRANIN = {
    "name": "branin",
    "objective_function": "objectives:branin",
    "search_space": {
        "x": {"type": "float", "min": -5.0, "max": 10.0},
        "y": {"type": "float", "min": 0.0, "max": 15.0},
    },
    "strategy": {"name": "random", "objective": {"name": "branin", "direction": "min"}},
}


def test_run_search_from_a_dict_then_resume(tmp_path):
    config = {**BRANIN, "seed": 3}
    first = run_search(
        tuner_cli.load_config_dict(config, REPO / "examples"),
        tmp_path,
        max_trials=4,
        workers=0,
    )
    assert first.root == tmp_path / "branin"
    assert len(first.trials) == 4 and first.best is not None
    assert first.stopped_by_signal is None and not first.summary.failed_run
    again = run_search(
        tuner_cli.load_config_dict(config, REPO / "examples"), tmp_path, max_trials=6, workers=0
    )
    assert [t.id for t in again.trials] == [1, 2, 3, 4, 5, 6]
    assert [t.id for t in read_trials(first.root)] == [1, 2, 3, 4, 5, 6]
    assert best_trials(first.root)[0].score == again.best.score
    ranked = best_trials(first.root, top=3)
    assert [t.score for t in ranked] == sorted(t.score for t in ranked)


def test_a_cell_ending_in_run_search_shows_one_line_not_every_record(tmp_path):
    """Jupyter shows the repr of a cell's last value; a dataclass's would list every record
    with its history."""
    study = load_config_dict({**BRANIN, "seed": 3}, REPO / "examples")
    result = run_search(study, tmp_path, max_trials=3, workers=0)
    shown = repr(result)
    assert shown == (
        f"<SearchResult {tmp_path / 'branin'}: 3 trials (3 completed), best trial "
        f"{result.best.id} (branin {format_number(result.best.score, keep_zeros=True)}), "
        "max_trials reached>"
    )


def test_a_cell_ending_in_read_trials_shows_each_record_on_one_short_line():
    """``read_trials(...)`` and ``best_trials(...)`` end many a notebook cell, as the README
    writes them: every record showed its per-epoch history and its error's whole traceback
    (a megabyte for 300 Keras trials of 30 epochs). The fields still hold all of it."""
    from tuner_cli.trial import TrialRecord, TrialStatus

    epochs = [{"epoch": e, "loss": 0.5, "val_loss": 0.6, "val_accuracy": 0.75} for e in range(30)]
    record = TrialRecord(
        7,
        TrialStatus.COMPLETED,
        {"units": 8},
        score=0.75,
        metrics={"val_accuracy": 0.75},
        history=epochs,
        best_epoch=3,
        started_at="2025-01-01T00:00:00+00:00",
        duration_s=2.5,
        worker="vm:1",
        extra={"bracket": 0},
    )
    assert repr(record) == (
        "TrialRecord(id=7, status='completed', score=0.75, hyperparameters={'units': 8}, "
        "metrics={'val_accuracy': 0.75}, best_epoch=3, history=<list of 30>, duration_s=2.5, "
        "extra={'bracket': 0})"
    )
    assert record.history == epochs and record.worker == "vm:1"
    failed = TrialRecord(
        8,
        TrialStatus.FAILED,
        {},
        error={"message": "KeyError: 'nope'", "traceback": "Traceback ...\n" * 40},
    )
    assert repr(failed) == (
        "TrialRecord(id=8, status='failed', score=None, hyperparameters={}, "
        "error=\"KeyError: 'nope'\")"
    )


def two_objectives(distance: str):
    """Branin and the distance to the origin (minimised or maximised), at random."""
    objectives = [
        {"name": "branin", "direction": "min"},
        {"name": "distance_to_origin", "direction": distance},
    ]
    config = {**BRANIN, "seed": 5, "strategy": {"name": "random", "objective": objectives}}
    return load_config_dict(config, REPO / "examples")


def test_a_multi_objective_search_s_one_line_names_its_pareto_front(tmp_path):
    """ "best trial 10 (branin 0.5)" read as if the second objective did not count; the
    command line shows the front, and so does the one line, as ``best_trials`` gives it."""
    result = run_search(two_objectives("min"), tmp_path, max_trials=8, workers=0)
    front = [t.id for t in best_trials(result.root)]
    assert 1 < len(front) < 8
    assert repr(result) == (
        f"<SearchResult {tmp_path / 'branin'}: 8 trials (8 completed), a Pareto front of "
        f"{len(front)} trials ({', '.join(map(str, front))}), max_trials reached>"
    )


def test_results_summary_of_several_objectives_shows_the_front_with_every_score(tmp_path, capsys):
    """It printed the first objective alone and each trial's score by it: the front read as a
    ranking by branin."""
    result = run_search(two_objectives("max"), tmp_path, max_trials=6, workers=0)
    result.results_summary(num_trials=3)
    printed = capsys.readouterr().out.splitlines()
    assert printed[2:5] == [
        "Showing 3 trials of the Pareto front",
        'Objective(name="branin", direction="min")',
        'Objective(name="distance_to_origin", direction="max")',
    ]
    first = best_trials(result.root)[0]
    assert (
        f"Scores: branin={first.extra['scores']['branin']}, "
        f"distance_to_origin={first.extra['scores']['distance_to_origin']}"
    ) in printed
    assert not any(line.startswith("Score: ") for line in printed)


def test_a_failed_search_s_one_line_says_what_its_trials_raised(tmp_path):
    """A notebook's run_search shows nothing as it goes: "3 trials (3 failed), no best trial"
    left the user to dig the error out of ``result.trials[0].error["message"]``."""
    (tmp_path / "broken.py").write_text("def loss(hp, budget):\n    return hp['nope']\n")
    config = {**BRANIN, "objective_function": "broken:loss"}
    result = run_search(load_config_dict(config, tmp_path), tmp_path, max_trials=5, workers=0)
    assert result.summary.failed_run
    assert repr(result) == (
        f"<SearchResult {tmp_path / 'branin'}: 3 trials (3 failed), no best trial, 3 trials "
        "failed in a row; the last one's error: KeyError: 'nope'>"
    )


def test_a_dict_with_numpy_values_and_paths_loads_and_one_with_objects_names_the_key(tmp_path):
    """A notebook computes values with NumPy and names files with pathlib; those convert. A
    function where the config takes no ``module:function``, or a kt.Objective, cannot be kept
    in the study's config: a ConfigError by key, not yaml's RepresenterError."""
    import numpy as np

    from tuner_cli.errors import ConfigError

    config = {
        **BRANIN,
        "seed": np.int64(3),
        "search_space": {
            "x": {"type": "float", "min": np.float64(-5.0), "max": 10.0},
            "y": {"type": "choice", "values": np.array([0.0, 7.5, 15.0])},
        },
    }
    study = tuner_cli.load_config_dict(config, REPO / "examples")
    assert study.config.seed == 3 and study.space.params["y"].values == [0.0, 7.5, 15.0]
    (tmp_path / "table.csv").write_text("a,label\n1,0\n2,1\n")
    keras_study = {
        "name": "nb",
        "data": {"source": "csv", "path": tmp_path / "table.csv", "target": "label"},
        "model": {"builder": "my_models:build"},
        "strategy": {"objective": "val_loss"},
    }
    loaded = tuner_cli.load_config_dict(keras_study, tmp_path)
    assert Path(loaded.config.data.path) == tmp_path / "table.csv"
    keras_study["model"] = {"builder": "my_models:build", "optimizer": json.dumps}
    with pytest.raises(ConfigError, match="'module:function'") as caught:
        tuner_cli.load_config_dict(keras_study, tmp_path)
    assert str(caught.value).startswith("model.optimizer: function")


def test_run_search_from_a_path(tmp_path):
    result = run_search(REPO / "examples" / "objective.yaml", tmp_path, max_trials=2, workers=0)
    assert len(result.trials) == 2
    assert json.loads((result.root / "study.json").read_text())["seed"] == 0


UNSEEDED = """
name: unseeded
data: {source: sklearn, name: iris, validation_split: 0.3, scale: standard}
search_space:
  units: {type: int, min: 4, max: 8}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 3, activation: softmax}
  optimizer: adam
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 1, batch_size: 32}
strategy: {name: random, objective: val_accuracy, max_trials: 1}
"""


def test_an_unseeded_study_splits_and_trains_with_study_json_seed(tmp_path, monkeypatch):
    """No ``seed:`` in the config: the seed drawn into study.json is the one the data split
    and the trial's Keras seed come from (not a silent 0)."""
    from tuner_cli.training import data, keras_training

    split_seeds: list[int] = []
    trial_seeds: list[int] = []
    split, seed_for = data._split, keras_training.seed_for

    def recording_split(x, y, fraction, seed):
        split_seeds.append(seed)
        return split(x, y, fraction, seed)

    def recording_seed_for(seed, trial_id, execution):
        trial_seeds.append(seed)
        return seed_for(seed, trial_id, execution)

    monkeypatch.setattr(data, "_split", recording_split)
    monkeypatch.setattr(keras_training, "seed_for", recording_seed_for)
    data._cached.cache_clear()
    config = tmp_path / "unseeded.yaml"
    config.write_text(UNSEEDED)
    result = run_search(config, tmp_path / "results", workers=0)
    study_seed = json.loads((result.root / "study.json").read_text())["seed"]
    assert result.trials[0].status.value == "completed"
    assert split_seeds and set(split_seeds) == {study_seed}
    assert trial_seeds == [study_seed]
    data._cached.cache_clear()


def test_the_package_root_stays_light():
    """``import tuner_cli`` loads no search machinery: the read commands depend on it."""
    import subprocess
    import sys

    code = "import sys, tuner_cli; print('tuner_cli.search' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", tuner_cli.__all__[1:])
def test_the_api_names_resolve_and_a_notebook_completes_them(name):
    """Each name imports from the root (``from tuner_cli import ConfigError`` for the error
    the README says a bad config raises) and is in ``dir()``, where IPython's Tab looks."""
    assert callable(getattr(tuner_cli, name))
    assert name in dir(tuner_cli)


def test_two_studies_in_one_process_each_import_their_own_objective_module(tmp_path):
    """A notebook running two studies whose folders each hold an ``objectives.py``."""
    results = []
    for constant in (1.0, 2.0):
        folder = tmp_path / f"study{constant:g}"
        folder.mkdir()
        (folder / "objectives.py").write_text(
            f"def branin(hp, budget):\n    return {{'branin': {constant}}}\n"
        )
        config = tuner_cli.load_config_dict({**BRANIN, "seed": 1}, folder)
        results.append(run_search(config, folder / "results", max_trials=1, workers=0))
    assert [r.best.score for r in results] == [1.0, 2.0]


def test_a_second_search_sees_the_objective_module_as_edited_since_the_first(tmp_path):
    """A notebook user runs a study, edits ``objectives.py`` and runs one again: the edit
    counts, as it would for a new ``kt-run search``, not the module the first call imported."""
    (tmp_path / "objectives.py").write_text("def branin(hp, budget):\n    return {'branin': 1}\n")
    first = run_search(
        load_config_dict({**BRANIN, "seed": 1}, tmp_path), tmp_path, workers=0, max_trials=1
    )
    (tmp_path / "objectives.py").write_text("def branin(hp, budget):\n    return {'branin': 2.5}\n")
    edited = {**BRANIN, "name": "edited", "seed": 1}
    second = run_search(load_config_dict(edited, tmp_path), tmp_path, max_trials=1, workers=0)
    assert (first.best.score, second.best.score) == (1, 2.5)


def test_a_search_in_this_process_leaves_sys_path_and_the_keras_tuner_stand_in_as_found(
    tmp_path, monkeypatch
):
    """A notebook runs a study whose folder holds its own modules (examples/ even holds a
    ``keras_tuner/`` folder): afterwards the notebook's ``import helpers`` or ``import
    keras_tuner`` must find neither the config's folder nor kt-run's stand-in. (The objective
    module installs the stand-in itself, as a builder's loading does, to stay TensorFlow-free.)"""
    import sys

    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in [n for n in sys.modules if n.split(".")[0] in ("keras_tuner", "kerastuner")]:
        monkeypatch.delitem(sys.modules, name)
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "objectives.py").write_text(
        "from tuner_cli.training.keras_tuner_stand_in import install_if_missing\n"
        "install_if_missing()\n\n"
        "def branin(hp, budget):\n    return {'branin': 1.0}\n"
    )
    before = list(sys.path)
    config = tuner_cli.load_config_dict({**BRANIN, "seed": 1}, folder)
    run_search(config, tmp_path / "results", max_trials=1, workers=0)
    assert sys.path == before
    assert [n for n in sys.modules if n.split(".")[0] in ("keras_tuner", "kerastuner")] == []


IRIS = {
    "name": "iris",
    "seed": 1,
    "data": {"source": "sklearn", "name": "iris"},
    "search_space": {"units": {"type": "int", "min": 4, "max": 8, "step": 4}},
    "model": {
        "layers": [{"Dense": {"units": "$units"}}, {"Dense": {"units": 3}}],
        "loss": {"SparseCategoricalCrossentropy": {"from_logits": True}},
        "metrics": ["accuracy"],
    },
    "training": {"epochs": 1},
    "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
}


@pytest.mark.slow
def test_a_keras_search_in_this_process_leaves_the_notebooks_random_state_alone(tmp_path):
    """Each trial seeds Python's, NumPy's and TensorFlow's generators; with workers=0 that is
    the notebook's own process, whose ``np.random`` draws after the search must go on as if
    no search had run, not restart from the last trial's seed; TensorFlow's global seed is
    the notebook's again (unset, unless it set one), and so is the ``tensorflow`` logger's
    level, which trials turn down to errors."""
    import logging
    import random

    import numpy as np
    import tensorflow as tf

    config = IRIS
    np.random.seed(123)
    random.seed(123)
    tf.random.set_seed(123)
    expected = (np.random.rand(), random.random(), float(tf.random.uniform(())))
    np.random.seed(123)
    random.seed(123)
    tf.random.set_seed(123)
    logging.getLogger("tensorflow").setLevel(logging.INFO)
    run_search(config, tmp_path, workers=0)
    assert (np.random.rand(), random.random(), float(tf.random.uniform(()))) == expected
    assert logging.getLogger("tensorflow").level == logging.INFO


@pytest.mark.slow
def test_a_second_search_in_this_process_reads_a_data_file_rewritten_since_the_first(tmp_path):
    """A notebook searches, rewrites its CSV and searches again with ``workers=0``: the
    second search reads the file as it is now (here it holds an ``inf``, which the data
    checks refuse), not the arrays the first one loaded, which the process no longer holds."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training import data

    rows = "\n".join(f"{i / 10},{i % 2}" for i in range(20))
    (tmp_path / "table.csv").write_text(f"x,label\n{rows}\n")
    config = {
        "name": "first",
        "seed": 1,
        "data": {"source": "csv", "path": "table.csv", "target": "label"},
        "search_space": {"units": {"type": "int", "min": 2, "max": 4, "step": 2}},
        "model": {
            "layers": [{"Dense": {"units": "$units"}}, {"Dense": {"units": 2}}],
            "loss": {"SparseCategoricalCrossentropy": {"from_logits": True}},
        },
        "training": {"epochs": 1},
        "strategy": {"name": "random", "objective": "val_loss", "max_trials": 1},
    }
    first = run_search(load_config_dict(config, tmp_path), tmp_path / "results", workers=0)
    assert first.trials[0].status.value == "completed"
    assert data._cached.cache_info().currsize == 0
    (tmp_path / "table.csv").write_text(f"x,label\n{rows}\ninf,1\n")
    second = load_config_dict({**config, "name": "second"}, tmp_path)
    with pytest.raises(ConfigError, match="row 22, column .x. holds .inf."):
        run_search(second, tmp_path / "results", workers=0)


def test_max_trial_time_in_a_thread_with_workers_zero_says_it_cannot_apply(tmp_path):
    """Only the main thread can be interrupted by a timer; a search called from another thread
    (a web app, a GUI) would otherwise let a hung trial run forever without a word."""
    config = {**BRANIN, "strategy": {**BRANIN["strategy"], "max_trial_time": "1m"}}
    study = load_config_dict(config, REPO / "examples")
    seen: dict[str, list[str]] = {}

    def search(name: str) -> None:
        events = Recorder()
        run_search(study, tmp_path / name, max_trials=1, workers=0, events=events)
        seen[name] = events.warnings

    thread = threading.Thread(target=search, args=("thread",))
    thread.start()
    thread.join()
    search("main")
    assert seen["main"] == []
    assert seen["thread"] == [
        "max_trial_time is not applied: with workers 0 a trial runs in the thread that called "
        "the search, and only the main thread can be interrupted by a timer; call it from the "
        "main thread, or use workers >= 1"
    ]


def test_run_search_takes_the_strategy_and_name_options_of_kt_run_search(tmp_path, monkeypatch):
    """The README: run_search takes `kt-run search`'s options as keyword arguments; --strategy
    and --name among them, for a YAML path as for a dict (which is left as given)."""
    monkeypatch.chdir(REPO / "examples")  # a dict's files and modules are found from here
    config = {**BRANIN, "seed": 3}
    result = run_search(
        config, tmp_path, max_trials=2, workers=0, strategy="bayesian", name="branin-gp"
    )
    assert result.root == tmp_path / "branin-gp"
    assert json.loads((result.root / "study.json").read_text())["strategy"] == "bayesian"
    assert config["strategy"]["name"] == "random" and config["name"] == "branin"
    (tmp_path / "branin.yaml").write_text(
        "name: branin\nseed: 3\nobjective_function: objectives:branin\nsearch_space:\n"
        "  x: {type: float, min: -5.0, max: 10.0}\n  y: {type: float, min: 0.0, max: 15.0}\n"
        "strategy: {name: random, objective: {name: branin, direction: min}}\n"
    )
    (tmp_path / "objectives.py").write_text((REPO / "examples" / "objectives.py").read_text())
    from_file = run_search(
        tmp_path / "branin.yaml", tmp_path / "out", max_trials=1, workers=0, strategy="bayesian"
    )
    assert from_file.root == tmp_path / "out" / "branin-bayesian"
    with pytest.raises(TypeError, match="load_config"):
        run_search(load_config_dict(config, REPO / "examples"), tmp_path, name="other")


def test_a_view_that_fails_in_epoch_ended_stops_an_in_process_search_as_with_workers(tmp_path):
    """The caller's own ``events`` object failing is the caller's error: with workers it is
    raised from run_search (the view runs in the driver); in process it failed the trial
    instead, three times, and the search went on to say that trials fail."""
    from tuner_cli.events import SearchEvents

    class BrokenView(SearchEvents):
        def epoch_ended(self, trial_id, epoch, epochs, logs):
            raise ValueError("the view's own bug")

    config = {**IRIS, "strategy": {**IRIS["strategy"], "max_trials": 3}}
    with pytest.raises(ValueError, match="the view's own bug"):
        run_search(config, tmp_path, workers=0, events=BrokenView())
    (record,) = read_trials(tmp_path / "iris")
    assert record.status.value == "interrupted"  # run again on resume


@pytest.mark.slow
def test_max_trial_time_passing_inside_a_slow_view_fails_the_trial_not_the_search(tmp_path):
    """In process the time limit is an alarm raised in whatever runs: landing in the caller's
    view, it read as the view's error and stopped the search."""
    import time

    from tuner_cli.events import SearchEvents

    class SlowView(SearchEvents):
        def epoch_ended(self, trial_id, epoch, epochs, logs):
            time.sleep(4)  # a notebook drawing a plot

    config = {**IRIS, "strategy": {**IRIS["strategy"], "max_trial_time": "2s"}}
    result = run_search(config, tmp_path, workers=0, events=SlowView())
    (record,) = result.trials
    assert record.status.value == "failed"
    assert record.error["message"].startswith("the trial ran longer than max_trial_time (2 s)")


def test_a_keras_tuner_script_s_calls_after_the_search_answer_as_keras_tuner_s(tmp_path, capsys):
    """``tuner.get_best_hyperparameters()[0].values`` and ``.get('x')``, and
    ``results_summary()``: a script's lines after the search, kept as they are. The record's
    plain dict made ``best_hps.values`` a method."""
    study = load_config_dict({**BRANIN, "seed": 3}, REPO / "examples")
    result = run_search(study, tmp_path, max_trials=3, workers=0)
    ranked = best_trials(result.root, top=2)
    best_hps = result.get_best_hyperparameters()[0]
    assert best_hps.values == ranked[0].hyperparameters
    assert best_hps.get("x") == ranked[0].hyperparameters["x"]
    assert best_hps.Float("x", -5.0, 10.0) == ranked[0].hyperparameters["x"]  # builds it again
    two = result.get_best_hyperparameters(num_trials=2)
    assert [hp.values for hp in two] == [t.hyperparameters for t in ranked]
    result.results_summary(num_trials=2)
    printed = capsys.readouterr().out.splitlines()
    assert printed[:4] == [
        "Results summary",
        f"Results in {result.root}",
        "Showing 2 best trials",
        'Objective(name="branin", direction="min")',
    ]
    assert printed[4:7] == ["", f"Trial {ranked[0].id} summary", "Hyperparameters:"]
    assert f"x: {ranked[0].hyperparameters['x']}" in printed
    assert f"Score: {ranked[0].score}" in printed
    assert printed.count("Hyperparameters:") == 2


@pytest.mark.slow
def test_get_best_models_loads_the_kept_model_and_names_the_setting_for_others(tmp_path):
    """``tuner.get_best_models()[0]``: the best trial's model as kept (``models: best``);
    asking for more than were kept says which setting keeps them."""
    from tuner_cli.errors import KtRunError

    result = run_search(IRIS, tmp_path, workers=0)
    (model,) = result.get_best_models()
    assert model.predict(np.zeros((2, 4), "float32"), verbose=0).shape == (2, 3)
    study = load_config_dict({**IRIS, "strategy": {**IRIS["strategy"], "max_trials": 2}})
    again = run_search(study, tmp_path, workers=0)
    with pytest.raises(KtRunError, match="model was not kept .* `models: all`"):
        again.get_best_models(num_models=2)


def test_the_one_line_keeps_a_scores_trailing_zeros_as_every_score_shown_does(tmp_path):
    """``val_accuracy 0.525`` there, ``0.5250`` in every table and line of ``kt-run``."""
    from tuner_cli.objective import Objective
    from tuner_cli.search import SearchResult
    from tuner_cli.search.runner import SearchSummary
    from tuner_cli.trial import TrialRecord, TrialStatus

    record = TrialRecord(1, TrialStatus.COMPLETED, {"units": 8}, score=0.525)
    summary = SearchSummary([record], Objective("val_accuracy", "max"), "max_trials reached")
    assert "(val_accuracy 0.5250)" in repr(SearchResult(summary, tmp_path))


def test_get_best_models_of_an_objective_function_study_says_it_has_none_before_keras(
    tmp_path, monkeypatch
):
    """An objective_function trains no model: ``get_best_models()`` imported TensorFlow (its
    log lines, seconds) and then said the model "was not kept", advising ``models: all``."""
    import sys

    from tuner_cli.errors import KtRunError

    result = run_search(load_config_dict(BRANIN, REPO / "examples"), tmp_path, max_trials=2)
    monkeypatch.setitem(sys.modules, "tuner_cli.training.keras_training", None)  # no Keras
    with pytest.raises(KtRunError) as refused:
        result.get_best_models()
    assert str(refused.value) == (
        "this study tunes an objective_function (objectives:branin), not a Keras model, so it "
        "has no models to load; get_best_hyperparameters() gives its best values"
    )


def test_a_resumed_study_records_when_it_was_last_updated(tmp_path):
    """study.json's updated_at stayed its created_at for good, whatever ran on it since."""
    import json

    study = load_config_dict(BRANIN, REPO / "examples")
    result = run_search(study, tmp_path, max_trials=1, workers=0)
    info_file = result.root / "study.json"
    info = json.loads(info_file.read_text())
    assert info["updated_at"] == info["created_at"]
    info_file.write_text(json.dumps({**info, "updated_at": "2020-01-01T00:00:00+00:00"}))
    run_search(study, tmp_path, max_trials=2, workers=0)
    again = json.loads(info_file.read_text())
    assert again["updated_at"] >= info["created_at"] > "2020-01-01T00:00:00+00:00"
    assert {k: v for k, v in again.items() if k != "updated_at"} == {
        k: v for k, v in info.items() if k != "updated_at"
    }
