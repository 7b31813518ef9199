"""What ``run_search`` raises to a notebook names the Python way beside the command line's: a
notebook has no command to rerun and no ``--results`` or ``--scheduler`` to give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tuner_cli
from tests.conftest import cli_env, invoke
from tuner_cli import run_search
from tuner_cli.errors import UsageError
from tuner_cli.results.store import StoreError
from tuner_cli.search.lock import StudyLock, StudyLockedError

REPO = Path(__file__).resolve().parents[2]
CONFIG = {
    "name": "branin",
    "seed": 1,
    "objective_function": "objectives:branin",
    "search_space": {
        "x": {"type": "float", "min": -5.0, "max": 10.0},
        "y": {"type": "float", "min": 0.0, "max": 15.0},
    },
    "strategy": {"name": "random", "objective": {"name": "branin", "direction": "min"}},
}


def _search(output: Path, **options):
    study = tuner_cli.load_config_dict(CONFIG, REPO / "examples")
    return run_search(study, output, max_trials=1, workers=0, **options)


def test_a_study_in_use_says_how_a_notebook_resumes(tmp_path):
    with StudyLock(tmp_path / "branin").acquire(), pytest.raises(StudyLockedError) as refused:
        _search(tmp_path)
    assert "rerun the same command (run_search again from Python)" in str(refused.value)


def test_a_study_in_use_tells_the_command_line_to_rerun_the_command_alone(tmp_path):
    """Every message that ends a search ended "(run_search again from Python)" at a terminal
    too, where no one calls run_search."""
    import yaml

    config = tmp_path / "branin.yaml"
    config.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    (tmp_path / "objectives.py").write_text(
        (REPO / "examples" / "objectives.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with StudyLock(tmp_path / "results" / "branin").acquire():
        refused = invoke("search", str(config), "--results", str(tmp_path / "results"))
    assert refused.returncode == 1, refused.stderr
    assert "stop it (Ctrl-C) and rerun the same command to resume" in refused.stderr
    assert "run_search" not in refused.stderr


def test_a_folder_kt_run_did_not_make_names_output_beside_results(tmp_path):
    (tmp_path / "branin").mkdir()
    (tmp_path / "branin" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError) as refused:
        _search(tmp_path)
    assert "--results folder (output= from Python)" in str(refused.value)


def test_overwrite_refused_for_files_of_yours_names_overwrite_true(tmp_path):
    _search(tmp_path)
    (tmp_path / "branin" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError) as refused:
        _search(tmp_path, overwrite=True)
    assert "--overwrite (overwrite=True from Python)" in str(refused.value)


def test_resources_without_a_cluster_name_the_scheduler_argument(tmp_path):
    with pytest.raises(UsageError) as refused:
        _search(tmp_path, resources="GPU=1")
    assert "--scheduler (scheduler= from Python)" in str(refused.value)


@pytest.mark.parametrize("max_trials", [0, -1, "2", 2.5, True])
def test_max_trials_is_a_whole_number_from_1_as_the_command_line_checks_it(tmp_path, max_trials):
    """``--max-trials`` is checked by the command line, the keyword was not: 0 ran the
    config's max_trials, -1 made a study of no trials, '2' failed inside the strategy with
    "'<=' not supported between instances of 'int' and 'str'"."""
    study = tuner_cli.load_config_dict(CONFIG, REPO / "examples")
    with pytest.raises(UsageError) as refused:
        run_search(study, tmp_path, max_trials=max_trials, workers=0)
    assert str(refused.value) == (f"max_trials: must be a whole number from 1 (got {max_trials!r})")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("flag", ["overwrite", "progress"])
def test_a_flag_that_is_not_true_or_false_is_refused_before_anything_is_deleted(tmp_path, flag):
    """``overwrite="no"`` is truthy: it deleted the study it was written to keep."""
    study = tuner_cli.load_config_dict(CONFIG, REPO / "examples")
    run_search(study, tmp_path, max_trials=1, workers=0)
    with pytest.raises(UsageError) as refused:
        run_search(study, tmp_path, max_trials=2, workers=0, **{flag: "no"})
    assert str(refused.value) == f"{flag}: must be True or False (got 'no')"
    assert len(tuner_cli.read_trials(tmp_path / study.config.name)) == 1


def test_max_trials_may_be_a_numpy_integer(tmp_path):
    import numpy as np

    study = tuner_cli.load_config_dict(CONFIG, REPO / "examples")
    result = run_search(study, tmp_path, max_trials=np.int64(2), workers=0)
    assert len(result.trials) == 2


def test_a_yes_or_no_for_workers_names_the_option(tmp_path):
    """The check that ``workers: yes`` is not one worker named no key: "--: must be a number"."""
    study = tuner_cli.load_config_dict(CONFIG, REPO / "examples")
    with pytest.raises(UsageError) as refused:
        run_search(study, tmp_path, max_trials=1, workers=True)
    assert str(refused.value).startswith("--workers: must be a number, not true")


def test_a_path_given_to_load_config_dict_says_to_use_load_config():
    """It failed inside ``dict()``: "dictionary update sequence element #0 has length 1"."""
    with pytest.raises(TypeError) as refused:
        tuner_cli.load_config_dict("configs/digits.yaml")
    assert str(refused.value) == (
        "load_config_dict takes a dict of the config's keys (got 'configs/digits.yaml', of type "
        "str): a YAML file is load_config(path)"
    )
    with pytest.raises(TypeError, match="load_config_dict takes a dict of the config's keys"):
        tuner_cli.load_config_dict(None)


def test_a_dict_given_to_load_config_says_to_use_load_config_dict():
    with pytest.raises(TypeError) as refused:
        tuner_cli.load_config(CONFIG)
    assert str(refused.value) == (
        "load_config takes the path of a YAML file, not a dict: a dict of the config's keys "
        "is load_config_dict(data, base_dir)"
    )


def test_run_search_names_what_it_takes_when_given_something_else(tmp_path):
    with pytest.raises(TypeError) as refused:
        run_search(42, tmp_path)
    assert str(refused.value) == (
        "run_search takes a config as a YAML file's path, a dict of its keys or a StudyConfig "
        "(got 42, of type int)"
    )


def test_the_first_ctrl_c_in_a_notebook_finishes_the_trial_and_says_so_under_the_cell(
    tmp_path, capfd, monkeypatch
):
    """A notebook's "interrupt the kernel" is a SIGINT: the running trial finishes and
    ``run_search`` returns, ``stopped_by_signal`` set. Its line goes to file descriptor 2,
    which a Jupyter kernel shows under the cell; its ``sys.stderr.fileno()`` names the terminal
    the kernel was started from instead (a file here), where nobody would read it."""
    import signal
    import sys
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    # not a kernel's wording: another test's Jupyter client imports ipykernel in this process
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    (tmp_path / "interrupted.py").write_text(
        "import os, signal\n\n"
        "def branin(hp, budget):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return {'branin': 1.0}\n"
    )
    kernel_terminal = (tmp_path / "kernel-terminal").open("w")
    monkeypatch.setattr(sys, "stderr", kernel_terminal)
    config = {**CONFIG, "objective_function": "interrupted:branin"}
    handler = signal.getsignal(signal.SIGINT)
    result = run_search(tuner_cli.load_config_dict(config, tmp_path), tmp_path, workers=0)
    kernel_terminal.close()
    assert (len(result.trials), result.stopped_by_signal) == (1, 130)
    assert signal.getsignal(signal.SIGINT) is handler
    assert "warning: Ctrl-C: no new trials" in capfd.readouterr().err
    assert (tmp_path / "kernel-terminal").read_text() == ""


SCRIPT = """\
from tuner_cli import load_config_dict, run_search

