"""ASHA's backfill: once no new configuration may start, a worker that would wait continues the
best trial left behind, if that run is expected to end before the longest one going on; such
scores never count in the rungs' rankings, so the regular promotions stay ASHA's own."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.fakes import ThreadWorkers
from tests.strategies.strategy_objectives import SLEEP_PER_EPOCH
from tuner_cli import load_config_dict
from tuner_cli.events import SearchEvents
from tuner_cli.objective import Objective
from tuner_cli.results.store import StudyStore
from tuner_cli.search.runner import SearchRunner
from tuner_cli.space import FloatParam, SearchSpace
from tuner_cli.strategies import WAIT, make_strategy
from tuner_cli.strategies._run_time import RunTimes
from tuner_cli.trial import TrialRecord, TrialStatus

HERE = Path(__file__).resolve().parent
LOSS = Objective("loss", "min")
SPACE = SearchSpace({"x": FloatParam(type="float", min=0.0, max=1.0)})
SECONDS_PER_EPOCH = 1.0


def asha(max_epochs: int = 9):
    from tuner_cli.config import StrategyConfig

    config = StrategyConfig(name="asha", objective="loss", max_epochs=max_epochs, factor=3)
    return make_strategy("asha", SPACE, LOSS, 0, config)


def rungs(scores: list[float], timed: bool = True) -> list[dict]:
    """One entry per run; a run to rung k trains 3**k - 3**(k-1) new epochs at 1 s each."""
    entries = []
    for k, score in enumerate(scores):
        new_epochs = 3**k - (3 ** (k - 1) if k else 0)
        entry = {"round": k, "epochs": 3**k, "score": score}
        entries.append({**entry, "seconds": new_epochs * SECONDS_PER_EPOCH} if timed else entry)
    return entries


def finished(i: int, scores: list[float], timed: bool = True, **extra) -> TrialRecord:
    rung = len(scores) - 1
    fields = {"rung": rung, "budget": 3**rung, "rungs": rungs(scores, timed), **extra}
    return TrialRecord(i, TrialStatus.COMPLETED, {"x": i / 100}, score=scores[-1], extra=fields)


def running(i: int, scores: list[float], started_ago: float, timed: bool = True) -> TrialRecord:
    """Trial ``i`` continued from its last rung in ``scores`` to the next, ``started_ago`` s ago."""
    record = finished(i, scores, timed)
    record.status = TrialStatus.RUNNING
    record.extra["rung"] = len(scores)
    record.extra["budget"] = 3 ** len(scores)
    started = datetime.now(timezone.utc) - timedelta(seconds=started_ago)
    record.extra["run_started_at"] = started.isoformat(timespec="milliseconds")
    return record


def end_of_search(started_ago: float) -> list[TrialRecord]:
    """Six trials at rung 0; the best two went on: trial 1 now runs to rung 2 (6 s), trial 2
    finished rung 1, where 2 trials promote none. No regular promotion is due."""
    trials = [finished(i, [i / 10]) for i in range(3, 7)]
    return [running(1, [0.1, 0.05], started_ago), finished(2, [0.2, 0.15]), *trials]


def test_an_idle_worker_continues_the_best_trial_whose_run_ends_before_the_longest():
    proposal = asha().ask_continuation(end_of_search(started_ago=0.5))
    # rung 1 -> 2 (6 s) would outlast trial 1's 5.5 s left; rung 0 -> 1 (2 s) does not
    assert proposal.continues == 3, "the best trial of rung 0 not yet promoted"
    assert proposal.budget == 3
    assert proposal.fields == {"rung": 1, "backfill_rung": 1}


def test_a_run_as_long_as_the_longest_counts_as_ending_with_it():
    """Started a moment after an equal run, it ends a moment after: a tie, not a wait."""
    trials = [finished(i, [i / 10]) for i in range(3, 7)]
    trials.append(running(1, [0.1], started_ago=0.01))  # to rung 1: 2 s, as long as a backfill
    proposal = asha().ask_continuation(trials)
    assert proposal.continues == 3 and proposal.budget == 3


def test_the_highest_rung_goes_first_when_its_run_fits():
    trials = [finished(i, [i / 10]) for i in range(1, 10)]
    trials[0] = running(1, [0.1, 0.05, 0.02], started_ago=1.0)  # to rung 3: 18 s, 17 left
    trials[1] = finished(2, [0.2, 0.1, 0.08])
    trials[2] = finished(3, [0.3, 0.12])
    proposal = asha(max_epochs=27).ask_continuation(trials)
    assert proposal.continues == 3 and proposal.budget == 9, "rung 1 -> 2 takes 6 s: it fits"
    assert proposal.fields == {"rung": 2, "backfill_rung": 2}


def test_nothing_that_would_outlast_the_running_trials_starts():
    assert asha().ask_continuation(end_of_search(started_ago=4.5)) is WAIT, "1.5 s left < 2 s"
    overdue = asha().ask_continuation(end_of_search(started_ago=60.0))
    assert overdue is WAIT, "a trial past its expected end may end any moment"


def test_new_configurations_come_first_while_they_may_start():
    proposal = asha().ask(end_of_search(started_ago=0.5))
    assert proposal.continues is None and proposal.budget == 1


def test_with_nothing_running_the_search_ends_instead():
    """One worker: when it is free nothing runs, so there is no time to fill."""
    trials = [finished(1, [0.1, 0.05]), finished(2, [0.2, 0.15])]
    trials += [finished(i, [i / 10]) for i in range(3, 7)]
    assert asha().ask_continuation(trials) is None


def test_without_any_timing_nothing_is_backfilled():
    trials = [finished(i, [i / 10], timed=False) for i in range(3, 7)]
    trials += [finished(2, [0.2, 0.15], timed=False), running(1, [0.1, 0.05], 0.5, timed=False)]
    assert asha().ask_continuation(trials) is WAIT


def test_a_backfilled_score_does_not_count_in_its_rungs_ranking():
    """Rung 1 holds trials 1 and 2 (promoted) and 3 (backfilled): of the two regular ones, 2 // 3
    = 0 go on. Counted, trial 3's score would make it the top third of three."""
    trials = [finished(i, [i / 10]) for i in range(4, 7)]
    trials += [finished(1, [0.1, 0.3]), finished(2, [0.2, 0.4])]
    backfilled = finished(3, [0.3, 0.01], backfill_rung=1)
    assert asha().ask_continuation([*trials, backfilled]) is None
    regular = finished(3, [0.3, 0.01])
    assert asha().ask_continuation([*trials, regular]).continues == 3


