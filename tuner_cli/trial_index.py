"""A derived, rebuildable index of a study's trial records, so read commands answer fast.

Reading 10,000 small JSON files costs most of a second; ``kt-run best`` should answer well under
half a second. The index keeps every record's summary (the record without its per-epoch
``history`` and error traceback) in ``<study>/.cache/trial-index.jsonl``, one JSON document per
line so a command parses only the lines it needs:

1. header: format version, the trials folder's mtime, when the index was built, column names;
2. per-file ``[mtime_ns, size]``, to re-read only the records that changed;
3. ``[id, status, score]`` per trial, all that ``best`` needs to rank;
4. the rest of each summary, in columns.

The trial files stay the truth. The store replaces a record by renaming a new file over it,
which changes the folder's mtime, so an unchanged mtime means an unchanged folder; an index
built within ``RACY_S`` of the folder's last change is not trusted that way (timestamps are
coarse) and is checked file by file instead. Anything odd (a missing, corrupt or foreign index,
a read-only study folder) falls back to reading the files; deleting ``.cache/`` is always safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from tuner_cli.store import TRIAL_GLOB, StudyStore, atomic_write_text
from tuner_cli.trial import TrialRecord

VERSION = 1
RACY_S = 2.0
INDEX_NAME = "trial-index.jsonl"
_TIMES = ("best_epoch", "started_at", "finished_at", "duration_s")
_AFTER = ("worker", "attempt")
_PREFIX, _SUFFIX = TRIAL_GLOB.split("*")


def index_path(store: StudyStore) -> Path:
    return store.root / ".cache" / INDEX_NAME


class TrialIndex:
    """Every record's summary, loaded lazily; summaries are plain dicts in record key order."""

    def __init__(self, store: StudyStore, lines: list[bytes], warnings: list[str]):
        self.store = store
        self._lines = lines
        self.header: dict[str, Any] = json.loads(lines[0])
        self.warnings = warnings or self.header.get("warnings", [])
        self._keys: list[list[Any]] | None = None

    @property
    def keys(self) -> list[list[Any]]:
        """``[id, status, score]`` for every trial, by id."""
        if self._keys is None:
            self._keys = json.loads(self._lines[2])
        return self._keys

    def __len__(self) -> int:
        return len(self.keys)

    def summaries(self) -> list[dict[str, Any]]:
        """Each trial as its record minus ``history`` (and minus the error's traceback)."""
        return _decode(self.header, self.keys, json.loads(self._lines[3]))

    def flat(self) -> tuple[list[str], list[str], list[list[Any]]]:
        """Hyperparameter and metric names, and per trial ``[id, status, score, best_epoch,
        duration_s, *hyperparameters, *metrics]`` (None where absent): tables without dicts."""
        hp_names, metric_names = self.header["hp_names"], self.header["metric_names"]
        full_hp, full_metrics = (1 << len(hp_names)) - 1, (1 << len(metric_names)) - 1
        split = len(_TIMES)
        result = []
        for (trial_id, status, score), row in zip(
            self.keys, json.loads(self._lines[3]), strict=True
        ):
            hp_mask, hp_values, metric_mask, metric_values = row[split : split + 4]
            if hp_mask != full_hp:
                hp_values = _spread(hp_names, hp_mask, hp_values)
            if metric_mask != full_metrics:
                metric_values = _spread(metric_names, metric_mask, metric_values)
            result.append([trial_id, status, score, row[0], row[3], *hp_values, *metric_values])
        return hp_names, metric_names, result

    def record(self, trial_id: int) -> TrialRecord | None:
        """One full record, read from its own file."""
        return read_record(self.store, trial_id)


def read_record(store: StudyStore, trial_id: int) -> TrialRecord | None:
    try:
        data = json.loads(store.trial_path(trial_id).read_bytes())
        record = TrialRecord.from_dict(data)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return record if record.id == trial_id else None


def load_index(store: StudyStore) -> TrialIndex:
    """The study's index, brought up to date (re-reading only changed records) if needed."""
    path = index_path(store)
    try:
        folder_mtime = store.trials_dir.stat().st_mtime_ns
    except OSError:
        return _build(store, [], {}, -1, path, write=False)
    lines = _read_lines(path)
    if lines is not None:
        header = json.loads(lines[0])
        if header["dir_mtime_ns"] == folder_mtime and header["trusted"]:
            return TrialIndex(store, lines, [])
        return _build(store, lines, json.loads(lines[1]), folder_mtime, path)
    return _build(store, [], {}, folder_mtime, path)


def _read_lines(path: Path) -> list[bytes] | None:
    try:
        lines = path.read_bytes().split(b"\n")
        header = json.loads(lines[0])
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("version") != VERSION or len(lines) < 4:
        return None
    return lines


