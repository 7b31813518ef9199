"""Malformed configs: exit code 2, the key path and line in one message, never a traceback."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_cli

VALID = """\
name: errors
seed: 1
data:
  source: sklearn
  name: iris
search_space:
  units: {type: int, min: 4, max: 16, step: 4}
  optimizer: {type: choice, values: [adam, sgd]}
  momentum: {type: float, min: 0.0, max: 0.9, when: {optimizer: sgd}}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 3, activation: softmax}
  optimizer: {name: $optimizer, momentum: $momentum}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training:
  epochs: 1
strategy:
  name: random
  objective: val_accuracy
  max_trials: 2
"""

CASES = [
    # (description, replace this, with this, expected fragments of the message)
    (
        "typo in a key",
        "max_trials: 2",
        "max_trails: 2",
        ["strategy.max_trails", "max_trials", ":22"],
    ),
    ("unknown top-level key", "seed: 1", "seeds: 1", ["seeds", "did you mean 'seed'", ":2"]),
    (
        "min above max",
        "min: 4, max: 16",
        "min: 40, max: 16",
        ["search_space.units", "<= max", ":7"],
    ),
    ("wrong type", "max_trials: 2", "max_trials: many", ["strategy.max_trials", "integer"]),
    (
        "zero trials",
        "max_trials: 2",
        "max_trials: 0",
        ["strategy.max_trials", "greater than or equal to 1"],
    ),
    ("negative epochs", "epochs: 1", "epochs: -3", ["training.epochs", "-3"]),
    ("unknown hp type", "type: int", "type: integer", ["search_space.units", "'integer'"]),
    (
        "empty choices",
        "values: [adam, sgd]",
        "values: []",
        ["search_space.optimizer", "at least one"],
    ),
    (
        "log with zero min",
        "min: 0.0, max: 0.9,",
        "min: 0.0, max: 0.9, sampling: log,",
        ["search_space.momentum", "min > 0"],
    ),
    (
        "unknown reference",
        "units: $units",
        "units: $unit",
        ["model.layers[0].Dense.units", "$units"],
    ),
    ("unknown sklearn dataset", "name: iris", "name: irises", ["data", "iris"]),
    ("unknown data source", "source: sklearn", "source: s3", ["data.source", "sklearn"]),
    (
        "condition on unknown parameter",
        "when: {optimizer: sgd}",
        "when: {optimiser: sgd}",
        ["search_space.momentum.when.optimiser", "did you mean 'optimizer'"],
    ),
    (
        "condition on impossible value",
        "when: {optimizer: sgd}",
        "when: {optimizer: rmsprop}",
        ["search_space.momentum.when.optimizer", "rmsprop"],
    ),
    (
        "condition on no values",
        "when: {optimizer: sgd}",
        "when: {optimizer: []}",
        ["search_space.momentum.when.optimizer", "lists no values", "never be active", ":9"],
    ),
    (
        "condition on a continuous float",
        "when: {optimizer: sgd}}",
        "when: {optimizer: sgd}}\n  nesterov: {type: bool, when: {momentum: 0.5}}",
        ["search_space.nesterov.when.momentum", "continuous", "step or a count", ":10"],
    ),
    (
        "condition on a float between its count's points",
        "max: 0.9, when: {optimizer: sgd}}",
        "max: 0.9, count: 4, when: {optimizer: sgd}}\n"
        "  nesterov: {type: bool, when: {momentum: 0.5}}",
        ["search_space.nesterov.when.momentum", "0.5 is not", "0.0, 0.3, 0.6, 0.9", ":10"],
    ),
    (
        "hyperparameter without a type",
        "units: {type: int, min: 4",
        "units: {min: 4",
        [
            "search_space.units: needs a 'type' key",
            "'int', 'float', 'choice', 'bool', 'fixed'",
            ":7",
        ],
    ),
    (
        "hyperparameter that is a number",
        "units: {type: int, min: 4, max: 16, step: 4}",
        "units: 8",
        ["search_space.units: must be a mapping of keys (got 8)", ":7"],
    ),
    (
        "pruning without a type",
        "max_trials: 2",
        "max_trials: 2\n  pruning: {warmup_epochs: 1}",
        ["strategy.pruning: needs a 'type' key", "'median', 'asha'", ":23"],
    ),
    (
        "a quoted number",
        "max_trials: 2",
        'max_trials: "2"',
        ["strategy.max_trials: must be a number, not the text '2'", "quotes", ":22"],
    ),
    (
        "a quoted bound",
        "min: 4, max: 16",
        "min: '4', max: 16",
        ["search_space.units.min: must be a number, not the text '4'", ":7"],
    ),
    (
        "a section's key at the top level",
        "  epochs: 1",
        "epochs: 1",
        ["epochs: unknown key 'epochs' at the top level", "a key of training", ":18"],
    ),
    (
        "a key indented less than the next",
        "  name: random",
        " name: random",
        ["mapping values are not allowed here", "indentation", ":21"],
    ),
    (
        "a layer's arguments indented as its siblings",
        "    - Dense: {units: $units, activation: relu}",
        "    - Dense:\n      units: $units\n      activation: relu",
        ["model.layers[0]: a layer entry has one key", "indent units, activation", ":12"],
    ),
    ("unsafe study name", "name: errors", "name: ../../etc", ["name", "safe study name"]),
    (
        "objective with unknown direction",
        "objective: val_accuracy",
        "objective: val_thing",
        ["strategy.objective", "direction"],
    ),
    ("duplicate key", "  name: iris", "  name: iris\n  name: wine", ["data.name", "duplicate key"]),
    ("tab indentation", "  units:", "\tunits:", ["tab", ":7"]),
    ("yaml syntax", "metrics: [accuracy]", "metrics: [accuracy", ["YAML syntax error"]),
    (
        "python tag",
        "seed: 1",
        "seed: !!python/object/apply:os.system ['echo pwned']",
        ["seed", "not allowed|constructor"],
    ),
    (
        "layers and builder",
        "  loss: sparse",
        "  builder: mod:fn\n  loss: sparse",
        ["model", "either"],
    ),
    (
        "bad repeat",
        "    - Dense: {units: 3, activation: softmax}",
        "    - repeat: -1\n      layers: [{Dense: {units: 3}}]",
        ["model.layers[1].repeat", "0..1000"],
    ),
]


@pytest.mark.parametrize("description, old, new, fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_config_exits_2_with_a_located_message(
    kt_run, write_config, tmp_path, description, old, new, fragments
):
    assert old in VALID, description
    path = write_config(VALID.replace(old, new, 1))
    result = kt_run("validate", str(path), "--no-build", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    message = result.stderr
    assert message.startswith("error: ")
    for fragment in fragments:
        pattern = fragment if "|" in fragment else re.escape(fragment)
        assert re.search(pattern, message), (fragment, message)
    if ":" in "".join(fragments):
        assert "config.yaml" in message


def test_search_with_bad_config_writes_nothing(kt_run, write_config, tmp_path):
    path = write_config(VALID.replace("max_trials: 2", "max_trails: 2"))
    result = kt_run("search", str(path), "--results", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert not (tmp_path / "out").exists()


def test_missing_config_file(kt_run, tmp_path):
    result = kt_run("validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_layer_suggests_close_names(kt_run, write_config, tmp_path):
    path = write_config(VALID.replace("- Dense: {units: $units", "- Dence: {units: $units"))
    result = kt_run("validate", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "unknown Keras layer 'Dence'" in result.stderr
    assert "Dense" in result.stderr
    assert "model.layers[0].Dence" in result.stderr
    assert "Traceback" not in result.stderr


def test_valid_config_validates(kt_run, write_config, tmp_path):
    result = kt_run("validate", str(write_config(VALID)), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "configurations" not in result.stdout or "infinite" in result.stdout
    assert "Config is valid" in result.stdout
    assert "dense" in result.stdout.lower()
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_keras_dataset_offline_fails_with_a_clear_message(kt_run, write_config, tmp_path):
    path = write_config(
        VALID.replace("source: sklearn\n  name: iris", "source: keras\n  name: mnist")
    )
    # a new interpreter: Keras reads KERAS_HOME when it is imported
    result = run_cli("validate", str(path), cwd=tmp_path, KERAS_HOME=str(tmp_path / "keras"))
    assert result.returncode == 2, result.stderr
    assert "cannot load the Keras dataset 'mnist'" in result.stderr
    assert "data.name" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_yaml_merge_with_overrides_is_read_as_yaml_defines_it(tmp_path):
    from tuner_cli.config import load_config_text

    text = (
        VALID.replace(
            "search_space:\n", "search_space:\n  base: &base {type: int, min: 4, max: 8}\n"
        )
        .replace("  units: {type: int, min: 4, max: 16, step: 4}", "  units: {<<: *base, max: 16}")
        .replace(
            "    - Dense: {units: $units, activation: relu}",
            "    - Dense: {units: $units}\n    - Dense: {units: $base}",
        )
    )
    space = load_config_text(text, tmp_path / "c.yaml").space
    assert space.params["units"].max == 16 and space.params["units"].min == 4
    assert space.params["base"].max == 8


def test_an_enormous_value_is_quoted_short(tmp_path, capsys, monkeypatch):
    from tests.config.test_bad_configs import call_main

    monkeypatch.chdir(tmp_path)
    config = tmp_path / "huge.yaml"
    config.write_text(VALID.replace("name: iris", "name: " + "x" * 900_000), encoding="utf-8")
    code, err = call_main(["validate", str(config)], capsys)
    assert code == 2
    assert "data: unknown sklearn dataset 'xxx" in err and "huge.yaml:3" in err
    assert len(err) < 1000


def test_a_csv_whose_header_starts_with_a_byte_order_mark_loads(tmp_path):
    from tests.config.test_bad_configs import CORPUS_DIR
    from tuner_cli.config import load_config_text
    from tuner_cli.training.data import load_dataset

    path = CORPUS_DIR / "data" / "bom.csv"
    text = f"name: bom\ndata: {{source: csv, path: {path}, target: label}}\n"
    text += VALID[VALID.index("search_space:") :]
    data = load_dataset(load_config_text(text, tmp_path / "c.yaml"), seed=0)
    assert data.x_train.shape[1] == 2
    assert set(data.y_train.tolist()) <= {0, 1, 2}


def test_memory_sizes_on_the_command_line_are_sizes():
    from tuner_cli.config import ExecutionConfig
    from tuner_cli.errors import UsageError
    from tuner_cli.executors import execution_settings

    for value in ("0.5", "1", "1KB"):
        with pytest.raises(UsageError, match="--memory-limit: .* at least 50 MB"):
            execution_settings(ExecutionConfig(), memory_limit=value)
    assert execution_settings(ExecutionConfig(), memory_limit="4GB").memory_limit_bytes() == 4e9


@pytest.mark.parametrize(
    "objective, message",
    [
        (
            "{name: val_loss, direction: mni}",
            "strategy.objective.direction: Input should be 'min' or 'max' (got 'mni')",
        ),
        (
            "[val_loss, {name: val_accuracy, direction: mx}]",
            "strategy.objective[1].direction: Input should be 'min' or 'max' (got 'mx')",
        ),
        (
            "[val_loss, {name: val_accuracy, dir: max}]",
            "strategy.objective[1].dir: unknown key 'dir' (valid keys: direction, name)",
        ),
    ],
)
def test_a_bad_objective_entry_is_named_without_the_union_members_it_is_not(
    tmp_path, objective, message
):
    """``objective`` is a name, an entry or a list of either: a mistake inside an entry is the
    whole message, not after "should be a valid string" for the list and the entry."""
    from tuner_cli.config import load_config_text
    from tuner_cli.errors import ConfigError

    text = VALID.replace("objective: val_accuracy", f"objective: {objective}")
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, tmp_path / "c.yaml")
    assert str(caught.value) == f"{message} ({tmp_path / 'c.yaml'}:21)"


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\ufffe"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_character_yaml_refuses_is_named_with_its_line(tmp_path, character, newline):
    """PyYAML's reader says only where in the text the character is: the line is counted
    from there, with YAML's own line breaks."""
    from tuner_cli.config import load_config_text
    from tuner_cli.errors import ConfigError

    text = VALID.replace("seed: 1", f"seed: 1 # {character}").replace("\n", newline)
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, tmp_path / "c.yaml")
    message = str(caught.value)
    assert f"the character U+{ord(character):04X} is not allowed" in message
    assert message.endswith("c.yaml:2)") and "position" not in message


