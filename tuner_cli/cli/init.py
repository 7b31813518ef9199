from __future__ import annotations

from pathlib import Path

import typer

from tuner_cli.cli.console import print_warning
from tuner_cli.errors import UsageError


def init(
    data: Path = typer.Argument(
        None,
        metavar="DATA",
        help="A folder with one subfolder of images or .txt files per class, or a CSV file; "
        "without it, scikit-learn's bundled digits.",
    ),
    target: str = typer.Option(None, "--target", help="The CSV column to predict (default: last)."),
    output: Path = typer.Option(
        None, "--output", "-o", help="The config file to write (default: NAME.yaml here)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the config file if it exists."),
) -> None:
    """Write a starter config for your data, ready to validate and search."""
    from tuner_cli.config import load_config_text
    from tuner_cli.training.starter import starter_for, study_name

    name = study_name(data)
    output = output or Path(f"{name}.yaml")
    if output.is_dir():
        raise UsageError(f"{output} is a folder; give --output a file name")
    if output.exists() and not force:
        raise UsageError(f"{output} exists; kt-run does not replace it without --force")
    if not output.parent.is_dir():
        raise UsageError(f"no such folder: {output.parent}")
    starter = starter_for(data, output.parent, target)
    given = [*([str(data)] if data else []), *(["--target", target] if target else [])]
    text = starter.render(name, " ".join(["kt-run init", *given]), output.name)
    load_config_text(text, output)  # checked before anything is written
    output.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {output}: {starter.about}.")
    for warning in starter.warnings:
        print_warning(warning)
    typer.echo(f"Next: kt-run validate {output}, then kt-run search {output}.")
