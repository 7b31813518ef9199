"""Everything kt-run shows on a terminal: the live search view, plain CI logs, and tables.

The only module that talks to the terminal. Output is plain when stdout is not a terminal
(rich turns colour off there, and honours ``NO_COLOR``).
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from tuner_cli.cli.common import (
    budget_cells,
    extra_parts,
    front_cells,
    front_header,
    objective_headers,
)
from tuner_cli.cli.formatting import format_condition
from tuner_cli.events import SearchEvents
from tuner_cli.integrations.progress_log import ProgressLog, is_budgeted, stage, trained_epochs
from tuner_cli.objective import Objective, objective_values
from tuner_cli.results.reading import pareto_trials
from tuner_cli.trial import TrialRecord, TrialStatus, union_names
from tuner_cli.wording import format_duration, format_hp, format_score, format_value, plural

if TYPE_CHECKING:
    from tuner_cli.search.runner import SearchSummary
    from tuner_cli.space import SearchSpace

# Off a terminal (CI logs, pipes) rich would wrap at 80 columns and squeeze tables into
# ellipses; a log line should hold a whole row instead, and a warning or error its whole
# message (stderr is often the log file while stdout is a pipe, or the other way round).
console = Console(width=None if sys.stdout.isatty() else 1000)
error_console = Console(stderr=True, width=None if sys.stderr.isatty() else 1000)

STATUS_STYLE = {
    "completed": "green",
    "failed": "red",
    "pruned": "yellow",
    "running": "cyan",
    "interrupted": "magenta",
}


NARROW_HEADER = 8
"""In a narrow terminal a header folds to its column's values, but a word of it up to this
many characters stays whole (``params``, ``dropout``)."""
COLUMN_GAP = 2
"""Spaces between two columns of a borderless table (rich's padding of one on each side)."""
BORDERED_GAP = 3
"""What each column of a bordered table adds to its values' width: a border and two spaces."""


PLAIN_BOX = box.Box("    \n    \n -- \n    \n    \n -- \n    \n    \n", ascii=True)
"""rich's ``SIMPLE`` drawn with ``-``: a log file or a pipe gets the same ASCII rule under the
header as the read commands' plain tables."""


def _table_box() -> box.Box:
    return box.ROUNDED if console.is_terminal else PLAIN_BOX


def trials_table(
    records: Sequence[TrialRecord],
    objectives: Sequence[Objective],
    title: str | None = None,
    front: Collection[int] | None = None,
) -> Table:
    """One row per trial: id, status, a score per objective, whether it is on the Pareto front
    (``front``: its ids, for a multi-objective study), hyperparameters as columns, best epoch,
    duration."""
    headers, rows = _trial_cells(records, objectives, front)
    return value_table(headers, rows, title, left=(1,), keep=_ranked_by(headers))


def best_table(record: TrialRecord, objectives: Sequence[Objective], title: str) -> Table:
    """The best trial as ``trials_table`` draws it while its row fits the terminal; past that,
    its columns as lines of a name and a value: the winner's values are what ``kt-run best``
    is for, and a row too wide would only name most of them under the table."""
    headers, rows = _trial_cells([record], objectives)
    table = value_table(headers, rows, title, left=(1,))
    if table.caption is None:
        return table
    listing = Table(title=title, box=None, show_header=False, pad_edge=False)
    listing.add_column(style="bold", overflow="fold")
    listing.add_column(overflow="fold")
    for header, cell in zip(headers, rows[0], strict=True):
        listing.add_row(header, cell)
    return listing


def _ranked_by(headers: Sequence[str]) -> set[int]:
    """The ``epochs`` column of a Hyperband study, whose ranking puts scores measured at more
    epochs first: without it, the rows would look out of order."""
    return {len(headers) - 2} if headers[-2] == "epochs" else set()


def _trial_cells(
    records: Sequence[TrialRecord],
    objectives: Sequence[Objective],
    front: Collection[int] | None = None,
) -> tuple[list[str], list[list[str | Text]]]:
    """``trials_table``'s headers and rows."""
    marks = front_cells((record.id for record in records), front) if front is not None else []
    names = union_names(record.hyperparameters for record in records)
    trained = budget_cells([record.measured_budget for record in records])
    rows = [
        [
            str(record.id),
            Text(record.status.value, style=STATUS_STYLE.get(record.status.value, "")),
            *map(
                format_score,
                objective_values(objectives, record.score, record.extra.get("scores")),
            ),
            *([marks[i]] if marks else []),
            *[
                format_value(record.hyperparameters[n]) if n in record.hyperparameters else "-"
                for n in names
            ],
            "-" if record.best_epoch is None else str(record.best_epoch),
            *([trained[i]] if trained else []),
            format_duration(record.duration_s),
        ]
        for i, record in enumerate(records)
    ]
    headers = ["trial", "status", *objective_headers(objectives), *front_header(front)]
    headers += [*names, "best epoch", *(["epochs"] if trained else []), "time"]
    return headers, rows


def value_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Text]],
    title: str | None = None,
    left: Sequence[int] = (),
    keep: Collection[int] = (),
) -> Table:
    """A table of values that never cuts one: ``0.050…`` would read as another number.

    In a wide terminal whose bordered table is too wide for its whole headers, long headers
    fold onto more lines, so the values keep their room. In a narrow terminal (a 60-column pane),
    or one too narrow for the bordered table even so (a dozen hyperparameters at 200 columns),
    the borders go too, and the columns that still do not fit are left out and named under the
    table, rather than cropped at the edge without a word: the last ones, never those in
    ``keep`` (the rows' order follows them).
    """
    widths = [max((len(str(row[i])) for row in rows), default=0) for i in range(len(headers))]
    folded = [
        max(width, min(max(map(len, header.split()), default=1), NARROW_HEADER))
        for width, header in zip(widths, headers, strict=True)
    ]
    wide = console.width >= 100
    whole = [max(width, len(header)) for width, header in zip(widths, headers, strict=True)]
    fits = not console.is_terminal or (wide and _bordered_width(whole) <= console.width)
    narrow = not fits and not (wide and _bordered_width(folded) <= console.width)
    if not fits and not narrow:  # the room left unfolds the shortest headers first
        for i in sorted(range(len(headers)), key=lambda i: whole[i] - folded[i]):
            if _bordered_width(folded) - folded[i] + whole[i] <= console.width:
                folded[i] = whole[i]
    shown = list(range(len(headers)))
    if narrow:
        used = sum(folded[i] + COLUMN_GAP for i in keep) - COLUMN_GAP
        for i, width in enumerate(folded):
            if i in keep:
                continue
            used += width + COLUMN_GAP
            if used > console.width and i:
                shown = [j for j in shown if j < i or j in keep]
                break
    hidden = ", ".join(h for i, h in enumerate(headers) if i not in shown)
    table = Table(
        title=title,
        caption=f"not shown at this width: {hidden}" if hidden else None,
        box=None if narrow else _table_box(),
        header_style="bold underline" if narrow else "bold",
        pad_edge=not narrow,
    )
    for i in shown:
        header = headers[i] if fits else "\n".join(textwrap.wrap(headers[i], folded[i]))
        table.add_column(
            header,
            justify="left" if i in left else "right",
            min_width=widths[i] if fits else folded[i],
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    return table


def _bordered_width(widths: Sequence[int]) -> int:
    """A bordered table's width for columns of these widths."""
    return sum(widths) + BORDERED_GAP * len(widths) + 1


def print_summary(summary: SearchSummary, objectives: Sequence[Objective], top: int = 10) -> None:
    """The top trials by the first objective; with several ``objectives``, a column for each and
    the Pareto front's trials instead of a best one."""
    ranked = summary.objective.ranked(summary.trials)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts.items()))
    shown = min(top, len(ranked))
    title = "Top trial" if shown == 1 else f"Top {shown} trials" if shown else "No trials"
    front = None
    if len(objectives) > 1:
        front = sorted(t.id for t in pareto_trials(summary.trials, list(objectives)))
    console.print(trials_table(ranked[:shown], objectives, title=title, front=front))
    console.print(f"Search ended: {summary.stop_reason} ({counts or 'no trials'}).")
    best = summary.best
    if front is not None:
        ids = ", ".join(map(str, front))
        console.print(f"Pareto front: {plural(len(front), 'trial')} ({ids or 'none'})")
    elif best is not None:
        console.print(
            f"Best: trial {best.id}, {summary.objective.name} = {format_score(best.score)} "
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
            # as the default beside it is written: -5 .. 10 and -5, not -5.0 .. 10.0 and -5
            shown = f"{format_value(param.min)} .. {format_value(param.max)}"
            if param.step is not None:
                shown += f" step {format_value(param.step)}"
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


class PlainSearchLog(ProgressLog):
    """One line per event: readable in CI logs and under ``| tee``. The lines go through the
    console, so they are whole off a terminal (``width=1000``) and scroll above a live panel."""

    def __init__(self, objectives: Sequence[Objective], screen: Console | None = None):
        super().__init__(objectives)
        self.screen = screen or console

    def say(self, line: str) -> None:
        self.screen.print(line, markup=False, highlight=False)

    def warning(self, message: str) -> None:
        print_warning(message)


class LiveSearchView(PlainSearchLog):
    """A live panel: each running trial's progress, best so far, times.

    Finished trials (and promotions) scroll above the panel as plain lines, so the history stays
    visible. With several workers, each running trial gets one line with its own progress bar.
    Every line fits the terminal's width (a 60-column pane included): long parts are cut with
    an ellipsis rather than wrapped into the next line, and a trial's values (they wrap, so
    all of them can be read) take half the window's height at most. The panel is redrawn from
    the view's state on every refresh, so the clock ticks and a Ctrl-C shows without a new
    event.
    """

    def __init__(self, objectives: Sequence[Objective], screen: Console | None = None):
        super().__init__(objectives, screen)
        self.started = time.monotonic()
        self.running: dict[int, _RunningTrial] = {}
        self.parallel = 1
        self.best: TrialRecord | None = None
        self.finished: set[int] = set()
        self.durations: list[float] = []
        self.budgeted = False
        self.note: str | None = None
        """What the search is busy with before its first trial (starting workers...)."""
        self.stopping: str | None = None
        self.spinner = Spinner("dots")
        """One spinner for the whole wait: a new one each refresh would never turn."""
        self.live = Live(
            console=self.screen, refresh_per_second=4, transient=True, get_renderable=self._render
        )

    def __enter__(self) -> LiveSearchView:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()

    def preparing(self, message: str) -> None:
        self.note = message
        self.live.start()

    def search_started(self, total: int | None, resumed: int, plan: list[str]) -> None:
        super().search_started(total, resumed, plan)
        self.note = None

    def best_restored(self, best: TrialRecord) -> None:
        self.best = best

    def stop_requested(self, message: str) -> None:
        self.stopping = message

    def trial_started(self, record: TrialRecord, epochs: int | None) -> None:
        self.note = None
        if record.extra.get("rungs"):
            self.screen.print(self._started_line(record, epochs), markup=False, highlight=False)
        self.budgeted = self.budgeted or is_budgeted(record)
        # replaced, never changed in place: the refresh thread draws from whichever it holds
        self.running = {**self.running, record.id: _RunningTrial(record, epochs)}
        self.parallel = max(self.parallel, len(self.running))

    def epoch_ended(self, trial_id: int, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        trial = self.running.get(trial_id)
        if trial is not None:
            trial.epoch, trial.epochs, trial.logs = epoch, epochs, logs

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        super().trial_finished(record, best)
        self.running = {i: t for i, t in self.running.items() if i != record.id}
        self.best = best or self.best
        self.finished = self.finished | {record.id}
        if record.duration_s is not None:
            self.durations.append(record.duration_s)

    @property
    def done(self) -> int:
        """Trials finished and not running again: a promoted or retried trial counts once."""
        return len(self.finished - self.running.keys())

    def _render(self) -> Group:
        width = self.screen.width
        running = self.running
        lines: list[Any] = []
        if self.note is not None:
            self.spinner.update(text=_fit(Text(self.note), width - 2))
            lines.append(self.spinner)
        total = f" of {self.total}" if self.total else ""
        values: Text | None = None
        if len(running) == 1 and self.parallel == 1:
            trial = next(iter(running.values()))
            lines.append(
                _fit(
                    Text.assemble(
                        ("Trial ", "bold"),
                        (f"{trial.record.id}{total}", "bold cyan"),
                        (trial.stage(), "dim"),
                    ),
                    width,
                )
            )
            values = Text(format_hp(trial.record.hyperparameters), style="dim")
            if trial.epochs:
                logs = trial.format_logs(self.objective.name)
                lines.append(_fit(Text(f"epoch {trial.epoch}/{trial.epochs}  {logs}"), width))
                bar = _bar(trial.epoch, trial.epochs, min(40, width), self._colour)
                lines.append(bar)
        elif running:
            count = plural(len(running), "trial")
            lines.append(_fit(Text(f"{count} running ({self.done} done{total})"), width))
            lines.extend(self._running_lines(running, width))
        if self.best is not None:
            lines.append(_fit(Text(self._best_line(self.best), style="green"), width))
        eta = self._eta(len(running))
        lines.append(_fit(Text(f"elapsed {self._elapsed()}{eta}", style="dim"), width))
        if self.stopping is not None:
            lines.append(Text(self.stopping, style="yellow"))  # wrapped: all of it matters
        if values is not None:
            # after the trial's title line, in the rows the other lines leave, and in half the
            # window at most: the finished trials scrolling above stay in sight
            used = sum(len(x.wrap(self.screen, width)) if isinstance(x, Text) else 1 for x in lines)
            rows = min(self.screen.height - used, self.screen.height // 2)
            lines.insert(2 if self.note is not None else 1, _clip(values, self.screen, rows))
        return Group(*lines)

    @property
    def _colour(self) -> bool:
        return not self.screen.no_color and self.screen.color_system is not None

    def _elapsed(self) -> str:
        return format_duration(time.monotonic() - self.started)

    def _eta(self, running: int) -> str:
        """Only when it can be right: a Hyperband trial's later rounds are not counted in
        ``total``, so there the estimate would run out while trials still train."""
        if not self.total or not self.durations or self.budgeted:
            return ""
        remaining = self.total - self.done
        if running and remaining <= running:
            return ""
        mean = sum(self.durations) / len(self.durations)
        return f"  ~{format_duration(max(remaining, 0) * mean / self.parallel)} left"

    def _running_lines(self, running: dict[int, _RunningTrial], width: int) -> list[Text]:
        """``trial 12 ━━━━━━━━━━ 3/9 val_accuracy=0.9667 units=16 ...``, cut at the width."""
        label = max(len(f"trial {i}") for i in running)
        bar = 20 if width >= 100 else 10
        lines = []
        for trial_id in sorted(running):
            trial = running[trial_id]
            line = Text(f"trial {trial_id}".ljust(label) + " ", style="bold cyan")
            if trial.epochs:
                line.append_text(_bar(trial.epoch, trial.epochs, bar, self._colour))
                line.append(f" {trial.epoch}/{trial.epochs}".ljust(7))
            logs = trial.format_logs(self.objective.name, only=True)
            if logs:
                line.append(f" {logs}")
            line.append(f"  {format_hp(trial.record.hyperparameters)}", style="dim")
            lines.append(_fit(line, width))
        return lines


def _fit(text: Text, width: int) -> Text:
    """One terminal line: cut with an ellipsis, never wrapped into the next."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    text.truncate(max(width, 1), overflow="ellipsis")
    return text


def _clip(text: Text, screen: Console, rows: int) -> Text:
    """``text`` wrapped to the screen's width in at most ``rows`` lines (one at least), the last
    ending in an ellipsis when some are left out: a panel taller than the window is cropped at
    its bottom by rich, which would hide the progress, the best so far and the clock."""
    lines = text.wrap(screen, screen.width)
    if len(lines) <= max(rows, 1):
        return text
    kept = lines[: max(rows, 1)]
    last = kept[-1]
    last.rstrip()
    last.truncate(screen.width - 2)
    last.append(" …")
    return Text("\n").join(kept)


def _bar(completed: int, total: int, width: int, colour: bool = True) -> Text:
    """A progress bar as text, so it can share a line and always ends one. Without ``colour``
    (``NO_COLOR``) the part still to go is a thinner line, as colour alone tells them apart."""
    filled = round(width * min(completed, total) / max(total, 1))
    rest = "━" if colour else "─"
    return Text.assemble(("━" * filled, "magenta"), (rest * (width - filled), "grey23"))


class _RunningTrial:
    """What the live view knows of a trial in flight."""

    def __init__(self, record: TrialRecord, epochs: int | None):
        self.record = record
        self.epoch = trained_epochs(record) if record.extra.get("rungs") else 0
        self.epochs = epochs
        self.logs: dict[str, float] = {}

    def stage(self) -> str:
        if not is_budgeted(self.record):
            return ""
        promoted = " promoted to" if self.record.extra.get("rungs") else ","
        return f"{promoted} {plural(self.epochs or 0, 'epoch')}{stage(self.record)}"

    def format_logs(self, first: str, only: bool = False) -> str:
        """The objective first, so a narrow pane cuts the other metrics, not it."""
        names = [first, *(k for k in self.logs if k not in ("epoch", first) and not only)]
        return "  ".join(f"{k}={format_score(self.logs[k])}" for k in names if k in self.logs)


class QuietSearchLog(SearchEvents):
    """``--quiet`` drops progress, not warnings: a CI job must still hear that it waits."""

    def warning(self, message: str) -> None:
        print_warning(message)


def search_view(objectives: Sequence[Objective], quiet: bool) -> SearchEvents:
    if quiet:
        return QuietSearchLog()
    # FORCE_COLOR (set in many CI jobs for coloured logs) makes rich take a pipe for a
    # terminal: colour is welcome there, but a panel redrawn with cursor moves is not
    if console.is_interactive and _is_tty(console.file) and not _under_a_notebook():
        return LiveSearchView(objectives)
    return PlainSearchLog(objectives)


def _under_a_notebook() -> bool:
    """``!kt-run search`` in a Jupyter notebook runs on a pseudo-terminal whose output the
    notebook shows as text: colours render, cursor moves do not, so every redraw of the panel
    piled up under the cell. Jupyter gives a kernel, and so what it starts, ``JPY_PARENT_PID``."""
    return "JPY_PARENT_PID" in os.environ


def _is_tty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def print_trial(record: TrialRecord, on_front: bool | None = None) -> None:
    """``show`` at a terminal; ``on_front`` as ``extra_parts`` takes it."""
    facts = Table(box=_table_box(), show_header=False, title=f"Trial {record.id}")
    facts.add_column(style="bold")
    facts.add_column()
    status = record.status.value
    facts.add_row("status", Text(status, style=STATUS_STYLE.get(status, "")))
    facts.add_row("score", "-" if record.score is None else format_score(record.score))
    facts.add_row("best epoch", "-" if record.best_epoch is None else str(record.best_epoch))
    for name, value in record.hyperparameters.items():
        facts.add_row(name, format_value(value))
    extra, tables = extra_parts(record, on_front)
    for key, value in extra:
        facts.add_row(key, value)
    facts.add_row("started", record.started_at or "-")
    facts.add_row("duration", format_duration(record.duration_s))
    facts.add_row("worker", record.worker or "-")
    console.print(facts)
    for title, headers, rows in tables:
        console.print(value_table(headers, rows, title))
    if record.history:
        names = [k for k in record.history[0] if k != "epoch"]
        rows = []
        for i, row in enumerate(record.history, start=1):
            style = "bold green" if i == record.best_epoch else ""
            cells = [str(row.get("epoch", i)), *(format_score(row.get(n, "-")) for n in names)]
            rows.append([Text(cell, style=style) for cell in cells])
        console.print(value_table(["epoch", *names], rows, "History"))
    if record.error:
        error_console.print(record.error.get("message", ""), markup=False, style="red")
        if record.error.get("traceback"):
            error_console.print(record.error["traceback"], markup=False, style="dim")