def test_numbers_with_an_exponent_are_numbers_everywhere(kt_run, write_config, tmp_path):
    """PyYAML reads YAML 1.1, whose floats need a dot and a signed exponent: ``1e-3`` and
    ``1.0e3`` were the strings '1e-3' and '1.0e3' (YAML 1.2, editors and JSON read numbers).
    Where a field's type converted them it went unseen, but a choice of learning rates, a
    regulariser's ``l2: 1e-4`` or an initial point's ``lr: 1e-2`` stayed text: a build error
    quoting Keras ('Received: l2=1e-4'), or '1e-2' is not a possible value of 'lr'."""
    from tuner_cli.config import load_config_text

    text = (
        VALID.replace(
            "  momentum:",
            "  lr: {type: choice, values: [1e-3, 1E-2, 1.0e-1]}\n"
            "  decay: {type: fixed, value: 1e3}\n"
            "  label: {type: choice, values: ['1e-3', plain]}\n"
            "  momentum:",
        )
        .replace(
            "- Dense: {units: $units, activation: relu}",
            "- Dense: {units: $units, activation: relu, kernel_regularizer: {L2: {l2: 1e-4}}}",
        )
        .replace("momentum: $momentum}", "momentum: $momentum, learning_rate: $lr}")
        .replace(
            "max_trials: 2",
            "max_trials: 2\n  initial_points:\n"
            "    - {units: 8, optimizer: adam, lr: 1e-2, label: '1e-3'}\n"
            "    - {units: 8, optimizer: sgd, momentum: +5e-1, lr: 1.0e-1, label: plain}",
        )
    )
    study = load_config_text(text, tmp_path / "c.yaml")
    assert study.space.params["lr"].values == [0.001, 0.01, 0.1]
    assert study.space.params["decay"].value == 1000.0
    assert study.space.params["label"].values == ["1e-3", "plain"]  # quoted: still text
    dense = study.config.model.layers[0]["Dense"]
    assert dense["kernel_regularizer"] == {"L2": {"l2": 0.0001}}
    points = study.config.strategy.initial_points
    assert points[0]["lr"] == 0.01 and points[1]["momentum"] == 0.5
    result = kt_run("validate", str(write_config(text)), cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_condition_on_a_value_a_float_draws_is_kept(tmp_path):
    """A float with a step or a count draws only its points, so a condition on one of them
    is met; only values no trial draws are refused."""
    from tuner_cli.config import load_config_text

    text = VALID.replace(
        "max: 0.9, when: {optimizer: sgd}}",
        "max: 0.9, count: 4, when: {optimizer: sgd}}\n"
        "  nesterov: {type: bool, when: {momentum: [0.3, 0.9]}}\n"
        "  rate: {type: float, min: 0.0, max: 0.5, step: 0.1}\n"
        "  decay: {type: bool, when: {rate: 0.3}}",
    )
    space = load_config_text(text, tmp_path / "c.yaml").space
    assert space.is_active("nesterov", {"optimizer": "sgd", "momentum": 0.3})
    assert not space.is_active("nesterov", {"optimizer": "sgd", "momentum": 0.6})
    assert space.is_active("decay", {"rate": 0.3})
