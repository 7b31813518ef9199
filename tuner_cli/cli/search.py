from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer

from tuner_cli.cli.common import OutputOption, abort
from tuner_cli.config import load_config


def search(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="The study's YAML config."),
    output: Path = OutputOption,
    max_trials: int = typer.Option(
        None, "--max-trials", min=1, help="Override strategy.max_trials."
    ),
    strategy_name: str = typer.Option(
        None,
        "--strategy",
        metavar="NAME",
        help="Override strategy.name (random, grid, hyperband, bayesian); the study is then "
        "named <name>-<strategy> unless --name is given.",
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
    from tuner_cli.console import print_summary, print_warning, search_view
    from tuner_cli.executors import execution_settings, make_executor
    from tuner_cli.integrations import fan_out, integration_sinks
    from tuner_cli.lock import StudyLock
    from tuner_cli.runner import SearchRunner
    from tuner_cli.signals import GracefulInterrupts
    from tuner_cli.store import StudyStore
    from tuner_cli.strategies import make_strategy
    from tuner_cli.study import check_resumable, claim_study
    from tuner_cli.template import unused_hyperparameters

    study = load_config(config, strategy=strategy_name, name=study_name)
    execution = execution_settings(
        study.config.execution,
        workers=workers,
        recycle_after=recycle_after,
        memory_limit=memory_limit,
        resources=resources,
    )
    for name in unused_hyperparameters(study):
        print_warning(f"hyperparameter '{name}' is not used by the model template")
    for note in study.ignored_settings():
        print_warning(note)
    study_dir = output / study.config.name
    StudyStore(study_dir).check_claimable(overwrite)
    StudyLock(study_dir).check_free()
    sinks = integration_sinks(study)
    view = fan_out(search_view(study.objective, quiet), sinks)

    def on_progress(trial_id: int, epoch: int, epochs: int, logs: dict[str, float]) -> bool:
        view.epoch_ended(trial_id, epoch, epochs, logs)
        return False

    executor = make_executor(study, execution, scheduler, on_progress, view.warning)
    try:
        executor.preflight()
        if not overwrite:
            check_resumable(study, StudyStore(study_dir))
        lock, store, info = claim_study(study, output, overwrite)
        ctx.call_on_close(lock.release)
        if lock.stale_note():
            print_warning(lock.stale_note())
    except BaseException:
        executor.close()
        raise
    settings = study.config.strategy
    strategy = make_strategy(settings.name, study.space, study.objective, info["seed"], settings)
    runner = SearchRunner(
        study,
        store,
        strategy,
        executor,
        view,
        max_trials or settings.max_trials or strategy.default_max_trials(),
    )
    interrupts = GracefulInterrupts(lambda: setattr(runner, "stop_requested", True))
    try:
        with interrupts, view if hasattr(view, "__enter__") else nullcontext():
            summary = runner.run()
    except KeyboardInterrupt:
        abort(
            "interrupted; the running trial was marked 'interrupted' and runs again when you "
            f"rerun the same command, which resumes the study ({store.root})",
            code=interrupts.exit_code,
        )
    print_summary(summary)
    console_path = store.root
    typer.echo(f"Results: {console_path}")
    if summary.failed_run:
        abort(f"the search failed: {summary.stop_reason}", code=1)
    if interrupts.stopped:
        abort(
            "stopped by Ctrl-C after the running trial finished; rerun the same command to "
            "resume the study",
            code=interrupts.exit_code,
        )
