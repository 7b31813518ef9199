"""One ``SearchEvents`` that forwards every event to the view and then to each tracker, or to
two views alike."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from tuner_cli.events import SearchEvents
from tuner_cli.trial import TrialRecord


class EventFanout(SearchEvents):
    """The view sees every event first; a tracker that raises is switched off with a warning.

    A tracker is a copy of the results, so its failure (a full disk, an unreachable server)
    must not stop a search whose own results are safe.
    """

    def __init__(self, view: SearchEvents, sinks: list[SearchEvents]):
        self.view = view
        self.sinks = list(sinks)

    def __enter__(self) -> EventFanout:
        if hasattr(self.view, "__enter__"):
            self.view.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for sink in self.sinks:
                self._call(sink, "close")
        finally:
            if hasattr(self.view, "__exit__"):
                self.view.__exit__(*exc)

    def _each(self, method: str, *args: Any) -> None:
        getattr(self.view, method)(*args)
        for sink in list(self.sinks):
            self._call(sink, method, *args)

    def _call(self, sink: SearchEvents, method: str, *args: Any) -> None:
        handler: Callable[..., None] | None = getattr(sink, method, None)
        if handler is None:
            return
        try:
            handler(*args)
        except Exception as exc:  # noqa: BLE001 - any tracker failure only switches it off
            if sink in self.sinks:
                self.sinks.remove(sink)
            self.view.warning(f"{type(sink).__name__} stopped logging: {type(exc).__name__}: {exc}")

    def preparing(self, message: str) -> None:
        self.view.preparing(message)

    def search_started(self, total: int | None, resumed: int, plan: list[str]) -> None:
        self._each("search_started", total, resumed, plan)

    def best_restored(self, best: TrialRecord) -> None:
        self.view.best_restored(best)

    def trials_rerun(self, trial_ids: list[int]) -> None:
        self.view.trials_rerun(trial_ids)

    def trial_started(self, record: TrialRecord, epochs: int | None) -> None:
        self._each("trial_started", record, epochs)

    def epoch_ended(self, trial_id: int, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        self._each("epoch_ended", trial_id, epoch, epochs, logs)

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        self._each("trial_finished", record, best)

    def front_counted(self, size: int) -> None:
        self.view.front_counted(size)

    def warning(self, message: str) -> None:
        self.view.warning(message)

    def stop_requested(self, message: str) -> None:
        self.view.stop_requested(message)


class EventPair(SearchEvents):
    """Two views that each see every event, the first first: ``run_search(progress=True)``'s
    lines and the caller's own ``events``. Unlike a tracker, neither is switched off when it
    raises: both are the caller's, and so is an error in either."""

    def __init__(self, first: SearchEvents, second: SearchEvents):
        self.views = (first, second)

    def __enter__(self) -> EventPair:
        with contextlib.ExitStack() as entered:
            for view in self.views:
                if hasattr(view, "__enter__"):
                    entered.enter_context(view)
            self._entered = entered.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self._entered.__exit__(*exc)

    def _each(self, method: str, *args: Any) -> None:
        for view in self.views:
            getattr(view, method)(*args)

    def preparing(self, message: str) -> None:
        self._each("preparing", message)

    def search_started(self, total: int | None, resumed: int, plan: list[str]) -> None:
        self._each("search_started", total, resumed, plan)

    def best_restored(self, best: TrialRecord) -> None:
        self._each("best_restored", best)

    def trials_rerun(self, trial_ids: list[int]) -> None:
        self._each("trials_rerun", trial_ids)

    def trial_started(self, record: TrialRecord, epochs: int | None) -> None:
        self._each("trial_started", record, epochs)

    def epoch_ended(self, trial_id: int, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        self._each("epoch_ended", trial_id, epoch, epochs, logs)

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        self._each("trial_finished", record, best)

    def front_counted(self, size: int) -> None:
        self._each("front_counted", size)

    def warning(self, message: str) -> None:
        self._each("warning", message)

    def stop_requested(self, message: str) -> None:
        """Inside the signal handler. ``SearchEvents``' own answer writes the line to stderr:
        for views that keep it, that is done once, not once each."""
        kept = False
        for view in self.views:
            if type(view).stop_requested is SearchEvents.stop_requested:
                kept = True
            else:
                view.stop_requested(message)
        if kept:
            super().stop_requested(message)
