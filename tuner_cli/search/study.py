"""Starting a study or resuming one: the decision and the safety checks around it.

A rerun of the same command resumes. A rerun with a config whose search space, model, data or
training changed is refused with a readable diff, since its trials would not be comparable;
limits such as ``max_trials`` and bounds such as ``max_trial_time`` (added once a trial hung)
may change freely.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from pathlib import Path
from typing import Any

import yaml

from tuner_cli._version import __version__
from tuner_cli.config import StudyConfig, load_config_text
from tuner_cli.errors import ConfigError, format_path
from tuner_cli.results.store import StoreError, StudyStore
from tuner_cli.search.lock import StudyLock, StudyLockedError
from tuner_cli.training.class_folders import recorded_class_names

FREE_TO_CHANGE = {
    ("strategy", "max_trials"),
    ("strategy", "max_time"),
    ("strategy", "max_consecutive_failures"),
    ("strategy", "max_retries"),
    ("strategy", "max_trial_time"),
    ("models",),
    ("execution", "workers"),
    ("execution", "recycle_after"),
    ("execution", "recycle_memory"),
    ("execution", "memory_limit"),
    ("execution", "resources"),
    ("execution", "no_worker_timeout"),
    ("logging",),
    ("logging", "tensorboard"),
    ("logging", "mlflow"),
}


def claim_study(
    study: StudyConfig,
    output: Path,
    overwrite: bool,
    seed: int | None = None,
    warm_start: dict[str, Any] | None = None,
) -> tuple[StudyLock, StudyStore, dict]:
    """Lock the study and open it; a start that fails in a folder it made leaves no folder.

    A full disk can stop the start after the lock file is made: without the clean-up an empty
    folder holding ``.lock`` would pass for a study on the next run.
    """
    store = StudyStore(output / study.config.name)
    store.check_claimable(overwrite)
    new = not store.root.exists()
    lock = StudyLock(store.root)
    try:
        lock.acquire()
        store, info = open_study(study, output, overwrite, seed, warm_start)
    except BaseException as exc:
        lock.release()
        if new and not isinstance(exc, StudyLockedError):
            store.discard_new()
        raise
    return lock, store, info


def study_seed(study: StudyConfig, store: StudyStore, overwrite: bool) -> int:
    """The study's one seed: study.json's when resuming, else the config's ``seed``, else one
    drawn now (and then kept in study.json). Sampling, the data split and training all use it.
    """
    if store.exists() and not overwrite:
        return int(store.read_study()["seed"])
    return study.config.seed if study.config.seed is not None else secrets.randbelow(2**31)


def open_study(
    study: StudyConfig,
    output: Path,
    overwrite: bool,
    seed: int | None = None,
    warm_start: dict[str, Any] | None = None,
) -> tuple[StudyStore, dict]:
    """The store for this config, created or checked for resuming, and its study.json.

    ``seed`` is what ``study_seed`` chose for a new study, when the caller needed it earlier;
    ``warm_start`` says which other study's trials the strategy learns from (kept as is).
    """
    store = StudyStore(output / study.config.name)
    if store.exists() and not overwrite:
        check_resumable(study, store)
        store.remove_partial_writes()
        info = store.read_study()
        # its updated_at: when a search last took the study up. Only a date, so a full disk
        # is reported by the first record the search writes, as it was before
        with suppress(StoreError):
            store.write_study(info)
        return store, store.read_study()
    objective = study.objective
    info = {
        "name": study.config.name,
        "strategy": study.config.strategy.name,
        "objective": {"name": objective.name, "direction": objective.direction},
        **(
            {"objectives": [{"name": o.name, "direction": o.direction} for o in study.objectives]}
            if len(study.objectives) > 1
            else {}
        ),
        "space_fingerprint": study.space.fingerprint(),
        "seed": seed if seed is not None else study_seed(study, store, overwrite),
        "config_dir": str(study.base_dir),
        "kt_run_version": __version__,
        **({"warm_start": warm_start} if warm_start else {}),
    }
    names = recorded_class_names(study.config.data, study.base_dir)
    if names:
        info["class_names"] = names
    store.create(study.text, info, overwrite=overwrite)
    return store, store.read_study()


START_OVER = (
    "Run with --overwrite (overwrite=True from Python) to start over, or give the study "
    "another name."
)
"""Said to a person at a terminal and to a notebook's run_search alike."""


def check_resumable(study: StudyConfig, store: StudyStore) -> None:
    """Refuse to resume a study whose saved config differs in what makes trials comparable.

    Reads only, so ``search`` can call it before taking the lock and writing anything.
    """
    if not store.exists():
        return
    info = store.read_study()
    saved = load_config_text(store.saved_config_text(), store.config_file)
    changes = config_changes(
        saved.config.model_dump(mode="json"), study.config.model_dump(mode="json")
    )
    if changes:
        raise ConfigError(
            f"the study in {store.root} was run with a different config, so its trials "
            "would not be comparable (saved -> now):\n  "
            + "\n  ".join(changes)
            + f"\n{START_OVER}",
            source=str(study.path),
        )
    builder = study.config.model.builder if study.config.model else None
    if builder and info.get("space_fingerprint") not in (None, study.space.fingerprint()):
        raise ConfigError(
            f"the study in {store.root} was run with another search space: the builder "
            f"{builder} now declares different hyperparameters or ranges, so its trials would "
            f"not be comparable.\n{START_OVER}",
            source=str(study.path),
        )


def config_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``path: old -> new`` for every value that differs, except the limits free to change."""
    flat_old, flat_new = _flatten(old), _flatten(new)
    lines = []
    for path in sorted(set(flat_old) | set(flat_new), key=str):
        if path in FREE_TO_CHANGE or flat_old.get(path) == flat_new.get(path):
            continue
        before = _as_yaml(flat_old[path]) if path in flat_old else "(absent)"
        after = _as_yaml(flat_new[path]) if path in flat_new else "(absent)"
        lines.append(f"{format_path(path)}: {before} -> {after}")
    return lines


def _as_yaml(value: Any) -> str:
    """A value as the config file would write it (``relu``, ``null``, ``true``), not as Python
    prints it."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1_000_000).strip()
    return text.removesuffix("...").strip()


def _flatten(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """Leaf values by key path; list items too, so a diff names ``model.layers[1].Dense.units``."""
    if isinstance(value, dict) and value:
        items = value.items()
    elif isinstance(value, list) and value:
        items = enumerate(value)
    else:
        return {path: value}
    flat: dict[tuple, Any] = {}
    for key, item in items:
        flat.update(_flatten(item, path + (key,)))
    return flat
