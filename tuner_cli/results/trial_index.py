"""A derived, rebuildable index of a study's trial records, so read commands answer fast.

Reading 10,000 small JSON files costs most of a second; ``kt-run best`` should answer well under
half a second. The index keeps every record's summary (the record without its per-epoch
``history`` and error traceback) in ``<study>/.cache/trial-index.jsonl``, one JSON document per
line so a command parses only the lines it needs:

1. header: format version, when the index was built, column names, warnings;
2. per-file ``[mtime_ns, size]``, to re-read only the records that changed;
3. ``[id, status, score, budget]`` per trial, all that ``best`` needs to rank (``budget``: the
   epochs a multi-fidelity score was measured at, else 0);
4. the rest of each summary, in columns.

The trial files stay the truth. Every file is stat'ed on every load (a few milliseconds for
10,000): a record replaced by rename or edited in place changes its mtime or size, and is read
again, checked like any record, and skipped with a warning if it cannot be trusted. A file
changed within ``RACY_S`` of the index's build is never trusted by its signature (timestamps
are coarse). Anything odd in the index itself (a missing, corrupt, foreign or incomplete
index, a read-only study folder) falls back to reading the files; deleting ``.cache/`` is
always safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from operator import itemgetter
from pathlib import Path
from typing import Any

from tuner_cli.objective import Objective
from tuner_cli.results.store import TRIAL_GLOB, StudyStore, atomic_write_text, read_trial_file
from tuner_cli.trial import TrialRecord, TrialStatus, measured_budget, union_names

VERSION = 3
RACY_S = 2.0
INDEX_NAME = "trial-index.jsonl"
_TIMES = ("best_epoch", "started_at", "finished_at", "duration_s")
_AFTER = ("worker", "attempt")
_STATUSES = {s.value for s in TrialStatus}
_PREFIX, _SUFFIX = TRIAL_GLOB.split("*")
_BROKEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, StopIteration)
"""What decoding an index of the wrong shape raises; it is then rebuilt from the files."""


def index_path(store: StudyStore) -> Path:
    return store.root / ".cache" / INDEX_NAME


class TrialIndex:
    """Every record's summary; summaries are plain dicts in record key order."""

    def __init__(self, store: StudyStore, lines: list[bytes], warnings: list[str]):
        self.store = store
        self._lines = lines
        self.header: dict[str, Any] = json.loads(lines[0])
        self.warnings = warnings
        self.keys: list[list[Any]] = json.loads(lines[2])
        """``[id, status, score, budget]`` for every trial, by id."""

    def __len__(self) -> int:
        return len(self.keys)

    def summaries(self) -> list[dict[str, Any]]:
        """Each trial as its record minus ``history`` (and minus the error's traceback)."""
        try:
            return _decode(self.header, self.keys, json.loads(self._lines[3]))
        except _BROKEN:
            return self._rebuilt().summaries()

    def flat(self) -> tuple[list[str], list[str], list[list[Any]]]:
        """Hyperparameter and metric names, and per trial ``[id, status, score, best_epoch,
        duration_s, *hyperparameters, *metrics]`` (None where absent): tables without dicts."""
        try:
            return self._flat()
        except _BROKEN:
            return self._rebuilt().flat()

    def _flat(self) -> tuple[list[str], list[str], list[list[Any]]]:
        hp_names, metric_names = self.header["hp_names"], self.header["metric_names"]
        full_hp, full_metrics = (1 << len(hp_names)) - 1, (1 << len(metric_names)) - 1
        split = len(_TIMES)
        result = []
        for (trial_id, status, score, _), row in zip(
            self.keys, json.loads(self._lines[3]), strict=True
        ):
            hp_mask, hp_values, metric_mask, metric_values = row[split : split + 4]
            if hp_mask != full_hp:
                hp_values = _spread(hp_names, hp_mask, hp_values)
            if metric_mask != full_metrics:
                metric_values = _spread(metric_names, metric_mask, metric_values)
            if len(hp_values) != len(hp_names) or len(metric_values) != len(metric_names):
                raise ValueError("index row of the wrong width")
            result.append([trial_id, status, score, row[0], row[3], *hp_values, *metric_values])
        return hp_names, metric_names, result

    def _rebuilt(self) -> TrialIndex:
        """The index made again from the record files alone, when its own rows are damaged."""
        fresh = _build(self.store, None, index_path(self.store))
        self._lines, self.keys, self.warnings = fresh._lines, fresh.keys, fresh.warnings
        self.header = fresh.header
        return fresh

    def budgets(self) -> dict[int, float]:
        """Each trial's measured budget by id, to rank ``flat`` rows as ``best`` does."""
        return {key[0]: key[3] for key in self.keys}

    def record(self, trial_id: int) -> TrialRecord | None:
        """One full record, read from its own file."""
        return read_record(self.store, trial_id)

    def best_records(self, objective: Objective, top: int) -> list[TrialRecord]:
        """The ``top`` best completed records, read in full; one that cannot be read now (it
        changed since the index saw it) is skipped, with a warning, for the next best."""
        completed = [k for k in self.keys if k[1] == "completed" and k[2] is not None]
        ranked = objective.ranked(completed, itemgetter(2), itemgetter(0), itemgetter(3))
        found: list[TrialRecord] = []
        for trial_id, *_ in ranked:
            record, problem = read_record_checked(self.store, trial_id)
            if record is None:
                self.warnings.append(f"skipped trial {trial_id}: {problem}")
            elif record.status is TrialStatus.COMPLETED and record.score is not None:
                found.append(record)
            if len(found) == top:
                break
        return found


