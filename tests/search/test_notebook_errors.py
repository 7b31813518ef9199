"""What a Jupyter notebook shows when kt-run refuses or stops a search: the message, as the
command line prints it, not a traceback through kt-run's own frames. A real kernel runs the
cells; what each shows is read from its messages, as a notebook's front end reads them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from tests.conftest import cli_env

REPO = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")

DEFINE = """\
import time
from tuner_cli import run_search

def loss(hp, budget):
    time.sleep({sleep})
    return (hp["x"] - 1.0) ** 2

config = {{
    "name": "quad",
    "seed": 1,
    "objective_function": loss,
    "search_space": {{"x": {{"type": "float", "min": -2.0, "max": 2.0}}}},
    "strategy": {{"name": "random", "objective": {{"name": "loss", "direction": "min"}}}},
}}
"""


def _kernel_cells(cwd: Path, cells: list[str | tuple[str, list[float]]]) -> list[dict]:
    """Each cell in one fresh kernel (a cell given with times is interrupted at each, in
    seconds from its start): its status, its text and its error's traceback as shown."""
    import time
    from queue import Empty

    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(cwd), env=cli_env(PYTHONPATH=str(REPO), TMPDIR="/tmp")
    )
    shown: list[dict] = []
    try:
        for cell in cells:
            code, interrupts = cell if isinstance(cell, tuple) else (cell, [])
            interrupts = list(interrupts)
            started = time.monotonic()
            msg_id = client.execute(code)
            text, error = [], None
            while True:
                if interrupts and time.monotonic() - started > interrupts[0]:
                    manager.interrupt_kernel()
                    interrupts.pop(0)
                try:
                    message = client.get_iopub_msg(timeout=0.05)
                except Empty:
                    assert time.monotonic() - started < 120, "the cell never finished"
                    continue
                if message["parent_header"].get("msg_id") != msg_id:
                    continue
                content = message["content"]
                kind = message["msg_type"]
                if kind == "status" and content["execution_state"] == "idle":
                    break
                if kind == "stream":
                    text.append(content["text"])
                elif kind == "execute_result":
                    text.append(content["data"]["text/plain"])
                elif kind == "error":
                    error = {
                        "ename": content["ename"],
                        "traceback": ANSI.sub("", "\n".join(content["traceback"])),
                    }
            reply = client.get_shell_msg(timeout=30)
            while reply["parent_header"].get("msg_id") != msg_id:
                # A kernel slow to start answers each of the client's repeated
                # kernel_info requests; those stale replies queue before this cell's.
                reply = client.get_shell_msg(timeout=30)
            shown.append(
                {"status": reply["content"]["status"], "text": "".join(text), **(error or {})}
            )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return shown


@pytest.fixture
def kernel_cells():
    if not all(importlib.util.find_spec(name) for name in ("ipykernel", "jupyter_client")):
        pytest.skip("ipykernel and jupyter_client (the test extra) are not installed")
    return _kernel_cells


@pytest.mark.slow
def test_a_refusal_shows_its_message_not_a_traceback_through_kt_run(tmp_path, kernel_cells):
    """A changed config, a config error found where trials run and a mistyped key each showed
    30 to 100 lines of traceback through kt-run's decorators and loaders, the message at the
    bottom; the command line prints the message alone, and so does the notebook now."""
    search = 'run_search(config, "results", workers=0, max_trials={trials})'
    shown = kernel_cells(
        tmp_path,
        [
            DEFINE.format(sleep=0),
            search.format(trials=2),
            'config["search_space"]["x"]["max"] = 3.0\n' + search.format(trials=2),
            'config["strategy"]["max_trails"] = 3\n' + search.format(trials=2),
            'del config["strategy"]["max_trails"]\nconfig["name"] = "other"\n'
            "def loss(hp, budget):\n    return 1.0\n" + search.format(trials=2),
            'config["objective_function"] = loss\nconfig["name"] = "quad"\n'
            + search.format(trials=2).replace("workers=0", "workers=0, overwrite=True"),
        ],
    )
    assert [cell["status"] for cell in shown] == ["ok", "ok", "error", "error", "error", "ok"]
    changed, misspelt, redefined = shown[2:5]
    assert changed["ename"] == misspelt["ename"] == redefined["ename"] == "ConfigError"
    assert changed["traceback"].startswith(
        "ConfigError: the study in results/quad was run with a different config"
    ), changed["traceback"]
    assert "search_space.x.max: 2.0 -> 3.0" in changed["traceback"]
    assert misspelt["traceback"] == (
        "ConfigError: strategy.max_trails: unknown key 'max_trails' (did you mean 'max_trials'?)"
    )
    assert redefined["traceback"].startswith("ConfigError: objective_function: ")
    for cell in (changed, misspelt, redefined):
        assert "tuner_cli" not in cell["traceback"] and "Traceback" not in cell["traceback"]
    assert "results/quad: 2 trials (2 completed)" in shown[5]["text"], shown[5]


@pytest.mark.slow
def test_a_second_interrupt_shows_its_message_and_the_kernel_searches_again(tmp_path, kernel_cells):
    """Interrupting the kernel twice raises ``SearchInterrupted``: its line says what was kept
    and how to resume, without kt-run's frames; the next cell resumes in the same kernel."""
    search = 'run_search(config, "results", workers=0, max_trials=3)'
    shown = kernel_cells(
        tmp_path, [DEFINE.format(sleep=2), (search, [3.0, 3.1]), search.replace("=3)", "=2)")]
    )
    assert [cell["status"] for cell in shown] == ["ok", "error", "ok"], shown
    interrupted = shown[1]
    assert interrupted["ename"] == "SearchInterrupted"
    assert interrupted["traceback"].startswith(
        "SearchInterrupted: interrupted; running trials were marked 'interrupted'"
    ), interrupted["traceback"]
    assert "tuner_cli" not in interrupted["traceback"]
    assert "results/quad: 2 trials (2 completed)" in shown[2]["text"], shown[2]


KERAS_STUDY = """\
import numpy as np
from tuner_cli import run_search

rows = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")

def load():
    return rows, (rows[:, 0] > 0).astype("int64")

config = {
    "name": "tiny",
    "seed": 1,
    "data": {"source": "python", "callable": load},
    "search_space": {"units": {"type": "choice", "values": [4, 8]}},
    "model": {
        "layers": [
            {"Dense": {"units": "$units"}},
            {"Dense": {"units": 2, "activation": "softmax"}},
        ],
        "optimizer": "adam",
        "loss": "sparse_categorical_crossentropy",
        "metrics": ["accuracy"],
    },
    "training": {"epochs": 1},
    "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 1},
}
"""


@pytest.mark.slow
def test_an_interrupt_while_the_search_loads_keras_leaves_the_kernel_able_to_search(
    tmp_path, kernel_cells
):
    """The interrupt a second after the cell starts lands in the seconds-long import of Keras:
    cut there, it broke Keras in the kernel, and the next search failed with "module
    'keras.src.backend' has no attribute 'backend'" until the kernel restarted."""
    search = 'run_search(config, "results", workers=0)'
    shown = kernel_cells(tmp_path, [KERAS_STUDY, (search, [1.0]), search])
    assert [cell["status"] for cell in shown] == ["ok", "error", "ok"], shown
    assert shown[1]["ename"] == "SearchInterrupted", shown[1]
    assert "results/tiny: 1 trial (1 completed)" in shown[2]["text"], shown[2]
