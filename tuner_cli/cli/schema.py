from __future__ import annotations

from pathlib import Path

import typer

from tuner_cli.cli.common import emit, to_json


def schema(
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file, not stdout."),
) -> None:
    """The config's JSON Schema, for editor completion and validation as you type."""
    from tuner_cli.config.schema import config_schema

    text = to_json(config_schema()) + "\n"
    if output is None:
        emit(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}", err=True)