def _build(
    store: StudyStore,
    old_lines: list[bytes],
    old_files: dict[str, list[int]],
    folder_mtime: int,
    path: Path,
    write: bool = True,
) -> TrialIndex:
    """Stat every record file; re-read the changed ones; write the index back if possible."""
    built_ns = time.time_ns()
    old_rows = _old_rows(old_lines)
    files: dict[str, list[int]] = {}
    summaries: dict[int, dict[str, Any]] = {}
    warnings: list[str] = []
    try:
        entries = sorted(
            (e for e in os.scandir(store.trials_dir) if _is_trial_name(e.name)),
            key=lambda e: e.name,
        )
    except OSError:
        entries = []
    for entry in entries:
        try:
            stat = entry.stat()
        except OSError:
            continue
        signature = [stat.st_mtime_ns, stat.st_size]
        if old_files.get(entry.name) == signature and entry.name in old_rows:
            summary = old_rows[entry.name]
        else:
            summary = _read_summary(store, Path(entry.path), warnings)
            if summary is None:
                continue
        files[entry.name] = signature
        summaries[summary["id"]] = summary
    ordered = [summaries[i] for i in sorted(summaries)]
    trusted = folder_mtime >= 0 and built_ns - folder_mtime > RACY_S * 1e9
    lines = _encode(ordered, files, folder_mtime, built_ns, trusted, warnings)
    old_header = json.loads(old_lines[0]) if old_lines else {}
    changed = (files, folder_mtime, trusted) != (
        old_files,
        old_header.get("dir_mtime_ns"),
        old_header.get("trusted"),
    )
    if write and changed:
        with contextlib.suppress(OSError):
            atomic_write_text(path, b"\n".join(lines).decode("utf-8"))
    return TrialIndex(store, lines, warnings)


def _is_trial_name(name: str) -> bool:
    return name.startswith(_PREFIX) and name.endswith(_SUFFIX)


def _read_summary(store: StudyStore, path: Path, warnings: list[str]) -> dict[str, Any] | None:
    try:
        record = TrialRecord.from_dict(json.loads(path.read_bytes()))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        warnings.append(f"skipped {path.name}: {exc}")
        return None
    if path.name != store.trial_path(record.id).name:
        warnings.append(f"skipped {path.name}: it holds trial {record.id}")
        return None
    return summarize(record.to_dict())


def summarize(data: dict[str, Any]) -> dict[str, Any]:
    """A record dict without ``history`` and with only the error's message."""
    summary = {k: v for k, v in data.items() if k != "history"}
    if summary.get("error"):
        summary["error"] = {"message": summary["error"].get("message", "")}
    return summary


def _old_rows(lines: list[bytes]) -> dict[str, dict[str, Any]]:
    if not lines:
        return {}
    summaries = _decode(json.loads(lines[0]), json.loads(lines[2]), json.loads(lines[3]))
    return {f"{_PREFIX}{s['id']:04d}{_SUFFIX}": s for s in summaries}


def _decode(
    header: dict[str, Any], keys: list[list[Any]], rows: list[list[Any]]
) -> list[dict[str, Any]]:
    hp_names, metric_names = header["hp_names"], header["metric_names"]
    split = len(_TIMES)
    result = []
    for (trial_id, status, score), row in zip(keys, rows, strict=True):
        hp_mask, hp_values, metric_mask, metric_values, error, worker, attempt, extra = row[split:]
        summary = {
            "id": trial_id,
            "status": status,
            "hyperparameters": _unmask(hp_names, hp_mask, hp_values),
            "score": score,
            "metrics": _unmask(metric_names, metric_mask, metric_values),
        }
        summary.update(zip(_TIMES, row, strict=False))
        summary["error"] = None if error is None else {"message": error}
        summary["worker"], summary["attempt"] = worker, attempt
        summary.update(extra)
        result.append(summary)
    return result


def _encode(
    summaries: list[dict[str, Any]],
    files: dict[str, list[int]],
    folder_mtime: int,
    built_ns: int,
    trusted: bool,
    warnings: list[str],
) -> list[bytes]:
    hp_names: list[str] = []
    metric_names: list[str] = []
    for s in summaries:
        hp_names += [n for n in s["hyperparameters"] if n not in hp_names]
        metric_names += [n for n in s["metrics"] if n not in metric_names]
    core = {"id", "status", "hyperparameters", "score", "metrics", "error", *_TIMES, *_AFTER}
    keys, rows = [], []
    for s in summaries:
        keys.append([s["id"], s["status"], s["score"]])
        hp_mask, hp_values = _mask(hp_names, s["hyperparameters"])
        metric_mask, metric_values = _mask(metric_names, s["metrics"])
        error = s["error"]["message"] if s.get("error") else None
        extra = {k: v for k, v in s.items() if k not in core}
        rows.append(
            [s.get(k) for k in _TIMES]
            + [hp_mask, hp_values, metric_mask, metric_values, error]
            + [s.get(k) for k in _AFTER]
            + [extra]
        )
    header = {
        "version": VERSION,
        "dir_mtime_ns": folder_mtime,
        "built_ns": built_ns,
        "trusted": trusted,
        "hp_names": hp_names,
        "metric_names": metric_names,
        "warnings": warnings,
    }
    return [
        json.dumps(part, separators=(",", ":")).encode("utf-8")
        for part in (header, files, keys, rows)
    ]


def _mask(names: list[str], values: dict[str, Any]) -> tuple[int, list[Any]]:
    """Values in column order, and a bit per column saying which are present."""
    mask = 0
    present = []
    for bit, name in enumerate(names):
        if name in values:
            mask |= 1 << bit
            present.append(values[name])
    return mask, present


def _spread(names: list[str], mask: int, values: list[Any]) -> list[Any]:
    it = iter(values)
    return [next(it) if mask >> bit & 1 else None for bit in range(len(names))]


def _unmask(names: list[str], mask: int, values: list[Any]) -> dict[str, Any]:
    if mask == (1 << len(values)) - 1 and len(values) == len(names):
        return dict(zip(names, values, strict=True))
    it = iter(values)
    return {name: next(it) for bit, name in enumerate(names) if mask >> bit & 1}
