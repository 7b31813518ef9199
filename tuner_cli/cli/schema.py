from __future__ import annotations

from pathlib import Path

import typer

from tuner_cli.cli.common import STDOUT, check_output_file, emit, to_json


def schema(
    output: Path = typer.Option(
        None, "--output", "-o", help="Write to this file (- or none: stdout)."
    ),
) -> None:
    """The config's JSON Schema, for editor completion and validation as you type."""
    from tuner_cli.config.schema import config_schema

    text = to_json(config_schema()) + "\n"
    if output is None or str(output) == STDOUT:
        emit(text)
    else:
        from tuner_cli.results.store import write_error

        check_output_file(output)
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise write_error(f"cannot write the schema to {output}", exc) from None
        typer.echo(f"Wrote {output}", err=True)