def test_a_trial_keeps_the_first_rung_it_reached_by_backfill():
    trials = [finished(i, [i / 10]) for i in range(4, 10)]
    trials += [running(1, [0.1, 0.05, 0.02], started_ago=2.0), finished(2, [0.2, 0.1, 0.08])]
    trials.append(finished(3, [0.3, 0.12], backfill_rung=1))
    proposal = asha(max_epochs=27).ask_continuation(trials)
    assert proposal.continues == 3 and proposal.fields == {"rung": 2}


def test_a_backfilled_trial_that_earns_its_rung_later_is_promoted_as_asha_would():
    """Trial 3 went to rung 1 by backfill; now in the top third of rung 0, ASHA would have
    promoted it, so its rung-1 score counts, and as the best there it goes on, regularly."""
    trials = [finished(i, [i / 10]) for i in range(4, 10)]
    trials += [finished(1, [0.1, 0.3]), finished(2, [0.2, 0.4])]
    trials.append(finished(3, [0.3, 0.01], backfill_rung=1))
    proposal = asha(max_epochs=27).ask_continuation(trials)
    assert proposal.continues == 3 and proposal.budget == 9
    assert proposal.fields == {"rung": 2, "backfill_rung": None}, "its runs are all regular now"


def test_run_times_are_the_median_per_rung_else_seconds_per_new_epoch():
    trials = [finished(1, [0.1]), finished(2, [0.2, 0.1]), finished(3, [0.3])]
    trials[2].extra["rungs"][0]["seconds"] = 3.0
    times = RunTimes([1, 3, 9], trials)
    assert times.run_seconds(0) == 1.0, "median of 1, 1 and 3 s"
    assert times.run_seconds(1) == 2.0
    assert times.per_epoch == (1 + 1 + 3 + 2) / (1 + 1 + 1 + 2)
    assert times.run_seconds(2) == 6 * times.per_epoch, "no run to rung 2 yet"


def test_records_without_timed_runs_give_their_duration_per_epoch():
    old = [finished(i, [0.5, 0.4], timed=False) for i in (1, 2)]
    for trial in old:
        trial.duration_s = 6.0
    assert RunTimes([1, 3, 9], old).run_seconds(2) == 6 * (12.0 / 6)
    assert RunTimes([1, 3, 9], [finished(1, [0.5], timed=False)]).run_seconds(1) is None


# through the search loop, with workers that take real time


def test_a_search_with_several_workers_backfills_its_end(tmp_path):
    config = {
        "name": "asha-backfill",
        "seed": 4,
        "objective_function": "strategy_objectives:slow_bowl",
        "search_space": {"x": {"type": "float", "min": 0.0, "max": 1.0}},
        "strategy": {"name": "asha", "objective": "loss", "max_epochs": 9, "factor": 3},
    }
    study = load_config_dict(config, HERE)
    store = StudyStore(tmp_path / "study")
    store.root.mkdir(parents=True)
    strategy = make_strategy("asha", study.space, study.objective, 4, study.config.strategy)
    start = time.monotonic()
    runner = SearchRunner(
        study, store, strategy, ThreadWorkers(study, 8), SearchEvents(), 30, seed=4
    )
    trials = runner.run().trials
    assert time.monotonic() - start < 30
    assert all(t.status is TrialStatus.COMPLETED for t in trials)
    assert all(isinstance(r["seconds"], float) for t in trials for r in t.extra["rungs"])
    assert all("run_started_at" in t.extra for t in trials)
    backfilled = [t for t in trials if "backfill_rung" in t.extra]
    assert backfilled, "the last promoted runs left workers idle, and short runs fit"
    for trial in backfilled:
        assert len(trial.extra["rungs"]) > trial.extra["backfill_rung"] >= 1
    regular_end = max(
        r["metrics"]["ended"]
        for t in trials
        for k, r in enumerate(t.extra["rungs"])
        if k < t.extra.get("backfill_rung", k + 1)
    )
    backfill_end = max(
        r["metrics"]["ended"]
        for t in backfilled
        for r in t.extra["rungs"][t.extra["backfill_rung"] :]
    )
    slack = 3 * SLEEP_PER_EPOCH + 0.1  # one run to rung 1, and the estimate's error
    assert backfill_end <= regular_end + slack, "backfill did not make the search longer"
    assert strategy.ask_continuation(trials) is None, "the search ended with nothing left due"
