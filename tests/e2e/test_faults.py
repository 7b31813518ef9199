"""What days of tuning bring: kill -9, failing trials, budgets, Ctrl-C, a second search, a
changed config, a full or unwritable disk. Kill, signal, lock and disk-limit tests run the real
CLI in a subprocess; checks of what a search finds and leaves on disk run the same CLI in this
process (``search_here``).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import cli_env, invoke

pytestmark = pytest.mark.slow  # kill, signal and lock tests need real kt-run processes

HELPERS = Path(__file__).resolve().parent / "fault_helpers"
SMALL_NPZ = Path(__file__).resolve().parents[1] / "config" / "bad_configs" / "data" / "small.npz"


def objective_config(function: str, max_trials: int, name: str = "faults", extra: str = "") -> str:
    return f"""\
name: {name}
seed: 3
objective_function: "faulty:{function}"
search_space:
  x: {{type: float, min: 0.0, max: 1.0}}
  y: {{type: float, min: 0.0, max: 1.0}}
strategy:
  name: random
  objective: loss
  max_trials: {max_trials}
{extra}"""


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Wide columns, so rich does not wrap the messages the tests look for."""
    return cli_env(PYTHONPATH=str(HELPERS), KT_FAULT_DIR=str(tmp_path), COLUMNS="400", **extra)


def command(config: Path, output: Path, *more: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tuner_cli",
        "search",
        str(config),
        "--results",
        str(output),
        *more,
    ]


