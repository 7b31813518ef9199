"""``run_search``: the whole search as one call, for the command line, notebooks and tests.

It opens or resumes the study, checks it where trials will run, runs the loop and returns
the summary; what to show goes out through ``SearchEvents``, so it prints nothing by itself
unless asked (``progress=True``: the command line's plain log, for a notebook's cell).
"""

from __future__ import annotations

import functools
import random
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuner_cli.config import ExecutionConfig, StudyConfig, load_config, load_config_dict
from tuner_cli.config.references import unused_hyperparameters
from tuner_cli.errors import (
    ConfigError,
    KtRunError,
    SearchInterrupted,
    UsageError,
    capped,
    quoted,
    whole_number_from_1,
)
from tuner_cli.events import SearchEvents
from tuner_cli.executors import Executor, execution_settings, make_executor
from tuner_cli.integrations import EventPair, fan_out, integration_sinks
from tuner_cli.integrations.progress_log import ProgressLog
from tuner_cli.objective import Objective, objective_values
from tuner_cli.results import StudyStore, best_trials, pareto_trials
from tuner_cli.search.deferred import DeferredExecutor
from tuner_cli.search.lock import StudyLock
from tuner_cli.search.runner import STOPPED_BY_REQUEST, SearchRunner, SearchSummary
from tuner_cli.search.signals import GracefulInterrupts
from tuner_cli.search.study import check_resumable, claim_study, study_seed
from tuner_cli.search.warm_start import load_warm_start
from tuner_cli.strategies import make_strategy
from tuner_cli.training.data_notes import data_notes
from tuner_cli.training.hyperparameters import HyperParameters
from tuner_cli.training.imports import load_attribute
from tuner_cli.training.keras_import import tensorflow_logger_as_found, tensorflow_seed_as_found
from tuner_cli.trial import TrialRecord
from tuner_cli.wording import RESUME, format_number, plural

ERROR_CHARS = 300
"""The most of a failed trial's message the one-line result repeats."""


@dataclass(repr=False)
class SearchResult:
    """What a finished (or gracefully stopped) search leaves: its records and where they are."""

    summary: SearchSummary
    root: Path
    """The study folder, ``<output>/<name>``."""
    stopped_by_signal: int | None = None
    """The exit code (128 + signal) when Ctrl-C stopped the search after the running trial."""
    objectives: list[Objective] = field(default_factory=list)
    """Every objective of a multi-objective study, whose trials are ranked by their front."""
    objective_function: str | None = None
    """The config's ``objective_function``, when the study tunes one: it has no models."""

    @property
    def best(self) -> TrialRecord | None:
        return self.summary.best

    @property
    def trials(self) -> list[TrialRecord]:
        return self.summary.trials

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        """KerasTuner's ``tuner.get_best_hyperparameters(num_trials)``, so a script's lines
        after its search keep working: the best trials' values, best first (ranked as
        ``kt-run best --top``), each an ``hp`` with ``.values`` and ``.get`` that a builder
        builds that configuration again from (``build_model(hp)``)."""
        ranked = best_trials(self.root, top=num_trials)
        return [HyperParameters(trial.hyperparameters) for trial in ranked]

    def get_best_models(self, num_models: int = 1) -> list[Any]:
        """KerasTuner's ``tuner.get_best_models(num_models)``: the best trials' kept models
        (``models: best`` keeps the best trial's, ``models: all`` every trial's), loaded.
        Each is found before Keras is imported, so a model that is not there costs no
        TensorFlow start-up."""
        if self.objective_function is not None:
            raise KtRunError(
                f"this study tunes an objective_function ({self.objective_function}), not a "
                "Keras model, so it has no models to load; get_best_hyperparameters() gives its "
                "best values"
            )
        store = StudyStore(self.root)
        paths = []
        for trial in best_trials(self.root, top=num_models):
            path = store.model_path(trial.id)
            if not path.is_file():
                raise KtRunError(
                    f"trial {trial.id}'s model was not kept in {store.models_dir} (the config's "
                    "`models` decides which are: best, all or none); build it again from "
                    "get_best_hyperparameters(), or keep every model with `models: all`"
                )
            paths.append(path)
        from tuner_cli.training.keras_training import load_kept_model

        return [load_kept_model(path) for path in paths]

    def results_summary(self, num_trials: int = 10) -> None:
        """KerasTuner's ``tuner.results_summary()``, in its words: the best trials' values and
        scores, printed (``kt-run best --top N`` shows the same as a table)."""
        several = len(self.objectives) > 1
        print("Results summary")
        print(f"Results in {self.root}")
        print(f"Showing {num_trials} {'trials of the Pareto front' if several else 'best trials'}")
        for objective in self.objectives:
            print(f'Objective(name="{objective.name}", direction="{objective.direction}")')
        for trial in best_trials(self.root, top=num_trials):
            print()
            print(f"Trial {trial.id} summary")
            print("Hyperparameters:")
            for name, value in trial.hyperparameters.items():
                print(f"{name}: {value}")
            if not trial.hyperparameters:
                print("default configuration")
            if several:
                values = objective_values(self.objectives, trial.score, trial.extra.get("scores"))
                named = zip(self.objectives, values, strict=True)
                print("Scores: " + ", ".join(f"{o.name}={value}" for o, value in named))
            elif trial.score is not None:
                print(f"Score: {trial.score}")

    def __repr__(self) -> str:
        """One line: a notebook cell that ends in ``run_search(...)`` shows this, not every
        record with its per-epoch history (megabytes for a few hundred Keras trials)."""
        counts = ", ".join(f"{n} {status}" for status, n in self.summary.counts.items())
        best = self.best
        shown = "no best trial" if best is None else f"best trial {best.id}"
        if best is not None and best.score is not None:
            score = format_number(best.score, keep_zeros=True)
            shown += f" ({self.summary.objective.name} {score})"
        if len(self.objectives) > 1 and best is not None:
            # "best trial 10 (loss 0.5)" read as if the other objectives did not count
            front = [t.id for t in pareto_trials(self.trials, self.objectives)]
            listed = ", ".join(map(str, front[:10])) + (", ..." if len(front) > 10 else "")
            shown = f"a Pareto front of {plural(len(front), 'trial')} ({listed})"
        code = self.stopped_by_signal
        stopped = f", stopped_by_signal={code}" if code else ""
        return (
            f"<SearchResult {self.root}: {plural(len(self.trials), 'trial')} ({counts}), "
            f"{shown}, {self.summary.stop_reason}{stopped}{self._last_error()}>"
        )

    def _last_error(self) -> str:
        """A failed search's last error: run_search shows nothing as it goes (unless
        ``progress=True``), so without it a notebook's "3 trials (3 failed)" left the user to
        dig it out of the records."""
        failed = [t for t in self.trials if t.error] if self.summary.failed_run else []
        if not failed:
            return ""
        message = " ".join(str(failed[-1].error.get("message", "")).split())
        return f"; the last one's error: {capped(message, ERROR_CHARS)}"


