"""The live search view as a 60-column terminal draws it: lines that fit, counts that add up
under Hyperband's promotions, and the first Ctrl-C acknowledged inside the panel."""

from __future__ import annotations

import io

from rich.console import Console

from tuner_cli.cli.console import LiveSearchView, PlainSearchLog
from tuner_cli.objective import Objective
from tuner_cli.search.signals import FIRST_PRESS
from tuner_cli.trial import TrialRecord, TrialStatus

OBJECTIVE = Objective("val_accuracy", "max")
HP = {"units": 16, "learning_rate": 0.0685512345, "optimizer": "adam", "dropout": 0.2}


def _screen(width: int = 60, height: int = 25) -> Console:
    return Console(
        file=io.StringIO(), width=width, height=height, force_terminal=True, color_system=None
    )


def _panel(view: LiveSearchView) -> list[str]:
    screen = _screen(view.screen.width, view.screen.height)
    screen.print(view._render())
    return screen.file.getvalue().rstrip("\n").split("\n")


def _record(trial_id: int, **extra) -> TrialRecord:
    return TrialRecord(id=trial_id, status=TrialStatus.RUNNING, hyperparameters=HP, extra=extra)


def _finish(record: TrialRecord, score: float, epochs: int) -> TrialRecord:
    record.status, record.score, record.duration_s = TrialStatus.COMPLETED, score, 3.0
    record.history = [{"epoch": e, "val_accuracy": score} for e in range(1, epochs + 1)]
    if "budget" in record.extra:
        record.extra["rungs"] = [*record.extra.get("rungs", []), {"epochs": epochs}]
    return record


def test_single_trial_panel_ends_the_bar_line_and_fits_60_columns():
    view = LiveSearchView([OBJECTIVE], screen=_screen())
    view.search_started(12, 0, [])
    first = _record(1)
    view.trial_started(first, 5)
    view.trial_finished(_finish(first, 0.9721, 5), first)
    second = _record(2)
    view.trial_started(second, 5)
    view.epoch_ended(2, 2, 5, {"loss": 0.31234, "val_accuracy": 0.961, "val_loss": 0.2})
    lines = _panel(view)
    assert all(len(line) <= 60 for line in lines), lines
    assert any(line.startswith("best so far: val_accuracy=0.9721 (trial 1)") for line in lines)
    bar = next(line for line in lines if "━" in line)
    assert set(bar.strip()) == {"━", "─"}, "the progress bar shares its line with nothing"
    assert any(line.startswith("epoch 2/5  val_accuracy=0.9610  loss=") for line in lines)


def test_many_hyperparameters_leave_the_progress_best_and_clock_on_a_20_line_screen():
    """Thirty long names wrapped over more lines than the window has: rich cropped the panel's
    bottom, so the epoch bar, the best so far, the clock and the Ctrl-C note were never seen."""
    view = LiveSearchView([OBJECTIVE], screen=_screen(60, 20))
    view.search_started(12, 0, [])
    best = _finish(_record(1), 0.9721, 5)
    view.best_restored(best)
    many = {f"hyperparameter_number_{i:02d}_long": 0.1234 + i for i in range(30)}
    view.trial_started(TrialRecord(id=2, status=TrialStatus.RUNNING, hyperparameters=many), 5)
    view.epoch_ended(2, 2, 5, {"loss": 0.31, "val_accuracy": 0.961})
    view.stop_requested(FIRST_PRESS)
    lines = _panel(view)
    assert len(lines) <= 20, lines
    assert lines[0].startswith("Trial 2 of 12")
    assert lines[1].startswith("hyperparameter_number_00_long=0.1234")
    assert any(line.startswith("epoch 2/5  val_accuracy=0.9610") for line in lines)
    assert "best so far: val_accuracy=0.9721 (trial 1)" in lines
    stopping = next(i for i, line in enumerate(lines) if line.startswith("Ctrl-C: no new"))
    assert lines[stopping - 1].startswith("elapsed ")
    assert " ".join(lines[stopping:]).replace("  ", " ").strip() == FIRST_PRESS
    values = [line for line in lines if "hyperparameter_number" in line]
    assert values[-1].endswith("…"), "the cut list of values says that it is cut"
    assert len(values) <= 10, "half the window at most: the finished trials above stay in sight"


