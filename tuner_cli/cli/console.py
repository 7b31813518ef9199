"""Everything kt-run shows on a terminal: the live search view, plain CI logs, and tables.

The only module that talks to the terminal. Output is plain when stdout is not a terminal
(rich turns colour off there, and honours ``NO_COLOR``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from tuner_cli.cli.formatting import format_condition, format_duration, format_hp, format_value
from tuner_cli.events import SearchEvents
from tuner_cli.objective import Objective
from tuner_cli.trial import TrialRecord, TrialStatus, union_names

if TYPE_CHECKING:
    from tuner_cli.search.runner import SearchSummary
    from tuner_cli.space import SearchSpace

# Off a terminal (CI logs, pipes) rich would wrap at 80 columns and squeeze tables into
# ellipses; a log line should hold a whole row instead.
console = Console(width=None if sys.stdout.isatty() else 1000)
error_console = Console(stderr=True)

STATUS_STYLE = {
    "completed": "green",
    "failed": "red",
    "pruned": "yellow",
    "running": "cyan",
    "interrupted": "magenta",
}


def _table_box() -> box.Box:
    return box.ROUNDED if console.is_terminal else box.SIMPLE


def trials_table(
    records: Sequence[TrialRecord], objective: Objective, title: str | None = None
) -> Table:
    """One row per trial: id, status, score, hyperparameters as columns, best epoch, duration."""
    names = union_names(record.hyperparameters for record in records)
    table = Table(title=title, box=_table_box(), header_style="bold")
    table.add_column("trial", justify="right")
    table.add_column("status")
    table.add_column(f"{objective.name} ({objective.direction})", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("epoch", justify="right")
    table.add_column("time", justify="right")
    for record in records:
        status = record.status.value
        table.add_row(
            str(record.id),
            Text(status, style=STATUS_STYLE.get(status, "")),
            "-" if record.score is None else format_value(record.score),
            *[
                format_value(record.hyperparameters[n]) if n in record.hyperparameters else "-"
                for n in names
            ],
            "-" if record.best_epoch is None else str(record.best_epoch),
            format_duration(record.duration_s),
        )
    return table


def print_summary(summary: SearchSummary, top: int = 10) -> None:
    ranked = summary.objective.ranked(summary.trials)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts.items()))
    console.print(
        trials_table(ranked[:top], summary.objective, title=f"Top {min(top, len(ranked))} trials")
    )
    console.print(f"Search ended: {summary.stop_reason} ({counts or 'no trials'}).")
    best = summary.best
    if best is not None:
        console.print(
            f"Best: trial {best.id}, {summary.objective.name} = {format_value(best.score)} "
            f"with {format_hp(best.hyperparameters)}"
        )
    failed = [t for t in summary.trials if t.status is TrialStatus.FAILED and t.error]
    for record in failed[-3:]:
        error_console.print(f"trial {record.id} failed: {record.error['message']}", markup=False)


def space_table(space: SearchSpace) -> Table:
    table = Table(box=_table_box(), header_style="bold")
    for column in ("name", "type", "values", "default", "when"):
        table.add_column(column)
    for name, param in space.params.items():
        values = param.grid_values()
        if param.type in ("int", "float"):
            shown = f"{param.min} .. {param.max}"
            if param.step is not None:
                shown += f" step {param.step}"
            if param.sampling != "linear":
                shown += f" ({param.sampling})"
            if values is not None:
                shown += f" [{len(values)} values]"
        else:
            shown = ", ".join(map(format_value, values))
        when = " and ".join(format_condition(k, v) for k, v in param.conditions().items())
        table.add_row(name, param.type, shown, format_value(param.default_value()), when or "")
    return table


def print_warning(message: str) -> None:
    error_console.print(f"warning: {message}", style="yellow", markup=False)


class PlainSearchLog(SearchEvents):
    """One line per event: readable in CI logs and under ``| tee``."""

    def __init__(self, objective: Objective):
        self.objective = objective
        self.total: int | None = None

    def search_started(self, total: int | None, resumed: int, plan: list[str]) -> None:
        self.total = total
        for line in plan:
            console.print(line, markup=False, highlight=False)
        if resumed:
            console.print(f"Resuming: {resumed} finished trial(s) kept.", highlight=False)

    def trial_started(self, record: TrialRecord, epochs: int | None) -> None:
        of = f"/{self.total}" if self.total else ""
        console.print(
            f"trial {record.id}{of} started: {format_hp(record.hyperparameters)}",
            markup=False,
            highlight=False,
        )

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        score = "-" if record.score is None else format_value(record.score)
        line = (
            f"trial {record.id} {record.status.value}: {self.objective.name}={score} "
            f"({format_duration(record.duration_s)})"
        )
        if record.error:
            line += f" error: {record.error['message']}"
        if best is not None:
            line += f"; best so far {format_value(best.score)} (trial {best.id})"
        console.print(line, markup=False, highlight=False)

    def warning(self, message: str) -> None:
        print_warning(message)


class LiveSearchView(PlainSearchLog):
    """A live panel: each running trial's hyperparameters and epoch progress, best so far, times.

    Finished trials scroll above the panel as plain lines, so the history stays visible. With
    several workers, each running trial gets one line with its own progress bar.
    """

    def __init__(self, objective: Objective):
        super().__init__(objective)
        self.live = Live(console=console, refresh_per_second=4, transient=True)
        self.started = time.monotonic()
        self.running: dict[int, _RunningTrial] = {}
        self.parallel = 1
        self.best: TrialRecord | None = None
        self.done = 0
        self.durations: list[float] = []

    def __enter__(self) -> LiveSearchView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)

    def search_started(self, total: int | None, resumed: int, plan: list[str]) -> None:
        super().search_started(total, resumed, plan)
        self.done = resumed
        self._refresh()

    def trial_started(self, record: TrialRecord, epochs: int | None) -> None:
        self.running[record.id] = _RunningTrial(record, epochs)
        self.parallel = max(self.parallel, len(self.running))
        self._refresh()

    def epoch_ended(self, trial_id: int, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        trial = self.running.get(trial_id)
        if trial is not None:
            trial.epoch, trial.epochs, trial.logs = epoch, epochs, logs
            self._refresh()

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        super().trial_finished(record, best)
        self.running.pop(record.id, None)
        self.best = best
        self.done += 1
        if record.duration_s is not None:
            self.durations.append(record.duration_s)
        self._refresh()

    def _refresh(self) -> None:
        self.live.update(self._render())

    def _render(self) -> Group:
        elapsed = time.monotonic() - self.started
        lines: list[Any] = []
        total = f" of {self.total}" if self.total else ""
        if len(self.running) == 1 and self.parallel == 1:
            trial = next(iter(self.running.values()))
            lines.append(
                Text.assemble(("Trial ", "bold"), (f"{trial.record.id}{total}", "bold cyan"))
            )
            lines.append(Text(format_hp(trial.record.hyperparameters), style="dim"))
            if trial.epochs:
                lines.append(Text(f"epoch {trial.epoch}/{trial.epochs}  {trial.format_logs()}"))
                lines.append(ProgressBar(total=trial.epochs, completed=trial.epoch, width=40))
        elif self.running:
            lines.append(Text(f"{len(self.running)} trials running ({self.done} done{total})"))
            lines.append(self._running_grid())
        if self.best is not None:
            lines.append(
                Text(
                    f"best so far: {self.objective.name}={format_value(self.best.score)} "
                    f"(trial {self.best.id})",
                    style="green",
                )
            )
        eta = ""
        if self.total and self.durations:
            remaining = max(self.total - self.done, 0)
            mean = sum(self.durations) / len(self.durations)
            eta = f"  ~{format_duration(remaining * mean / self.parallel)} left"
        lines.append(Text(f"elapsed {format_duration(elapsed)}{eta}", style="dim"))
        return Group(*lines)

    def _running_grid(self) -> Table:
        grid = Table.grid(padding=(0, 1))
        for _ in range(4):
            grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis", style="dim")
        for trial_id in sorted(self.running):
            trial = self.running[trial_id]
            grid.add_row(
                Text(f"trial {trial_id}", style="bold cyan"),
                ProgressBar(total=trial.epochs or 1, completed=trial.epoch, width=20)
                if trial.epochs
                else Text(""),
                f"{trial.epoch}/{trial.epochs}" if trial.epochs else "",
                trial.format_logs(self.objective.name),
                format_hp(trial.record.hyperparameters),
            )
        return grid


class _RunningTrial:
    """What the live view knows of a trial in flight."""

    def __init__(self, record: TrialRecord, epochs: int | None):
        self.record = record
        self.epoch = 0
        self.epochs = epochs
        self.logs: dict[str, float] = {}

    def format_logs(self, only: str | None = None) -> str:
        shown = {k: v for k, v in self.logs.items() if k != "epoch" and only in (None, k)}
        return "  ".join(f"{k}={format_value(v)}" for k, v in shown.items())


class QuietSearchLog(SearchEvents):
    """``--quiet`` drops progress, not warnings: a CI job must still hear that it waits."""

    def warning(self, message: str) -> None:
        print_warning(message)


def search_view(objective: Objective, quiet: bool) -> SearchEvents:
    if quiet:
        return QuietSearchLog()
    if console.is_terminal:
        return LiveSearchView(objective)
    return PlainSearchLog(objective)


def print_trial(record: TrialRecord) -> None:
    facts = Table(box=_table_box(), show_header=False, title=f"Trial {record.id}")
    facts.add_column(style="bold")
    facts.add_column()
    status = record.status.value
    facts.add_row("status", Text(status, style=STATUS_STYLE.get(status, "")))
    facts.add_row("score", "-" if record.score is None else format_value(record.score))
    facts.add_row("best epoch", "-" if record.best_epoch is None else str(record.best_epoch))
    for name, value in record.hyperparameters.items():
        facts.add_row(name, format_value(value))
    for key, value in record.extra.items():
        facts.add_row(key, format_value(value))
    facts.add_row("started", record.started_at or "-")
    facts.add_row("duration", format_duration(record.duration_s))
    facts.add_row("worker", record.worker or "-")
    console.print(facts)
    if record.history:
        names = [k for k in record.history[0] if k != "epoch"]
        history = Table(box=_table_box(), title="History", header_style="bold")
        history.add_column("epoch", justify="right")
        for name in names:
            history.add_column(name, justify="right")
        for i, row in enumerate(record.history, start=1):
            style = "bold green" if i == record.best_epoch else ""
            history.add_row(
                str(row.get("epoch", i)),
                *[format_value(row.get(n, "-")) for n in names],
                style=style,
            )
        console.print(history)
    if record.error:
        error_console.print(record.error.get("message", ""), markup=False, style="red")
        if record.error.get("traceback"):
            error_console.print(record.error["traceback"], markup=False, style="dim")
