"""What the commands share: finding a study, rendering records, and stopping with an error.

The read-only commands import this module on their fast path, so it stays light: no pydantic,
NumPy or rich at import time (rich tables come from ``tuner_cli.cli.console`` only when a person is
looking at a terminal).
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from tuner_cli.errors import UsageError
from tuner_cli.objective import Objective, objective_values
from tuner_cli.results.store import StudyStore, owning_study
from tuner_cli.trial import BOOKKEEPING_FIELDS, TrialRecord, measured_budget, union_names
from tuner_cli.wording import format_duration, format_score, format_value

DEFAULT_OUTPUT = Path("results")
RICH_ROWS = 500
"""Above this many rows even a terminal gets the plain table: rich needs seconds for 10,000."""
FRONT_MARK = "*"
"""How a table marks a trial on the Pareto front, in its ``front`` column."""

RESULTS_HELP = "Folder that holds the studies (one subfolder each)."
"""``--results DIR`` is the results folder on every command; ``-o/--output`` is always a file
that a command writes (``report``, ``export``, ``schema``)."""
OLD_OUTPUT_HELP = "Deprecated spelling of --results on search, best, trials and show."


def results_folder(results: Path, old_output: Path | None) -> Path:
    """``--results``, or the deprecated ``-o/--output DIR`` with a note saying so."""
    if old_output is None:
        return results
    sys.stderr.write(
        "warning: -o/--output for the results folder is deprecated (it names the file a "
        f"command writes, as in `kt-run report -o report.html`); use --results {old_output}\n"
    )
    return old_output


def abort(message: str, code: int = 2) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(code)


STDOUT = "-"
"""``-o -``: the file a command writes goes to stdout instead, as Unix tools take it."""


def emit(text: str) -> None:
    """Machine-readable output exactly as given (click's echo would strip escape sequences).

    Written as bytes until all are taken: under PYTHONUNBUFFERED (common in Docker images
    and CI) stdout's text layer writes straight to the pipe and drops, without an error, what
    a reader that closed part way did not take, so ``kt-run trials --format csv | head -1``
    ended 0. The loop's next write meets the closed pipe and raises ``BrokenPipeError``.
    """
    text = text if text.endswith("\n") else text + "\n"
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a stream of text only (a test's StringIO)
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    data = memoryview(text.encode(sys.stdout.encoding or "utf-8", sys.stdout.errors or "strict"))
    while data:
        data = data[binary.write(data) or 0 :]
    binary.flush()


def warn(warnings: Sequence[str]) -> None:
    """Records that were skipped, on stderr so machine-readable stdout stays clean."""
    for warning in warnings:
        sys.stderr.write(f"warning: {warning}\n")


def warn_if_left_running(store: StudyStore, running: Sequence[int]) -> None:
    """Trials a killed search left marked running read as if a search ran them still."""
    if not running or store.in_search():
        return
    ids = ", ".join(map(str, sorted(running)))
    marked, them = (f"trial {ids} is", "it") if len(running) == 1 else (f"trials {ids} are", "them")
    warn(
        [
            f"{marked} marked running, but no search is running on this study (the last one "
            f"stopped without finishing); the next `kt-run search` on it resumes {them}"
        ]
    )


def locate_study(target: str | None, output: Path) -> StudyStore:
    """A study from a results folder, a study folder, the config that made it, or a study's
    name inside ``output`` (``kt-run best digits-mlp``).

    With no target, ``./results`` is searched; when it holds several studies, the most
    recently updated one is used and stderr says which (so ``make demo`` and the README's bare
    ``kt-run best`` work after any other search). A path the system refuses to look at (a
    name too long for it, a folder without permission) is a usage error naming it.
    """
    try:
        return _locate_study(target, output)
    except OSError as exc:
        where = exc.filename if exc.filename is not None else (target or output)
        raise UsageError(f"cannot read '{where}': {exc.strerror or exc}") from None


def _locate_study(target: str | None, output: Path) -> StudyStore:
    if target is not None and Path(target).is_file():
        own = StudyStore(Path(target).parent)
        if Path(target).name == own.config_file.name and own.exists():
            return own  # a study's saved config.yaml: the study it sits in
        return _existing(StudyStore(output / _study_name(Path(target))))
    folder = Path(target) if target is not None else output
    if (
        target is not None
        and not _holds_study(folder)
        and (output / target / "study.json").is_file()
    ):
        folder = output / target
    if (folder / "study.json").is_file():
        return StudyStore(folder)
    if not folder.is_dir():
        known = _studies(output) if target is not None and output.is_dir() else []
        if known:  # a misspelt study name: the ones there are the likely meaning
            raise UsageError(
                f"no results at '{folder}', nor a study of that name in '{output}' (studies "
                f"there: {', '.join(p.name for p in known)})"
            )
        raise UsageError(f"no results at '{folder}': run `kt-run search CONFIG` first")
    studies = _studies(folder)
    if not studies:
        raise UsageError(f"no study in '{folder}' (a study folder holds study.json)")
    if len(studies) > 1:
        chosen = max(studies, key=_last_update)
        others = ", ".join(p.name for p in studies if p != chosen)
        sys.stderr.write(
            f"note: '{folder}' holds {len(studies)} studies; using '{chosen.name}', the most "
            f"recently updated (others: {others}; name one, e.g. {folder / studies[0].name})\n"
        )
        return StudyStore(chosen)
    return StudyStore(studies[0])


def check_output_file(output: Path) -> None:
    """``-o/--output`` names a file a command writes for the user: not ``""``, ``.`` or a
    folder, which no command can write its file as, and none of a study's own files:
    ``report -o results/s/study.json`` would destroy the study, ``export -o
    results/s/models/trial_0002.keras`` another trial's kept model."""
    try:
        folder = output.name in ("", "..") or output.is_dir()
    except OSError:
        folder = False  # the write says why it cannot be made
    if folder:
        raise UsageError(
            f"--output '{output}' is a folder; give the file to write (--output "
            f"{Path(output, 'NAME')})"
        )
    study = owning_study(output)
    if study is not None:
        raise UsageError(
            f"--output {output} is one of the files of the study {study}; write it elsewhere "
            "(kt-run never replaces a study's records, models or study.json for you)"
        )


def _studies(folder: Path) -> list[Path]:
    """The study folders ``folder`` holds, in name order."""
    return sorted(p.parent for p in folder.glob("*/study.json"))


def _holds_study(folder: Path) -> bool:
    """Whether a path is a study or a results folder with one in it. A study is often named
    after its data folder (``reviews/`` of texts, study ``reviews``): such a folder in the
    working directory must not hide the study of that name inside ``--results``."""
    return (folder / "study.json").is_file() or any(folder.glob("*/study.json"))


def _last_update(study: Path) -> tuple[float, str]:
    """When a study last changed: its study.json or its trials folder (a new record renames
    into it), whichever is later; ties go to the name so the choice is stable."""
    paths = (study / "study.json", study / "trials")
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0), study.name