def read_record(store: StudyStore, trial_id: int) -> TrialRecord | None:
    return read_record_checked(store, trial_id)[0]


def read_record_checked(store: StudyStore, trial_id: int) -> tuple[TrialRecord | None, str]:
    """A trial's record from its own file, or None and why it cannot be used."""
    path = store.trial_path(trial_id)
    try:
        return read_trial_file(path), ""
    except ValueError as exc:
        return None, f"{path.name}: {exc}"


def load_index(store: StudyStore) -> TrialIndex:
    """The study's index, brought up to date (re-reading only changed records) if needed."""
    path = index_path(store)
    if not store.trials_dir.is_dir():
        return _build(store, None, path, write=False)
    signatures = _signatures(store)
    lines = _read_lines(path)
    if lines is not None and _files(lines) == signatures and None not in signatures.values():
        return TrialIndex(store, lines, list(json.loads(lines[0]).get("warnings", [])))
    return _build(store, lines, path, signatures)


def _signatures(store: StudyStore) -> dict[str, list[int] | None]:
    """``[mtime_ns, size]`` per record file; None for one changed too recently to trust it."""
    now = time.time_ns()
    signatures: dict[str, list[int] | None] = {}
    try:
        entries = sorted(
            (e for e in os.scandir(store.trials_dir) if _is_trial_name(e.name)),
            key=lambda e: e.name,
        )
    except OSError:
        return {}
    for entry in entries:
        try:
            stat = entry.stat()
        except OSError:
            continue
        racy = now - stat.st_mtime_ns < RACY_S * 1e9
        signatures[entry.name] = None if racy else [stat.st_mtime_ns, stat.st_size]
    return signatures


def _read_lines(path: Path) -> list[bytes] | None:
    """The index's four lines, if its header and keys have the shape this version writes."""
    try:
        lines = path.read_bytes().split(b"\n")
        if len(lines) != 4:
            return None
        _check_header(json.loads(lines[0]))
        _check_keys(json.loads(lines[2]))
        if not isinstance(json.loads(lines[1]), dict):
            return None
    except (OSError, *_BROKEN):
        return None
    return lines


def _check_header(header: Any) -> None:
    wanted = {"version": int, "built_ns": int, "hp_names": list, "metric_names": list}
    if not isinstance(header, dict) or header.get("version") != VERSION:
        raise ValueError("another index version")
    for key, kind in wanted.items():
        if not isinstance(header.get(key), kind):
            raise ValueError(f"the index header lacks {key}")
    if not isinstance(header.get("warnings", []), list):
        raise ValueError("the index header's warnings are not a list")