@contextmanager
def _imports_as_found() -> Iterator[None]:
    """Put ``sys.path`` and ``sys.modules``' KerasTuner stand-in back as they were: trials in
    this process (``workers=0``) put the config's folder first on the path and may install the
    stand-in, and a notebook's later ``import helpers`` or ``import keras_tuner`` must find
    neither. Modules the search imported stay imported."""
    path = list(sys.path)
    modules = set(sys.modules)
    try:
        yield
    finally:
        sys.path[:] = path
        added = [n for n in sys.modules if n not in modules]
        stand_ins = [
            n
            for n in added
            if getattr(sys.modules.get(n.split(".")[0]), "__kt_run_stand_in__", False)
        ]
        for name in stand_ins:
            del sys.modules[name]


@contextmanager
def _random_state_as_found() -> Iterator[None]:
    """Trials in this process seed Python's and NumPy's global generators
    (``keras.utils.set_random_seed``); a notebook's draws after the search go on from where
    they were rather than from the last trial's seed."""
    state = random.getstate()
    numpy = sys.modules.get("numpy")
    numpy_state = numpy.random.get_state() if numpy is not None else None
    try:
        yield
    finally:
        random.setstate(state)
        if numpy_state is not None:
            numpy.random.set_state(numpy_state)


def _leaves_the_process_as_found(
    function: Callable[..., SearchResult],
) -> Callable[..., SearchResult]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> SearchResult:
        with (
            _imports_as_found(),
            _random_state_as_found(),
            tensorflow_seed_as_found(),
            tensorflow_logger_as_found(),
        ):
            return function(*args, **kwargs)

    return wrapper