def _study_name(config: Path) -> str:
    """The config's ``name``; a full validation only when the quick read finds none."""
    import yaml

    try:
        name = yaml.safe_load(config.read_text(encoding="utf-8")).get("name")
    except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError):
        name = None
    if isinstance(name, str) and name and "/" not in name and not name.startswith("."):
        return name
    from tuner_cli.config import load_config

    return load_config(config).config.name


def _existing(store: StudyStore) -> StudyStore:
    """The config's study; ``search --strategy NAME`` named its study ``<name>-<NAME>``, which
    a CI step reading ``best CONFIG`` next must hear of, found or not."""
    others = _strategy_studies(store.root)
    named = ", ".join(str(p) for p in others)
    if not store.exists():
        hint = (
            f"; `search --strategy NAME` names its study <name>-NAME: {named} (pass that folder)"
            if others
            else ""
        )
        raise UsageError(f"the config's study has no results yet at '{store.root}'{hint}")
    if others:
        sys.stderr.write(
            f"note: reading '{store.root}'; this config was also searched with --strategy, "
            f"into {named} (pass that folder to read it)\n"
        )
    return store


def _strategy_studies(root: Path) -> list[Path]:
    """The ``<name>-<strategy>`` studies beside ``root``: those whose study.json records the
    strategy their folder is named after."""
    found = []
    for info_file in sorted(root.parent.glob(f"{glob.escape(root.name)}-*/study.json")):
        try:
            strategy = json.loads(info_file.read_text(encoding="utf-8")).get("strategy")
        except (OSError, ValueError, AttributeError):
            continue
        if info_file.parent.name == f"{root.name}-{strategy}":
            found.append(info_file.parent)
    return found


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2)


def to_yaml(value: Any) -> str:
    """YAML for people and scripts; non-ASCII names and values as they are (``ünïcode``),
    not escaped (``"\\xFCn\\xEFcode"``), which any YAML reader reads back the same."""
    import yaml

    # libyaml's dumper where PyYAML has it: the pure-Python one took 3.3 s for 5,000 records
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(value, Dumper=dumper, sort_keys=False, allow_unicode=True)


def use_rich(rows: int) -> bool:
    return sys.stdout.isatty() and rows <= RICH_ROWS


