"""The options ``best``, ``trials`` and ``show`` share, declared with plain click.

These three commands answer scripts and CI, often on studies of thousands of trials, and must
start in a fraction of a second: Typer builds a pydantic adapter for every parameter, which
costs about as much as everything else ``kt-run best`` does. Plain click commands parse the
same command lines with click's own messages and exit code 2, and ``kt-run --help`` still
lists them (``tuner_cli.cli.app``).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import click

from tuner_cli.cli.app import reader_may_leave
from tuner_cli.cli.common import DEFAULT_OUTPUT, OLD_OUTPUT_HELP, RESULTS_HELP

Command = TypeVar("Command", bound=Callable[..., Any])


class ReadCommand(click.Command):
    """A read command: its output is often cut short by ``head``, which ``main`` answers."""

    def invoke(self, ctx: click.Context) -> Any:
        with reader_may_leave():
            return super().invoke(ctx)


def study_options(command: Command) -> Command:
    """``[TARGET]``, ``--results DIR`` and the deprecated ``-o/--output DIR``."""
    command = click.option("--output", "-o", type=Path, hidden=True, help=OLD_OUTPUT_HELP)(command)
    command = click.option(
        "--results", type=Path, default=DEFAULT_OUTPUT, show_default=True, help=RESULTS_HELP
    )(command)
    return click.argument("target", required=False, metavar="[TARGET]")(command)


def format_option(choices: type[Enum], help: str | None = None) -> Callable[[Command], Command]:
    """``-f/--format`` with ``choices``' values; the command gets the enum member."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice([c.value for c in choices]),
        default=next(iter(choices)).value,
        show_default=True,
        callback=lambda ctx, param, value: choices(value),
        help=help,
    )
