"""The search loop alone: a real strategy and store, an executor the test drives."""

from __future__ import annotations

import pytest

from tests.fakes import Recorder, ScriptedExecutor, runner_for, score_x
from tuner_cli.events import SearchEvents
from tuner_cli.objective import Objective, pareto_front
from tuner_cli.results.store import StudyStore
from tuner_cli.trial import TrialOutcome, TrialRecord, TrialStatus, TrialTask


def test_fills_every_slot_and_stops_at_max_trials(tmp_path):
    executor = ScriptedExecutor(slots=3)
    summary = runner_for(tmp_path, executor, max_trials=7).run()
    assert len(summary.trials) == 7 and summary.stop_reason == "max_trials reached"
    assert executor.most_at_once == 3 and executor.closed
    assert sorted(t.trial_id for t in executor.submitted) == list(range(1, 8))
    on_disk = StudyStore(tmp_path / "fake").load_trials()
    assert {r.status for r in on_disk} == {TrialStatus.COMPLETED}


def test_best_never_goes_backwards_when_trials_finish_out_of_order(tmp_path):
    events = Recorder()
    summary = runner_for(tmp_path, ScriptedExecutor(slots=4), max_trials=12, events=events).run()
    assert events.bests == sorted(events.bests)
    assert summary.best.score == max(t.score for t in summary.trials)


def test_every_trial_gets_the_study_seed(tmp_path):
    executor = ScriptedExecutor(slots=2)
    runner_for(tmp_path, executor, max_trials=3).run()
    assert {t.seed for t in executor.submitted} == {1}


def test_failures_in_a_row_stop_the_search(tmp_path):
    def fail(task: TrialTask) -> TrialOutcome:
        raise RuntimeError("worker-side failure")

    summary = runner_for(
        tmp_path,
        ScriptedExecutor(slots=1, outcome=fail),
        strategy={"max_consecutive_failures": 3},
        max_trials=20,
    ).run()
    assert summary.stop_reason == "3 trials failed in a row" and summary.failed_run
    assert summary.failure == "3 trials failed in a row"
    assert [t.status for t in summary.trials] == [TrialStatus.FAILED] * 3
    assert "RuntimeError: worker-side failure" in summary.trials[0].error["message"]


def test_a_search_whose_every_trial_failed_says_so_rather_than_max_trials(tmp_path):
    def fail(task: TrialTask) -> TrialOutcome:
        raise RuntimeError("worker-side failure")

    summary = runner_for(
        tmp_path,
        ScriptedExecutor(slots=1, outcome=fail),
        strategy={"max_consecutive_failures": 5},
        max_trials=2,
    ).run()
    assert summary.stop_reason == "max_trials reached" and summary.failed_run
    assert summary.failure == "no trial completed (max_trials reached)"


def test_a_failed_trial_is_retried_under_the_same_id(tmp_path):
    attempts: dict[int, int] = {}

    def flaky(task: TrialTask) -> TrialOutcome:
        attempts[task.trial_id] = attempts.get(task.trial_id, 0) + 1
        if attempts[task.trial_id] == 1:
            return TrialOutcome(TrialStatus.FAILED, error={"message": "first try", "traceback": ""})
        return score_x(task)

    summary = runner_for(
        tmp_path, ScriptedExecutor(slots=1, outcome=flaky), strategy={"max_retries": 1}
    ).run()
    assert attempts == {i: 2 for i in range(1, 7)}
    assert all(t.status is TrialStatus.COMPLETED and t.attempt == 2 for t in summary.trials)


