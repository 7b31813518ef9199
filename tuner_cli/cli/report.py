from __future__ import annotations

from pathlib import Path

import typer

from tuner_cli.cli.common import STDOUT, check_output_file, emit, locate_study, warn


def report(
    target: str = typer.Argument(
        None, metavar="TARGET", help="Results folder, study folder or config file."
    ),
    html: Path = typer.Option(
        Path("report.html"), "--output", "-o", help="The HTML file to write; - for stdout."
    ),
    results: Path = typer.Option(
        Path("results"),
        "--results",
        help="Folder that holds the studies, when TARGET is not given.",
    ),
) -> None:
    """One self-contained HTML page: charts, importance, learning curves, sortable trials."""
    from tuner_cli.report import render_report
    from tuner_cli.results.store import atomic_write_text, write_error

    store = locate_study(target, results)
    if str(html) != STDOUT:
        check_output_file(html)
    warnings: list[str] = []
    page = render_report(store, warnings)
    if str(html) == STDOUT:
        emit(page)
        warn(warnings)
        return
    try:
        stream = html.exists() and not html.is_file()
        if stream:
            # /dev/stdout, a named pipe: written into; a rename would replace the device
            with open(html, "w", encoding="utf-8") as handle:
                handle.write(page)
        else:
            atomic_write_text(html, page)
    except OSError as exc:
        raise write_error(f"cannot write the report to {html}", exc) from None
    warn(warnings)
    # after a page sent to /dev/stdout, the line would end up in it
    typer.echo(f"Report: {html}", err=stream)
