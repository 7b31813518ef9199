"""How long a run to a rung takes, read from the records: what ASHA needs to fill the end of a
search without making it longer.

Every run of a continued trial is one rung, whose entry in ``rungs`` holds the run's wall
``seconds``, and a running trial's ``run_started_at`` says when its current run began (both
written by the search loop). A run to rung ``k`` is expected to take as long as the median run
to rung ``k`` seen so far; a rung no run has reached yet is priced at the seconds per new epoch
of every run seen, which is right for a Keras trial (continued from its checkpoint) and too
short for an objective function (called again with the whole budget) by at most the factor
between two rungs' epochs: too short makes the horizon (see ``remaining``) shorter, never
longer. Records written before runs were timed give only their trial's ``duration_s`` over its
epochs, used when nothing better exists.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timezone

from tuner_cli.trial import TrialRecord, TrialStatus


class RunTimes:
    def __init__(self, budgets: Sequence[int], trials: Sequence[TrialRecord]):
        self.budgets = list(budgets)
        self._seconds: dict[int, list[float]] = {}
        seconds_total, epochs_total = 0.0, 0
        for trial in trials:
            for k, entry in enumerate(trial.extra.get("rungs") or []):
                seconds = entry.get("seconds") if isinstance(entry, dict) else None
                if _is_seconds(seconds) and k < len(self.budgets):
                    self._seconds.setdefault(k, []).append(float(seconds))
                    seconds_total += float(seconds)
                    epochs_total += self.new_epochs(k)
        if epochs_total == 0:
            seconds_total, epochs_total = _untimed_rate(trials)
        self.per_epoch = seconds_total / epochs_total if epochs_total else None
        """Seconds per newly trained epoch over every run seen; None when nothing was timed."""

    def new_epochs(self, k: int) -> int:
        """Epochs a run to rung ``k`` adds to those its trial already trained."""
        return self.budgets[k] - (self.budgets[k - 1] if k else 0)

    def run_seconds(self, k: int) -> float | None:
        """Expected wall seconds of a run to rung ``k``; None when nothing was timed."""
        seen = self._seconds.get(k)
        if seen:
            return statistics.median(seen)
        return None if self.per_epoch is None else self.per_epoch * self.new_epochs(k)

    def remaining(self, trial: TrialRecord, rung: int, now: datetime) -> float | None:
        """Expected seconds until ``trial``'s run to ``rung`` ends; 0 once it is overdue."""
        expected = self.run_seconds(rung)
        if expected is None:
            return None
        started = _parse_time(trial.extra.get("run_started_at"))
        elapsed = 0.0 if started is None else (now - started).total_seconds()
        return max(0.0, expected - elapsed)


def now() -> datetime:
    return datetime.now(timezone.utc)


def _untimed_rate(trials: Sequence[TrialRecord]) -> tuple[float, int]:
    """Seconds and epochs of completed trials from records that have no timed runs."""
    seconds, epochs = 0.0, 0
    for trial in trials:
        budget = trial.extra.get("budget")
        if (
            trial.status is TrialStatus.COMPLETED
            and _is_seconds(trial.duration_s)
            and isinstance(budget, int)
            and budget > 0
        ):
            seconds += float(trial.duration_s)
            epochs += budget
    return seconds, epochs


def _is_seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
