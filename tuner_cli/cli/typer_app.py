"""The Typer app: every command for ``--help``, and the commands that need Typer's parsing.

Built only when a command other than the read commands runs (see ``CLICK_COMMANDS``).
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from tuner_cli._version import __version__
from tuner_cli.cli.app import (
    CLICK_COMMANDS,
    COMMANDS,
    load_command,
    reader_may_leave,
    set_verbosity,
)


class LazyGroup(TyperGroup):
    def invoke(self, ctx):
        """``kt-run schema | head -1`` ends as the read commands do (``main`` says how)."""
        with reader_may_leave():
            return super().invoke(ctx)

    def list_commands(self, ctx) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            single = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
            if cmd_name in CLICK_COMMANDS:
                single.command(
                    cmd_name,
                    help=load_command(cmd_name).help,
                    add_help_option=False,
                    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                )(_hand_over(cmd_name))
            else:
                single.command(cmd_name)(load_command(cmd_name))
            self.commands[cmd_name] = typer.main.get_command(single)
        return super().get_command(ctx, cmd_name)


def _hand_over(name: str):
    def run(ctx: typer.Context) -> None:
        load_command(name).main(ctx.args, prog_name=f"kt-run {name}")

    return run


app = typer.Typer(
    name="kt-run",
    cls=LazyGroup,
    help="Hyperparameter search for Keras models, driven by one YAML file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


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
    set_verbosity(verbose)
