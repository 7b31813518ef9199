""" "Best so far" never goes backwards when Hyperband trains its best trial further."""

from __future__ import annotations

from tuner_cli.objective import Objective
from tuner_cli.search.runner import best_trial
from tuner_cli.trial import TrialRecord, TrialStatus

OBJECTIVE = Objective("val_accuracy", "max")


def _record(trial_id: int, score: float, status: TrialStatus, **extra) -> TrialRecord:
    return TrialRecord(id=trial_id, status=status, hyperparameters={}, score=score, extra=extra)


def test_a_promoted_trial_keeps_its_finished_rungs_score_while_it_runs_again():
    promoted = _record(6, 0.9721, TrialStatus.RUNNING, rungs=[{"epochs": 3}], budget=9)
    other = _record(5, 0.9694, TrialStatus.COMPLETED, rungs=[{"epochs": 3}], budget=3)
    assert best_trial([promoted, other], OBJECTIVE) is promoted


def test_a_trial_running_for_the_first_time_has_no_score_to_count():
    fresh = _record(7, 0.99, TrialStatus.RUNNING)
    done = _record(5, 0.9694, TrialStatus.COMPLETED)
    assert best_trial([fresh, done], OBJECTIVE) is done


def test_a_score_of_a_larger_budget_ranks_first_and_a_promotion_counts_its_finished_rung():
    early = _record(1, 0.99, TrialStatus.COMPLETED, rungs=[{"epochs": 1}], budget=1)
    full = _record(2, 0.90, TrialStatus.COMPLETED, rungs=[{"epochs": 9}], budget=9)
    assert best_trial([early, full], OBJECTIVE) is full
    rerun = _record(3, 0.95, TrialStatus.RUNNING, rungs=[{"epochs": 1}, {"epochs": 3}], budget=9)
    assert rerun.measured_budget == 3, "the score is its 3-epoch rung's until the run ends"
    assert best_trial([early, rerun], OBJECTIVE) is rerun
    assert best_trial([early, rerun, full], OBJECTIVE) is full
    pruned = _record(4, 0.999, TrialStatus.PRUNED, budget=9)
    assert pruned.measured_budget == 0 and OBJECTIVE.ranked([pruned, full])[0] is full
