"""The Typer app and the one place where errors become messages and exit codes."""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import typer
from typer.core import TyperGroup

from tuner_cli._version import __version__
from tuner_cli.errors import KtRunError

COMMANDS = {
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


class LazyGroup(TyperGroup):
    def list_commands(self, ctx) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, function = COMMANDS[cmd_name].split(":")
            single = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
            single.command(cmd_name)(getattr(importlib.import_module(module), function))
            self.commands[cmd_name] = typer.main.get_command(single)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="kt-run",
    cls=LazyGroup,
    help="Hyperparameter search for Keras models, driven by one YAML file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

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
    from tuner_cli.cli.fastpath import FAST_COMMANDS, run_fast

    try:
        if sys.argv[1:2] and sys.argv[1] in FAST_COMMANDS:
            options(verbose=False, version=False)
        if not run_fast(sys.argv[1:]):
            app()
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
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
    from tuner_cli.cli.console import error_console

    if _verbose and sys.exc_info()[0] is not None and code != 130:
        traceback.print_exc()
    error_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise SystemExit(code)
