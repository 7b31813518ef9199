"""A notebook's or a piped script's own functions, run by worker processes.

Worker processes have their own ``__main__``: the search sends the functions a config names
as ``"__main__:NAME"`` (or passes as objects) to them by value. These run real Python
processes: a script fed on standard input (``python - <<EOF``) and a Jupyter kernel.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli, run_piped

REPO = Path(__file__).resolve().parents[2]


PIPED_WITH_A_MODULE = f"""\
from tuner_cli import load_config_dict, run_search

study = load_config_dict(
    {{
        "name": "branin",
        "seed": 1,
        "objective_function": "objectives:branin",
        "search_space": {{
            "x": {{"type": "float", "min": -5.0, "max": 10.0}},
            "y": {{"type": "float", "min": 0.0, "max": 15.0}},
        }},
        "strategy": {{"name": "random", "objective": {{"name": "branin", "direction": "min"}}}},
    }},
    base_dir={str(REPO / "examples")!r},
)
print(run_search(study, "results", max_trials=2, workers=1))
"""


@pytest.mark.slow
def test_a_script_on_standard_input_starts_local_workers(tmp_path):
    """Each worker tried to run the main script again, ``<stdin>``, which is no file: the
    search failed with "Nanny failed to start worker process" and a traceback."""
    piped = run_piped(PIPED_WITH_A_MODULE, tmp_path)
    assert piped.returncode == 0, piped.stderr[-3000:]
    assert "2 trials (2 completed)" in piped.stdout


PIPED_NOTEBOOK = """\
import numpy as np
from sklearn.datasets import load_iris

import helpers  # a module beside the script: it travels by name, imported in the workers
from tuner_cli import load_config_dict, run_search

X, Y = load_iris(return_X_y=True)  # a global the loader uses: it travels with it


def load():
    return X.astype("float32"), Y


def hidden(hp):  # another function of this script, called by the builder
    import keras

    return keras.layers.Dense(hp.Choice("units", helpers.UNITS), activation="relu")


