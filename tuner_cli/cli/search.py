from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer

from tuner_cli.cli.common import (
    DEFAULT_OUTPUT,
    OLD_OUTPUT_HELP,
    RESULTS_HELP,
    abort,
    results_folder,
)
from tuner_cli.wording import for_the_command_line


def search(
    config: Path = typer.Argument(..., metavar="CONFIG", help="The study's YAML config."),
    results: Path = typer.Option(DEFAULT_OUTPUT, "--results", help=RESULTS_HELP),
    output: Path = typer.Option(None, "--output", "-o", hidden=True, help=OLD_OUTPUT_HELP),
    max_trials: int = typer.Option(
        None, "--max-trials", min=1, help="Override strategy.max_trials."
    ),
    strategy_name: str = typer.Option(
        None,
        "--strategy",
        metavar="NAME",
        help="Override strategy.name (random, grid, bayesian, hyperband, bohb, asha); the study "
        "is then named <name>-<strategy> unless --name is given.",
    ),
    study_name: str = typer.Option(None, "--name", help="Override the study name."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Delete earlier results and start over."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final table."),
    workers: int = typer.Option(
        None,
        "--workers",
        "-w",
        min=0,
        help="Trials at once, each in its own worker process (default 1); 0 trains in this "
        "process, for debugging.",
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        metavar="ADDR",
        help="Run trials on the Dask cluster whose scheduler is at ADDR (tcp://host:8786).",
    ),
    recycle_after: int = typer.Option(
        None, "--recycle-after", min=1, help="Replace a worker process after N trials."
    ),
    memory_limit: str = typer.Option(
        None,
        "--memory-limit",
        metavar="SIZE",
        help="Stop a local worker that goes above SIZE (e.g. 4GB); its trial is failed.",
    ),
    resources: str = typer.Option(
        None,
        "--resources",
        metavar="NAME=N",
        help="Dask worker resources each trial needs, e.g. GPU=1 (with --scheduler).",
    ),
) -> None:
    """Run the study, or resume it: rerunning the same command keeps finished trials."""
    from tuner_cli.cli.console import print_summary, search_view
    from tuner_cli.config import load_config
    from tuner_cli.search import SearchInterrupted, run_search

    folder = results_folder(results, output)
    study = load_config(config, strategy=strategy_name, name=study_name)
    view = search_view(study.objectives, quiet)
    # the live view starts while workers start: a check that fails there must still end it
    try:
        with view if hasattr(view, "__enter__") else nullcontext():
            result = run_search(
                study,
                folder,
                max_trials=max_trials,
                overwrite=overwrite,
                workers=workers,
                scheduler=scheduler,
                recycle_after=recycle_after,
                memory_limit=memory_limit,
                resources=resources,
                events=view,
            )
    except SearchInterrupted as stopped:  # Typer would end any KeyboardInterrupt with 130
        abort(for_the_command_line(str(stopped)), code=stopped.exit_code)
    print_summary(result.summary, study.objectives)
    typer.echo(f"Results: {result.root}")
    if result.summary.failure is not None:
        abort(f"the search failed: {result.summary.failure}", code=1)
    if result.stopped_by_signal is not None:
        abort(
            "stopped by Ctrl-C after the running trials finished; rerun the same command to "
            "resume the study",
            code=result.stopped_by_signal,
        )
