"""Continuing a trial: the one place that knows how a trial is trained further.

Multi-fidelity strategies (Hyperband, BOHB, ASHA) promote a finished trial to a larger budget.
The promoted trial is not a new one: its record is reopened, trained on from the checkpoint of
its last epoch (weights and optimizer state; an objective function is simply called with the
larger budget), and gains one *rung* per run: its epochs and score there. The strategy decides
which trials continue and which may still; this module does the rest: the reopened record,
the task's history and checkpoint, the rung entry, which checkpoints are kept, and what a
failed write leaves.

A trial's n-th run (counting from 0) is its rung n, so the rung index is the number of rungs it
already has; nothing here reads a strategy's own fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tuner_cli.results.store import StudyStore, now_iso
from tuner_cli.strategies import Proposal, Strategy
from tuner_cli.trial import TrialOutcome, TrialRecord, TrialStatus, TrialTask


def is_continuing(record: TrialRecord) -> bool:
    """A trial with finished rungs is trained further from its last one, not started over."""
    return bool(record.extra.get("rungs"))


class Continuations:
    def __init__(
        self,
        store: StudyStore,
        strategy: Strategy,
        keeps_checkpoints: bool,
        warn: Callable[[str], None],
    ):
        self.store = store
        self.strategy = strategy
        self.keeps_checkpoints = keeps_checkpoints
        """Keras trials of a strategy that continues trials: their last epoch's model is kept."""
        self.warn = warn

    def reopen(self, proposal: Proposal, records: Mapping[int, TrialRecord]) -> TrialRecord:
        """The record ``proposal`` continues, set to train up to its new budget."""
        record = records[proposal.continues]
        record.extra.update({**proposal.fields, "budget": proposal.budget})
        return record

    def prepare(self, task: TrialTask, record: TrialRecord) -> None:
        """Give a continued trial's task what it trained so far, and its checkpoint (Keras)."""
        if not is_continuing(record):
            return
        task.history = list(record.history)
        if not self.keeps_checkpoints:
            return
        task.resume_model = self.store.load_checkpoint(record.id, len(record.history))
        if task.resume_model is None:
            self.warn(
                f"trial {record.id}: no checkpoint after epoch {len(record.history)}; "
                "training it again from the start"
            )
            task.history = []

    def started(self, record: TrialRecord) -> None:
        """When the run now starting began, to the millisecond: with each finished run's
        seconds (``rung``), a strategy can tell how long the runs going on have left (ASHA's
        backfill)."""
        if self.strategy.continues_trials and record.extra.get("budget") is not None:
            record.extra["run_started_at"] = now_iso("milliseconds")

    def rung(self, record: TrialRecord, outcome: TrialOutcome, seconds: float) -> dict[str, Any]:
        """A trial trained to a budget gets one rung per run: its epochs and score there, and
        the run's wall seconds."""
        budget = record.extra.get("budget")
        if budget is None or outcome.status is TrialStatus.FAILED:
            return {}
        rungs = record.extra.get("rungs", [])
        epochs = int(outcome.history[-1].get("epoch", budget)) if outcome.history else budget
        entry = {
            "round": len(rungs),
            "epochs": epochs,
            "score": outcome.score,
            "best_epoch": outcome.best_epoch,
            "metrics": outcome.metrics,
            "seconds": round(seconds, 3),
        }
        return {"rungs": [*rungs, entry]}

    def save(self, record: TrialRecord, data: bytes | None, records: list[TrialRecord]) -> None:
        """Saved before the record is written, so the record never names a missing checkpoint."""
        if not self.keeps_checkpoints or data is None or not record.history:
            return
        if record.id in self.strategy.continuable(records):
            self.store.save_checkpoint(record.id, len(record.history), data)

    def prune(self, records: Mapping[int, TrialRecord]) -> None:
        """Remove the checkpoints no trial can be continued from any more."""
        if self.keeps_checkpoints:
            keep = self.strategy.continuable(list(records.values()))
            self.store.keep_checkpoints({i: len(records[i].history) for i in keep})
