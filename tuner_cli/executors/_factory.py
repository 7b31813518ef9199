"""Pick the executor the command line and the config's ``execution:`` section ask for."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tuner_cli.config import ExecutionConfig, StudyConfig
from tuner_cli.errors import ConfigError, UsageError
from tuner_cli.executors._base import Executor, ProgressCallback, WarningCallback
from tuner_cli.strict import KeyedError
from tuner_cli.training.imports import ShippedObjects, config_folder_sources


def make_executor(
    study: StudyConfig,
    settings: ExecutionConfig,
    scheduler: str | None,
    on_progress: ProgressCallback,
    on_warning: WarningCallback,
) -> Executor:
    """In-process for ``workers: 0``; else Dask, on a local cluster or the one at ``scheduler``.

    Only for a local cluster does the search start (and own) the workers, so only there do
    ``memory_limit`` and the worker count apply; a cluster's workers bring their own, and a
    count or limit given anyway is named in a warning rather than dropped without a word.
    """
    if scheduler is None and settings.workers == 0:
        if settings.resources:
            raise UsageError(
                "resources are for Dask workers; they need --scheduler (scheduler= from Python)"
            )
        from tuner_cli.executors._inprocess import InProcessExecutor, trials_can_be_timed

        if study.config.strategy.max_trial_time is not None and not trials_can_be_timed():
            on_warning(
                "max_trial_time is not applied: with workers 0 a trial runs in the thread that "
                "called the search, and only the main thread can be interrupted by a timer; "
                "call it from the main thread, or use workers >= 1"
            )
        return InProcessExecutor(study, on_progress)
    shipped = _shipped_code(study, remote=scheduler is not None)
    if scheduler is None:
        from tuner_cli.executors._forkserver import start_forkserver

        start_forkserver(study.is_keras)
    from tuner_cli.executors._dask import DaskExecutor, connect, local_client

    if scheduler is not None:
        if "workers" in settings.model_fields_set:
            on_warning(
                f"workers ({settings.workers}) applies to local workers and is ignored with a "
                "scheduler: the cluster runs as many trials at once as its workers take "
                "(`dask worker --nworkers N`)"
            )
        if settings.memory_limit is not None:
            on_warning(
                "memory_limit applies to local workers; give workers on a cluster theirs with "
                "`dask worker --memory-limit`"
            )
        client, local_workers = connect(scheduler), None
    else:
        if settings.resources:
            raise UsageError(
                "resources (e.g. GPU=1) are offered by workers of a Dask cluster; start them "
                "with `dask worker --resources GPU=1` and run with --scheduler (scheduler= from "
                "Python)"
            )
        client, local_workers = local_client(
            settings.workers, settings.memory_limit_bytes(), study.is_keras, on_warning
        )
    return DaskExecutor(
        client,
        study,
        on_progress,
        on_warning,
        resources=settings.resource_needs(),
        recycle_after=recycle_after(settings, study.is_keras),
        recycle_memory=settings.recycle_memory_bytes(),
        no_worker_timeout=settings.no_worker_timeout_s(),
        local_workers=local_workers,
        shipped=shipped,
    )


def _shipped_code(study: StudyConfig, remote: bool) -> ShippedObjects | None:
    """What the config names in this process's ``__main__`` (a notebook's builder), pickled
    for worker processes before any starts, and for a cluster (``remote``), whose workers may
    run on machines without the config's folder, that folder's Python. A ``__main__`` name
    that is not there (``kt-run search`` on a config a notebook wrote) is a config error with
    the key's file and line."""

    sources = (
        config_folder_sources(study.base_dir, study.named_code())
        if remote and study.base_dir.is_dir()
        else None
    )
    try:
        return ShippedObjects.from_main(study.main_names(), study.base_dir, sources)
    except ConfigError as exc:
        raise study.locate(exc) from None


def recycle_after(settings: ExecutionConfig, keras: bool) -> int | None:
    """Keras leaks a few MB a trial and gets a fresh process every ``recycle_after`` trials by
    default; an objective function has no such state, and at hundreds of trials a second a
    recycle per ten would cost more than the trials, so it recycles only when asked to (or on
    ``recycle_memory``)."""
    if keras or "recycle_after" in settings.model_fields_set:
        return settings.recycle_after
    return None


def _location(error: Any) -> tuple[Any, ...]:
    """The option an error is about: the check that ``workers: yes`` is no number runs on the
    whole section, so pydantic gives it no location, only the key it names."""
    keyed = error.get("ctx", {}).get("error")
    return error["loc"] or ((keyed.key,) if isinstance(keyed, KeyedError) else ())


def execution_settings(base: ExecutionConfig, **overrides: object) -> ExecutionConfig:
    """The config's ``execution:`` section with the command line's options on top."""
    values = {
        **base.model_dump(exclude_unset=True),
        **{k: v for k, v in overrides.items() if v is not None},
    }
    try:
        return ExecutionConfig.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"--{'-'.join(map(str, _location(e))).replace('_', '-')}: "
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        raise UsageError(problems) from None
