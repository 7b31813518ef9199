"""best, trials and show on studies written through the real store: formats, safety, the index."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, block_tensorflow, cli_env, invoke
from tuner_cli.results.store import StudyStore
from tuner_cli.results.trial_index import index_path, load_index, read_record
from tuner_cli.trial import TrialRecord, TrialStatus

HOSTILE = [
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; echo '",
    'a"b\\c $HOME ${PATH}',
    "line one\nline two; touch pwned",
    "tab\there & | ; < > ( ) { } * ? ! ~ #",
    "</script><script>window.pwned=1</script>",
    "",
]

CONFIG = """\
name: study
data: {source: sklearn, name: digits}
search_space:
  units: {type: int, min: 8, max: 64}
  lr: {type: float, min: 1.0e-4, max: 1.0e-1, sampling: log}
  act: {type: choice, values: [relu, tanh]}
model:
  layers:
    - Dense: {units: $units, activation: relu}
    - Dense: {units: 10, activation: softmax}
  optimizer: {name: adam, learning_rate: $lr}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
training: {epochs: 3, batch_size: 32}
strategy: {name: random, objective: val_accuracy, max_trials: 20}
"""


def make_study(root: Path, count: int = 12, best_hp: dict | None = None) -> StudyStore:
    """Completed, pruned and failed records with histories; trial 3 is the best."""
    store = StudyStore(root)
    info = {
        "name": "study",
        "strategy": "random",
        "objective": {"name": "val_accuracy", "direction": "max"},
        "space_fingerprint": "x",
        "seed": 1,
    }
    store.create(CONFIG, info)
    for trial_id in range(1, count + 1):
        hp = {"units": 8 * trial_id, "lr": 10 ** (-4 + 3 * trial_id / count), "act": "relu"}
        if trial_id == 3:
            hp.update(best_hp or {})
        status = TrialStatus.COMPLETED
        if trial_id % 5 == 0:
            status = TrialStatus.FAILED
        elif trial_id % 7 == 0:
            status = TrialStatus.PRUNED
        score = 0.99 if trial_id == 3 else 0.5 + trial_id / 100
        history = [
            {"epoch": e, "loss": 1 / e, "val_accuracy": score - (3 - e) / 10, "val_loss": 1.2 / e}
            for e in range(1, 4)
        ]
        failed = status is TrialStatus.FAILED
        store.write_trial(
            TrialRecord(
                id=trial_id,
                status=status,
                hyperparameters=hp,
                score=None if failed else score,
                metrics={} if failed else {k: v for k, v in history[-1].items() if k != "epoch"},
                history=[] if failed else history,
                best_epoch=None if failed else 3,
                started_at="2025-01-01T00:00:00+00:00",
                finished_at="2025-01-01T00:00:09+00:00",
                duration_s=9.0,
                error={"message": "ValueError: boom", "traceback": "Traceback ..."}
                if failed
                else None,
                worker="host:1",
                extra={"budget": 3} if status is TrialStatus.PRUNED else {},
            )
        )
    return store


@pytest.fixture
def study(tmp_path: Path) -> Path:
    make_study(tmp_path / "results" / "study")
    return tmp_path / "results" / "study"


def test_best_json_is_the_full_record(study):
    result = invoke("best", str(study), "--format", "json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["id"] == 3
    assert record["score"] == 0.99
    assert len(record["history"]) == 3


def test_best_top_k_and_yaml(study):
    result = invoke("best", str(study), "--top", "3", "--format", "json")
    assert [r["id"] for r in json.loads(result.stdout)] == [3, 12, 11]
    result = invoke("best", str(study), "--format", "yaml")
    assert result.returncode == 0
    assert "id: 3" in result.stdout


def test_best_fail_under(study):
    assert invoke("best", str(study), "--fail-under", "0.9").returncode == 0
    failing = invoke("best", str(study), "--fail-under", "0.999")
    assert failing.returncode == 1
    assert "worse than --fail-under" in failing.stderr


def test_best_table_is_plain_when_piped(study):
    result = invoke("best", str(study))
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "Best of 12 trials"
    assert lines[1].split()[:3] == ["trial", "status", "val_accuracy"]
    assert lines[3].split()[:3] == ["3", "completed", "0.9900"]


@pytest.mark.parametrize("value", HOSTILE)
def test_best_env_is_safe_to_eval(tmp_path, value):
    store = make_study(tmp_path / "s", best_hp={"act": value})
    script = f'set -eu\neval "$({_kt_run_command()} best {store.root} --format env)"\n'
    script += 'printf "%s|%s|%s" "$KT_BEST_TRIAL" "$KT_BEST_SCORE" "$KT_BEST_HP_ACT"\n'
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"3|0.99|{value}"
    assert not (tmp_path / "pwned").exists()


def _kt_run_command() -> str:
    import shlex
    import sys

    return f"{shlex.quote(sys.executable)} -m tuner_cli"


def test_trials_json_lists_summaries_without_history(study):
    result = invoke("trials", str(study), "--format", "json")
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == list(range(1, 13))
    assert all("history" not in r for r in rows)
    failed = next(r for r in rows if r["id"] == 5)
    assert failed["status"] == "failed"
    assert failed["error"] == {"message": "ValueError: boom"}
    pruned = next(r for r in rows if r["id"] == 7)
    assert pruned["budget"] == 3
    on_disk = json.loads((study / "trials" / "trial_0004.json").read_text())
    on_disk.pop("history")
    assert rows[3] == on_disk


def test_trials_csv_and_filters(study):
    result = invoke("trials", str(study), "--format", "csv", "--status", "completed")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["status"] for r in rows} == {"completed"}
    assert rows[0]["units"] == "8"
    assert "val_loss" in rows[0]
    ranked = invoke("trials", str(study), "--format", "json", "--sort", "score")
    ids = [r["id"] for r in json.loads(ranked.stdout)]
    assert ids[0] == 3
    assert ids[-2:] == [5, 10]  # unscored (failed) trials last
    bad = invoke("trials", str(study), "--status", "done")
    assert bad.returncode == 2
    assert "Invalid value for '--status'" in bad.stderr and "completed" in bad.stderr


def test_show_formats_and_unknown_trial(study):
    result = invoke("show", "5", str(study), "--format", "json")
    assert json.loads(result.stdout)["error"]["traceback"] == "Traceback ..."
    table = invoke("show", "3", str(study))
    assert table.returncode == 0
    assert "<- best" in table.stdout
    missing = invoke("show", "99", str(study))
    assert missing.returncode == 2
    assert "no trial 99" in missing.stderr
    assert "1..12" in missing.stderr


def test_read_commands_never_import_tensorflow(study, tmp_path):
    """All of them in one interpreter whose TensorFlow and Keras fail to import; best, trials
    and show not even Typer or pydantic (they decide how fast a CI script gets its answer)."""
    commands = [
        ["best", str(study)],
        ["best", str(study), "--format", "env"],
        ["trials", str(study)],
        ["trials", str(study), "--format", "csv"],
        ["show", "3", str(study)],
    ]
    report = ["report", str(study), "--output", str(tmp_path / "r.html")]
    script = (
        "import sys\n"
        "from tests.conftest import invoke\n"
        f"for args in {commands!r}:\n"
        "    result = invoke(*args)\n"
        "    assert result.returncode == 0, (args, result.stderr)\n"
        "assert not {'typer', 'pydantic'} & set(sys.modules), 'a read command imported Typer'\n"
        f"assert invoke(*{report!r}).returncode == 0\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=cli_env(PYTHONPATH=os.pathsep.join([block_tensorflow(tmp_path), str(REPO)])),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def test_index_follows_new_changed_and_removed_records(tmp_path):
    store = make_study(tmp_path / "s", count=4)
    assert [k[0] for k in load_index(store).keys] == [1, 2, 3, 4]
    assert index_path(store).is_file()
    record = TrialRecord(id=9, status=TrialStatus.COMPLETED, hyperparameters={"units": 1}, score=1)
    store.write_trial(record)
    store.trial_path(2).unlink()
    changed = json.loads(store.trial_path(1).read_text())
    changed["score"] = 0.123
    store.trial_path(1).write_text(json.dumps(changed) + "    ")
    keys = load_index(store).keys
    assert [k[0] for k in keys] == [1, 3, 4, 9]
    assert keys[0][2] == 0.123


def test_index_notices_a_record_damaged_in_place(tmp_path):
    """An edit in place keeps the folder's mtime; the record's own signature still changes."""
    store = make_study(tmp_path / "s", count=3)
    old = 1_000_000_000
    for path in [*store.trials_dir.iterdir(), store.trials_dir]:
        os.utime(path, ns=(old, old))
    load_index(store)
    assert [k[0] for k in load_index(store).keys] == [1, 2, 3]
    store.trial_path(2).write_text("not json")
    os.utime(store.trial_path(2), ns=(old, old))
    os.utime(store.trials_dir, ns=(old, old))
    rebuilt = load_index(store)
    assert [k[0] for k in rebuilt.keys] == [1, 3]
    assert rebuilt.warnings and "trial_0002.json" in rebuilt.warnings[0]
    assert load_index(store).warnings == rebuilt.warnings


def test_a_corrupt_or_unwritable_index_falls_back_to_the_files(tmp_path):
    store = make_study(tmp_path / "s", count=3)
    load_index(store)
    index_path(store).write_text("garbage\n")
    assert [k[0] for k in load_index(store).keys] == [1, 2, 3]
    cache = index_path(store).parent
    for path in cache.iterdir():
        path.unlink()
    cache.rmdir()
    cache.write_text("a file where the cache folder would go: the index cannot be written")
    assert [k[0] for k in load_index(store).keys] == [1, 2, 3]
    assert cache.is_file()


def test_summaries_keep_record_order_and_inactive_parameters(tmp_path):
    store = make_study(tmp_path / "s", count=2)
    store.write_trial(
        TrialRecord(id=3, status=TrialStatus.COMPLETED, hyperparameters={"lr": 0.1}, score=0.2)
    )
    summaries = load_index(store).summaries()
    assert summaries[2]["hyperparameters"] == {"lr": 0.1}
    expected = TrialRecord.from_dict(json.loads(store.trial_path(3).read_text())).to_dict()
    expected.pop("history")
    assert list(summaries[2]) == list(expected)
    assert summaries[2] == expected


def test_read_commands_parse_the_same_through_main_and_through_the_app(study):
    """``main`` runs them without Typer; ``kt-run -v best`` goes through the Typer app, which
    hands the arguments over: both must parse alike and give click's usage errors."""
    for prefix in ([], ["-v"]):
        best = invoke(*prefix, "best", str(study), "-f", "json", "--top=2", "--fail-under", "0.5")
        assert best.returncode == 0, best.stderr
        assert [r["id"] for r in json.loads(best.stdout)] == [3, 12]
        shown = invoke(*prefix, "show", "3", str(study), "--format", "json")
        assert json.loads(shown.stdout)["id"] == 3
        for wrong in (["best", "--top", "0"], ["trials", "--format", "xml"], ["best", "--nope"]):
            result = invoke(*prefix, *wrong, str(study))
            assert result.returncode == 2, (prefix, wrong)
            assert "Usage: kt-run" in result.stderr and "Traceback" not in result.stderr
    listed = invoke("--help")
    assert all(name in listed.stdout for name in ("best", "trials", "show", "search"))
    assert "--top" in invoke("best", "--help").stdout


