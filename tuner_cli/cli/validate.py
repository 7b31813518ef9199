from __future__ import annotations

from pathlib import Path

import typer

from tuner_cli.config import StudyConfig, load_config
from tuner_cli.wording import plural


def validate(
    config: Path = typer.Argument(..., metavar="CONFIG", help="The study's YAML config."),
    build: bool = typer.Option(True, help="Build the model at default values and print it."),
    strategy_name: str = typer.Option(
        None,
        "--strategy",
        metavar="NAME",
        help="Check it as search --strategy NAME would run it.",
    ),
) -> None:
    """Check a config without training: the search space, its size, the strategy, the model."""
    from tuner_cli.cli.console import console, print_warning, space_table
    from tuner_cli.config.references import unused_hyperparameters
    from tuner_cli.strategies import make_strategy

    study = load_config(config, strategy=strategy_name)
    if build:
        from tuner_cli.training.preflight import preflight

        # the split the search makes when the config sets its seed (a text column's words,
        # a column's values, come from the training rows); any split when it leaves it unset
        study = study.with_builder_space(preflight(study, seed=split_seed(study)) or {})
    elif study.is_keras and study.config.model.builder:
        print_warning(
            "without --build the builder is not called, so the hyperparameters it declares "
            "(hp.Int, hp.Choice...) are not shown"
        )
    space = study.space
    size = space.size()
    console.print(space_table(space))
    shown = "infinite (continuous parameters)" if size is None else plural(size, "configuration")
    count = plural(len(space.params), "hyperparameter")
    console.print(f"Search space: {count}, {shown}", highlight=False)
    objective = study.objective
    objectives = ", ".join(o.described() for o in study.objectives)
    console.print(
        f"Strategy: {study.config.strategy.name}, "
        f"{'objectives' if len(study.objectives) > 1 else 'objective'} {objectives}",
        highlight=False,
    )
    from tuner_cli.search.warm_start import load_warm_start

    warm = load_warm_start(study)
    strategy = make_strategy(
        study.config.strategy.name, space, objective, 0, study.config.strategy, warm.trials
    )
    for line in strategy.describe_plan():
        console.print(line, markup=False, highlight=False)
    if message := warm.warning():
        print_warning(message)
    console.print(strategy.trials_note(study.config.strategy.max_trials), highlight=False)
    limit = study.config.strategy.max_trials or strategy.default_max_trials()
    if note := strategy.unrun_points_note(limit):
        print_warning(note)
    if note := strategy.plan_cut_note(limit):
        print_warning(note)
    for name in unused_hyperparameters(study):
        print_warning(f"hyperparameter '{name}' is not used by the model template")
    for note in study.ignored_settings():
        print_warning(note)
    from tuner_cli.integrations import check_trackers

    check_trackers(study)
    if study.is_keras:
        from tuner_cli.training.data_notes import data_notes

        for note in data_notes(study.config.data, study.base_dir):
            print_warning(note)
    if not build:
        return
    if study.is_keras:
        from tuner_cli.training.keras_import import import_keras

        import_keras()
        from tuner_cli.training.data import load_dataset
        from tuner_cli.training.keras_training import build_for_inspection

        data = load_dataset(study, seed=split_seed(study))
        model = build_for_inspection(study, space.defaults(), data)
        model.summary(print_fn=lambda line, **_: console.print(line, markup=False, highlight=False))
    else:
        from tuner_cli.training.objective_function import load_objective_function

        load_objective_function(study)
        names = " and ".join(f"'{o.name}'" for o in study.objectives)
        returns = f"a dict holding {names}"
        if len(study.objectives) == 1:
            returns = f"a number, or {returns}"
        console.print(
            f"objective_function {study.config.objective_function} imports; what it returns "
            f"({returns}) is checked when the first trial ends.",
            highlight=False,
        )
    console.print("Config is valid.", style="green")


def split_seed(study: StudyConfig) -> int:
    """The seed the search will split the rows with: the config's, or 0 when it leaves the
    seed unset (the search then draws one)."""
    return study.config.seed if study.config.seed is not None else 0
