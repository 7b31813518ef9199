"""``model.builder`` may name a function, a HyperModel-shaped class or such an object."""

from __future__ import annotations

import importlib.util

import pytest

from tuner_cli.config import load_config_dict
from tuner_cli.errors import ConfigError
from tuner_cli.training.builders import load_builder
from tuner_cli.training.keras_tuner_stand_in import install_if_missing

MODULE = """
class Shaped:
    def build(self, hp):
        return ("built", hp.Int("units", 1, 4))

    def fit(self, hp, model, *args, **kwargs):
        return ("fitted", hp.Choice("batch_size", [8, 16]), args, sorted(kwargs))


class NeedsArguments:
    def __init__(self, classes):
        self.classes = classes

    def build(self, hp):
        return None


def function(hp):
    return ("function", hp["units"])


made = Shaped()
number = 3
"""


@pytest.fixture
def study_for(tmp_path):
    (tmp_path / "user_builders.py").write_text(MODULE)

    def study(spec: str):
        config = {
            "name": "builders",
            "data": {"source": "sklearn", "name": "digits"},
            "search_space": {"units": {"type": "int", "min": 2, "max": 3}},
            "model": {"builder": f"user_builders:{spec}"},
            "strategy": {"objective": "val_loss"},
        }
        return load_config_dict(config, tmp_path)

    return study


@pytest.mark.parametrize("spec", ["Shaped", "made"])
def test_a_class_or_an_object_with_build_and_fit(study_for, spec):
    builder = load_builder(study_for(spec))
    hp = builder.hyperparameters({"units": 3})
    assert builder.build(hp) == ("built", 3)
    assert builder.fit(hp, "model", "x", "y", epochs=2) == ("fitted", 8, ("x", "y"), ["epochs"])
    assert hp.values == {"units": 3, "batch_size": 8}


def test_a_function_reads_the_configs_values_like_a_dict(study_for):
    builder = load_builder(study_for("function"))
    assert builder.fit_model is None
    assert builder.build(builder.hyperparameters({"units": 2})) == ("function", 2)


def test_a_class_that_needs_arguments_says_so(study_for):
    with pytest.raises(ConfigError, match="creates with no arguments") as caught:
        load_builder(study_for("NeedsArguments"))
    assert caught.value.key_path == ("model", "builder")
    assert "classes" in caught.value.message


def test_something_that_cannot_build_is_refused(study_for):
    with pytest.raises(ConfigError, match="model.builder must name a function build"):
        load_builder(study_for("number"))


KT_MODULE = """
import keras_tuner as kt
from keras_tuner import Objective

OBJECTIVE = kt.Objective("val_auc", direction="max")

class Subclassed(kt.HyperModel):
    def build(self, hp: kt.HyperParameters):
        return ("built", hp.Choice("act", ["relu", "tanh"]))


def make_a_tuner():
    return kt.Hyperband(Subclassed(), objective="val_accuracy")
"""


def test_keras_tuner_imports_work_without_keras_tuner(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "keras_tuner", None)  # Python's way to block an import
    monkeypatch.delitem(sys.modules, "kt_user_module", raising=False)
    (tmp_path / "kt_user_module.py").write_text(KT_MODULE)
    config = {
        "name": "kt-import",
        "data": {"source": "sklearn", "name": "digits"},
        "model": {"builder": "kt_user_module:Subclassed"},
        "strategy": {"objective": "val_loss"},
    }
    builder = load_builder(load_config_dict(config, tmp_path))
    assert sys.modules["keras_tuner"].__kt_run_stand_in__
    assert builder.build(builder.hyperparameters()) == ("built", "relu")
    assert builder.fit_model is not None  # kt.HyperModel's own fit passes through
    assert sys.modules["kt_user_module"].OBJECTIVE.direction == "max"
    with pytest.raises(RuntimeError, match="kt-run runs the search itself"):
        sys.modules["kt_user_module"].make_a_tuner()


OLD_KT_MODULE = """
import kerastuner
from keras_tuner.engine.hypermodel import HyperModel
from kerastuner.engine.hyperparameters import HyperParameters


class Subclassed(HyperModel):
    def build(self, hp: HyperParameters):
        assert isinstance(hp, kerastuner.HyperParameters)
        return ("built", hp.Int("units", 1, 4))
"""


