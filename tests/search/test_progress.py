"""``run_search(progress=True)``: the command line's plain log, printed from Python as the search
goes, so an hour-long search in a notebook cell is not silent until it returns."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from tests.conftest import cli_env
from tests.search.test_notebook_errors import DEFINE
from tuner_cli import load_config_dict, run_search
from tuner_cli.events import SearchEvents

REPO = Path(__file__).resolve().parents[2]


def _study(folder: Path, max_trials: int = 3):
    (folder / "progress_objective.py").write_text(
        "def loss(hp, budget):\n    return (hp['x'] - 1.0) ** 2\n", encoding="utf-8"
    )
    return load_config_dict(
        {
            "name": "quad",
            "seed": 1,
            "objective_function": "progress_objective:loss",
            "search_space": {"x": {"type": "float", "min": -2.0, "max": 4.0}},
            "strategy": {
                "name": "random",
                "objective": {"name": "loss", "direction": "min"},
                "max_trials": max_trials,
                "initial_points": [{"x": 0.0}, {"x": 1.0}, {"x": 3.0}, {"x": 2.0}],
            },
        },
        base_dir=folder,
    )


def test_progress_prints_the_command_lines_plain_log_as_the_trials_run(tmp_path, capsys):
    run_search(_study(tmp_path), tmp_path / "results", workers=0, progress=True)
    shown = capsys.readouterr()
    assert shown.out.splitlines() == [
        "quad: running trials in this process; checking the objective function...",
        "trial 1/3 started: x=0",
        "trial 1 completed: loss=1.000 (00:00); best so far 1.000 (trial 1)",
        "trial 2/3 started: x=1",
        "trial 2 completed: loss=0 (00:00); best so far 0 (trial 2)",
        "trial 3/3 started: x=3",
        "trial 3 completed: loss=4.000 (00:00); best so far 0 (trial 2)",
    ]
    assert "\x1b" not in shown.out + shown.err
    # a second call resumes, and says so as the command line does; warnings go to stderr
    run_search(_study(tmp_path, max_trials=4), tmp_path / "results", workers=0, progress=True)
    shown = capsys.readouterr()
    assert shown.out.splitlines()[:2] == [
        "Resuming: 3 finished trials kept.",
        "best so far: loss=0 (trial 2)",
    ]
    assert shown.out.splitlines()[-1] == (
        "trial 4 completed: loss=1.000 (00:00); best so far 0 (trial 2)"
    )


def test_without_progress_the_search_prints_nothing(tmp_path, capsys):
    run_search(_study(tmp_path), tmp_path / "results", workers=0)
    assert capsys.readouterr() == ("", "")


class _Recorder(SearchEvents):
    def __init__(self) -> None:
        self.calls: list[str] = []

    def preparing(self, message: str) -> None:
        self.calls.append("preparing")

    def trial_finished(self, record, best) -> None:
        self.calls.append(f"finished {record.id}")

    def warning(self, message: str) -> None:
        self.calls.append(f"warning: {message}")


def test_progress_and_the_users_own_events_each_see_every_event(tmp_path, capsys):
    study = _study(tmp_path, max_trials=2)  # two of the four initial points: a warning
    events = _Recorder()
    run_search(study, tmp_path / "results", workers=0, progress=True, events=events)
    shown = capsys.readouterr()
    warning = "strategy.initial_points lists 4 configurations but max_trials is 2"
    assert events.calls[0] == "preparing"
    assert events.calls[1].startswith(f"warning: {warning}")
    assert events.calls[2:] == ["finished 1", "finished 2"]
    assert shown.err.startswith(f"warning: {warning}")
    assert shown.out.splitlines()[-1].startswith("trial 2 completed: loss=0 (")


class _Failing(SearchEvents):
    def trial_finished(self, record, best) -> None:
        raise RuntimeError("the user's own events raised")


def test_the_users_own_events_still_raise_beside_the_progress_lines(tmp_path):
    """A tracker that raises is switched off with a warning; the user's own object is not a
    tracker: its error is theirs to see, with progress or without."""
    with pytest.raises(RuntimeError, match="the user's own events raised"):
        run_search(
            _study(tmp_path), tmp_path / "results", workers=0, progress=True, events=_Failing()
        )


KERNEL_CELL = DEFINE + 'run_search(config, "results", workers=0, max_trials=3, progress=True)\n'


def _streamed(cwd: Path, code: str) -> tuple[list[tuple[float, str]], float]:
    """One cell in a fresh kernel: each ``stream`` message's text with the time it arrived,
    and the time the cell finished (the kernel idle again), in seconds from its start."""
    from queue import Empty

    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(cwd), env=cli_env(PYTHONPATH=str(REPO), TMPDIR="/tmp")
    )
    try:
        started = time.monotonic()
        msg_id = client.execute(code)
        streams: list[tuple[float, str]] = []
        while True:
            try:
                message = client.get_iopub_msg(timeout=0.05)
            except Empty:
                assert time.monotonic() - started < 120, "the cell never finished"
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            content, kind = message["content"], message["msg_type"]
            now = time.monotonic() - started
            if kind == "status" and content["execution_state"] == "idle":
                return streams, now
            if kind == "stream":
                streams.append((now, content["text"]))
            assert kind != "error", content
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.slow
def test_a_notebook_cell_shows_each_line_as_the_search_goes_not_at_its_end(tmp_path):
    if not all(importlib.util.find_spec(name) for name in ("ipykernel", "jupyter_client")):
        pytest.skip("ipykernel and jupyter_client (the test extra) are not installed")
    sleep = 1.5
    streams, finished = _streamed(tmp_path, KERNEL_CELL.format(sleep=sleep))
    text = "".join(chunk for _, chunk in streams)
    assert "\x1b" not in text
    lines = text.splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("trial")] == [
        "trial 1/3 started",
        "trial 1 completed",
        "trial 2/3 started",
        "trial 2 completed",
        "trial 3/3 started",
        "trial 3 completed",
    ], text
    first_done = next(at for at, chunk in streams if "trial 1 completed" in chunk)
    # two more trials of `sleep` seconds each were still to run when the first line came
    assert finished - first_done > 1.5 * sleep, (first_done, finished, streams)