def _check_keys(keys: Any) -> None:
    """``best`` ranks these without reading records, so each must be
    ``[id, status, score, budget]``."""
    if not isinstance(keys, list):
        raise ValueError("the index keys are not a list")
    for key in keys:
        trial_id, status, score, budget = key
        if not isinstance(trial_id, int) or status not in _STATUSES:
            raise ValueError("an index key is not [id, status, score, budget]")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise ValueError("an index key's score is not a number")
        if isinstance(budget, bool) or not isinstance(budget, int | float):
            raise ValueError("an index key's budget is not a number")


def _files(lines: list[bytes]) -> dict[str, Any]:
    return json.loads(lines[1])


def _build(
    store: StudyStore,
    old_lines: list[bytes] | None,
    path: Path,
    signatures: dict[str, list[int] | None] | None = None,
    write: bool = True,
) -> TrialIndex:
    """Re-read the records whose signature changed; write the index back if possible."""
    built_ns = time.time_ns()
    signatures = _signatures(store) if signatures is None else signatures
    old_files, old_rows = _old_parts(old_lines)
    summaries: dict[int, dict[str, Any]] = {}
    files: dict[str, list[int] | None] = {}
    warnings: list[str] = []
    for name, signature in signatures.items():
        if signature is not None and old_files.get(name) == signature and name in old_rows:
            summary = old_rows[name]
        else:
            summary = _read_summary(store, store.trials_dir / name, warnings)
            if summary is None:
                continue
        files[name] = signature
        summaries[summary["id"]] = summary
    ordered = [summaries[i] for i in sorted(summaries)]
    lines = _encode(ordered, files, built_ns, warnings)
    if write:
        with contextlib.suppress(OSError):
            atomic_write_text(path, b"\n".join(lines).decode("utf-8"))
    return TrialIndex(store, lines, warnings)


def _old_parts(lines: list[bytes] | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The earlier index's signatures and summaries by file name; nothing if it is damaged."""
    if lines is None:
        return {}, {}
    try:
        header, files, keys = (json.loads(line) for line in lines[:3])
        summaries = _decode(header, keys, json.loads(lines[3]))
        return files, {f"{_PREFIX}{s['id']:04d}{_SUFFIX}": s for s in summaries}
    except _BROKEN:
        return {}, {}


def _is_trial_name(name: str) -> bool:
    return name.startswith(_PREFIX) and name.endswith(_SUFFIX)


def _read_summary(store: StudyStore, path: Path, warnings: list[str]) -> dict[str, Any] | None:
    try:
        return summarize(read_trial_file(path).to_dict())
    except ValueError as exc:
        warnings.append(f"skipped {path.name}: {exc}")
        return None


def summarize(data: dict[str, Any]) -> dict[str, Any]:
    """A record dict without ``history`` and with only the error's message."""
    summary = {k: v for k, v in data.items() if k != "history"}
    if summary.get("error"):
        summary["error"] = {"message": summary["error"].get("message", "")}
    return summary


def _decode(
    header: dict[str, Any], keys: list[list[Any]], rows: list[list[Any]]
) -> list[dict[str, Any]]:
    hp_names, metric_names = header["hp_names"], header["metric_names"]
    split = len(_TIMES)
    result = []
    for (trial_id, status, score, _), row in zip(keys, rows, strict=True):
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
    files: dict[str, list[int] | None],
    built_ns: int,
    warnings: list[str],
) -> list[bytes]:
    hp_names = union_names(s["hyperparameters"] for s in summaries)
    metric_names = union_names(s["metrics"] for s in summaries)
    core = {"id", "status", "hyperparameters", "score", "metrics", "error", *_TIMES, *_AFTER}
    keys, rows = [], []
    for s in summaries:
        keys.append([s["id"], s["status"], s["score"], measured_budget(s)])
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
        "built_ns": built_ns,
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