def run(config: Path, output: Path, tmp_path: Path, *more: str, timeout: float = 120, **extra):
    return subprocess.run(
        command(config, output, *more),
        env=env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(config: Path, output: Path, tmp_path: Path, *more: str, **extra) -> subprocess.Popen:
    """A search in its own process group, so a signal reaches it as Ctrl-C in a terminal would."""
    return subprocess.Popen(
        command(config, output, *more),
        env=env(tmp_path, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def communicate_or_dump(process: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """The process's output; one still running after ``timeout`` is aborted, so the failure
    shows where each of its threads waited (faulthandler, PYTHONFAULTHANDLER=1)."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        out, err = process.communicate(timeout=30)
        pytest.fail(f"still running after {timeout:.0f} s; its threads:\n{err[-20000:]}")


def search_here(
    config: Path, output: Path, tmp_path: Path, monkeypatch, *more: str
) -> subprocess.CompletedProcess:
    """The search in this process, without worker processes, for checks of what it finds on disk
    and leaves there rather than of the process it runs in."""
    monkeypatch.syspath_prepend(str(HELPERS))
    return invoke(
        "search",
        str(config),
        "--results",
        str(output),
        "--workers",
        "0",
        *more,
        COLUMNS="400",
        KT_FAULT_DIR=str(tmp_path),
    )


def records(study: Path) -> dict[int, dict]:
    """Every trial record; each file must parse and sit under its own id's name."""
    found = {}
    for path in sorted((study / "trials").iterdir()):
        if path.name.startswith("."):
            continue
        record = json.loads(path.read_text(encoding="utf-8"))
        assert path.name == f"trial_{record['id']:04d}.json"
        found[record["id"]] = record
    return found


def wait_for(condition, timeout: float = 60.0, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(step)


def running_ids(study: Path) -> list[int]:
    try:
        return [i for i, r in records(study).items() if r["status"] == "running"]
    except (OSError, ValueError):
        return []


def lock_pid(study: Path) -> int | None:
    """The pid in the study's lock file: that search has started its loop."""
    try:
        return json.loads((study / ".lock").read_text())["pid"]
    except (OSError, ValueError, KeyError):
        return None


def hp_key(record: dict) -> str:
    return json.dumps(record["hyperparameters"], sort_keys=True)


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path, request) -> None:
    max_trials = 60
    config = tmp_path / "kill.yaml"
    config.write_text(objective_config("slow", max_trials), encoding="utf-8")
    output = tmp_path / "results"
    study = output / "faults"
    # the searches' temporary directory: short, since the forkserver's socket goes in it and
    # Unix sockets allow 107 characters (tmp_path under xdist is long already)
    scratch = Path(tempfile.mkdtemp(prefix="kt9-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(scratch, ignore_errors=True))
    rng = random.Random(20240611)
    completed: dict[int, dict] = {}
    cut_short: dict[int, str] = {}
    kills = 0
    abandoned: set[Path] = set()
    started = time.monotonic()
    while kills < 12 and time.monotonic() - started < 150:
        process = start(config, output, tmp_path, TMPDIR=str(scratch))
        if rng.random() < 0.8:
            wait_for(lambda p=process: lock_pid(study) == p.pid or p.poll() is not None, 120)
            time.sleep(rng.uniform(0.0, 0.6))
        else:
            time.sleep(rng.uniform(0.0, 0.5))
        if process.poll() is None:
            process.kill()
            kills += 1
        process.communicate()
        abandoned.update(scratch.glob("kt-run-dask-*"))
        if not study.exists():
            continue
        now = records(study)
        for trial_id, record in completed.items():
            assert now[trial_id] == record, f"completed trial {trial_id} changed after a kill"
        for trial_id, record in now.items():
            if record["status"] == "completed":
                completed[trial_id] = record
            elif record["status"] in ("running", "interrupted"):
                cut_short[trial_id] = hp_key(record)
        keys = [hp_key(r) for r in now.values()]
        assert len(keys) == len(set(keys)), "a configuration was recorded twice"
        if process.returncode == 0:
            break
    assert kills >= 8

    final = run(config, output, tmp_path, TMPDIR=str(scratch))
    assert final.returncode == 0, final.stderr
    assert "Traceback" not in final.stderr
    assert abandoned, "no kill left a worker scratch folder behind"
    assert not list(scratch.glob("kt-run-dask-*")), "the killed searches' folders were kept"
    assert not list(scratch.glob("kt-run-mp-*")) and not list(scratch.glob("pymp-*"))
    now = records(study)
    assert sorted(now) == list(range(1, max_trials + 1))
    assert {r["status"] for r in now.values()} == {"completed"}
    assert len({hp_key(r) for r in now.values()}) == max_trials
    for trial_id, record in completed.items():
        assert now[trial_id] == record
    for trial_id, key in cut_short.items():
        assert hp_key(now[trial_id]) == key, "a cut-short trial was not run again as itself"
    assert not [p for p in study.rglob("*.tmp")], "a partial write was left behind"


def keras_fault_config(epochs: int = 1, name: str = "keras-faults") -> str:
    return f"""\
name: {name}
seed: 1
data: {{source: npz, path: {SMALL_NPZ}}}
search_space:
  mode: {{type: choice, values: [ok, raise, nan]}}
  units: {{type: int, min: 4, max: 8, step: 4}}
model:
  builder: "builders:build"
training: {{epochs: {epochs}, batch_size: 8}}
strategy: {{name: grid, objective: val_accuracy}}
"""


@pytest.mark.slow
def test_keras_builder_exception_and_nan_loss_fail_their_trials_only(
    tmp_path: Path, monkeypatch
) -> None:
    config = tmp_path / "keras.yaml"
    text = keras_fault_config().replace("  units: {type: int, min: 4, max: 8, step: 4}\n", "")
    config.write_text(text, encoding="utf-8")
    output = tmp_path / "results"
    result = search_here(config, output, tmp_path, monkeypatch)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    by_mode = {}
    for record in records(output / "keras-faults").values():
        by_mode.setdefault(record["hyperparameters"]["mode"], []).append(record)
    assert {r["status"] for r in by_mode["ok"]} == {"completed"}
    (raised,) = by_mode["raise"][:1]
    assert raised["status"] == "failed"
    assert "the builder crashed on purpose" in raised["error"]["message"]
    assert "Traceback" in raised["error"]["traceback"]
    assert "builders.py" in raised["error"]["traceback"]
    nan = by_mode["nan"][0]
    assert nan["status"] == "failed"
    assert "nan" in nan["error"]["message"]


@pytest.mark.slow
def test_keras_kill_9_during_training_reruns_the_trial(tmp_path: Path, monkeypatch) -> None:
    """A real Keras search killed while a trial trains: the trial is trained again."""
    config = tmp_path / "keras.yaml"
    config.write_text(
        keras_fault_config(epochs=40, name="keras-kill")
        .replace("[ok, raise, nan]", "[ok]")
        .replace("max: 8, step: 4", "max: 4"),
        encoding="utf-8",
    )
    output = tmp_path / "results"
    study = output / "keras-kill"
    process = start(config, output, tmp_path)
    try:
        wait_for(lambda: running_ids(study), timeout=120)
        time.sleep(0.5)
        process.kill()
    finally:
        process.communicate()
    (killed,) = running_ids(study)
    before = records(study)[killed]
    result = search_here(config, output, tmp_path, monkeypatch)
    assert result.returncode == 0, result.stderr
    after = records(study)
    assert sorted(after) == [1]
    assert after[killed]["status"] == "completed"
    assert after[killed]["hyperparameters"] == before["hyperparameters"]
    assert len(after[killed]["history"]) == 40


FAILING_MODES = {
    "raise": "RuntimeError: the objective crashed on purpose",
    "nan": "the objective 'loss' is nan",
    "inf": "the objective 'loss' is inf",
    # once a result has held the objective; before, it is a config error (test_end_to_end)
    "missing": "the objective 'loss' is not among the returned metrics",
}


def test_a_failing_trial_is_recorded_and_the_search_goes_on(tmp_path: Path) -> None:
    """One search meets each failing result in turn: three before any trial completed (the
    first trial among them), then one after."""
    modes = ["raise", "nan", "inf", "ok", "missing"]
    config = tmp_path / "modes.yaml"
    config.write_text(
        f"""\
name: modes
objective_function: "faulty:by_mode"
search_space:
  mode: {{type: choice, values: [{", ".join(modes)}]}}
strategy: {{name: grid, objective: loss, max_consecutive_failures: 10}}
""",
        encoding="utf-8",
    )
    output = tmp_path / "results"
    result = run(config, output, tmp_path)
    assert result.returncode == 0, result.stderr
    found = records(output / "modes")
    assert [found[i]["hyperparameters"]["mode"] for i in sorted(found)] == modes
    assert found[modes.index("ok") + 1]["status"] == "completed"
    for mode, message in FAILING_MODES.items():
        failed = found[modes.index(mode) + 1]
        assert failed["status"] == "failed", mode
        assert message in failed["error"]["message"]
        assert "Traceback" in failed["error"]["traceback"]
        assert message in result.stdout + result.stderr


def test_too_many_failures_in_a_row_stop_the_search_with_exit_1(
    tmp_path: Path, monkeypatch
) -> None:
    config = tmp_path / "fails.yaml"
    config.write_text(objective_config("always_fails", 20), encoding="utf-8")
    output = tmp_path / "results"
    result = search_here(config, output, tmp_path, monkeypatch)
    assert result.returncode == 1
    assert "3 trials failed in a row" in result.stderr
    assert "nothing works" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(records(output / "faults")) == 3


def test_max_consecutive_failures_is_configurable(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "fails.yaml"
    config.write_text(
        objective_config("always_fails", 20, extra="  max_consecutive_failures: 5\n"),
        encoding="utf-8",
    )
    result = search_here(config, tmp_path / "results", tmp_path, monkeypatch)
    assert result.returncode == 1
    assert "5 trials failed in a row" in result.stderr
    assert len(records(tmp_path / "results" / "faults")) == 5


def test_successes_between_failures_keep_the_search_going(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "some.yaml"
    config.write_text(objective_config("fails_above_half", 12), encoding="utf-8")
    result = search_here(config, tmp_path / "results", tmp_path, monkeypatch)
    found = records(tmp_path / "results" / "faults")
    statuses = [found[i]["status"] for i in sorted(found)]
    assert "failed" in statuses and "completed" in statuses
    run_of_failures = max(len(run) for run in "".join(s[0] for s in statuses).split("c"))
    if run_of_failures < 3:
        assert result.returncode == 0, result.stderr
        assert len(found) == 12
    else:
        assert result.returncode == 1


def test_max_retries_runs_a_failed_trial_again(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "flaky.yaml"
    config.write_text(objective_config("flaky", 3, extra="  max_retries: 1\n"), encoding="utf-8")
    result = search_here(config, tmp_path / "results", tmp_path, monkeypatch)
    assert result.returncode == 0, result.stderr
    found = records(tmp_path / "results" / "faults")
    assert sorted(found) == [1, 2, 3]
    for record in found.values():
        assert record["status"] == "completed"
        assert record["attempt"] == 2
        assert record["error"] is None


def test_without_retries_a_flaky_trial_stays_failed(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "flaky.yaml"
    config.write_text(objective_config("flaky", 2), encoding="utf-8")
    result = search_here(config, tmp_path / "results", tmp_path, monkeypatch)
    found = records(tmp_path / "results" / "faults")
    assert [r["status"] for r in found.values()] == ["failed", "failed"]
    assert result.returncode == 1


def test_max_time_starts_no_trial_after_the_limit(tmp_path: Path) -> None:
    config = tmp_path / "timed.yaml"
    config.write_text(objective_config("sleepy", 100, extra="  max_time: 2s\n"), encoding="utf-8")
    began = time.monotonic()
    result = run(config, tmp_path / "results", tmp_path, KT_FAULT_SLEEP="0.4")
    elapsed = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    assert "time limit (2s) reached" in result.stdout
    found = records(tmp_path / "results" / "faults")
    assert 3 <= len(found) <= 7
    assert {r["status"] for r in found.values()} == {"completed"}
    assert elapsed < 30
    again = run(config, tmp_path / "results", tmp_path, KT_FAULT_SLEEP="0.4")
    assert again.returncode == 0
    assert len(records(tmp_path / "results" / "faults")) > len(found)


def test_ctrl_c_once_finishes_the_running_trial_then_stops(tmp_path: Path) -> None:
    config = tmp_path / "sig.yaml"
    config.write_text(objective_config("sleepy", 20), encoding="utf-8")
    output = tmp_path / "results"
    study = output / "faults"
    process = start(config, output, tmp_path, KT_FAULT_SLEEP="1.5")
    wait_for(lambda: running_ids(study))
    (current,) = running_ids(study)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "finishing the running ones" in err
    assert "rerun the same command to resume" in err
    found = records(study)
    assert max(found) == current, "a new trial started after Ctrl-C"
    assert found[current]["status"] == "completed"

    result = run(config, output, tmp_path, "--max-trials", str(current + 1), KT_FAULT_SLEEP="0")
    assert result.returncode == 0, result.stderr
    assert [r["status"] for r in records(study).values()] == ["completed"] * (current + 1)


def test_ctrl_c_during_the_last_trial_reports_a_complete_study(tmp_path: Path) -> None:
    config = tmp_path / "sig.yaml"
    config.write_text(objective_config("sleepy", 1), encoding="utf-8")
    study = tmp_path / "results" / "faults"
    process = start(config, tmp_path / "results", tmp_path, KT_FAULT_SLEEP="1.5")
    wait_for(lambda: running_ids(study))
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "max_trials reached" in out and "rerun the same command" not in err
    assert [r["status"] for r in records(study).values()] == ["completed"]


@pytest.mark.parametrize("more", [[], ["--workers", "0"]], ids=["worker", "in process"])
def test_ctrl_c_twice_stops_now_and_the_trial_runs_again_on_resume(tmp_path: Path, more) -> None:
    """In process, the second Ctrl-C reaches the trial itself: it must stop the search, where a
    KeyboardInterrupt of the objective's own fails only its trial."""
    config = tmp_path / "sig.yaml"
    config.write_text(objective_config("sleepy", 3), encoding="utf-8")
    output = tmp_path / "results"
    study = output / "faults"
    process = start(config, output, tmp_path, *more, KT_FAULT_SLEEP="30")
    wait_for(lambda: running_ids(study))
    (current,) = running_ids(study)
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err and "resume" in err
    interrupted = records(study)[current]
    assert interrupted["status"] == "interrupted"

    result = run(config, output, tmp_path, KT_FAULT_SLEEP="0")
    assert result.returncode == 0, result.stderr
    assert f"Resuming: trial {current}, left unfinished, runs again." in result.stdout
    found = records(study)
    assert sorted(found) == [1, 2, 3]
    assert found[current]["status"] == "completed"
    assert found[current]["hyperparameters"] == interrupted["hyperparameters"]


@pytest.mark.parametrize("presses", [2, 5])
def test_ctrl_c_twice_stops_a_busy_worker_at_once_however_often_pressed(
    tmp_path: Path, request: pytest.FixtureRequest, presses: int
) -> None:
    """A "stop now" with a worker in the middle of a trial: the worker used to be asked to
    finish its running task first, which took Dask's 4 s grace before it was killed; a user
    pressing Ctrl-C again meanwhile interrupted the cluster's close, so Dask's exit hook
    closed it once more, printed its traceback, and left the scratch folder behind."""
    config = tmp_path / "sig.yaml"
    config.write_text(objective_config("sleepy", 3), encoding="utf-8")
    output = tmp_path / "results"
    # short, for the forkserver's socket (107 characters; tmp_path under xdist is long)
    scratch = Path(tempfile.mkdtemp(prefix="kt2-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(scratch, ignore_errors=True))
    process = start(config, output, tmp_path, KT_FAULT_SLEEP="60", TMPDIR=str(scratch))
    wait_for(lambda: running_ids(output / "faults"))
    time.sleep(1.0)  # the worker is inside the trial
    for _ in range(presses):
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.3)
    last = time.monotonic() - 0.3
    out, err = communicate_or_dump(process, timeout=30)
    # a press after kt-run has put Python's own handler back ends it by SIGINT: 130 in a shell
    assert process.returncode in (130, -signal.SIGINT), err
    assert time.monotonic() - last < 2.5, "the running trial's worker was waited for"
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert [r["status"] for r in records(output / "faults").values()] == ["interrupted"]
    assert not list(scratch.glob("kt-run-dask-*"))


@pytest.mark.parametrize("more", [[], ["--workers", "0"]], ids=["worker", "in process"])
def test_sigterm_marks_the_running_trial_interrupted(tmp_path: Path, more) -> None:
    config = tmp_path / "term.yaml"
    config.write_text(objective_config("sleepy", 3), encoding="utf-8")
    output = tmp_path / "results"
    process = start(config, output, tmp_path, *more, KT_FAULT_SLEEP="30")
    wait_for(lambda: running_ids(output / "faults"))
    process.terminate()
    out, err = process.communicate(timeout=20)
    assert process.returncode == 143, err
    assert [r["status"] for r in records(output / "faults").values()] == ["interrupted"]


def test_a_closed_terminal_stops_the_search_as_sigterm_does(tmp_path: Path) -> None:
    """Closing the terminal (or losing the ssh connection) sends SIGHUP: the search died on
    the spot and left its running trials ``running``. It stops as for SIGTERM (exit 129);
    under ``nohup``, which ignores SIGHUP, it runs on."""
    config = tmp_path / "hup.yaml"
    config.write_text(objective_config("sleepy", 2), encoding="utf-8")
    output = tmp_path / "results"
    process = start(config, output, tmp_path, KT_FAULT_SLEEP="30")
    wait_for(lambda: running_ids(output / "faults"))
    os.killpg(process.pid, signal.SIGHUP)  # as a terminal sends it: to the whole group
    out, err = communicate_or_dump(process, timeout=20)
    assert process.returncode == 129, err
    assert [r["status"] for r in records(output / "faults").values()] == ["interrupted"]
    assert "Traceback" not in err

    kept = subprocess.Popen(
        ["nohup", *command(config, output)],
        env=env(tmp_path, KT_FAULT_SLEEP="2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    wait_for(lambda: running_ids(output / "faults"))
    kept.send_signal(signal.SIGHUP)
    out, err = communicate_or_dump(kept, timeout=60)
    assert kept.returncode == 0, err
    assert [r["status"] for r in records(output / "faults").values()] == ["completed"] * 2


@pytest.mark.parametrize(
    "send, code",
    [
        (subprocess.Popen.terminate, 143),
        (lambda p: p.send_signal(signal.SIGINT), 130),
        (lambda p: os.killpg(p.pid, signal.SIGINT), 130),
    ],
    ids=["SIGTERM", "SIGINT", "Ctrl-C in a terminal"],
)
def test_a_signal_while_the_search_starts_stops_it_with_a_line(tmp_path: Path, send, code) -> None:
    """Before the first trial (its worker still importing the objective) nothing is left to
    finish: the search stops at once and says so, where SIGTERM used to end it silently."""
    config = tmp_path / "early.yaml"
    config.write_text(objective_config("sleepy", 3), encoding="utf-8")
    output = tmp_path / "results"
    process = start(config, output, tmp_path, KT_FAULT_IMPORT_SLEEP="60", PYTHONFAULTHANDLER="1")
    assert process.stdout is not None
    assert "starting 1 worker" in process.stdout.readline()
    time.sleep(0.5)  # the worker is on its way
    send(process)
    out, err = communicate_or_dump(process, timeout=60)
    # or ended by that signal after the line, which a shell reports as the same code (about one
    # SIGINT run in 15): a KeyboardInterrupt that passes through an exec() of source text (the
    # dataclasses of an import) sets CPython's "unhandled" flag even when it is caught later,
    # and the interpreter then ends by killing itself with SIGINT (strace: kill(self, SIGINT))
    assert process.returncode in (code, -(code - 128)), err
    assert "Traceback" not in err
    assert "interrupted before any trial started" in err and "to resume the study" in err
    # a notebook's run_search hint is for Python: the command line says to rerun the command
    assert "rerun the same command to resume the study" in err and "run_search" not in err
    assert not (output / "faults").exists()


@pytest.mark.parametrize("more", [[], ["--workers", "0"]], ids=["worker", "in process"])
def test_a_pre_search_check_that_hangs_ends_at_max_trial_time(tmp_path: Path, more) -> None:
    """The check imports the objective's module (for Keras: loads the data, builds the model)
    as a first trial would; a module or loader that never returns hung the search for ever,
    though ``max_trial_time`` promises to end "a loader that never returns"."""
    config = tmp_path / "hangs.yaml"
    extra = "  max_trial_time: 4s\n"
    config.write_text(objective_config("sleepy", 3, extra=extra), encoding="utf-8")
    output = tmp_path / "results"
    started = time.monotonic()
    process = start(config, output, tmp_path, *more, KT_FAULT_IMPORT_SLEEP="600")
    out, err = communicate_or_dump(process, timeout=90)
    assert process.returncode == 1, err
    assert time.monotonic() - started < 60
    assert "the pre-search check" in err and "max_trial_time (4 s)" in err, err
    assert "Traceback" not in err
    assert not output.exists()


def test_a_stopped_workers_temporary_files_go_with_the_search(tmp_path: Path, request) -> None:
    """A worker stopped mid-trial (here at ``max_trial_time``; also a second Ctrl-C, a
    memory limit) leaves what its trial had made through ``tempfile``: Keras' half-saved
    ``model.keras`` folders stayed in the temporary directory for good, with names kt-run
    cannot tell from anyone's. Local workers make them in the search's own scratch folder."""
    config = tmp_path / "hangs.yaml"
    extra = "  max_trial_time: 2s\n"
    config.write_text(
        objective_config("hangs_in_a_temporary_folder", 1, extra=extra), encoding="utf-8"
    )
    scratch = Path(tempfile.mkdtemp(prefix="kttmp-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(scratch, ignore_errors=True))
    result = run(config, tmp_path / "results", tmp_path, TMPDIR=str(scratch))
    assert result.returncode == 1, result.stderr
    (record,) = records(tmp_path / "results" / "faults").values()
    assert "ran longer than max_trial_time" in record["error"]["message"]
    assert sorted(p.name for p in scratch.iterdir()) == []


def test_a_killed_searchs_temporary_folders_go_with_the_next_search(tmp_path, request) -> None:
    """kill -9 left a ``pymp-*`` folder (multiprocessing's, for the socket local workers fork
    from) in the temporary directory at every kill, which nothing could tell from another
    program's. The search makes that folder itself, locked while its process lives, so the
    next search removes it with the scratch folder; folders it did not make stay."""
    config = tmp_path / "kill.yaml"
    config.write_text(objective_config("sleepy", 2), encoding="utf-8")
    output = tmp_path / "results"
    scratch = Path(tempfile.mkdtemp(prefix="kt9-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(scratch, ignore_errors=True))
    theirs = [scratch / "pymp-someones", scratch / "kt-run-mp-unlocked", scratch / "kt-run-x"]
    for folder in theirs:
        folder.mkdir()
        (folder / "kt-run.lock.new").write_text("")
    process = start(config, output, tmp_path, TMPDIR=str(scratch), KT_FAULT_SLEEP="60")
    try:
        wait_for(lambda: running_ids(output / "faults"), timeout=120)
    finally:
        process.kill()
        process.communicate()
    assert set(scratch.iterdir()) - set(theirs), "the killed search left nothing behind"

    result = run(config, output, tmp_path, TMPDIR=str(scratch), KT_FAULT_SLEEP="0.1")
    assert result.returncode == 0, result.stderr
    assert sorted(scratch.iterdir()) == sorted(theirs)


def test_a_second_search_on_a_running_study_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "busy.yaml"
    config.write_text(objective_config("sleepy", 3), encoding="utf-8")
    output = tmp_path / "results"
    first = start(config, output, tmp_path, KT_FAULT_SLEEP="30")
    try:
        wait_for(lambda: running_ids(output / "faults"))
        second = run(config, output, tmp_path, KT_FAULT_SLEEP="0")
    finally:
        first.kill()
        first.communicate()
    assert second.returncode == 1
    assert "in use by another kt-run search" in second.stderr
    assert f"pid {first.pid} on {socket.gethostname()}" in second.stderr
    assert "started 20" in second.stderr
    assert "Traceback" not in second.stderr
    assert [r["status"] for r in records(output / "faults").values()] == ["running"]

    third = run(config, output, tmp_path, KT_FAULT_SLEEP="0")
    assert third.returncode == 0, third.stderr
    assert f"taking over the study from a search that did not finish (pid {first.pid}" in (
        third.stderr
    )
    assert "no longer running" in third.stderr
    assert [r["status"] for r in records(output / "faults").values()] == ["completed"] * 3


def test_a_forked_child_does_not_keep_the_lock_after_its_parent_is_killed(tmp_path: Path) -> None:
    """Worker processes forked by the driver must not hold the study after a kill -9."""
    script = f"""
import os, signal, time
from tuner_cli.search.lock import StudyLock
StudyLock({str(tmp_path / "study")!r}).acquire()
child = os.fork()
if child == 0:
    devnull = os.open(os.devnull, os.O_RDWR)  # let the test's pipe close when the parent dies
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    time.sleep(30)
    os._exit(0)
print(child, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
    parent = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    child = int(parent.stdout.split()[0])
    try:
        os.kill(child, 0)
        from tuner_cli.search.lock import StudyLock

        lock = StudyLock(tmp_path / "study").acquire()
        assert lock.previous is not None and lock.previous.pid != os.getpid()
        lock.release()
    finally:
        os.kill(child, signal.SIGKILL)


def test_a_changed_config_is_refused_with_a_diff(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "study.yaml"
    config.write_text(objective_config("slow", 2), encoding="utf-8")
    output = tmp_path / "results"
    assert search_here(config, output, tmp_path, monkeypatch).returncode == 0
    before = snapshot(output)

    config.write_text(
        objective_config("slow", 2).replace("max: 1.0}\n  y", "max: 2.0}\n  y"), encoding="utf-8"
    )
    result = search_here(config, output, tmp_path, monkeypatch)
    assert result.returncode == 2
    assert "was run with a different config" in result.stderr
    assert "search_space.x.max: 1.0 -> 2.0" in result.stderr
    assert "--overwrite" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(output) == before

    config.write_text(objective_config("fails_above_half", 2), encoding="utf-8")
    result = search_here(config, output, tmp_path, monkeypatch)
    assert result.returncode == 2
    assert "objective_function: faulty:slow -> faulty:fails_above_half" in result.stderr

    result = search_here(config, output, tmp_path, monkeypatch, "--overwrite")
    assert result.returncode in (0, 1)
    assert "fails_above_half" in (output / "faults" / "config.yaml").read_text()


def test_a_larger_max_trials_resumes_the_study(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "study.yaml"
    config.write_text(objective_config("slow", 2), encoding="utf-8")
    output = tmp_path / "results"
    assert search_here(config, output, tmp_path, monkeypatch).returncode == 0
    first = records(output / "faults")
    config.write_text(objective_config("slow", 4), encoding="utf-8")
    result = search_here(config, output, tmp_path, monkeypatch)
    assert result.returncode == 0, result.stderr
    assert "Resuming: 2 finished trials kept" in result.stdout
    now = records(output / "faults")
    assert sorted(now) == [1, 2, 3, 4]
    assert all(now[i] == first[i] for i in (1, 2))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_an_output_folder_that_cannot_exist_gives_a_clear_error(
    tmp_path: Path, monkeypatch
) -> None:
    """As root, permissions do not stop a write; a path under a regular file (ENOTDIR) does."""
    config = tmp_path / "study.yaml"
    config.write_text(objective_config("slow", 2), encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = search_here(config, blocker / "results", tmp_path, monkeypatch)
    assert result.returncode == 2
    assert "cannot write the results directory" in result.stderr
    assert "Not a directory" in result.stderr
    assert "Traceback" not in result.stderr
    assert blocker.read_text() == "not a folder"


def test_a_full_disk_stops_the_search_and_keeps_the_records(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes writes past a size fail with EFBIG, as a full disk fails them
    with ENOSPC, and it works as root in any container (mounting a small tmpfs may not)."""
    config = tmp_path / "study.yaml"
    config.write_text(objective_config("slow", 3), encoding="utf-8")
    output = tmp_path / "results"
    assert run(config, output, tmp_path).returncode == 0
    before = snapshot(output / "faults" / "trials")

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (250, 250))

    result = subprocess.run(
        command(config, output, "--max-trials", "6"),
        env=env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_file_size,
    )
    assert result.returncode == 1, result.stderr
    assert "cannot write trial 4" in result.stderr
    assert "File too large" in result.stderr
    assert "Traceback" not in result.stderr
    after = snapshot(output / "faults" / "trials")
    assert {k: v for k, v in after.items() if k in before} == before
    assert not [p for p in (output / "faults").rglob("*.tmp")]
    for name in after:
        json.loads(after[name])

    resumed = run(config, output, tmp_path, "--max-trials", "6")
    assert resumed.returncode == 0, resumed.stderr
    assert [r["status"] for r in records(output / "faults").values()] == ["completed"] * 6


def test_corrupt_and_foreign_trial_files_are_reported_and_skipped(
    tmp_path: Path, monkeypatch
) -> None:
    config = tmp_path / "study.yaml"
    config.write_text(objective_config("slow", 2), encoding="utf-8")
    output = tmp_path / "results"
    assert search_here(config, output, tmp_path, monkeypatch).returncode == 0
    trials = output / "faults" / "trials"
    (trials / "trial_0090.json").write_text('{"id": 90, "status": "compl')
    (trials / "trial_0091.json").write_text("[1, 2, 3]")
    (trials / "trial_0092.json").write_bytes(b"\xff\xfe\x00garbage")
    (trials / "trial_0093.json").write_text(json.dumps({"id": 7, "status": "completed"}))
    (trials / "notes.txt").write_text("a person's notes")
    result = search_here(config, output, tmp_path, monkeypatch, "--max-trials", "3")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for name in ("trial_0090.json", "trial_0091.json", "trial_0092.json", "trial_0093.json"):
        assert f"warning: skipped {name}" in result.stderr
    assert (trials / "notes.txt").read_text() == "a person's notes"
    assert json.loads((trials / "trial_0003.json").read_text())["status"] == "completed"


def test_a_study_name_cannot_leave_the_output_folder(tmp_path: Path, monkeypatch) -> None:
    output = tmp_path / "deep" / "results"
    for name in ("../escape", "/tmp/kt-run-escape", "a/b", "..", ".hidden", "x\ny", "ä"):
        config = tmp_path / "name.yaml"
        config.write_text(objective_config("slow", 1, name=json.dumps(name)), encoding="utf-8")
        result = search_here(config, output, tmp_path, monkeypatch)
        assert result.returncode == 2, name
        assert "not a safe study name" in result.stderr
    assert not output.exists()
    assert not (tmp_path / "deep" / "escape").exists()
    assert not Path("/tmp/kt-run-escape").exists()


@pytest.mark.slow
@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_that_is_not_a_study_is_never_written_or_deleted(tmp_path, overwrite, monkeypatch):
    config = tmp_path / "h.yaml"
    config.write_text(objective_config("slow", 2, name="h"), encoding="utf-8")
    output = tmp_path / "out"
    (output / "h").mkdir(parents=True)
    (output / "h" / "config.yaml").write_text("the user's own config")
    (output / "h" / "notes.txt").write_text("the user's notes")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data.txt").write_text("precious")
    (output / "linked").symlink_to(elsewhere)
    linked = tmp_path / "linked.yaml"
    linked.write_text(objective_config("slow", 2, name="linked"), encoding="utf-8")
    before = snapshot(tmp_path)
    flags = ["--overwrite"] if overwrite else []
    for path, message in ((config, "is not a kt-run study"), (linked, "is a symbolic link")):
        result = search_here(path, output, tmp_path, monkeypatch, *flags)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_overwrite_keeps_a_persons_files_in_a_study(tmp_path, monkeypatch):
    config = tmp_path / "study.yaml"
    config.write_text(objective_config("slow", 2), encoding="utf-8")
    output = tmp_path / "results"
    assert search_here(config, output, tmp_path, monkeypatch).returncode == 0
    (output / "faults" / "analysis.ipynb").write_text("a person's notebook")
    before = snapshot(output)
    result = search_here(config, output, tmp_path, monkeypatch, "--overwrite")
    assert result.returncode == 2
    assert "also holds analysis.ipynb" in result.stderr
    assert snapshot(output) == before


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs: a real ENOSPC. Needs root (or CAP_SYS_ADMIN); skipped elsewhere."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)])
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk up to ``leave`` free bytes."""
    stats = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\0" * max(stats.f_bavail * stats.f_frsize - leave, 0))
    return filler


@pytest.mark.slow
def test_a_full_disk_leaves_no_running_record_and_no_half_made_study(small_disk, tmp_path):
    config = tmp_path / "study.yaml"
    config.write_text(objective_config("many_metrics", 4), encoding="utf-8")
    output = small_disk / "results"
    filler = fill(small_disk, 0)
    result = run(config, output, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (output / "faults").exists(), "a study that could not be made was left behind"

    filler.unlink()
    assert run(config, output, tmp_path, "--max-trials", "1").returncode == 0
    filler = fill(small_disk, 16 * 1024)
    result = run(config, output, tmp_path, "--max-trials", "3")
    assert result.returncode == 1, result.stderr
    assert "cannot write trial 2" in result.stderr
    assert "Traceback" not in result.stderr
    found = records(output / "faults")
    # trial 2's small running record marked interrupted, or removed where even that failed
    statuses = [r["status"] for r in found.values()]
    assert statuses in (["completed"], ["completed", "interrupted"])
    assert not [p for p in (output / "faults").rglob("*.tmp")]

    filler.unlink()
    resumed = run(config, output, tmp_path, "--max-trials", "3")
    assert resumed.returncode == 0, resumed.stderr
    assert [r["status"] for r in records(output / "faults").values()] == ["completed"] * 3


@pytest.mark.slow
def test_a_model_a_full_disk_refuses_leaves_no_running_record(small_disk, tmp_path, monkeypatch):
    """The trial trained, its record fits on the disk, its model does not: the search stops
    (exit 1) and the trial is marked interrupted (or its record removed), never left
    ``running`` as if a search still trained it; a rerun with space trains it again."""
    config = tmp_path / "keras.yaml"
    config.write_text(
        keras_fault_config(name="keras-disk")
        .replace("[ok, raise, nan]", "[ok]")
        .replace("max: 8, step: 4", "max: 12, step: 4")
        + "models: all\n",
        encoding="utf-8",
    )
    output = small_disk / "results"
    study = output / "keras-disk"
    first = search_here(config, output, tmp_path, monkeypatch, "--max-trials", "1")
    assert first.returncode == 0, first.stderr
    model_size = (study / "models" / "trial_0001.keras").stat().st_size
    filler = fill(small_disk, model_size // 2)
    full = search_here(config, output, tmp_path, monkeypatch, "--max-trials", "2")
    assert full.returncode == 1, full.stderr
    assert "cannot save the model of trial 2" in full.stderr
    found = records(study)
    assert found[1]["status"] == "completed"
    assert [r["status"] for r in found.values() if r["id"] != 1] in ([], ["interrupted"])

    filler.unlink()
    resumed = search_here(config, output, tmp_path, monkeypatch, "--max-trials", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert [r["status"] for r in records(study).values()] == ["completed"] * 2
    assert (study / "models" / "trial_0002.keras").is_file()


@pytest.mark.slow
def test_damaged_records_skipped_on_resume_still_count_toward_max_trials(tmp_path, monkeypatch):
    config = tmp_path / "study.yaml"
    config.write_text(objective_config("slow", 5), encoding="utf-8")
    output = tmp_path / "results"
    assert search_here(config, output, tmp_path, monkeypatch).returncode == 0
    trials = output / "faults" / "trials"
    as_text = json.loads((trials / "trial_0002.json").read_text())
    as_text["score"] = str(as_text["score"])
    (trials / "trial_0002.json").write_text(json.dumps(as_text))
    (trials / "trial_0005.json").write_text("[1, 2, 3]")
    damaged = snapshot(trials)
    result = search_here(config, output, tmp_path, monkeypatch, "--max-trials", "6")
    assert result.returncode == 0, result.stderr
    assert "warning: skipped trial_0002.json: field 'score' must be a number" in result.stderr
    assert "warning: skipped trial_0005.json" in result.stderr
    assert "trial 6/6 started" in result.stdout
    assert "trial 7" not in result.stdout
    assert sorted(records_without(trials, {2, 5})) == [1, 3, 4, 6]
    after = snapshot(trials)
    for name in ("trial_0002.json", "trial_0005.json"):
        assert after[name] == damaged[name], f"{name} was overwritten"


def records_without(trials: Path, damaged: set[int]) -> dict[int, dict]:
    return {
        int(p.name[6:10]): json.loads(p.read_text())
        for p in trials.glob("trial_*.json")
        if int(p.name[6:10]) not in damaged
    }


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_keyboard_interrupt_raised_by_user_code_fails_only_its_trial(tmp_path, workers):
    """With --workers 0 it used to stop the search as Ctrl-C does."""
    config = tmp_path / "ki.yaml"
    config.write_text(
        objective_config("interrupts", 4, extra="  max_consecutive_failures: 10\n"),
        encoding="utf-8",
    )
    output = tmp_path / "results"
    result = run(config, output, tmp_path, "--workers", workers)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "worker process died" not in result.stdout + result.stderr
    found = records(output / "faults")
    assert len(found) == 4
    failed = [r for r in found.values() if r["status"] == "failed"]
    assert failed, "no trial had x > 0.2"
    for record in failed:
        assert record["error"]["message"] == "KeyboardInterrupt: the objective gave up"
        assert "faulty.py" in record["error"]["traceback"]
    assert (result.stdout + result.stderr).count("KeyboardInterrupt: the objective gave up") >= len(
        failed
    )


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["0", "1"])
def test_sys_exit_or_a_base_exception_in_the_objective_fails_only_its_trial(tmp_path, workers):
    """With --workers 0, sys.exit(0) ended the search with exit code 0 and trials left to run,
    sys.exit(3) with code 3, and a BaseException of user code with a traceback."""
    config = tmp_path / "exits.yaml"
    config.write_text(
        objective_config("exits", 8, extra="  max_consecutive_failures: 100\n"),
        encoding="utf-8",
    )
    output = tmp_path / "results"
    result = run(config, output, tmp_path, "--workers", workers)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    found = records(output / "faults")
    assert len(found) == 8
    messages = {r["error"]["message"] for r in found.values() if r["status"] == "failed"}
    assert messages == {"SystemExit: 0", "SystemExit: 3", "GaveUp: the objective unwound"}
    assert all(r["status"] in ("completed", "failed") for r in found.values())


def test_a_trial_out_of_memory_in_this_process_says_so_and_what_helps(tmp_path, monkeypatch):
    """With --workers 0 the record and the search log said "MemoryError" alone."""
    config = tmp_path / "memory.yaml"
    config.write_text(
        objective_config("runs_out_of_memory", 6, extra="  max_consecutive_failures: 100\n"),
        encoding="utf-8",
    )
    result = search_here(config, tmp_path / "results", tmp_path, monkeypatch)
    assert result.returncode == 0, result.stderr
    failed = [r for r in records(tmp_path / "results" / "faults").values() if r["error"]]
    assert failed, "no trial had x > 0.5"
    message = (
        "out of memory (MemoryError): the trial's process could not allocate what it asked "
        "for; a smaller model or batch size needs less"
    )
    assert {r["error"]["message"] for r in failed} == {message}
    assert f"failed: {message}" in result.stderr


@pytest.mark.slow
def test_a_thread_the_objective_leaves_running_does_not_keep_the_search_from_ending(tmp_path):
    """With --workers 0 the finished search waited forever for the objective's thread."""
    config = tmp_path / "thread.yaml"
    config.write_text(objective_config("leaves_a_thread", 3), encoding="utf-8")
    output = tmp_path / "results"
    result = run(config, output, tmp_path, "--workers", "0", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "still running after 10 s (objective-poller)" in result.stderr
    found = records(output / "faults")
    assert [r["status"] for r in found.values()] == ["completed"] * 3


@pytest.mark.slow
def test_a_second_search_is_refused_before_its_pre_search_check(tmp_path):
    """The objective's module marks each import: the refused search must not have run one."""
    (tmp_path / "marking.py").write_text(
        "import os, pathlib, time\n"
        "with open(pathlib.Path(os.environ['KT_FAULT_DIR']) / 'imports', 'a') as f:\n"
        "    f.write(os.environ['MARK'] + '\\n')\n"
        "def sleepy(hp, budget):\n"
        "    time.sleep(30)\n"
        "    return {'loss': hp['x']}\n"
    )
    config = tmp_path / "busy.yaml"
    config.write_text(objective_config("sleepy", 3).replace("faulty:", "marking:"))
    output = tmp_path / "results"
    first = start(config, output, tmp_path, MARK="first")
    try:
        wait_for(lambda: running_ids(output / "faults"))
        began = time.monotonic()
        second = run(config, output, tmp_path, MARK="second")
        took = time.monotonic() - began
    finally:
        first.kill()
        first.communicate()
    assert second.returncode == 1
    assert "in use by another kt-run search" in second.stderr
    assert "second" not in (tmp_path / "imports").read_text()
    assert took < 30


KILL_AT = """\
import os, signal, sys
sys.path.insert(0, os.environ["KT_REPO"])
from tuner_cli.results.store import StudyStore
from tuner_cli.cli.app import main

point = os.environ["KT_KILL_AT"]
write_trial, keep_only_model = StudyStore.write_trial, StudyStore.keep_only_model


def killing_write_trial(self, record):
    new_best = record.id > 1 and self.model_path(record.id).is_file()
    if point == "before-record" and record.status.value == "completed" and new_best:
        os.kill(os.getpid(), signal.SIGKILL)
    write_trial(self, record)


def killing_keep_only_model(self, trial_id):
    if point == "before-cleanup" and trial_id > 1:
        os.kill(os.getpid(), signal.SIGKILL)
    keep_only_model(self, trial_id)


if __name__ == "__main__":  # worker processes re-import this file; only the driver runs it
    StudyStore.write_trial = killing_write_trial
    StudyStore.keep_only_model = killing_keep_only_model
    sys.argv = ["kt-run", *sys.argv[1:]]
    main()
"""

PENALISED = f"""\
name: best-model
seed: 1
data: {{source: npz, path: {SMALL_NPZ}}}
search_space:
  quality: {{type: choice, values: [bad, good]}}
model:
  builder: "builders:penalised"
training: {{epochs: 2, batch_size: 8}}
strategy: {{name: grid, objective: val_loss}}
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before-record", "before-cleanup"])
def test_kill_9_around_the_best_models_save_keeps_the_best_model(tmp_path, point, monkeypatch):
    """Trial 2 (good) becomes the best after trial 1 (bad); the driver is killed right after
    its model is saved, before its record is written or before the old model is removed."""
    config = tmp_path / "best.yaml"
    config.write_text(PENALISED, encoding="utf-8")
    (tmp_path / "kill_at.py").write_text(KILL_AT)
    output = tmp_path / "results"
    study = output / "best-model"
    killed = subprocess.run(
        [
            sys.executable,
            str(tmp_path / "kill_at.py"),
            "search",
            str(config),
            "--results",
            str(output),
            "--workers",
            "0",
        ],
        env=env(tmp_path, KT_KILL_AT=point, KT_REPO=str(HELPERS.parent.parent)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    status = records(study)[2]["status"]
    assert status == ("running" if point == "before-record" else "completed")
    best_now = [r for r in records(study).values() if r["status"] == "completed"]
    best_now.sort(key=lambda r: r["score"])
    assert (study / "models" / f"trial_{best_now[0]['id']:04d}.keras").is_file()

    resumed = search_here(config, output, tmp_path, monkeypatch)
    assert resumed.returncode == 0, resumed.stderr
    assert [r["status"] for r in records(study).values()] == ["completed", "completed"]
    exported = invoke("export", str(study), "-o", str(tmp_path / "b.keras"))
    assert exported.returncode == 0, exported.stderr
    assert "trial 2's saved model" in exported.stdout
