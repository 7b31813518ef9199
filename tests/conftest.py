"""Shared fixtures: run the real CLI (in a subprocess or in this process), write small configs."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "NO_COLOR": "1"})
    env.update(extra)
    return env


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300, **env: str):
    """``kt-run ARGS`` in a fresh interpreter, as a user or a CI script would run it."""
    return subprocess.run(
        [sys.executable, "-m", "tuner_cli", *args],
        cwd=cwd,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_piped(script: str, cwd: Path, timeout: float = 240, **env: str):
    """``python - <<EOF``: a script fed on standard input, whose ``__main__.__file__`` is
    ``<stdin>``, no file, as a notebook's ``__main__`` has none."""
    return subprocess.run(
        [sys.executable, "-"],
        input=script,
        cwd=cwd,
        env=cli_env(PYTHONPATH=str(REPO), TMPDIR="/tmp", **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def invoke(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """``kt-run ARGS`` through the console script's own ``main()``, in this process.

    The same parsing, messages and exit codes as ``run_cli`` without a new interpreter (about
    a second each); for checks where no process boundary is under test. The working folder,
    environment, warning filters and ``sys.argv`` are put back afterwards.
    """
    from tuner_cli.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_argv, saved_cwd = dict(os.environ), sys.argv, Path.cwd()
    os.environ.update(cli_env(**env))
    sys.argv = ["kt-run", *args]
    code = 0
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            if cwd is not None:
                os.chdir(cwd)
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["kt-run", *args], code, out.getvalue(), err.getvalue())


def block_tensorflow(tmp_path: Path) -> str:
    """A PYTHONPATH folder whose tensorflow and keras fail to import."""
    folder = tmp_path / "no_tf"
    for name in ("tensorflow", "keras"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "__init__.py").write_text(f"raise ImportError('{name} is blocked')\n")
    return str(folder)


@pytest.fixture
def kt_run():
    """``kt-run`` in this process; tests of what happens across processes use ``run_cli``."""
    return invoke


@pytest.fixture
def write_config(tmp_path: Path):
    def write(text: str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first, otherwise in their usual order: under pytest-xdist the long ones start
    while quick ones still wait to fill the gaps, instead of one running alone at the end.

    Tests that share a module-scoped fixture move together (slow if any of them is), so a
    run without xdist still makes that fixture once.
    """

    def unit(item: pytest.Item) -> str:
        defs = getattr(item, "_fixtureinfo", None)
        shared = defs is not None and any(
            d.scope == "module" for fixtures in defs.name2fixturedefs.values() for d in fixtures
        )
        return item.module.__name__ if shared and item.module else item.nodeid

    slow_units = {unit(item) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: unit(item) not in slow_units)


# Modules whose tests share a costly module-scoped fixture (a search, a report): pytest-xdist
# runs each on one worker, which makes the fixture once instead of once on every worker that
# gets one of its tests. (xdist's own `--dist loadgroup` does nothing under pytest 9.2: it
# renames tests through `item._nodeid`, which pytest no longer reads.)
ONE_WORKER = (
    "tests/e2e/test_end_to_end.py",
    "tests/report/test_report.py",
    "tests/results/test_export.py",
)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which `-p no:xdist` leaves out
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``-n`` with the default ``--dist load``: each test on its own, except ONE_WORKER's."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduler(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER else nodeid

    return Scheduler(config, log)