DAMAGE = ["[1, 2, 3]", "null", '"x"', "SCORE_AS_TEXT", '{"id": 3, "stat']


def damage(store: StudyStore, trial_id: int, content: str) -> None:
    """Rewrite a record in place (the folder's mtime stays), as an editor or a bad disk would."""
    path = store.trial_path(trial_id)
    if content == "SCORE_AS_TEXT":
        data = json.loads(path.read_text())
        data["score"] = str(data["score"])
        content = json.dumps(data)
    with open(path, "r+", encoding="utf-8") as handle:
        handle.write(content)
        handle.truncate()


def no_crash(result) -> None:
    assert "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("content", DAMAGE)
def test_a_best_record_damaged_in_place_under_a_warm_index_is_skipped(tmp_path, content):
    store = make_study(tmp_path / "s")
    assert invoke("best", str(store.root)).returncode == 0  # the index is now warm
    damage(store, 3, content)
    result = invoke("best", str(store.root), "--format", "json")
    no_crash(result)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == 12
    assert "warning: skipped trial_0003.json" in result.stderr
    listing = invoke("trials", str(store.root), "--format", "json")
    no_crash(listing)
    assert 3 not in [r["id"] for r in json.loads(listing.stdout)]
    assert "warning: skipped trial_0003.json" in listing.stderr
    report = invoke("report", str(store.root), "--output", str(tmp_path / "r.html"))
    no_crash(report)
    assert report.returncode == 0 and "skipped trial_0003.json" in report.stderr
    table = invoke("trials", str(store.root))
    no_crash(table)
    assert table.returncode == 0 and "skipped trial_0003.json" in table.stderr