def test_without_colour_the_epoch_bar_still_shows_how_far_the_trial_is(monkeypatch):
    """The filled and the empty part differed only in colour: under ``NO_COLOR`` the bar of
    epoch 2 of 5 was one solid line, as full as at the last epoch."""
    monkeypatch.setenv("NO_COLOR", "1")
    screen = Console(file=io.StringIO(), width=60, height=25, force_terminal=True)
    view = LiveSearchView([OBJECTIVE], screen=screen)
    view.search_started(12, 0, [])
    view.trial_started(_record(2), 5)
    view.epoch_ended(2, 2, 5, {"val_accuracy": 0.961})
    screen.print(view._render())
    bar = next(line for line in screen.file.getvalue().splitlines() if "━" in line)
    assert bar.strip() == "━" * 16 + "─" * 24


def test_hyperband_promotions_keep_counts_within_the_total_and_hide_a_wrong_eta():
    view = LiveSearchView([OBJECTIVE], screen=_screen())
    view.search_started(3, 0, [])
    records = [_record(i, bracket=0, round=0, budget=1) for i in (1, 2, 3)]
    for record in records[:2]:
        view.trial_started(record, 1)
    for record, score in zip(records[:2], (0.9, 0.8), strict=True):
        view.trial_finished(_finish(record, score, 1), records[0])
    view.trial_started(records[2], 1)
    view.trial_finished(_finish(records[2], 0.7, 1), records[0])
    promoted = records[0]
    promoted.status = TrialStatus.RUNNING
    promoted.extra.update(round=1, budget=3)
    view.trial_started(promoted, 3)
    view.trial_started(records[1], 3)
    text = "\n".join(_panel(view))
    assert "2 trials running (1 done of 3)" in text
    assert "left" not in text, "no estimate that runs out while trials still train"
    assert "trial 1 ━" in text and "1/3" in text


def test_plain_log_names_promotions_and_budgets():
    screen = _screen(200)
    log = PlainSearchLog([OBJECTIVE], screen=screen)
    log.search_started(17, 0, [])
    record = _record(9, bracket=0, round=0, budget=1)
    log.trial_started(record, 1)
    log.trial_finished(_finish(record, 0.96, 1), record)
    record.extra.update(round=1, budget=3)
    log.trial_started(record, 3)
    lines = screen.file.getvalue().splitlines()
    assert lines[0].startswith("trial 9/17 started for 1 epoch (bracket 0, round 0): units=16")
    assert lines[1].startswith("trial 9 completed at 1 epoch: val_accuracy=0.9600")
    assert lines[2] == "trial 9 promoted to 3 epochs (bracket 0, round 1)"


def test_plain_log_says_a_retried_trial_starts_again():
    screen = _screen(200)
    log = PlainSearchLog([OBJECTIVE], screen=screen)
    log.search_started(10, 0, [])
    record = _record(2)
    log.trial_started(record, None)
    record.attempt = 2
    log.trial_started(record, None)
    lines = screen.file.getvalue().splitlines()
    assert lines[0].startswith("trial 2/10 started: units=16")
    assert lines[1].startswith("trial 2/10 started again (attempt 2): units=16")


def test_several_objectives_show_every_score_and_the_front_instead_of_a_best():
    screen = _screen(200)
    log = PlainSearchLog([OBJECTIVE, Objective("params", "min")], screen=screen)
    log.search_started(5, 3, [])
    log.front_counted(2)
    record = _finish(_record(4), 0.96, 3)
    record.extra["scores"] = {"val_accuracy": 0.96, "params": 610}
    log.best_restored(record)
    log.front_counted(3)
    log.trial_finished(record, record)
    lines = screen.file.getvalue().splitlines()
    assert lines[1] == "Pareto front so far: 2 trials"
    assert lines[2].startswith("trial 4 completed: val_accuracy=0.9600 params=610 (")
    assert lines[2].endswith("; Pareto front so far: 3 trials")
    failed = _record(5)
    failed.status, failed.duration_s = TrialStatus.FAILED, 1.0
    failed.error = {"message": "ValueError: boom"}
    log.trial_finished(failed, record)
    assert (
        screen.file.getvalue()
        .splitlines()[3]
        .startswith("trial 5 failed (00:01) error: ValueError: boom")
    ), "no row of dashes for the scores a failed trial never had"