def _stops_at_once_until_trials_run(
    function: Callable[..., SearchResult],
) -> Callable[..., SearchResult]:
    """Ctrl-C and SIGTERM while the search starts (workers starting, the model checked), before
    the loop's own handling (``_run``) takes over: nothing runs that could finish, so either
    stops at once, with the line and exit code the loop's handling gives later, rather than
    SIGTERM's silent end. Any error but kt-run's own after the signal is the signal's doing: a
    ``KeyboardInterrupt`` inside an import can come out as CPython's ``RuntimeError`` ("Error
    calling __set_name__ ...")."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> SearchResult:
        interrupts = GracefulInterrupts()
        try:
            with interrupts:
                return function(*args, **kwargs)
        except (KtRunError, SearchInterrupted):
            raise
        except (KeyboardInterrupt, Exception) as exc:
            if not isinstance(exc, KeyboardInterrupt) and not interrupts.stopped:
                raise
            raise SearchInterrupted(
                f"interrupted before any trial started, so nothing was lost: {RESUME} the study",
                exit_code=interrupts.exit_code,
            ) from None

    return wrapper


def _check_main_names(study: StudyConfig) -> None:
    """What the config names in ``__main__`` must be in this process's: a config a notebook
    wrote, run by ``kt-run search``, is refused before any worker starts or TensorFlow loads,
    not after a line saying they do."""
    for name, key_path in study.main_names().items():
        try:
            load_attribute(f"__main__:{name}", study.base_dir, key_path)
        except ConfigError as exc:
            raise study.locate(exc) from None


@_leaves_the_process_as_found
@_stops_at_once_until_trials_run
def run_search(
    config: str | Path | Mapping[str, Any] | StudyConfig,
    output: str | Path = "results",
    *,
    max_trials: int | None = None,
    overwrite: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    recycle_after: int | None = None,
    memory_limit: str | None = None,
    resources: str | None = None,
    strategy: str | None = None,
    name: str | None = None,
    events: SearchEvents | None = None,
    progress: bool = False,
) -> SearchResult:
    """Run the study, or resume it: a second call on the same ``output`` keeps finished trials.

    ``config`` is a YAML path, a dict with the same keys, or a loaded ``StudyConfig``; the
    keyword arguments are ``kt-run search``'s options (``strategy`` and ``name`` as
    ``--strategy`` and ``--name``, for a path or a dict). A bad config raises ``ConfigError``.
    ``progress=True`` prints a line as each trial starts and ends (``kt-run search``'s plain
    log: warnings on stderr), also when ``events`` is given; by default nothing is printed.
    >>> result = run_search("configs/digits.yaml", workers=0)  # doctest: +SKIP
    >>> result.best.hyperparameters  # doctest: +SKIP
    """
    # --max-trials' own check, which the keyword skipped: 0 ran the config's max_trials, -1
    # made a study of no trials, '2' failed inside the strategy
    max_trials = whole_number_from_1("max_trials", max_trials)
    _check_flags(overwrite=overwrite, progress=progress)
    study = _study(config, strategy, name)
    events = _view(events, progress, study.objectives)
    execution = execution_settings(
        study.config.execution,
        workers=workers,
        recycle_after=recycle_after,
        memory_limit=memory_limit,
        resources=resources,
    )
    for name in unused_hyperparameters(study):
        events.warning(f"hyperparameter '{name}' is not used by the model template")
    for note in study.ignored_settings():
        events.warning(note)
    if study.is_keras:
        for note in data_notes(study.config.data, study.base_dir):
            events.warning(note)
    output = Path(output)
    store = StudyStore(output / study.config.name)
    # the refusals first: each reads a file or two, and must not wait for workers to start
    store.check_claimable(overwrite)
    store.check_writable()
    _check_main_names(study)
    StudyLock(store.root).check_free()
    resuming = store.exists() and not overwrite
    discovers_space = study.is_keras and study.config.model.builder is not None
    if resuming and not discovers_space:
        check_resumable(study, store)
    seed = study_seed(study, store, overwrite)
    saved = store.read_study().get("warm_start") if resuming else None
    warm = load_warm_start(study, saved, own=store.root)  # a bad folder is refused at once
    if not discovers_space and (message := warm.warning()):
        events.warning(message)
    view = events

    def on_progress(trial_id: int, epoch: int, epochs: int, logs: dict[str, float]) -> bool:
        view.epoch_ended(trial_id, epoch, epochs, logs)
        return False

    def start_executor() -> Executor:
        view.preparing(_starting_message(study, execution, scheduler))
        return make_executor(study, execution, scheduler, on_progress, view.warning)

    # a new study is checked before anything is written, and so is one whose builder declares
    # its space (known only once it ran where Keras is); another resumed study starts its
    # workers only when a trial is left to run, so rerunning a finished study answers at once
    executor = DeferredExecutor(start_executor, seed)
    created = not store.root.exists()
    made_output = not output.exists()
    try:
        if not resuming or discovers_space:
            study = study.with_builder_space(executor.preflight(seed) or {})
            if resuming:
                check_resumable(study, store)
        if discovers_space:  # the known trials' values are read against the declared space
            warm = load_warm_start(study, saved, own=store.root)
            if message := warm.warning():
                events.warning(message)
        view = fan_out(events, integration_sinks(study))
        lock, store, info = claim_study(study, output, overwrite, seed, warm.info)
    except BaseException:
        executor.close()
        raise
    discard = False
    try:
        if lock.stale_note():
            view.warning(lock.stale_note())
        return _run(study, store, executor, view, max_trials, int(info["seed"]), warm.trials)
    except ConfigError:
        # found in the first results (a misspelt objective): a study this call made and in
        # which nothing finished is taken back, so bad input leaves nothing behind
        discard = created and not any(t.status.is_finished() for t in store.load_trials())
        raise
    finally:
        lock.release()
        if discard:
            store.discard_new()
            if made_output:
                with suppress(OSError):
                    output.rmdir()


def _view(events: SearchEvents | None, progress: bool, objectives: list[Objective]) -> SearchEvents:
    """The caller's events, the progress log, both (the log's lines first), or neither."""
    if not progress:
        return events or SearchEvents()
    log = ProgressLog(objectives)
    return log if events is None else EventPair(log, events)


def _check_flags(**flags: object) -> None:
    """``overwrite="no"`` is truthy: taken as asked, it deleted the study's trials."""
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise UsageError(f"{key}: must be True or False (got {quoted(value)})")