def test_older_keras_tuner_import_paths_work_without_keras_tuner(tmp_path, monkeypatch):
    """Code written for KerasTuner before 1.1 imports ``kerastuner`` and ``engine`` modules."""
    import sys

    for package in ("keras_tuner", "kerastuner"):
        for module in ("", ".engine", ".engine.hypermodel", ".engine.hyperparameters"):
            monkeypatch.setitem(sys.modules, package + module, None)  # blocked; undone after
    monkeypatch.delitem(sys.modules, "kt_old_module", raising=False)
    (tmp_path / "kt_old_module.py").write_text(OLD_KT_MODULE)
    config = {
        "name": "kt-old-import",
        "data": {"source": "sklearn", "name": "digits"},
        "model": {"builder": "kt_old_module:Subclassed"},
        "strategy": {"objective": "val_loss"},
    }
    builder = load_builder(load_config_dict(config, tmp_path))
    assert builder.build(builder.hyperparameters()) == ("built", 1)
    assert sys.modules["kerastuner"].engine.hypermodel.HyperModel.__name__ == "HyperModel"


def test_validate_builds_a_model_without_an_input_for_the_data(tmp_path, kt_run, write_config):
    """A builder's ``Sequential`` without ``Input`` is unbuilt until it sees data: validate's
    summary builds it for the data's shape rather than print "?" shapes and 0 parameters."""
    (tmp_path / "no_input.py").write_text(
        "import keras\n"
        "def build(hp):\n"
        "    model = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(3)])\n"
        "    model.compile('adam', 'sparse_categorical_crossentropy')\n"
        "    return model\n"
    )
    config = write_config(
        "name: b\ndata: {source: sklearn, name: iris}\nmodel: {builder: 'no_input:build'}\n"
        "strategy: {name: random, objective: val_loss, max_trials: 1}\n"
    )
    shown = kt_run("validate", str(config))
    assert shown.returncode == 0, shown.stderr
    summary = " ".join(shown.stdout.split())
    assert "Total params: 67" in summary, "4 * 8 + 8 + 8 * 3 + 3 for iris's 4 features"
    assert "unbuilt" not in summary


def test_a_notebook_builder_named_in_another_process_says_why_it_is_missing(tmp_path):
    """``__main__:build_model`` from a notebook, read by ``kt-run export --retrain``."""
    from tuner_cli.errors import ConfigError
    from tuner_cli.training.imports import load_attribute

    with pytest.raises(ConfigError, match="is not the one that defined it") as caught:
        load_attribute("__main__:build_model_from_a_notebook", tmp_path, ("model", "builder"))
    assert "module beside the config" in str(caught.value)


def test_a_folder_named_keras_tuner_beside_the_config_is_not_taken_for_keras_tuner(
    tmp_path, monkeypatch
):
    """``examples/`` holds a ``keras_tuner`` folder: on the path, Python imports it as an
    empty namespace package, which has no ``HyperModel``."""
    import sys

    (tmp_path / "keras_tuner").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "keras_tuner", None)  # put back as it was afterwards
    del sys.modules["keras_tuner"]
    monkeypatch.delitem(sys.modules, "kt_user_module", raising=False)
    (tmp_path / "kt_user_module.py").write_text(KT_MODULE)
    config = {
        "name": "kt-folder",
        "data": {"source": "sklearn", "name": "digits"},
        "model": {"builder": "kt_user_module:Subclassed"},
        "strategy": {"objective": "val_loss"},
    }
    import keras_tuner  # noqa: F401 - the folder, imported first as a notebook might

    builder = load_builder(load_config_dict(config, tmp_path))
    assert builder.build(builder.hyperparameters()) == ("built", "relu")


UNCOMPILED = """
import keras


def bare(hp):
    units = hp.Choice("units", [4, 8])
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(units), keras.layers.Dense(3)])


def compiled(hp):
    model = bare(hp)
    model.compile(keras.optimizers.SGD(0.5), "mse", metrics=["mae"])
    return model
"""


def test_the_configs_compile_keys_compile_a_builders_model_as_keras_tuners_tuner_does(tmp_path):
    """KerasTuner's ``Tuner(loss=..., optimizer=..., metrics=...)`` compiles an uncompiled
    model and replaces a compiled one's choices; the config's ``model`` keys do that here,
    and the builder's own choices stay where the config gives none."""
    (tmp_path / "uncompiled_builders.py").write_text(UNCOMPILED)
    config = {
        "name": "compile",
        "data": {"source": "sklearn", "name": "iris"},
        "model": {"builder": "uncompiled_builders:bare", "loss": "sparse_categorical_crossentropy"},
        "strategy": {"objective": "val_loss"},
    }
    builder = load_builder(load_config_dict(config, tmp_path))
    model = builder.build(builder.hyperparameters())
    assert model.compiled and model.loss == "sparse_categorical_crossentropy"
    assert type(model.optimizer).__name__ == "Adam"  # the config's default, as for a template
    config["model"]["builder"] = "uncompiled_builders:compiled"
    config["model"]["metrics"] = ["accuracy"]
    builder = load_builder(load_config_dict(config, tmp_path))
    model = builder.build(builder.hyperparameters())
    assert model.loss == "sparse_categorical_crossentropy"
    assert model._compile_config.config["metrics"] == ["accuracy"]
    assert type(model.optimizer).__name__ == "SGD"  # not given: the builder's own stays
    del config["model"]["loss"], config["model"]["metrics"]
    builder = load_builder(load_config_dict(config, tmp_path))
    assert builder.recompile is None
    assert builder.build(builder.hyperparameters()).loss == "mse"


