"""Usage errors read the same from every command: click's plain lines, exit 2, no frame."""

from __future__ import annotations

import pytest

from tests.conftest import invoke


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "study.yaml", "--workers", "many"), "Invalid value for '--workers'"),
        (("search",), "Missing argument 'CONFIG'."),
        (("init", "--bogus"), "No such option: --bogus"),
        (("serch", "study.yaml"), "No such command 'serch'."),
        (("best", "--top", "x"), "Invalid value for '--top'"),
    ],
)
def test_a_usage_error_is_plain_text_with_exit_code_2(tmp_path, args, message):
    result = invoke(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Usage: kt-run")
    assert lines[-1] == f"Error: {message}" or lines[-1].startswith(f"Error: {message}")
    assert "╭" not in result.stderr and not result.stdout
    assert not list(tmp_path.iterdir())  # nothing written


def test_no_command_prints_the_help():
    result = invoke()
    assert result.returncode == 2
    assert "Commands" in result.stdout + result.stderr