def _starting_message(study: StudyConfig, execution: ExecutionConfig, scheduler: str | None) -> str:
    """What the seconds before the first trial are spent on, in the user's terms."""
    if scheduler is not None:
        where = f"connecting to the Dask scheduler at {scheduler}"
    elif execution.workers == 0:
        where = "running trials in this process"
    else:
        where = f"starting {plural(execution.workers, 'worker')}"
    if study.is_keras:
        return f"{study.config.name}: {where}; loading TensorFlow and checking the model..."
    return f"{study.config.name}: {where}; checking the objective function..."


def _run(
    study: StudyConfig,
    store: StudyStore,
    executor: Executor | DeferredExecutor,
    view: SearchEvents,
    max_trials: int | None,
    seed: int,
    known_trials: list[TrialRecord],
) -> SearchResult:
    settings = study.config.strategy
    strategy = make_strategy(
        settings.name, study.space, study.objective, seed, settings, known_trials
    )
    limit = max_trials or settings.max_trials or strategy.default_max_trials()
    if note := strategy.unrun_points_note(limit):
        view.warning(note)
    if note := strategy.plan_cut_note(limit):
        view.warning(note)
    runner = SearchRunner(study, store, strategy, executor, view, limit, seed=seed)
    interrupts = GracefulInterrupts(
        lambda: setattr(runner, "stop_requested", True), notify=view.stop_requested
    )
    try:
        with interrupts, view if hasattr(view, "__enter__") else nullcontext():
            summary = runner.run()
    except KeyboardInterrupt:
        raise SearchInterrupted(
            "interrupted; running trials were marked 'interrupted' and run again on resume: "
            f"{RESUME} the study ({store.root})",
            exit_code=interrupts.exit_code,
        ) from None
    asked = interrupts.stopped and summary.stop_reason == STOPPED_BY_REQUEST
    stopped = interrupts.exit_code if asked else None
    function = None if study.is_keras else study.config.objective_function
    return SearchResult(summary, store.root, stopped, study.objectives, function)


def _study(
    config: str | Path | Mapping[str, Any] | StudyConfig,
    strategy: str | None = None,
    name: str | None = None,
) -> StudyConfig:
    if isinstance(config, StudyConfig):
        if strategy is not None or name is not None:
            raise TypeError(
                "run_search(strategy=, name=) override a config given as a path or a dict; a "
                "loaded StudyConfig runs as loaded: load it with load_config(path, strategy=..., "
                "name=...) or load_config_dict(data, base_dir, strategy=..., name=...)"
            )
        return config
    if isinstance(config, Mapping):
        return load_config_dict(config, strategy=strategy, name=name)
    if not isinstance(config, str | Path):
        raise TypeError(
            "run_search takes a config as a YAML file's path, a dict of its keys or a "
            f"StudyConfig (got {quoted(config)}, of type {type(config).__name__})"
        )
    return load_config(config, strategy=strategy, name=name)