@pytest.mark.parametrize("trial", ["0", "-1", "13", "9" * 300])
def test_show_of_a_trial_that_is_not_there_names_the_ids_there_are(study, trial):
    result = invoke("show", "--", trial, str(study))
    no_crash(result)
    assert result.returncode == 2
    assert f"no trial {trial} in {study} (trials: 1..12)" in result.stderr


def test_show_names_a_record_that_cannot_be_trusted(study):
    damage(StudyStore(study), 3, "SCORE_AS_TEXT")
    result = invoke("show", "3", str(study))
    no_crash(result)
    assert result.returncode == 2
    assert "trial_0003.json is not a readable trial record (field 'score' must be" in result.stderr


@pytest.mark.parametrize(
    "content",
    [
        "[1, 2, 3]",
        "null",
        '{"name": "study"}',
        "{",
        '{"name": "s", "strategy": "random", "objective": {"name": "val_accuracy", '
        '"direction": "max"}, "objectives": [1, 2]}',
        '{"name": "s", "strategy": "random", "objective": {"name": "val_accuracy", '
        '"direction": "max"}, "config_dir": 1.5}',
    ],
)
def test_a_study_json_of_the_wrong_shape_is_a_clear_error(study, tmp_path, content):
    (study / "study.json").write_text(content)
    for args in (
        ["best", str(study)],
        ["trials", str(study)],
        ["report", str(study), "--output", str(tmp_path / "r.html")],
        ["export", str(study), "--trial", "3", "--output", str(tmp_path / "m.keras")],
    ):
        result = invoke(*args)
        no_crash(result)
        assert result.returncode == 2, (args, result.stderr)
        assert "study.json" in result.stderr


