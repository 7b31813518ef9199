"""The Typer app and the one place where errors become messages and exit codes."""

from __future__ import annotations

import os
import sys
import traceback

import typer

from tuner_cli import __version__
from tuner_cli.cli.best import best
from tuner_cli.cli.search import search
from tuner_cli.cli.show import show
from tuner_cli.cli.trials import trials
from tuner_cli.cli.validate import validate
from tuner_cli.errors import KtRunError

app = typer.Typer(
    name="kt-run",
    help="Hyperparameter search for Keras models, driven by one YAML file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(search)
app.command()(best)
app.command()(trials)
app.command()(show)
app.command()(validate)

_verbose = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kt-run {__version__}")
        raise typer.Exit()


@app.callback()
def options(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show TensorFlow's logs and full tracebacks."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    global _verbose
    _verbose = verbose
    if verbose:
        os.environ["KT_RUN_VERBOSE"] = "1"
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("PYTHONWARNINGS", "ignore")
        import warnings

        warnings.filterwarnings("ignore")


def main() -> None:
    try:
        app()
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


def _report(message: str, code: int) -> None:
    from tuner_cli.console import error_console

    if _verbose and sys.exc_info()[0] is not None and code != 130:
        traceback.print_exc()
    error_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise SystemExit(code)