study = load_config_dict({config!r}, base_dir={examples!r})
{call}
"""


def _script(tmp_path: Path, guarded: bool) -> subprocess.CompletedProcess[str]:
    call = f"run_search(study, {str(tmp_path / 'results')!r}, max_trials=1, workers=1)"
    if guarded:
        call = f'if __name__ == "__main__":\n    {call}'
    script = tmp_path / "search.py"
    script.write_text(SCRIPT.format(config=CONFIG, examples=str(REPO / "examples"), call=call))
    env = {**cli_env(), "PYTHONPATH": str(REPO), "TMPDIR": "/tmp"}
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.slow
def test_a_script_without_the_main_guard_is_told_to_add_it(tmp_path):
    """The README's run_search line pasted into a script: every worker process imports the
    script and runs the search again, which Dask reports as "Nanny failed to start worker
    process". The error names the script and the guard; with the guard the search runs."""
    unguarded = _script(tmp_path, guarded=False)
    assert unguarded.returncode != 0
    assert 'if __name__ == "__main__":' in unguarded.stderr, unguarded.stderr[-2000:]
    assert str(tmp_path / "search.py") in unguarded.stderr
    guarded = _script(tmp_path, guarded=True)
    assert guarded.returncode == 0, guarded.stderr[-2000:]
