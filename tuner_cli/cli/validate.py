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
    # the builder is not called, so the space it declares is not known: nothing is said of
    # the space's size, nor of a strategy running out of it
    unknown = not build and study.is_keras and bool(study.config.model.builder)
    if build:
        from tuner_cli.training.preflight import preflight

        # the split the search makes when the config sets its seed (a text column's words,
        # a column's values, come from the training rows); any split when it leaves it unset
        study = study.with_builder_space(preflight(study, seed=split_seed(study)) or {})
    elif unknown:
        print_warning(
            "with --no-build the builder is not called, so the hyperparameters it declares "
            "(hp.Int, hp.Choice...) are not shown"
        )
    space = study.space
    size = space.size()
    count = plural(len(space.params), "hyperparameter")
    if unknown:
        if space.params:
            console.print(space_table(space))
        own = f"{count} from search_space, and " if space.params else ""
        console.print(
            f"Search space: {own}what the builder declares (not known with --no-build)",
            highlight=False,
        )
    else:
        console.print(space_table(space))
        shown = (
            "infinite (continuous parameters)" if size is None else plural(size, "configuration")
        )
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
    limit = study.config.strategy.max_trials or strategy.default_max_trials()
    if unknown:
        console.print(_at_most(limit, study.config.strategy.max_trials), highlight=False)
    else:
        console.print(strategy.trials_note(study.config.strategy.max_trials), highlight=False)
    if not unknown and (note := strategy.unrun_points_note(limit)):
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


def _at_most(limit: int | None, max_trials: int | None) -> str:
    """The trial count when the builder's space is unknown: the limit, which a small space
    may cut short."""
    if limit is None:
        return "Trials: no limit (set max_trials)"
    where = "max_trials" if max_trials else "the default; max_trials sets another number"
    return f"Trials: at most {limit:,} ({where})"


def split_seed(study: StudyConfig) -> int:
    """The seed the search will split the rows with: the config's, or 0 when it leaves the
    seed unset (the search then draws one)."""
    return study.config.seed if study.config.seed is not None else 0
