"""The search loop: ask the strategy, hand trials to an executor, record what comes back.

It knows nothing of YAML or of terminals: progress goes out through ``SearchEvents``, so the
same loop runs under a live view, in plain CI logs, or in a test.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, fields, replace
from typing import Any

from tuner_cli.config import StudyConfig
from tuner_cli.errors import ConfigError, failure_message
from tuner_cli.events import SearchEvents
from tuner_cli.executors import Executor
from tuner_cli.objective import Objective, ParetoFront
from tuner_cli.results.store import StoreError, StudyStore, now_iso
from tuner_cli.search.continuation import Continuations, is_continuing
from tuner_cli.strategies import Proposal, Strategy, Wait
from tuner_cli.strategies.pruning import make_pruner
from tuner_cli.trial import TrialOutcome, TrialRecord, TrialStatus, TrialTask


@dataclass
class SearchSummary:
    trials: list[TrialRecord]
    objective: Objective
    stop_reason: str
    failed_run: bool = False
    """True when the search must exit non-zero: nothing succeeded, or too many failures."""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def best(self) -> TrialRecord | None:
        return best_trial(self.trials, self.objective)

    @property
    def failure(self) -> str | None:
        """Why the search failed, in words; None when it did not. A search that ran all its
        trials and completed none stopped because of ``max_trials``, which alone would read
        as if it had succeeded."""
        if not self.failed_run:
            return None
        if self.stop_reason.endswith("failed in a row"):
            return self.stop_reason
        return f"no trial completed ({self.stop_reason})"


def best_trial(trials: Sequence[TrialRecord], objective: Objective) -> TrialRecord | None:
    """A trial being trained further (a promoted Hyperband trial) keeps the score of its last
    finished rung while it runs: its score can only rise (the best epoch of a longer history),
    so leaving it out would make "best so far" go backwards until it finishes."""
    scored = [
        t
        for t in trials
        if t.score is not None
        and (
            t.status is TrialStatus.COMPLETED
            or (t.status is TrialStatus.RUNNING and is_continuing(t))
        )
    ]
    return next(iter(objective.ranked(scored)), None)


STOPPED_BY_REQUEST = "stopped by request"
_RECORD_FIELD_NAMES = tuple(f.name for f in fields(TrialRecord))


def _rank(record: TrialRecord, objective: Objective) -> tuple:
    return objective.rank_key(record.score, record.id, record.measured_budget)


class SearchRunner:
    def __init__(
        self,
        study: StudyConfig,
        store: StudyStore,
        strategy: Strategy,
        executor: Executor,
        events: SearchEvents,
        max_trials: int | None,
        *,
        seed: int,
    ):
        self.study = study
        self.store = store
        self.strategy = strategy
        self.executor = executor
        self.events = events
        self.max_trials = max_trials
        self.seed = seed
        """The study's seed (study.json): every trial splits the data and trains with it."""
        self.settings = study.config.strategy
        self.records: dict[int, TrialRecord] = {}
        self.stop_requested = False
        self._started: dict[int, float] = {}
        self._best: TrialRecord | None = None
        self._front: ParetoFront[TrialRecord] | None = None
        """A multi-objective study's front, grown per finished trial instead of recomputed."""
        self._failures_in_a_row = 0
        self._free_id = 1
        self.continuations = Continuations(
            store,
            strategy,
            keeps_checkpoints=study.is_keras and strategy.continues_trials,
            warn=events.warning,
        )

    def run(self) -> SearchSummary:
        self.records = {r.id: r for r in self.store.load_trials()}
        self._best = best_trial(list(self.records.values()), self._objective)
        self._failures_in_a_row = _failure_streak(self.records.values())
        for warning in self.store.warnings:
            self.events.warning(warning)
        queue = [r for r in self.records.values() if not r.status.is_finished()]
        resumed = sum(1 for r in self.records.values() if r.status.is_finished())
        self.events.search_started(self.max_trials, resumed, self.strategy.describe_plan())
        if queue:
            self.events.trials_rerun([r.id for r in queue])
        if len(self.study.objectives) > 1:
            self._front = ParetoFront(self.study.objectives, lambda r: r.extra.get("scores"))
            for record in self.records.values():
                if record.status is TrialStatus.COMPLETED:
                    self._front.add(record)
            if resumed:
                self.events.front_counted(len(self._front))
        if self._best is not None:
            self.events.best_restored(self._best)
        deadline = self._deadline()
        in_flight: dict[Future[TrialOutcome], TrialRecord] = {}
        reason = "max_trials reached"
        try:
            while True:
                stop = self._stop_reason(deadline)
                while stop is None and (not in_flight or len(in_flight) < self.executor.slots):
                    record = queue.pop(0) if queue else self._new_record()
                    if record is None:
                        break
                    in_flight[self._start(record)] = record
                if not in_flight and (stop is None or self._ended_anyway(stop, queue)):
                    stop = self._exhausted_reason()
                if not in_flight:
                    reason = stop or reason
                    break
                for future in self.executor.wait(list(in_flight)):
                    self._finish(in_flight.pop(future), future, queue)
        except BaseException:
            # every running record, not only those in flight: a signal can land between
            # writing a record as running and handing it to the executor
            for record in [r for r in self.records.values() if r.status is TrialStatus.RUNNING]:
                self._mark_interrupted(record)
            raise
        finally:
            self.executor.close()
            self.store.flush()
        return self._summary(reason)

    def _mark_interrupted(self, record: TrialRecord) -> None:
        """Best effort while already failing: a full disk must not hide the error that stopped
        the search. When even this write fails (a full disk), a record of a trial that had not
        finished once is removed rather than left ``running``: its id is free again and nothing
        measured is lost; a continued trial's record keeps its finished rungs."""
        try:
            self._write(record, status=TrialStatus.INTERRUPTED, finished_at=now_iso())
        except StoreError:
            if not is_continuing(record):
                with contextlib.suppress(OSError):
                    self.store.remove_trial(record.id)
        except KeyboardInterrupt:
            pass

    def _deadline(self) -> float | None:
        limit = self.settings.time_limit_s()
        return None if limit is None else time.monotonic() + limit

    def _stop_reason(self, deadline: float | None) -> str | None:
        if self.stop_requested:
            return STOPPED_BY_REQUEST
        if deadline is not None and time.monotonic() >= deadline:
            return f"time limit ({self.settings.max_time}) reached"
        if self._failures_in_a_row >= self.settings.max_consecutive_failures:
            return f"{self._failures_in_a_row} trials failed in a row"
        return None

    def _ended_anyway(self, stop: str, queue: list[TrialRecord]) -> bool:
        """Whether a stop asked for (Ctrl-C) came when the search had nothing left to run: a
        complete study is reported as such, not as one to resume."""
        return (
            stop == STOPPED_BY_REQUEST
            and not queue
            and self._limit_reached()
            and self.strategy.ask_continuation(list(self.records.values())) is None
        )

    def _exhausted_reason(self) -> str:
        """``max_trials`` only when the strategy had more to run: a Hyperband plan whose
        default limit is its own count of trials ends as every bracket having run, a space
        used up by the last trial as exhausted (one question to the strategy, once)."""
        records = list(self.records.values())
        if self._limit_reached() and self.strategy.ask(records) is not None:
            return "max_trials reached"
        return self.strategy.end_reason(records)

    def _limit_reached(self) -> bool:
        """A damaged record skipped on resume still used up its trial: it counts (when its
        number is within the limit), so a resumed search never numbers a trial past it."""
        if self.max_trials is None:
            return False
        damaged = sum(
            1 for i in self.store.skipped_ids if i <= self.max_trials and i not in self.records
        )
        return len(self.records) + damaged >= self.max_trials

    def _next_id(self) -> int:
        """The lowest number neither a record nor a damaged file holds: a damaged file is never
        overwritten, and the numbers stay within ``max_trials``. Numbers are only ever taken,
        so the search goes on from the last one found instead of from 1."""
        while self._free_id in self.records or self._free_id in self.store.skipped_ids:
            self._free_id += 1
        return self._free_id

    def _new_record(self) -> TrialRecord | None:
        """A new trial, or an existing one to continue (which ``max_trials`` does not limit)."""
        trials = list(self.records.values())
        if self._limit_reached():
            proposal = self.strategy.ask_continuation(trials)
        else:
            proposal = self.strategy.ask(trials)
        if proposal is None or isinstance(proposal, Wait):
            return None
        if proposal.continues is not None:
            return self.continuations.reopen(proposal, self.records)
        return self._record_for(proposal)

    def _record_for(self, proposal: Proposal) -> TrialRecord:
        trial_id = self._next_id()
        record = TrialRecord(
            id=trial_id,
            status=TrialStatus.RUNNING,
            hyperparameters=proposal.hyperparameters,
            extra={**proposal.fields, **({"budget": proposal.budget} if proposal.budget else {})},
        )
        self.records[trial_id] = record
        return record

    def _start(self, record: TrialRecord) -> Future[TrialOutcome]:
        self._executor_up(record)
        started_at = record.started_at if is_continuing(record) else now_iso()
        self.continuations.started(record)
        self._write(record, status=TrialStatus.RUNNING, started_at=started_at, error=None)
        self._started[record.id] = time.monotonic()
        epochs = record.extra.get("budget") or self._configured_epochs(record)
        self.events.trial_started(record, epochs)
        keras = self.study.is_keras
        task = TrialTask(
            record.id,
            record.hyperparameters,
            record.extra.get("budget"),
            seed=self.seed,
            return_model=keras and self.study.config.models != "none",
            return_checkpoint=self.continuations.keeps_checkpoints,
            time_limit_s=self.settings.trial_time_limit_s(),
            objective_seen=any(r.score is not None for r in self.records.values()),
        )
        self.continuations.prepare(task, record)
        if keras and self.settings.pruning is not None:
            others = [r for r in self.records.values() if r.id != record.id]
            task.pruner = make_pruner(self.settings.pruning, self._objective, others)
        return self.executor.submit(task)

    def _executor_up(self, record: TrialRecord) -> None:
        """A deferred executor starts (and checks the study) when the first trial needs it;
        when that fails, a trial not yet written leaves no record behind."""
        try:
            self.executor.slots  # noqa: B018 - reading it starts a deferred executor
        except BaseException:
            if record.started_at is None:
                self.records.pop(record.id, None)
            raise

    def _configured_epochs(self, record: TrialRecord) -> int | None:
        if not self.study.is_keras:
            return None
        return self.study.epochs(record.hyperparameters)

    def _finish(
        self, record: TrialRecord, future: Future[TrialOutcome], queue: list[TrialRecord]
    ) -> None:
        error = future.exception()
        if isinstance(error, ConfigError):
            self._write(record, status=TrialStatus.INTERRUPTED, finished_at=now_iso())
            raise error
        if error is not None:
            outcome = TrialOutcome(
                status=TrialStatus.FAILED,
                error={"message": failure_message(error), "traceback": ""},
            )
        else:
            outcome = future.result()
        run_seconds = time.monotonic() - self._started.pop(record.id)
        if outcome.run_s is not None:  # the worker's count leaves out a cluster's queue
            run_seconds = min(run_seconds, outcome.run_s)
        duration = run_seconds
        if is_continuing(record):
            duration += record.duration_s or 0.0
        changes = dict(
            status=outcome.status,
            score=outcome.score,
            metrics=outcome.metrics,
            history=outcome.history or (record.history if is_continuing(record) else []),
            best_epoch=outcome.best_epoch,
            error=outcome.error,
            worker=outcome.worker,
            finished_at=now_iso(),
            duration_s=round(duration, 3),
            extra={
                **record.extra,
                **outcome.extra,
                **self.continuations.rung(record, outcome, run_seconds),
                **self._scores(outcome),
            },
        )
        as_started = replace(record)
        for key, value in changes.items():
            setattr(record, key, value)
        try:
            self.continuations.save(record, outcome.checkpoint_bytes, list(self.records.values()))
            best = self._update_best(record)
            front = self._front
            joined = (
                front is not None and record.status is TrialStatus.COMPLETED and front.add(record)
            )
            leads = joined if front is not None else best is record
            self._keep_model(record, leads, outcome.model_bytes)
            self._write(record)
        except StoreError:
            # back to what the disk holds (running, without this run's results or rung), so
            # the clean-up in run() marks it interrupted: a checkpoint or model the disk could
            # not take stopped the search as a record it could not take does, and left the
            # record ``running`` for good
            for name in _RECORD_FIELD_NAMES:
                setattr(record, name, getattr(as_started, name))
            raise
        if leads and self.study.config.models == "best":
            if front is not None:
                self.store.keep_only_models(member.id for member in front.members)
            else:
                self.store.keep_only_model(record.id)
        self.continuations.prune(self.records)
        if outcome.status is TrialStatus.FAILED and record.attempt <= self.settings.max_retries:
            # not a failed trial yet: max_consecutive_failures counts trials, not attempts
            record.attempt += 1
            queue.append(record)
        elif outcome.status is TrialStatus.FAILED:
            self._failures_in_a_row += 1
        else:
            self._failures_in_a_row = 0
        if self._front is not None:
            self.events.front_counted(len(self._front))
        self.events.trial_finished(record, best)

    def _update_best(self, record: TrialRecord) -> TrialRecord | None:
        """Kept up to date per finished trial, without a scan: only a best trial whose score
        changed (a continued Hyperband trial) makes the others be looked at again."""
        if record is self._best:
            self._best = best_trial(list(self.records.values()), self._objective)
        elif (
            record.status is TrialStatus.COMPLETED
            and record.score is not None
            and (
                self._best is None
                or _rank(record, self._objective) < _rank(self._best, self._objective)
            )
        ):
            self._best = record
        return self._best

    def _scores(self, outcome: TrialOutcome) -> dict[str, Any]:
        """A multi-objective study's record holds every objective's value (``scores``): the
        trial's own measure when it trained several times (the mean, as its ``score``), else
        its metrics."""
        objectives = self.study.objectives
        if len(objectives) < 2 or outcome.status is TrialStatus.FAILED:
            return {}
        measured = outcome.extra.get("scores") or outcome.metrics
        return {"scores": {o.name: measured.get(o.name) for o in objectives}}

    def _keep_model(self, record: TrialRecord, leads: bool, data: bytes | None) -> None:
        """``models: all`` keeps every model; ``best`` only those of the trials that lead
        (``leads``): the best trial, or every trial on a multi-objective study's Pareto front,
        since each front member is a trade-off a user may want to export.

        Saved before the record that makes the trial lead, and the models of those it displaced
        removed only after it: a kill between the two leaves every recorded leader its model.
        """
        policy = self.study.config.models
        if data is not None and (policy == "all" or (policy == "best" and leads)):
            self.store.save_model(record.id, data)

    @property
    def _objective(self) -> Objective:
        return self.study.objective

    def _write(self, record: TrialRecord, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(record, key, value)
        self.store.write_trial(record)

    def _summary(self, reason: str) -> SearchSummary:
        trials = list(self.records.values())
        counts = Counter(t.status.value for t in trials)
        too_many_failures = reason.endswith("failed in a row")
        nothing_good = not any(t.status is TrialStatus.COMPLETED for t in trials)
        return SearchSummary(
            trials=trials,
            objective=self._objective,
            stop_reason=reason,
            failed_run=too_many_failures or (nothing_good and bool(trials)),
            counts=dict(counts),
        )


def _failure_streak(records: Iterable[TrialRecord]) -> int:
    """Failed trials at the end of a resumed study, most recently finished first."""
    finished = [r for r in records if r.status.is_finished()]
    count = 0
    # finished_at has one-second resolution; the id orders trials finished in the same second
    for record in sorted(finished, key=lambda r: (r.finished_at or "", r.id), reverse=True):
        if record.status is not TrialStatus.FAILED:
            break
        count += 1
    return count