def plain_table(
    headers: list[str], rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)
) -> str:
    """Space-aligned columns: the ``left`` ones left-aligned, the rest (numbers) to the right.
    A column without a header (``show``'s ``<- best`` marks) gets no rule under it."""
    widths = [len(h) for h in headers]
    for i, column in enumerate(zip(*rows, strict=True)):
        widths[i] = max(widths[i], *map(len, column))
    pattern = "  ".join(f"{{:{'<' if i in left else '>'}{w}}}" for i, w in enumerate(widths))
    rules = ("-" * w if h else "" for h, w in zip(headers, widths, strict=True))
    lines = [pattern.format(*headers), pattern.format(*rules)]
    lines += [pattern.format(*row) for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def objective_headers(objectives: Sequence[Objective]) -> list[str]:
    return [f"{o.name} ({o.direction})" for o in objectives]


def front_header(front: Collection[int] | None) -> list[str]:
    """A multi-objective table's column that marks the Pareto front's members (``front``:
    their ids; None for one objective, which has no such column)."""
    return [] if front is None else ["front"]


def front_cells(ids: Iterable[int], front: Collection[int]) -> list[str]:
    return [FRONT_MARK if i in front else "" for i in ids]


def summaries_table(summaries: list[dict[str, Any]], objectives: Sequence[Objective]) -> str:
    """The plain-text twin of ``console.trials_table``, for pipes, CI logs and long lists."""
    names = union_names(s["hyperparameters"] for s in summaries)
    rows = [
        [s["id"], s["status"], s["score"], s.get("best_epoch"), s.get("duration_s")]
        + [s["hyperparameters"].get(n) for n in names]
        for s in summaries
    ]
    return flat_table(
        names,
        rows,
        objectives,
        {s["id"]: s.get("scores") for s in summaries},
        {s["id"]: measured_budget(s) for s in summaries},
    )


def flat_table(
    names: list[str],
    rows: list[list[Any]],
    objectives: Sequence[Objective],
    scores: Mapping[int, Mapping[str, Any] | None] | None = None,
    budgets: Mapping[int, float] | None = None,
    front: Collection[int] | None = None,
) -> str:
    """Rows of ``[id, status, score, best_epoch, duration_s, *hyperparameters]``, formatted
    column by column (10,000 rows must print in a fraction of a second). ``scores``: each
    trial's ``scores`` by id, for a column per objective of a multi-objective study;
    ``budgets`` (epochs each score was measured at, by id) adds a column when a trial has one
    (``budget_cells``); ``front`` (the Pareto front's ids) a column marking its members."""
    headers = ["trial", "status", *objective_headers(objectives), *front_header(front)]
    headers += [*names, "best epoch"]
    width = 5 + len(names)
    columns = list(zip(*(row[:width] for row in rows), strict=True)) or [()] * width
    by_id = scores or {}
    values = [objective_values(objectives, row[2], by_id.get(row[0])) for row in rows]
    score_columns = list(zip(*values, strict=True)) or [()] * len(objectives)
    trained = budget_cells([budgets.get(i, 0.0) for i in columns[0]] if budgets else [])
    cells = [
        list(map(str, columns[0])),
        list(columns[1]),
        *[list(map(format_score, column)) for column in score_columns],
        *([front_cells(columns[0], front)] if front is not None else []),
        *[list(map(format_value, column)) for column in columns[5:]],
        list(map(format_value, columns[3])),
        *([trained] if trained else []),
        list(map(format_duration, columns[4])),
    ]
    headers += ["epochs", "time"] if trained else ["time"]
    return plain_table(headers, list(zip(*cells, strict=True)), left=(1,))


def budget_cells(budgets: list[float]) -> list[str]:
    """The epochs each multi-fidelity score was measured at, as a table column; empty when no
    trial has a budget. Scores of different budgets rank by budget first
    (``Objective.rank_key``), so a table of them must say which."""
    if not any(budgets):
        return []
    return [str(int(b)) if b else "-" for b in budgets]


EntriesTable = tuple[str, list[str], list[list[str]]]
"""A titled table: ``(title, headers, rows)``."""


def extra_parts(
    record: TrialRecord, on_front: bool | None = None
) -> tuple[list[list[str]], list[EntriesTable]]:
    """A record's strategy fields as ``(facts, tables)``: scalars as ``[name, value]`` rows,
    lists of entries (Hyperband's rungs, repeated executions) as titled tables with one row
    per entry, instead of one long Python repr. An entry's nested metrics are left out: they
    are the history's rows at its best epoch, which ``show`` prints in full below. The
    strategies' ``BOOKKEEPING_FIELDS`` and unset fields (a trial not backfilled) say nothing
    to a person and are left out too. ``on_front``: whether a completed trial of a
    multi-objective study is on the Pareto front (None: one objective, or not completed)."""
    facts: list[list[str]] = []
    tables: list[EntriesTable] = []
    for key, value in record.extra.items():
        name = key.replace("_", " ")
        if key in BOOKKEEPING_FIELDS or value is None:
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append(_entries_table(key, value))
        elif key == "scores" and isinstance(value, dict):
            facts.append([name, _named_scores(value)])
        else:
            facts.append([name, format_value(value)])
    if on_front is not None:
        facts.append(["Pareto front", "yes" if on_front else "no"])
    return facts, tables


def _named_scores(scores: dict[str, Any]) -> str:
    """``f1=0.2500  f2=4.750``: a multi-objective trial's scores in four significant digits,
    as every other score is shown, instead of a Python dict of full-precision floats."""
    return "  ".join(f"{name}={format_score(value)}" for name, value in scores.items())


def _entries_table(key: str, entries: list[dict[str, Any]]) -> EntriesTable:
    names = list(
        dict.fromkeys(n for entry in entries for n, v in entry.items() if not isinstance(v, dict))
    )
    cells = [
        [(format_score if n == "score" else format_value)(entry.get(n)) for n in names]
        for entry in entries
    ]
    return key.replace("_", " ").capitalize(), [n.replace("_", " ") for n in names], cells
