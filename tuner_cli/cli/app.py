"""The entry point: which parser runs a command, and the one place where errors become
messages and exit codes."""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import NoReturn

from tuner_cli.errors import KtRunError
from tuner_cli.wording import for_the_command_line

COMMANDS = {
    "init": "tuner_cli.cli.init:init",
    "search": "tuner_cli.cli.search:search",
    "best": "tuner_cli.cli.best:best",
    "trials": "tuner_cli.cli.trials:trials",
    "show": "tuner_cli.cli.show:show",
    "validate": "tuner_cli.cli.validate:validate",
    "report": "tuner_cli.cli.report:report",
    "export": "tuner_cli.cli.export:export",
    "schema": "tuner_cli.cli.schema:schema",
}
"""Command name -> ``module:function``, imported only when that command runs (or for --help).

``kt-run best`` must answer fast, so it must not pay for importing the search machinery
(pydantic, NumPy) that other commands need.
"""
CLICK_COMMANDS = {"best", "trials", "show"}
"""Declared with plain click (``tuner_cli.cli.read_options`` says why): ``main`` runs them
without building the Typer app, and the app lists them and hands their arguments over."""


STDOUT_CLOSED = 141
"""The exit code when stdout's reader stopped early (``kt-run trials | head -1``): 128 +
SIGPIPE, what the shell reports for cat or grep there. Not 0: the output was cut short, and a
``best --fail-under`` may not have reached its check."""


class StdoutClosed(BaseException):
    """Stdout's reader went away. Raised by the commands in place of ``BrokenPipeError``, which
    click would turn into exit code 1 (a failed search's) before ``main`` sees it. Not an
    ``Exception``: like ``SystemExit`` it ends the command, it is no internal error."""


@contextmanager
def reader_may_leave() -> Iterator[None]:
    """Around a command's work (its click ``invoke``): a closed stdout reaches ``main``."""
    try:
        yield
    except BrokenPipeError as exc:
        raise StdoutClosed from exc


_verbose = False


def set_verbosity(verbose: bool) -> None:
    """``-v``: TensorFlow's logs, Python warnings and full tracebacks; else all kept quiet."""
    global _verbose
    _verbose = verbose
    if verbose:
        os.environ["KT_RUN_VERBOSE"] = "1"
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("PYTHONWARNINGS", "ignore")
        import warnings

        warnings.filterwarnings("ignore")


def load_command(name: str):
    module, function = COMMANDS[name].split(":")
    return getattr(importlib.import_module(module), function)


def main() -> None:
    # a terminal or pipe that takes ASCII alone (PYTHONIOENCODING=ascii, a bare C locale on
    # old Pythons) made a non-ASCII hyperparameter name an "internal error"; it is escaped
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        try:
            try:
                _main()
            finally:
                # what is still in Python's buffer meets a closed pipe here, not at exit, where
                # Python would print "Exception ignored ... BrokenPipeError"
                sys.stdout.flush()
        except (StdoutClosed, BrokenPipeError):
            _stdout_closed()
    except SystemExit as exc:
        _end_without_lingering_threads(exc.code)
        raise


LINGERING_THREADS_WAIT_S = 10.0
"""How long the end of a command waits for threads that are not kt-run's (all of kt-run's are
daemons) before it ends without them."""


def _end_without_lingering_threads(code: object) -> None:
    """Bound Python's wait at exit for threads that are no daemons: one an objective started
    with ``--workers 0`` and never ended kept a finished search from ever returning. Python's
    own shutdown runs as usual (a library's thread that ends on it, a pool's idle workers,
    ends there); only a thread still running ``LINGERING_THREADS_WAIT_S`` later is left
    behind, with a note, after the exit functions."""
    if not _lingering_threads():
        return

    def end_after_the_wait() -> None:
        time.sleep(LINGERING_THREADS_WAIT_S)
        names = ", ".join(sorted({t.name for t in _lingering_threads()}))
        if not names:
            return
        sys.stderr.write(
            f"note: thread(s) started by user code still running after "
            f"{LINGERING_THREADS_WAIT_S:g} s ({names}); ending without waiting for them\n"
        )
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with suppress(Exception):
                stream.flush()
        os._exit(code if isinstance(code, int) else 0 if code is None else 1)

    threading.Thread(target=end_after_the_wait, name="kt-run-exit", daemon=True).start()


def _lingering_threads() -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and t.is_alive()
    ]


def _main() -> None:
    try:
        if sys.argv[1:2] and sys.argv[1] in CLICK_COMMANDS:
            set_verbosity(False)
            load_command(sys.argv[1]).main(sys.argv[2:], prog_name=f"kt-run {sys.argv[1]}")
        else:
            _run_typer_app()
    except KtRunError as exc:
        _report(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _report("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a bare traceback
        _report(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --verbose for the "
            "traceback, and please report it)",
            1,
        )


def _run_typer_app() -> None:
    """The Typer commands, with usage errors printed as for the read commands (``Error: ...``
    under the usage line, as click prints them): Typer's framed panel would be the one boxed
    message of kt-run in a CI log. Help stays Typer's."""
    import typer
    from rich.console import Console

    from tuner_cli.cli.typer_app import app

    Console.on_broken_pipe = _raise_stdout_closed  # rich's hook for it (its default: exit 1)
    try:
        code = app(prog_name="kt-run", standalone_mode=False)
    except typer.TyperException as exc:  # Typer's click: UsageError, BadParameter...
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _report(exc.format_message(), exc.exit_code)
        code = exc.exit_code
    except typer.Abort:
        code = 130
    raise SystemExit(code if isinstance(code, int) else 0)


def _raise_stdout_closed(console: object) -> NoReturn:
    """A rich console (Typer's help, the search view, the tables) met a closed stdout."""
    raise StdoutClosed


def _stdout_closed() -> NoReturn:
    """End quietly once the reader has what it wanted; stdout points at /dev/null so that
    nothing left in Python's buffer fails again when the interpreter exits."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    raise SystemExit(STDOUT_CLOSED)


def _report(message: str, code: int) -> None:
    from tuner_cli.cli.console import error_console

    if _verbose and sys.exc_info()[0] is not None and code != 130:
        traceback.print_exc()
    error_console.print(
        f"error: {for_the_command_line(message)}", markup=False, highlight=False, soft_wrap=True
    )
    raise SystemExit(code)


def __getattr__(name: str):
    """``from tuner_cli.cli.app import app``: the Typer app, built on first use (for
    ``typer.testing.CliRunner``) so that importing ``main`` stays free of Typer."""
    if name == "app":
        from tuner_cli.cli.typer_app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
