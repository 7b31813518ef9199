"""The HTML report: its content, its escaping, and how a real headless Chromium renders it."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.cli.test_read_commands import HOSTILE, make_study
from tests.conftest import run_cli
from tuner_cli.report import render_report
from tuner_cli.report.importance import encode_column, hyperparameter_importance, is_log_scale

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium is not installed (.ci/run installs it)"
)


class _Parsed(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings: list[str] = []
        self.scripts = 0
        self.rows = 0
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        self._in_h2 = tag == "h2"
        self.scripts += tag == "script"
        self.rows += tag == "tr"

    def handle_data(self, data):
        if self._in_h2:
            self.headings.append(data)
            self._in_h2 = False


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One report, made by a separate kt-run process; the tests only read it."""
    folder = tmp_path_factory.mktemp("report")
    store = make_study(folder / "study", count=14, best_hp={"act": HOSTILE[6]})
    path = folder / "report.html"
    result = run_cli("report", str(store.root), "--output", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_report_has_every_section(report_html):
    html = report_html.read_text()
    parsed = _Parsed()
    parsed.feed(html)
    assert parsed.headings == [
        "Study",
        "Objective per trial",
        "Hyperparameters against the objective",
        "Parallel coordinates",
        "Hyperparameter importance",
        "Learning curves of the top 5 trials",
        "All trials",
    ]
    assert "Random forest regression" in html
    assert "trial 5 failed: ValueError: boom" in html
    assert "pruned (score when stopped)" in html
    assert parsed.rows >= 14


def test_report_is_self_contained_and_escapes_values(report_html):
    html = report_html.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script>window.pwned" not in html
    assert "&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    parsed = _Parsed()
    parsed.feed(html)
    assert parsed.scripts == 1


def test_report_of_an_empty_study(tmp_path):
    store = make_study(tmp_path / "study", count=0)
    html = render_report(store)
    assert "No trials yet." in html
    assert "No completed trial yet." in html


def test_a_record_left_out_is_said_on_the_page_not_only_on_stderr(tmp_path):
    """Whoever is handed the page could not tell it was missing a trial."""
    store = make_study(tmp_path / "study")
    store.trial_path(4).write_text("{not json", encoding="utf-8")
    html = render_report(store)
    parsed = _Parsed()
    parsed.feed(html)
    assert parsed.headings[:2] == ["Study", "Records left out"]
    assert "skipped trial_0004.json" in html
    assert "Records left out" not in render_report(make_study(tmp_path / "whole"))


def test_log_scale_detection_and_encoding():
    assert is_log_scale([1e-4, 3e-4, 1e-3, 2e-3, 1e-2, 1e-1])
    assert not is_log_scale([0.01, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert not is_log_scale([0.0, 0.1, 0.5])
    assert encode_column([1e-4, 1e-2, None]) == [0.0, 1.0, -1.0]
    assert encode_column(["b", "a", "b"]) == [1.0, 0.0, 1.0]


def test_importance_finds_the_parameter_that_matters():
    hps = [{"lr": (i % 10) / 10, "noise": (i * 7919 % 13) / 13} for i in range(60)]
    scores = [hp["lr"] ** 2 for hp in hps]
    result = hyperparameter_importance(hps, scores)
    assert list(result.values)[0] == "lr"
    assert result.values["lr"] > 0.8
    assert "Out-of-bag" in result.method
    assert hyperparameter_importance(hps[:3], scores[:3]) is None


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    """Chromium's console lines (``INFO:CONSOLE``...): errors, uncaught exceptions, logs."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@needs_chromium
def test_the_console_check_catches_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>missingFunction();</script></body></html>")
    result = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert any("Uncaught ReferenceError" in line for line in console_messages(result.stderr))


@needs_chromium
@pytest.mark.slow
def test_report_loads_in_chromium_without_errors_and_renders(report_html, tmp_path):
    loaded = _chromium(tmp_path, "--dump-dom", report_html.as_uri())
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert console_messages(loaded.stderr) == []
    assert 'data-ready="1"' in loaded.stdout  # the script ran to its end
    shot = tmp_path / "report.png"
    taken = _chromium(
        tmp_path, f"--screenshot={shot}", "--window-size=1400,2000", report_html.as_uri()
    )
    assert shot.is_file(), taken.stderr[-2000:]
    assert console_messages(taken.stderr) == []
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    assert image.size == (1400, 2000)
    colours = image.getcolors(maxcolors=1_000_000)
    assert len(colours) > 200
    most = max(count for count, _ in colours)
    assert most < 0.9 * 1400 * 2000  # not a blank page
