"""Random and grid search, driven through their records as the runner drives them."""

from tuner_cli.objective import Objective
from tuner_cli.space import ChoiceParam, FloatParam, IntParam, SearchSpace, config_key
from tuner_cli.strategies import Proposal, make_strategy
from tuner_cli.trial import TrialRecord, TrialStatus

OBJECTIVE = Objective("loss", "min")


def run_to_end(strategy, limit=1000) -> list[dict]:
    trials: list[TrialRecord] = []
    while len(trials) < limit:
        proposal = strategy.ask(trials)
        if proposal is None:
            break
        assert isinstance(proposal, Proposal)
        trials.append(
            TrialRecord(len(trials) + 1, TrialStatus.COMPLETED, proposal.hyperparameters, score=1.0)
        )
    return [t.hyperparameters for t in trials]


def small_space() -> SearchSpace:
    return SearchSpace(
        {
            "units": IntParam(type="int", min=1, max=4),
            "act": ChoiceParam(type="choice", values=["relu", "tanh"]),
            "lr": FloatParam(type="float", min=0.1, max=0.3, step=0.1, when={"act": "relu"}),
        }
    )


def test_random_never_repeats_and_ends_when_exhausted():
    space = small_space()
    configs = run_to_end(make_strategy("random", space, OBJECTIVE, 3, None))
    assert len(configs) == space.size() == 4 * (3 + 1)
    assert len({config_key(c) for c in configs}) == len(configs)


def test_random_is_reproducible_and_seed_dependent():
    space = SearchSpace({"x": FloatParam(type="float", min=0, max=1)})
    first = run_to_end(make_strategy("random", space, OBJECTIVE, 1, None), limit=5)
    again = run_to_end(make_strategy("random", space, OBJECTIVE, 1, None), limit=5)
    other = run_to_end(make_strategy("random", space, OBJECTIVE, 2, None), limit=5)
    assert first == again != other


def test_random_counts_running_trials_as_taken():
    space = SearchSpace({"x": IntParam(type="int", min=1, max=2)})
    strategy = make_strategy("random", space, OBJECTIVE, 0, None)
    first = strategy.ask([])
    running = [TrialRecord(1, TrialStatus.RUNNING, first.hyperparameters)]
    second = strategy.ask(running)
    assert second.hyperparameters != first.hyperparameters


def test_random_reads_a_different_record_list_afresh():
    """It remembers what it has seen between calls; records it was not given before (another
    study's, or a resumed one's) must not be mistaken for the ones it remembers."""
    space = SearchSpace({"x": IntParam(type="int", min=1, max=3)})
    strategy = make_strategy("random", space, OBJECTIVE, 0, None)
    taken = [TrialRecord(1, TrialStatus.COMPLETED, {"x": 1})]
    assert strategy.ask(taken).hyperparameters != {"x": 1}
    other = [TrialRecord(1, TrialStatus.COMPLETED, {"x": 2})]
    assert strategy.ask(other).hyperparameters != {"x": 2}
    both = [*other, TrialRecord(2, TrialStatus.COMPLETED, {"x": 3})]
    assert strategy.ask(both).hyperparameters == {"x": 1}


def test_grid_visits_every_combination_in_order():
    space = small_space()
    configs = run_to_end(make_strategy("grid", space, OBJECTIVE, 0, None))
    assert configs == list(space.grid())
    assert make_strategy("grid", space, OBJECTIVE, 0, None).default_max_trials() == 16


def test_a_grid_cut_by_max_trials_says_so(tmp_path, kt_run):
    """max_trials 5 of a 27-point grid ran the first 5 in grid order (every one at the first
    x) without a word, where a cut Hyperband plan is warned about."""
    import shutil

    from tests.conftest import REPO

    shutil.copy(REPO / "examples" / "objectives.py", tmp_path)
    config = tmp_path / "cut.yaml"
    config.write_text(
        "name: cut\nobjective_function: objectives:branin\nsearch_space:\n"
        "  x: {type: float, min: -5.0, max: 10.0, count: 3}\n"
        "  y: {type: float, min: 0.0, max: 15.0, step: 5.0}\n"
        "  z: {type: choice, values: [a, b, c]}\n"
        "strategy: {name: grid, objective: {name: branin, direction: min}, max_trials: 5}\n"
    )
    expected = (
        "max_trials (5) is below the grid's 36 configurations: only the first 5, in grid "
        "order, run (leave max_trials out to run them all)"
    )
    checked = kt_run("validate", str(config))
    assert checked.returncode == 0 and expected in " ".join(checked.stderr.split())
    searched = kt_run("search", str(config), "-w", "0", "--results", str(tmp_path / "out"))
    assert searched.returncode == 0 and expected in " ".join(searched.stderr.split())
    whole = kt_run(
        "search", str(config), "-w", "0", "--max-trials", "36", "--results", str(tmp_path / "out")
    )
    assert whole.returncode == 0 and "max_trials" not in whole.stderr