def test_a_failed_attempt_that_is_retried_is_not_a_failed_trial_in_a_row(tmp_path):
    """max_retries 1 and 3 failures in a row: trials 2 and 3 failing twice each are two failed
    trials, not four. Counting attempts stopped the search saying '3 trials failed in a row'
    after trial 3's first attempt, its retry never run."""

    def odd_fail(task: TrialTask) -> TrialOutcome:
        if task.trial_id in (2, 3, 5, 6, 7):
            return TrialOutcome(TrialStatus.FAILED, error={"message": "no", "traceback": ""})
        return score_x(task)

    executor = ScriptedExecutor(slots=1, outcome=odd_fail)
    summary = runner_for(
        tmp_path,
        executor,
        strategy={"max_retries": 1, "max_consecutive_failures": 3},
        max_trials=10,
    ).run()
    ran = [t.trial_id for t in executor.submitted]
    assert ran == [1, 2, 2, 3, 3, 4, 5, 5, 6, 6, 7, 7]
    assert summary.stop_reason == "3 trials failed in a row"
    assert [t.status for t in summary.trials].count(TrialStatus.FAILED) == 5


def test_a_used_up_space_ends_the_search_before_max_trials(tmp_path):
    summary = runner_for(
        tmp_path,
        ScriptedExecutor(slots=2),
        space={"x": {"type": "choice", "values": [1, 2, 3]}},
        strategy={"name": "grid"},
        max_trials=10,
    ).run()
    assert summary.stop_reason == "search space exhausted"
    assert sorted(t.hyperparameters["x"] for t in summary.trials) == [1, 2, 3]


def test_a_stop_in_the_middle_leaves_running_trials_interrupted_and_resumable(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        runner_for(tmp_path, ScriptedExecutor(slots=2, stop_after=3), max_trials=6).run()
    statuses = [r.status for r in StudyStore(tmp_path / "fake").load_trials()]
    assert statuses.count(TrialStatus.INTERRUPTED) == 2
    assert TrialStatus.RUNNING not in statuses

    executor = ScriptedExecutor(slots=2)
    summary = runner_for(tmp_path, executor, max_trials=6).run()
    assert len(summary.trials) == 6
    assert all(t.status is TrialStatus.COMPLETED for t in summary.trials)
    interrupted = [i for i, s in enumerate(statuses, 1) if s is TrialStatus.INTERRUPTED]
    assert [t.trial_id for t in executor.submitted[:2]] == interrupted


def test_a_resumed_failure_streak_counts_toward_the_limit(tmp_path):
    def fail(task: TrialTask) -> TrialOutcome:
        return TrialOutcome(TrialStatus.FAILED, error={"message": "no", "traceback": ""})

    settings = {"max_consecutive_failures": 3}
    runner_for(
        tmp_path, ScriptedExecutor(slots=1, outcome=fail), strategy=settings, max_trials=2
    ).run()
    summary = runner_for(
        tmp_path, ScriptedExecutor(slots=1, outcome=fail), strategy=settings, max_trials=10
    ).run()
    assert summary.stop_reason == "3 trials failed in a row"
    assert len(summary.trials) == 3


class _FrontRecorder(SearchEvents):
    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.finished: list[TrialRecord] = []

    def front_counted(self, size: int) -> None:
        self.sizes.append(size)

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        self.finished.append(record)


def test_the_pareto_front_is_counted_per_finished_trial_and_on_resume(tmp_path):
    objectives = [{"name": "x", "direction": "max"}, {"name": "y", "direction": "min"}]

    def trade_off(task: TrialTask) -> TrialOutcome:
        x = float(task.hyperparameters["x"])
        return TrialOutcome(TrialStatus.COMPLETED, score=x, metrics={"x": x, "y": (x % 97)})

    def run(max_trials: int) -> _FrontRecorder:
        events = _FrontRecorder()
        executor = ScriptedExecutor(slots=3, outcome=trade_off)
        strategy = {"objective": objectives}
        runner_for(
            tmp_path, executor, strategy=strategy, max_trials=max_trials, events=events
        ).run()
        return events

    first = run(12)
    ranked = [Objective("x", "max"), Objective("y", "min")]
    expected = [
        len(pareto_front(first.finished[: i + 1], ranked, lambda r: r.extra["scores"]))
        for i in range(12)
    ]
    assert first.sizes == expected and len(set(expected)) > 1
    resumed = run(14)
    assert resumed.sizes[0] == expected[-1] and len(resumed.sizes) == 3