@pytest.mark.parametrize(
    "index",
    [
        '{"version": 2}\n{}\n[]\n[]',
        '{"version": 2, "built_ns": 1, "hp_names": [], "metric_names": []}\n{}\n[[1]]\n[]',
        '{"version": 2, "built_ns": 1, "hp_names": [], "metric_names": []}\n[]\n[]\n[]',
        "[]\n[]\n[]\n[]",
    ],
)
def test_an_index_of_the_wrong_shape_is_rebuilt_from_the_records(study, index):
    assert invoke("best", str(study)).returncode == 0
    index_path(StudyStore(study)).write_text(index)
    for args in (["best", str(study)], ["trials", str(study)], ["trials", str(study), "-f", "csv"]):
        result = invoke(*args)
        no_crash(result)
        assert result.returncode == 0, (args, result.stderr)
    assert [k[0] for k in load_index(StudyStore(study)).keys] == list(range(1, 13))


def test_index_rows_damaged_behind_a_valid_header_are_rebuilt(tmp_path):
    store = make_study(tmp_path / "s", count=3)
    old = 1_000_000_000
    for path in store.trials_dir.iterdir():
        os.utime(path, ns=(old, old))
    load_index(store)
    lines = index_path(store).read_bytes().split(b"\n")
    index_path(store).write_bytes(b"\n".join([*lines[:3], b"[[1], [2], [3]]"]))
    index = load_index(store)
    assert [s["id"] for s in index.summaries()] == [1, 2, 3]
    assert index.flat()[2][0][0] == 1


def test_best_env_refuses_names_that_would_collide(tmp_path):
    store = make_study(tmp_path / "s", best_hp={"Units": 5})
    result = invoke("best", str(store.root), "--format", "env")
    no_crash(result)
    assert result.returncode == 2
    assert "differ only in case" in result.stderr


