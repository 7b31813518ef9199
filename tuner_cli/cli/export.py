from __future__ import annotations

from pathlib import Path

import typer

from tuner_cli.cli.common import check_output_file, locate_study


def export(
    target: str = typer.Argument(
        None, metavar="TARGET", help="Results folder, study folder or config file."
    ),
    model: Path = typer.Option(
        Path("best.keras"), "--output", "-o", help="The .keras file to write."
    ),
    retrain: bool = typer.Option(
        False,
        "--retrain",
        help="Train the configuration again on training + validation data for its best epoch "
        "count, instead of copying the model the search kept.",
    ),
    trial: int = typer.Option(None, "--trial", help="Export this trial instead of the best."),
    results: Path = typer.Option(
        Path("results"),
        "--results",
        help="Folder that holds the studies, when TARGET is not given.",
    ),
) -> None:
    """The best trial's model as a .keras file that keras.models.load_model opens."""
    from tuner_cli.config import load_config, load_config_text
    from tuner_cli.errors import UsageError
    from tuner_cli.results.export import check_has_models, choose_trial, copy_saved_model

    if model.suffix != ".keras":
        raise UsageError(f"--output must end in .keras (got '{model}')")
    store = locate_study(target, results)
    check_output_file(model)
    record = choose_trial(store, trial)
    if target is not None and Path(target).is_file():
        study = load_config(target)
    else:
        # the saved copy names builder modules and data files relative to the folder of the
        # config the search was started from, which study.json remembers
        origin = store.read_study().get("config_dir")
        study = load_config_text(
            store.saved_config_text(), store.config_file, Path(origin) if origin else None
        )
    check_has_models(study)
    if retrain:
        from tuner_cli.training.retrain import retrain as retrain_model

        how = retrain_model(study, record, model, int(store.read_study()["seed"]))
    else:
        how = copy_saved_model(store, record, model, study.config.models)
    typer.echo(f"Exported {how} to {model}")
