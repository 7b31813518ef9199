"""The search's plain log: one line per event, in words, without colour or cursor moves.

``kt-run search`` prints these lines off a terminal (a CI log, ``| tee``), and
``run_search(progress=True)`` prints them under a notebook's cell; both word them here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tuner_cli.events import SearchEvents
from tuner_cli.objective import Objective, objective_values
from tuner_cli.trial import TrialRecord
from tuner_cli.wording import format_duration, format_hp, format_score, plural


class ProgressLog(SearchEvents):
    """One line per event on ``sys.stdout``, flushed as it is written, so a notebook shows it
    while the search runs rather than when the cell ends; warnings on ``sys.stderr``.

    The streams are looked up at each line: a notebook kernel gives every cell its own.
    ``say`` and ``warning`` are where a subclass sends the lines elsewhere (the command line's
    console)."""

    def __init__(self, objectives: Sequence[Objective]):
        self.objectives = list(objectives)
        self.objective = self.objectives[0]
        self.total: int | None = None
        self.front: int | None = None
        """A multi-objective study's Pareto front size, shown instead of a best trial."""

    def say(self, line: str) -> None:
        print(line, file=sys.stdout, flush=True)

    def warning(self, message: str) -> None:
        sys.stdout.flush()  # a warning after a line is read after it
        print(f"warning: {message}", file=sys.stderr, flush=True)

    def preparing(self, message: str) -> None:
        self.say(message)

    def search_started(self, total: int | None, resumed: int, plan: list[str]) -> None:
        self.total = total
        for line in plan:
            self.say(line)
        if resumed:
            self.say(f"Resuming: {plural(resumed, 'finished trial')} kept.")

    def best_restored(self, best: TrialRecord) -> None:
        self.say(self._best_line(best))

    def trials_rerun(self, trial_ids: list[int]) -> None:
        shown = ", ".join(map(str, trial_ids[:5])) + (", ..." if len(trial_ids) > 5 else "")
        if len(trial_ids) == 1:
            self.say(f"Resuming: trial {shown}, left unfinished, runs again.")
        else:
            self.say(f"Resuming: {len(trial_ids)} trials left unfinished ({shown}) run again.")

    def trial_started(self, record: TrialRecord, epochs: int | None) -> None:
        self.say(self._started_line(record, epochs))

    def _started_line(self, record: TrialRecord, epochs: int | None) -> str:
        if record.extra.get("rungs"):
            return f"trial {record.id} promoted to {plural(epochs or 0, 'epoch')}{stage(record)}"
        of = f"/{self.total}" if self.total else ""
        budget = (
            f" for {plural(epochs or 0, 'epoch')}{stage(record)}" if is_budgeted(record) else ""
        )
        # a retried trial keeps its id: without the attempt its two starts read as a repeat
        again = f" again (attempt {record.attempt})" if record.attempt > 1 else ""
        return f"trial {record.id}{of} started{again}{budget}: {format_hp(record.hyperparameters)}"

    def front_counted(self, size: int) -> None:
        self.front = size

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        values = objective_values(self.objectives, record.score, record.extra.get("scores"))
        scores = " ".join(
            f"{o.name}={format_score(v)}" for o, v in zip(self.objectives, values, strict=True)
        )
        at = f" at {plural(trained_epochs(record), 'epoch')}" if is_budgeted(record) else ""
        scored = f": {scores}" if any(v is not None for v in values) else ""
        line = (
            f"trial {record.id} {record.status.value}{at}{scored} "
            f"({format_duration(record.duration_s)})"
        )
        if record.error:
            line += f" error: {record.error['message']}"
        if self.front is not None:
            line += f"; {self._front_line()}"
        elif best is not None:
            line += f"; best so far {format_score(best.score)} (trial {best.id})"
        self.say(line)

    def _best_line(self, best: TrialRecord) -> str:
        if self.front is not None:
            return self._front_line()
        return f"best so far: {self.objective.name}={format_score(best.score)} (trial {best.id})"

    def _front_line(self) -> str:
        return f"Pareto front so far: {plural(self.front or 0, 'trial')}"


def is_budgeted(record: TrialRecord) -> bool:
    """A trial a multi-fidelity strategy (Hyperband) trains to a budget of epochs per round."""
    return record.extra.get("budget") is not None


def stage(record: TrialRecord) -> str:
    """`` (bracket 0, round 1)``: where a Hyperband trial stands, for its log lines."""
    parts = [f"{key} {record.extra[key]}" for key in ("bracket", "round") if key in record.extra]
    return f" ({', '.join(parts)})" if parts else ""


def trained_epochs(record: TrialRecord) -> int:
    """Epochs trained so far: the last history entry's number. A Keras run adds one entry an
    epoch (early stopping may end it before its budget); an objective function, one a call,
    numbered by the budget it was called with."""
    last = record.history[-1].get("epoch") if record.history else None
    return int(last) if isinstance(last, int | float) else len(record.history)