def test_several_studies_without_an_argument_use_the_latest_and_say_so(tmp_path):
    old = make_study(tmp_path / "results" / "older")
    new = make_study(tmp_path / "results" / "newer", count=4)
    for path in (old.root / "study.json", old.root / "trials"):
        os.utime(path, (1_000_000, 1_000_000))
    for command in (["best"], ["trials"], ["show", "3"], ["best", "--format", "json"]):
        result = invoke(*command, cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert "using 'newer', the most recently updated" in result.stderr
        assert "others: older" in result.stderr
    assert len(json.loads(invoke("trials", "--format", "json", cwd=tmp_path).stdout)) == 4
    # a record written into the older study makes it the latest
    record = old.load_trials()[0]
    os.utime(new.root / "study.json", (2_000_000, 2_000_000))
    os.utime(new.root / "trials", (2_000_000, 2_000_000))
    old.write_trial(record)
    result = invoke("trials", "--format", "json", cwd=tmp_path)
    assert "using 'older'" in result.stderr
    assert len(json.loads(result.stdout)) == 12


def test_best_env_exports_to_child_processes(tmp_path):
    store = make_study(tmp_path / "s", best_hp={"act": "it's $HOME"})
    script = f'set -eu\neval "$({_kt_run_command()} best {store.root} --format env)"\n'
    script += (
        'bash -c \'printf "%s|%s|%s" "$KT_BEST_TRIAL" "$KT_BEST_HP_UNITS" "$KT_BEST_HP_ACT"\'\n'
    )
    result = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "3|24|it's $HOME"
    lines = invoke("best", str(store.root), "--format", "env").stdout.splitlines()
    assert lines and all(line.startswith("export KT_BEST_") for line in lines)


def test_best_env_unsets_the_hyperparameters_the_best_trial_does_not_have(tmp_path):
    """Evaluated again after a new best whose ``momentum`` is inactive (a condition), the
    last best's ``KT_BEST_HP_MOMENTUM`` stayed in the shell, read as the new best's."""
    store = make_study(tmp_path / "s")
    for trial_id in (1, 2):
        record = store.load_trials()[trial_id - 1]
        record.hyperparameters["momentum"] = 0.9
        store.write_trial(record)
    store.flush()
    script = "export KT_BEST_HP_MOMENTUM=0.9\nset -eu\n"
    script += f'eval "$({_kt_run_command()} best {store.root} --format env)"\n'
    script += 'printf "%s|%s" "$KT_BEST_TRIAL" "${KT_BEST_HP_MOMENTUM-unset}"\n'
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120, env=cli_env()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "3|unset"
    lines = invoke("best", str(store.root), "--format", "env").stdout.splitlines()
    assert lines[-1] == "unset KT_BEST_HP_MOMENTUM"


def test_a_study_is_found_by_its_name_inside_the_results_folder(tmp_path):
    make_study(tmp_path / "results" / "study")
    for args in (["study"], ["study", "--results", str(tmp_path / "results")]):
        cwd = tmp_path if len(args) == 1 else REPO
        result = invoke("best", *args, "--format", "json", cwd=cwd)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["id"] == 3
    missing = invoke("best", "nostudy", cwd=tmp_path)
    assert missing.returncode == 2 and "no results at 'nostudy'" in missing.stderr


def test_a_misspelt_study_name_lists_the_studies_rather_than_asking_for_a_search(tmp_path):
    """`kt-run best digits-mpl` after a search: "run `kt-run search CONFIG` first" would send
    the user to search again; the results folder's studies are what they meant."""
    make_study(tmp_path / "results" / "digits-mlp")
    make_study(tmp_path / "results" / "branin")
    for command in ("best", "trials", "report", "export"):
        missing = invoke(command, "digits-mpl", cwd=tmp_path)
        assert missing.returncode == 2
        assert "no results at 'digits-mpl'" in missing.stderr
        assert "studies there: branin, digits-mlp" in missing.stderr
        assert "kt-run search" not in missing.stderr
    empty = invoke("best", "digits-mpl", cwd=tmp_path / "results" / "branin")
    assert "run `kt-run search CONFIG` first" in empty.stderr


def make_pareto_study(root: Path) -> StudyStore:
    """Three objectives, all minimised: trials 1 and 2 are the front, trial 3 is beaten."""
    names = ("o1", "o2", "o3")
    store = StudyStore(root)
    store.create(
        CONFIG,
        {
            "name": "study",
            "strategy": "random",
            "objective": {"name": "o1", "direction": "min"},
            "objectives": [{"name": n, "direction": "min"} for n in names],
            "space_fingerprint": "x",
            "seed": 1,
        },
    )
    for trial_id, values in ((1, (0.5, 0.25, 5.0)), (2, (1.5, 1.25, 0.75)), (3, (2.0, 2.0, 6.0))):
        scores = dict(zip(names, values, strict=True))
        store.write_trial(
            TrialRecord(
                id=trial_id,
                status=TrialStatus.COMPLETED,
                hyperparameters={"units": 8 * trial_id},
                score=values[0],
                metrics=scores,
                extra={"scores": scores},
            )
        )
    store.flush()
    return store


def test_best_and_trials_tables_give_each_objective_a_column(tmp_path):
    store = make_pareto_study(tmp_path / "study")
    best = invoke("best", str(store.root))
    assert best.returncode == 0, best.stderr
    lines = best.stdout.splitlines()
    assert lines[1].split()[:8] == ["trial", "status", "o1", "(min)", "o2", "(min)", "o3", "(min)"]
    assert lines[3].split()[:5] == ["1", "completed", "0.5000", "0.2500", "5.000"]
    assert lines[4].split()[:5] == ["2", "completed", "1.500", "1.250", "0.7500"]
    trials = invoke("trials", str(store.root)).stdout.splitlines()
    assert trials[0].endswith("Pareto front: 1, 2")
    assert trials[1].split()[8] == "front", "a column marks the front's members"
    assert trials[3].split()[:6] == ["1", "completed", "0.5000", "0.2500", "5.000", "*"]
    assert trials[5].split()[:6] == ["3", "completed", "2.000", "2.000", "6.000", "24"]
    listed = json.loads(invoke("trials", str(store.root), "--format", "json").stdout)
    assert [r["pareto_front"] for r in listed] == [True, True, False]
    table = list(csv.DictReader(io.StringIO(invoke("trials", str(store.root), "-f", "csv").stdout)))
    assert [r["pareto_front"] for r in table] == ["true", "true", "false"]


def test_the_terminal_table_gives_each_objective_a_column(tmp_path):
    from rich.console import Console

    from tuner_cli.cli.console import trials_table
    from tuner_cli.results.reading import study_objectives

    store = make_pareto_study(tmp_path / "study")
    screen = Console(file=io.StringIO(), width=200, color_system=None)
    table = trials_table(store.load_trials(), study_objectives(store), front={1, 2})
    screen.print(table)
    rows = [line.split() for line in screen.file.getvalue().splitlines()]
    assert rows[1][2:9] == ["o1", "(min)", "o2", "(min)", "o3", "(min)", "front"]
    assert rows[4][:6] == ["2", "completed", "1.500", "1.250", "0.7500", "*"]
    assert rows[5][5] == "24", "trial 3 is not on the front: its units follow"


def test_show_gives_each_objective_its_score_in_four_digits(tmp_path):
    store = make_pareto_study(tmp_path / "study")
    rows = [line.split() for line in invoke("show", "2", str(store.root)).stdout.splitlines()]
    assert ["scores", "o1=1.500", "o2=1.250", "o3=0.7500"] in rows


def test_the_trials_title_counts_one_trial_in_the_singular(tmp_path):
    store = make_pareto_study(tmp_path / "study")
    store.write_trial(TrialRecord(id=4, status=TrialStatus.RUNNING, hyperparameters={"units": 8}))
    store.flush()
    running = invoke("trials", str(store.root), "--status", "running").stdout.splitlines()[0]
    assert running.startswith("study: 1 trial;")
    completed = invoke("trials", str(store.root), "--status", "completed").stdout.splitlines()[0]
    assert completed.startswith("study: 3 trials;")


def test_best_top_takes_the_first_members_of_the_front_and_env_exports_every_score(tmp_path):
    store = make_pareto_study(tmp_path / "study")
    first = invoke("best", str(store.root), "--top", "1")
    assert first.stdout.splitlines()[0] == (
        "Pareto front: 2 of 3 trials (o1 min, o2 min, o3 min); the one with the best o1 shown"
    )
    assert [line.split()[0] for line in first.stdout.splitlines()[3:]] == ["1"]
    listed = json.loads(invoke("best", str(store.root), "-k", "1", "-f", "json").stdout)
    assert [r["id"] for r in listed] == [1], "a front is a list, however short"
    whole = json.loads(invoke("best", str(store.root), "-f", "json").stdout)
    assert [r["id"] for r in whole] == [1, 2], "without --top, the whole front"
    env = invoke("best", str(store.root), "-f", "env").stdout.splitlines()
    assert env[:5] == [
        "export KT_BEST_TRIAL=1",
        "export KT_BEST_SCORE=0.5",
        "export KT_BEST_SCORE_O1=0.5",
        "export KT_BEST_SCORE_O2=0.25",
        "export KT_BEST_SCORE_O3=5.0",
    ]


@pytest.mark.parametrize("threshold", ["nan", "inf", "-inf"])
def test_best_refuses_a_fail_under_that_is_not_a_number_one_can_pass(tmp_path, threshold):
    store = make_pareto_study(tmp_path / "study")
    result = invoke("best", str(store.root), "--fail-under", threshold)
    assert result.returncode == 2
    assert "--fail-under" in result.stderr and "not a finite number" in result.stderr


def test_a_data_folder_named_like_the_study_does_not_hide_it(tmp_path):
    """A study named after its data folder (``reviews/`` of texts, study ``reviews``) is found
    by its name from the folder the data sits in."""
    make_study(tmp_path / "results" / "study")
    (tmp_path / "study" / "positive").mkdir(parents=True)
    (tmp_path / "study" / "positive" / "a.txt").write_text("good\n")
    for command in (
        ["best", "study", "--format", "json"],
        ["trials", "study"],
        ["show", "3", "study"],
    ):
        result = invoke(*command, cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
    assert json.loads(invoke("best", "study", "--format", "json", cwd=tmp_path).stdout)["id"] == 3


@pytest.mark.parametrize(
    "command",
    [["best"], ["trials"], ["show", "3"], ["report", "-o", "r.html"], ["export", "-o", "m.keras"]],
)
def test_a_target_the_system_will_not_look_at_is_a_usage_error(tmp_path, command):
    """A name longer than the file system allows makes even a stat fail (ENAMETOOLONG)."""
    make_study(tmp_path / "results" / "study")
    too_long = "x" * 300
    for args in ([*command, too_long], [*command, "--results", too_long]):
        result = invoke(*args, cwd=tmp_path)
        no_crash(result)
        assert result.returncode == 2, (args, result.stderr)
        assert f"cannot read '{too_long}" in result.stderr
        assert "name too long" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


@pytest.mark.parametrize(
    ("command", "own"),
    [
        ("report", "study.json"),
        ("report", "config.yaml"),
        ("report", "trials/trial_0003.json"),
        ("report", "trials/report.html"),
        ("export", "models/trial_0002.keras"),
        ("export", "models/trial_0003.keras"),
        ("export", "checkpoints/trial_0002.epoch_0001.keras"),
    ],
)
def test_report_and_export_never_write_over_a_studys_own_files(tmp_path, command, own):
    """``report -o results/s/study.json`` replaced the study.json with the page, and ``export
    -o results/s/models/trial_0002.keras`` trial 2's kept model with trial 3's."""
    store = make_study(tmp_path / "results" / "study")
    other = make_study(tmp_path / "results" / "other", count=3)
    for models in (store.models_dir, other.models_dir):
        models.mkdir()
        for trial_id in (2, 3):
            (models / f"trial_{trial_id:04d}.keras").write_bytes(b"model %d" % trial_id)
    before = {p: p.read_bytes() for p in (tmp_path / "results").rglob("*") if p.is_file()}
    for root in (store.root, other.root, tmp_path / "link"):
        if root.name == "link":
            root.symlink_to(store.root)
        result = invoke(command, str(store.root), "--output", str(root / own))
        no_crash(result)
        assert result.returncode == 2, result.stderr
        assert "is one of the files of the study" in result.stderr
    after = {p: p.read_bytes() for p in (tmp_path / "results").rglob("*") if p.is_file()}
    assert {p: b for p, b in after.items() if ".cache" not in p.parts} == before
    name = "mine.keras" if command == "export" else "mine.html"
    beside = invoke(command, str(store.root), "--output", str(store.root / name))
    assert beside.returncode == 0, beside.stderr  # the study folder itself is the user's to use


def test_report_output_that_cannot_be_a_file_is_a_usage_error(tmp_path):
    store = make_study(tmp_path / "results" / "study", count=3)
    (tmp_path / "folder").mkdir()
    (tmp_path / "a_file").write_text("x")
    for output, message in (
        ("folder", "--output 'folder' is a folder"),
        ("", "--output '.' is a folder"),
        (".", "--output '.' is a folder"),
        ("a_file/r.html", "cannot write the report to a_file/r.html: Not a directory"),
        ("y" * 300 + ".html", "cannot write the report to yyy"),
    ):
        result = invoke("report", str(store.root), "-o", output, cwd=tmp_path)
        no_crash(result)
        assert result.returncode == 2, (output, result.stderr)
        assert message in result.stderr, (output, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "folder", "results"]


def test_report_into_a_pipe_writes_into_it_instead_of_replacing_it(tmp_path):
    """``-o /dev/stdout`` or a named pipe: renaming a temporary file over it (as root, where
    the rename is allowed) replaced the device or the pipe with a regular file."""
    import stat
    import threading

    store = make_study(tmp_path / "results" / "study", count=3)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = invoke("report", str(store.root), "-o", str(pipe))
    reader.join(timeout=30)
    no_crash(result)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert received and received[0].startswith(b"<!DOCTYPE html>")
    assert "Report:" not in result.stdout and f"Report: {pipe}" in result.stderr


def test_report_to_dash_prints_the_page_and_writes_no_file(tmp_path):
    """``-o -`` is stdout, as Unix tools take it: it wrote a file named ``-``."""
    store = make_study(tmp_path / "results" / "study", count=3)
    result = invoke("report", str(store.root), "-o", "-", cwd=tmp_path)
    no_crash(result)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.endswith("</html>\n")
    assert "Report:" not in result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


@pytest.mark.parametrize("scores", ['"o1"', "[0.5, 0.25, 5.0]", '{"o1": "0.5", "o2": 1}'])
def test_a_record_whose_scores_are_not_numbers_is_skipped_by_every_command(tmp_path, scores):
    """A multi-objective record's ``scores`` are read by the Pareto front of every command."""
    store = make_pareto_study(tmp_path / "study")
    path = store.trial_path(1)
    path.write_text(path.read_text().replace('"scores": {', f'"scores": {scores}, "old": {{'))
    for args in (
        ["best", "--format", "json"],
        ["best", "--format", "env"],
        ["trials"],
        ["trials", "--format", "csv"],
        ["report", "--output", str(tmp_path / "r.html")],
    ):
        result = invoke(args[0], str(store.root), *args[1:])
        no_crash(result)
        assert result.returncode == 0, (args, result.stderr)
        assert "skipped trial_0001.json: field 'scores' must be" in result.stderr, args
    assert json.loads(invoke("best", str(store.root), "-f", "json").stdout)[0]["id"] == 2


def test_show_says_whether_a_trial_of_several_objectives_is_on_the_pareto_front(tmp_path):
    """``trials`` marked the front's members, ``show`` did not say; its JSON adds
    ``pareto_front`` as ``trials --format json`` does."""
    store = make_pareto_study(tmp_path / "study")
    member = [line.split() for line in invoke("show", "2", str(store.root)).stdout.splitlines()]
    beaten = [line.split() for line in invoke("show", "3", str(store.root)).stdout.splitlines()]
    assert ["Pareto", "front", "yes"] in member
    assert ["Pareto", "front", "no"] in beaten
    shown = json.loads(invoke("show", "3", str(store.root), "--format", "json").stdout)
    assert shown["pareto_front"] is False
    one = invoke("show", "3", str(make_study(tmp_path / "one")))
    assert "Pareto" not in one.stdout


def test_trials_left_running_by_a_killed_search_are_named_unless_a_search_runs(tmp_path):
    """After a kill -9 the records still said running, and `trials` and `show` listed them so,
    as if a search were training them."""
    from tuner_cli.search.lock import StudyLock

    store = make_study(tmp_path / "study")
    for trial_id in (13, 14):
        store.write_trial(TrialRecord(id=trial_id, status=TrialStatus.RUNNING, hyperparameters={}))
    store.flush()
    warning = (
        "warning: trials 13, 14 are marked running, but no search is running on this study (the "
        "last one stopped without finishing); the next `kt-run search` on it resumes them"
    )
    assert invoke("trials", str(store.root)).stderr.strip() == warning
    assert invoke("trials", str(store.root), "-f", "json").stderr.strip() == warning
    shown = invoke("show", "14", str(store.root)).stderr.strip()
    assert shown.startswith("warning: trial 14 is marked running") and shown.endswith("resumes it")
    assert invoke("show", "3", str(store.root)).stderr == ""
    with StudyLock(store.root):
        assert invoke("trials", str(store.root)).stderr == ""
        assert invoke("show", "14", str(store.root)).stderr == ""


def test_best_top_gives_a_list_whatever_k_is(study):
    """``--top 1`` printed one record and ``--top 2`` a list, so a CI step running
    ``best --top "$K" -f json | jq '.[0]'`` broke when K was 1; the list comes with --top."""
    for fmt in ("json", "yaml"):
        one = invoke("best", str(study), "--top", "1", "-f", fmt)
        assert one.returncode == 0, one.stderr
        records = json.loads(one.stdout) if fmt == "json" else yaml.safe_load(one.stdout)
        assert [r["id"] for r in records] == [3]
        plain = invoke("best", str(study), "-f", fmt).stdout
        assert (json.loads(plain) if fmt == "json" else yaml.safe_load(plain))["id"] == 3


def test_yaml_writes_names_and_values_as_they_are_not_escaped(tmp_path):
    """A metric ``ünïcode`` read ``"\\xFCn\\xEFcode"`` in ``best`` and ``show`` YAML."""
    store = make_study(tmp_path / "study", best_hp={"act": "tanh·ü"})
    record = read_record(store, 3)
    record.metrics["ünïcode"] = 0.5
    store.write_trial(record)
    store.flush()
    for command in (("best",), ("show", "3")):
        done = invoke(*command, str(store.root), "-f", "yaml")
        assert done.returncode == 0, done.stderr
        assert "ünïcode: 0.5" in done.stdout and "act: tanh·ü" in done.stdout
        assert yaml.safe_load(done.stdout)["metrics"]["ünïcode"] == 0.5


def test_an_ascii_only_output_escapes_names_rather_than_failing(tmp_path):
    """Under PYTHONIOENCODING=ascii a hyperparameter value ``tanh·ü`` ended the table in
    "internal error: UnicodeEncodeError"."""
    store = make_study(tmp_path / "study", best_hp={"act": "tanh·ü"})
    for fmt in ("table", "json", "yaml"):
        done = subprocess.run(
            [sys.executable, "-m", "tuner_cli", "best", str(store.root), "-f", fmt],
            capture_output=True,
            env=cli_env(PYTHONIOENCODING="ascii"),
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert b"tanh\\xb7\\xfc" in done.stdout or b"tanh\\u00b7\\u00fc" in done.stdout, done.stdout


def test_best_of_a_study_whose_trials_all_failed_says_how_they_ended(tmp_path):
    """ "no completed trial ... yet" read as if waiting would help, of trials that had all
    failed."""
    store = make_study(tmp_path / "study", count=0)
    assert (
        invoke("best", str(store.root))
        .stderr.strip()
        .endswith(f"no completed trial in {store.root} yet")
    )
    for trial_id, status in (
        (1, TrialStatus.FAILED),
        (2, TrialStatus.FAILED),
        (3, TrialStatus.PRUNED),
    ):
        store.write_trial(TrialRecord(id=trial_id, status=status, hyperparameters={}))
    store.flush()
    result = invoke("best", str(store.root))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: no completed trial in {store.root}: 2 failed, 1 pruned (`kt-run trials` lists "
        "them; `kt-run show ID` says why)"
    )