def test_resumed_best_and_first_ctrl_c_show_in_the_panel():
    view = LiveSearchView([OBJECTIVE], screen=_screen())
    view.search_started(12, 4, [])
    best = _finish(_record(3), 0.95, 2)
    view.best_restored(best)
    view.trial_started(_record(5), 2)
    view.stop_requested("Ctrl-C: finishing the running trial, then stopping")
    lines = _panel(view)
    assert "best so far: val_accuracy=0.9500 (trial 3)" in lines
    assert lines[-1] == "Ctrl-C: finishing the running trial, then stopping"
    assert sum("Trial 5 of 12" in line for line in lines) == 1


def test_the_wait_before_the_first_trial_is_explained():
    view = LiveSearchView([OBJECTIVE], screen=_screen())
    view.preparing("digits: starting 2 workers; loading TensorFlow and checking the model...")
    view.live.stop()
    assert "starting 2 workers" in "\n".join(_panel(view))


def test_plain_log_counts_an_objective_functions_epochs_by_its_budget():
    """An objective function adds one history entry a call, numbered by its budget."""
    screen = _screen(200)
    log = PlainSearchLog([OBJECTIVE], screen=screen)
    record = _record(4, bracket=0, round=1, budget=9)
    record.status, record.score = TrialStatus.COMPLETED, 0.9
    record.history = [{"epoch": 3, "val_accuracy": 0.8}, {"epoch": 9, "val_accuracy": 0.9}]
    log.trial_finished(record, record)
    assert screen.file.getvalue().startswith("trial 4 completed at 9 epochs: val_accuracy=0.9000")


def test_the_summary_of_several_objectives_names_the_front(monkeypatch):
    from tuner_cli.cli import console as console_module
    from tuner_cli.search.runner import SearchSummary

    screen = _screen(200)
    monkeypatch.setattr(console_module, "console", screen)
    objectives = [OBJECTIVE, Objective("params", "min")]
    trials = []
    for trial_id, (accuracy, params) in enumerate([(0.9, 100.0), (0.8, 10.0), (0.7, 50.0)], 1):
        record = _finish(_record(trial_id), accuracy, 1)
        record.extra["scores"] = {"val_accuracy": accuracy, "params": params}
        trials.append(record)
    summary = SearchSummary(trials, OBJECTIVE, "max_trials reached", counts={"completed": 3})
    console_module.print_summary(summary, objectives)
    text = screen.file.getvalue()
    assert "params (min)" in text and "Pareto front: 2 trials (1, 2)" in text
    marked = {line.strip("│ ").split()[0] for line in text.splitlines() if " * " in line}
    assert "front" in text and marked == {"1", "2"}
    assert "Best: trial" not in text


def test_the_summary_in_a_log_file_is_ascii(monkeypatch):
    from tuner_cli.cli import console as console_module
    from tuner_cli.search.runner import SearchSummary

    log = Console(file=io.StringIO(), width=120, color_system=None)
    monkeypatch.setattr(console_module, "console", log)
    trials = [_finish(_record(trial_id), 0.5 + trial_id / 10, 2) for trial_id in (1, 2)]
    summary = SearchSummary(trials, OBJECTIVE, "max_trials reached", counts={"completed": 2})
    console_module.print_summary(summary, [OBJECTIVE])
    text = log.file.getvalue()
    assert "Top 2 trials" in text and "Best: trial 2" in text
    assert text.isascii(), [line for line in text.splitlines() if not line.isascii()]
