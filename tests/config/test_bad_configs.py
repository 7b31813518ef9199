"""The malformed-config corpus: every file must give exit code 2, a message naming the problem
and its place, no traceback, write nothing, and leave an existing study with the same name
untouched (there a config the saved one does not match is refused first, before any check that
needs a worker, so the message may be that refusal's).

Each corpus file says what its message must contain (``# expect: ...`` lines) and marks the
line the message must name (``# <- here``). All of them run through ``validate`` and
``search`` in this process (the real entry point, ``main()``, with its error handling); a
sample, and the generated 10 MB file, also run as a separate ``kt-run`` process.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.conftest import invoke, run_cli

CORPUS_DIR = Path(__file__).resolve().parent / "bad_configs"
CORPUS = sorted(CORPUS_DIR.glob("*.yaml"))
VALID = CORPUS_DIR / "corpus_valid.yml"
SUBPROCESS_SAMPLE = [
    "yaml_python_object_apply.yaml",
    "yaml_alias_bomb.yaml",
    "yaml_not_utf8.yaml",
    "space_min_above_max.yaml",
    "name_traversal.yaml",
]
"""Errors found before any trial; one found by the pre-search check in a worker process is
tests/e2e/test_end_to_end.py's misspelt objective."""


def expectations(path: Path) -> tuple[list[str], int | None]:
    raw = path.read_bytes()
    expected = [e.decode("utf-8").strip() for e in re.findall(rb"# expect: (.*)", raw)]
    lines = [i + 1 for i, line in enumerate(raw.split(b"\n")) if b"# <- here" in line]
    return expected, (lines[0] if lines else None)


def call_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``kt-run ARGS`` through the console script's own function, in this process."""
    from tuner_cli.cli.app import main

    saved = sys.argv
    sys.argv = ["kt-run", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved
    captured = capsys.readouterr()
    return code, captured.err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def existing_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid study named like the corpus configs, for them to (not) write into."""
    output = tmp_path_factory.mktemp("corpus") / "results"
    result = invoke("search", str(VALID), "--results", str(output), "--workers", "0")
    assert result.returncode == 0, result.stderr
    assert (output / "corpus" / "trials" / "trial_0002.json").is_file()
    return output


def check_refused(path: Path, code: int, err: str) -> None:
    assert code == 2, f"{path.name}: exit {code}\n{err}"
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert len(re.findall(r"^error: ", err, re.MULTILINE)) == 1, err


def check_failure(path: Path, code: int, err: str) -> None:
    expected, line = expectations(path)
    flat = " ".join(err.split())
    check_refused(path, code, err)
    for text in expected:
        assert text in flat, f"{path.name}: {text!r} not in {flat!r}"
    if line is not None:
        assert f"{path.name}:{line})" in flat, f"{path.name}: line {line} not named in {flat!r}"


def test_the_corpus_is_large_and_every_file_says_what_to_expect() -> None:
    assert len(CORPUS) >= 40
    for path in CORPUS:
        assert expectations(path)[0], f"{path.name} has no '# expect:' line"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_validate_and_search_refuse_it(
    path: Path,
    existing_study: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "400")
    before = snapshot(existing_study)
    fresh = existing_study.parent / "fresh"
    code, err = call_main(["validate", str(path)], capsys)
    check_failure(path, code, err)
    code, err = call_main(["search", str(path), "--results", str(fresh)], capsys)
    check_failure(path, code, err)
    assert not fresh.exists() or not list(fresh.iterdir()), f"{path.name} wrote a study"
    code, err = call_main(["search", str(path), "--results", str(existing_study)], capsys)
    check_refused(path, code, err)
    assert snapshot(existing_study) == before, f"{path.name} wrote into the existing study"
    assert not list(tmp_path.iterdir()), "something was written in the working directory"


@pytest.mark.slow
@pytest.mark.parametrize("name", SUBPROCESS_SAMPLE)
def test_a_sample_fails_the_same_way_as_a_separate_process(
    name: str, existing_study: Path, tmp_path: Path
) -> None:
    path = CORPUS_DIR / name
    before = snapshot(existing_study)
    for args in (["validate", str(path)], ["search", str(path), "--results", "fresh"]):
        result = run_cli(*args, cwd=tmp_path, COLUMNS="400")
        check_failure(path, result.returncode, result.stderr)
    assert not (tmp_path / "fresh" / "corpus").exists()
    result = run_cli("search", str(path), "--results", str(existing_study), cwd=tmp_path)
    check_refused(path, result.returncode, result.stderr)
    assert snapshot(existing_study) == before
    assert not (tmp_path / "kt_run_pwned").exists()
    assert not (CORPUS_DIR / "kt_run_pwned").exists()


def test_a_10_mb_config_is_refused_before_it_is_parsed(
    existing_study: Path, tmp_path: Path
) -> None:
    """Generated here, not committed: 10 MB of comments after a valid head."""
    big = tmp_path / "big.yaml"
    head = VALID.read_text(encoding="utf-8")
    big.write_text(head + ("# padding padding padding padding padding\n" * 250_000))
    assert big.stat().st_size > 10_000_000
    before = snapshot(existing_study)
    for args in (["validate", str(big)], ["search", str(big), "--results", str(existing_study)]):
        result = invoke(*args, cwd=tmp_path, COLUMNS="400")
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        flat = " ".join(result.stderr.split())
        assert "a config must be under 1,000,000" in flat
        assert "big.yaml" in flat
    assert snapshot(existing_study) == before


def test_yaml_tags_never_build_objects(tmp_path: Path, capsys, monkeypatch) -> None:
    """Each tag that would run code in an unsafe loader is refused; nothing runs."""
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "ran"
    for tag in (
        f'!!python/object/apply:os.system ["touch {marker}"]',
        f'!!python/object/new:os.system ["touch {marker}"]',
        "!!python/name:os.system",
        "!!python/module:os",
        f'!!python/object/apply:subprocess.call [["touch", "{marker}"]]',
        '!!python/object:builtins.object {"a": 1}',
    ):
        config = tmp_path / "tag.yaml"
        config.write_text(f"name: tags\nseed: {tag}\n", encoding="utf-8")
        code, err = call_main(["validate", str(config)], capsys)
        assert code == 2, tag
        assert "seed:" in err and "tag.yaml:2" in err, err
        assert not marker.exists()