def build_model(hp):
    import keras

    model = keras.Sequential([keras.Input((4,)), hidden(hp), keras.layers.Dense(3, "softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def branin(hp, budget):
    return {"loss": (hp["x"] - 1.0) ** 2}


keras_study = {
    "name": "iris",
    "seed": 2,
    "data": {"source": "python", "callable": load, "scale": "standard"},
    "model": {"builder": build_model},
    "training": {"epochs": 1, "batch_size": 32},
    "strategy": {"name": "random", "objective": "val_accuracy"},
}
objective_study = {
    "name": "f",
    "seed": 2,
    "objective_function": "__main__:branin",
    "search_space": {"x": {"type": "float", "min": 0.0, "max": 2.0}},
    "strategy": {"name": "random", "objective": {"name": "loss", "direction": "min"}},
}
for config, trials in ((keras_study, 2), (objective_study, 3)):
    first = run_search(load_config_dict(config), "results", max_trials=trials - 1, workers=1)
    again = run_search(load_config_dict(config), "results", max_trials=trials, workers=1)
    print(again, [t.status.value for t in again.trials], [t.error for t in again.trials])
"""


@pytest.mark.slow
def test_a_piped_scripts_own_builder_loader_and_objective_run_in_worker_processes(tmp_path):
    """What a notebook defines reaches the workers by value, with the globals and the other
    functions it uses; a second call resumes; ``kt-run`` then says where the function is."""
    (tmp_path / "helpers.py").write_text("UNITS = [4, 8]\n")
    piped = run_piped(PIPED_NOTEBOOK, tmp_path)
    assert piped.returncode == 0, piped.stderr[-3000:]
    lines = piped.stdout.splitlines()
    assert "<SearchResult results/iris: 2 trials (2 completed)" in lines[0], piped.stdout
    assert "<SearchResult results/f: 3 trials (3 completed)" in lines[1], piped.stdout
    config = (tmp_path / "results" / "iris" / "config.yaml").read_text()
    assert "callable: __main__:load" in config and "builder: __main__:build_model" in config
    search = ["search", "results/iris/config.yaml", "--max-trials", "3"]
    export = ["export", "iris", "--retrain", "-o", "iris.keras"]
    for command in (search, export):
        refused = run_cli(*command, cwd=tmp_path)
        assert refused.returncode == 2, refused.stderr
        assert "module '__main__' has no 'load'" in refused.stderr, refused.stderr
        assert "move the function into a module beside the config" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert "loading TensorFlow" not in refused.stdout + refused.stderr


NOTEBOOK_CELLS = [
    """\
from sklearn.datasets import load_iris
from tuner_cli import load_config_dict, run_search

X, Y = load_iris(return_X_y=True)

def load():
    return X.astype("float32"), Y

def build_model(hp):
    import keras  # here, so that the kernel itself never loads TensorFlow (seconds)

    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(hp.Choice("units", [4, 8, 16]), activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model

config = {
    "name": "iris",
    "seed": 2,
    "data": {"source": "python", "callable": load, "scale": "standard"},
    "model": {"builder": build_model},
    "training": {"epochs": 1, "batch_size": 32},
    "strategy": {"name": "random", "objective": "val_accuracy"},
}
""",
    'run_search(load_config_dict(config), "results", max_trials={trials}, workers=1)',
]


def _run_cells(cwd: Path, cells: list[str]) -> list[str]:
    """Each cell in a fresh Jupyter kernel, as a notebook runs them: what each shows."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(cwd), env=cli_env(PYTHONPATH=str(REPO), TMPDIR="/tmp")
    )
    shown: list[str] = []
    try:
        for cell in cells:
            outputs: list[str] = []

            def collect(message, outputs=outputs):
                content = message["content"]
                if message["msg_type"] == "stream":
                    outputs.append(content["text"])
                elif message["msg_type"] == "execute_result":
                    outputs.append(content["data"]["text/plain"])
                elif message["msg_type"] == "error":
                    outputs.append("\n".join(content["traceback"]))

            reply = client.execute_interactive(cell, timeout=120, output_hook=collect)
            shown.append("".join(outputs))
            assert reply["content"]["status"] == "ok", shown[-1]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return shown


@pytest.mark.slow
def test_a_jupyter_notebooks_own_functions_run_in_worker_processes_and_resume(tmp_path):
    """A real kernel: the cells' functions go to a local worker process by value; a second
    call resumes, and so does a new kernel whose cells define them again."""
    if not all(importlib.util.find_spec(name) for name in ("ipykernel", "jupyter_client")):
        pytest.skip("ipykernel and jupyter_client (the test extra) are not installed")
    define, search = NOTEBOOK_CELLS
    first = _run_cells(tmp_path, [define, search.format(trials=1), search.format(trials=2)])
    assert "results/iris: 1 trial (1 completed)" in first[1], first
    assert "results/iris: 2 trials (2 completed)" in first[2], first
    again = _run_cells(tmp_path, [define, search.format(trials=3)])
    assert "results/iris: 3 trials (3 completed)" in again[1], again


PIPED_KERAS_TUNER = """\
from tuner_cli import keras_tuner as kt  # in place of `import keras_tuner as kt`
from tuner_cli import load_config_dict, run_search

import numpy as np


class IrisHyperModel(kt.HyperModel):
    def build(self, hp):
        import keras

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, "softmax")])
        model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), **kwargs)


def load():
    rows = np.random.default_rng(0).normal(size=(60, 4)).astype("float32")
    return rows, (rows[:, 0] > 0).astype("int64")


study = {
    "name": "iris-kt",
    "seed": 2,
    "data": {"source": "python", "callable": load},
    "model": {"builder": IrisHyperModel},
    "training": {"epochs": 1},
    "strategy": {"name": "random", "objective": "val_accuracy", "max_trials": 2},
}
print(run_search(load_config_dict(study), "results", workers=1))
"""


@pytest.mark.slow
def test_a_script_without_keras_tuner_subclasses_kt_run_s_hypermodel(tmp_path):
    """``import keras_tuner as kt`` fails in a script or notebook without KerasTuner (kt-run
    answers it only in the modules a config names); ``from tuner_cli import keras_tuner as
    kt`` is the one line to change, and its HyperModel subclass runs in the workers."""
    piped = run_piped(PIPED_KERAS_TUNER, tmp_path)
    assert piped.returncode == 0, piped.stderr[-3000:]
    assert "<SearchResult results/iris-kt: 2 trials (2 completed)" in piped.stdout