TUNERS_MODULE = """
from kerastuner.tuners import RandomSearch
from keras_tuner.tuners import Hyperband
from keras_tuner.engine.tuner import Tuner


def build(hp):
    return ("built", hp.Int("units", 1, 4))


def tune():
    return RandomSearch(build, objective="val_accuracy", max_trials=3)
"""


def test_tuners_imported_from_their_submodule_answer_as_the_other_tuners_do(tmp_path, monkeypatch):
    """Tutorials written before KerasTuner 1.1 import ``from kerastuner.tuners import
    RandomSearch``; such a module must import, and its tuner say who runs the search."""
    import sys

    for package in ("keras_tuner", "kerastuner"):
        monkeypatch.setitem(sys.modules, package, None)  # blocked; undone after
    monkeypatch.delitem(sys.modules, "kt_tuners_module", raising=False)
    (tmp_path / "kt_tuners_module.py").write_text(TUNERS_MODULE)
    config = {
        "name": "kt-tuners-import",
        "data": {"source": "sklearn", "name": "digits"},
        "model": {"builder": "kt_tuners_module:build"},
        "strategy": {"objective": "val_loss"},
    }
    builder = load_builder(load_config_dict(config, tmp_path))
    assert builder.build(builder.hyperparameters()) == ("built", 1)
    with pytest.raises(RuntimeError, match="keras_tuner.RandomSearch is not available here"):
        sys.modules["kt_tuners_module"].tune()
    assert sys.modules["keras_tuner"].tuners.Hyperband is sys.modules["keras_tuner"].Hyperband


def test_tuner_cli_offers_keras_tuner_s_names_without_putting_a_keras_tuner_in_sys_modules(
    monkeypatch,
):
    """A notebook's ``from tuner_cli import keras_tuner as kt``: the stand-in's names (or
    KerasTuner itself, when installed), while ``import keras_tuner`` stays as it was, so no
    other library takes the stand-in for KerasTuner."""
    import sys

    import tuner_cli

    for name in [n for n in sys.modules if n.split(".")[0] in ("keras_tuner", "kerastuner")]:
        monkeypatch.delitem(sys.modules, name)  # what other tests' builders installed
    from tuner_cli import keras_tuner as kt

    assert "keras_tuner" in dir(tuner_cli)
    if importlib.util.find_spec("keras_tuner") is None:
        assert "keras_tuner" not in sys.modules
        assert kt.__kt_run_stand_in__
        assert kt.engine.hyperparameters.HyperParameters is kt.HyperParameters
        assert kt.tuners.RandomSearch is kt.RandomSearch
    hp = kt.HyperParameters()
    assert (hp.Int("units", 4, 8), hp.values) == (4, {"units": 4})
    install_if_missing()  # as loading a config's builder module does
    assert tuner_cli.keras_tuner.HyperModel is kt.HyperModel


def test_validate_without_building_does_not_count_a_builders_unknown_space(tmp_path):
    """``--no-build`` never calls the builder, so what it declares is unknown; validate
    printed an empty table, "0 hyperparameters, 1 configuration" and "Trials: 1, every
    configuration of the search space", where the search runs max_trials."""
    from tests.conftest import invoke

    (tmp_path / "tuned.py").write_text("def build(hp):\n    return hp.Int('units', 1, 64)\n")
    (tmp_path / "b.yaml").write_text(
        "name: b\ndata: {source: sklearn, name: iris}\nmodel: {builder: 'tuned:build'}\n"
        "search_space: {batch_size: {type: choice, values: [16, 32]}}\n"
        "training: {batch_size: $batch_size}\n"
        "strategy: {name: random, objective: val_loss, max_trials: 5}\n"
    )
    shown = invoke("validate", "b.yaml", "--no-build", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert any(line.split()[:2] == ["batch_size", "choice"] for line in lines), shown.stdout
    assert (
        "Search space: 1 hyperparameter from search_space, and what the builder declares "
        "(not known with --no-build)" in lines
    )
    assert "Trials: at most 5 (max_trials)" in lines
    assert "configuration" not in shown.stdout
    assert "with --no-build the builder is not called" in " ".join(shown.stderr.split())
