"""The report's sections, each a function from trial summaries to an HTML fragment."""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any

from tuner_cli.objective import Objective
from tuner_cli.report.assets import SCRIPT, STYLE
from tuner_cli.report.importance import MIN_TRIALS, hyperparameter_importance, is_log_scale
from tuner_cli.report.svg import (
    BEST,
    PALETTE,
    STATUS_COLOUR,
    Frame,
    Scale,
    esc,
    gradient,
    mark_attributes,
    num,
    score_text,
    tick_text,
)
from tuner_cli.results.reading import front_ids, study_objective, study_objectives
from tuner_cli.results.store import StudyStore
from tuner_cli.results.trial_index import load_index, read_record
from tuner_cli.trial import TrialRecord, measured_budget, stage_fields, union_names
from tuner_cli.wording import plural

TOP_CURVES = 5
MAX_LINES = 1500
"""Parallel coordinates draw at most this many trials (the best ones); more is a grey blur."""
Summary = dict[str, Any]


def render_report(store: StudyStore, warnings: list[str] | None = None) -> str:
    """The page; records skipped as untrustworthy are added to ``warnings`` for the caller."""
    info = store.read_study()
    objective = study_objective(store)
    index = load_index(store)
    trials = index.summaries()
    if warnings is not None:
        warnings += index.warnings
    completed = objective.ranked(
        [t for t in trials if _ok(t)], itemgetter("score"), itemgetter("id"), measured_budget
    )
    top = [r for r in (read_record(store, t["id"]) for t in completed[:TOP_CURVES]) if r]
    names = union_names(t["hyperparameters"] for t in trials)
    objectives = study_objectives(store)
    front = front_ids(completed, objectives)
    # with several objectives no trial is best: the charts and the table mark the front instead
    best_ids = _tied_best(completed) if front is None else front
    sections = [
        _overview(info, objectives, trials, completed, best_ids, front),
        # said on stderr too, but whoever is handed the page should see it is missing trials
        *(
            [_card("Records left out", "".join(map(_note, index.warnings)))]
            if index.warnings
            else []
        ),
        *(
            [_card("Pareto front", _pareto_chart(completed, objectives, front), wide=True)]
            if front is not None
            else []
        ),
        _card(
            "Objective per trial",
            _objective_chart(trials, objective, best_ids, front is not None),
            wide=True,
        ),
        _card(
            "Hyperparameters against the objective",
            _hp_charts(trials, names, objective),
            wide=True,
        ),
        _card("Parallel coordinates", _parallel(completed, names, objective, front), wide=True),
        _card("Hyperparameter importance", _importance(completed, objective)),
        _card(
            _curves_title(len(top), objective if front is not None else None),
            _curves(top, objective),
        ),
        _card("All trials", _table(trials, names, objectives, best_ids, front), wide=True),
    ]
    title = f"kt-run report: {info.get('name', store.root.name)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{esc(title)}</h1></header><main>"
        + "".join(sections)
        + f'</main><div id="tip" role="tooltip"></div><script>{SCRIPT}</script></body></html>\n'
    )


def _tied_best(completed: list[Summary]) -> set[int]:
    """Every trial whose score (at the same budget) equals the best one: a tie is not decided
    by trial number."""
    if not completed:
        return set()
    first = completed[0]
    return {
        t["id"]
        for t in completed
        if t["score"] == first["score"] and measured_budget(t) == measured_budget(first)
    }


def _curves_title(count: int, ranked_on: Objective | None = None) -> str:
    """``ranked_on``: with several objectives, the first one, which alone ranks the trials
    drawn (no trial is best on all of them)."""
    by = f" by {ranked_on.name}" if ranked_on is not None else ""
    if count == 0:
        return "Learning curves"
    if count == 1:
        return f"Learning curve of the best trial{by}"
    return f"Learning curves of the top {count} trials{by}"


def _mark(trial: Summary) -> tuple[int, str]:
    return trial["id"], trial["status"]


def _ok(trial: Summary) -> bool:
    return trial["status"] == "completed" and trial["score"] is not None


def _card(title: str, body: str, wide: bool = False) -> str:
    kind = "card wide" if wide else "card"
    return f'<section class="{kind}"><h2>{esc(title)}</h2>{body}</section>'


def _note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def _overview(
    info: dict[str, Any],
    objectives: list[Objective],
    trials: list[Summary],
    completed: list[Summary],
    best_ids: set[int],
    front: set[int] | None,
) -> str:
    """The study's facts and its winner: the best trial, or with several objectives, where no
    trial wins on all of them, how many trials the Pareto front holds."""
    objective = objectives[0]
    counts = Counter(t["status"] for t in trials)
    chips = "".join(
        f'<label class="chip" style="--c:{STATUS_COLOUR.get(s, "#64748b")}">'
        f'<input type="checkbox" checked data-filter="{esc(s)}"> {esc(s)} {n}</label>'
        for s, n in sorted(counts.items())
    )
    facts = [
        (
            "objectives" if len(objectives) > 1 else "objective",
            ", ".join(o.described() for o in objectives),
        ),
        ("strategy", info.get("strategy", "-")),
        *_warm_start(info),
        ("trials", f"{len(trials)}"),
        ("created", info.get("created_at", "-")),
        ("report made", datetime.now(timezone.utc).isoformat(timespec="seconds")),
    ]
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
    if not completed:
        best = _note("No completed trial yet.")
    elif front is not None:
        members = f"{len(front):,} of {plural(len(completed), 'completed trial')}"
        best = f"<div><h3>Pareto front: {members}</h3></div>"
    else:
        winner = completed[0]
        hp = "".join(
            f"<tr><th>{esc(k)}</th><td>{esc(_text(v))}</td></tr>"
            for k, v in winner["hyperparameters"].items()
        )
        ties = sorted(best_ids - {winner["id"]})
        tied = f" (tied with trial {', '.join(map(str, ties))})" if ties else ""
        best = (
            f"<div><h3>Best: trial {winner['id']}{tied}, {esc(objective.name)} = "
            f'<span class="best">{esc(score_text(winner["score"]))}</span></h3>'
            f'<table class="facts">{hp}</table></div>'
        )
    return _card(
        "Study",
        f'<div class="overview"><div><table class="facts">{rows}</table>'
        f'<p class="chips" title="Show or hide trials of a status in every chart and the '
        f'table">{chips}</p></div>{best}</div>',
        wide=True,
    )


def _warm_start(info: dict[str, Any]) -> list[tuple[str, str]]:
    """The other study the model learnt from (``strategy.warm_start``), whose trials are not
    this study's and are not drawn here."""
    warm = info.get("warm_start")
    if not isinstance(warm, dict):
        return []
    ids = warm.get("trial_ids")
    count = len(ids) if isinstance(ids, list) else 0
    return [("warm start", f"{plural(count, 'trial')} of {warm.get('path', '-')}, not run again")]


def _text(value: Any) -> str:
    return num(value) if isinstance(value, float) else str(value)


def _objective_chart(
    trials: list[Summary], objective: Objective, best_ids: set[int], several: bool = False
) -> str:
    """Each trial's score by trial number, the best so far as a line. A Hyperband trial gets
    one dot per round, sized by its budget (epochs), since its scores at 1 and at 9 epochs
    are not comparable. Trials without a score are crosses along the bottom, and when no
    trial has one the vertical axis carries no numbers (a cross at 0 would read as a score).
    ``several``: the study has several objectives, this chart the first; ``best_ids`` are then
    the Pareto front's trials, and the line the best of the first objective so far."""
    if not trials:
        return _note("No trials yet.")
    frame = Frame(width=1240, height=300)
    ids = [t["id"] for t in trials]
    x = Scale(min(ids), max(ids), frame.x0, frame.x1)
    points = [(t, score, epochs) for t in trials for score, epochs in _scores(t)]
    budgets = sorted({epochs for _, _, epochs in points if epochs is not None})
    frame.x_axis(x, "trial", [(i, str(int(i))) for i in x.ticks(integer=True)])
    if points:
        scores = [score for _, score, _ in points]
        y = Scale(min(scores), max(scores), frame.y0, frame.y1)
        frame.y_axis(y, objective.name)
    else:
        frame.y_axis_label(f"{objective.name} (no trial has a score)")
    best_line: list[tuple[float, float]] = []
    best: tuple | None = None  # the best so far as rank_key orders it: by budget first
    for t in trials:
        status = t["status"]
        if t["score"] is None and not _scores(t):
            message = (t.get("error") or {}).get("message", "")
            frame.cross(
                x(t["id"]),
                frame.y0 - 8 if points else (frame.y0 + frame.y1) / 2,
                STATUS_COLOUR.get(status, "#64748b"),
                f"trial {t['id']} {status}" + (f": {message}" if message else ", no score"),
                trial=_mark(t),
            )
            continue
        colour = STATUS_COLOUR.get(status, "#64748b")
        for score, epochs in _scores(t):
            ring = BEST if t["id"] in best_ids and score == t["score"] else None
            at = f" at {plural(epochs, 'epoch')}" if epochs is not None else ""
            frame.point(
                x(t["id"]),
                y(score),
                colour,
                f"trial {t['id']} ({status}){at}: {objective.name} = {score_text(score)}",
                r=3.5 if epochs is None else 2.5 + 1.6 * budgets.index(epochs),
                trial=_mark(t),
                ring=ring,
            )
        rank = objective.rank_key(t["score"], 0, measured_budget(t))
        if status == "completed" and t["score"] is not None and (best is None or rank < best):
            if best is not None:
                best_line.append((x(t["id"]), best_line[-1][1]))
            best = rank
            best_line.append((x(t["id"]), y(t["score"])))
    if best_line:
        best_line.append((x(max(ids)), best_line[-1][1]))
        frame.polyline(best_line, BEST, stroke_width="2")
    present = sorted({t["status"] for t in trials})
    labels = {"pruned": "pruned (score when stopped)", "failed": "failed (no score)"}
    items = [(labels.get(s, s), STATUS_COLOUR.get(s, "#64748b")) for s in present]
    if best_line:
        items.append((f"best {objective.name} so far" if several else "best so far", BEST))
    legend = _legend(items)
    if best_ids and several:
        legend += _note(f"Ringed: the Pareto front's {plural(len(best_ids), 'trial')}.")
    elif best_ids:
        legend += _note("Ringed: the best trial" + ("s (tied)." if len(best_ids) > 1 else "."))
    if budgets:
        sizes = ", ".join(plural(b, "epoch") for b in budgets)
        legend += _note(f"One dot per round, larger for a larger budget ({sizes}).")
    return frame.svg(f"{objective.name} per trial") + legend


def _scores(trial: Summary) -> list[tuple[float, int | None]]:
    """``(score, epochs)`` per round of a budgeted trial, else its one score (epochs None)."""
    rungs = trial.get("rungs")
    if isinstance(rungs, list):
        scored = [
            (r["score"], r.get("epochs"))
            for r in rungs
            if isinstance(r, dict) and isinstance(r.get("score"), int | float)
        ]
        if scored:
            return scored
    return [] if trial["score"] is None else [(trial["score"], None)]


def _pareto_chart(completed: list[Summary], objectives: list[Objective], front: set[int]) -> str:
    """The first two objectives of every completed trial, the front's members marked. The front
    is computed on every objective: with three or more, the chart is a projection in which a
    member may sit behind others, so its members are not joined by a line."""
    first, second = objectives[:2]
    scored = [
        (t, t.get("scores") or {})
        for t in completed
        if all(isinstance((t.get("scores") or {}).get(o.name), (int, float)) for o in objectives)
    ]
    if not scored:
        return _note("No completed trial has a value for every objective yet.")
    frame = Frame(width=1240, height=360)
    xs = [v[first.name] for _, v in scored]
    ys = [v[second.name] for _, v in scored]
    x = Scale(min(xs), max(xs), frame.x0, frame.x1)
    y = Scale(min(ys), max(ys), frame.y0, frame.y1)
    frame.x_axis(x, f"{first.name} ({first.direction})")
    frame.y_axis(y, f"{second.name} ({second.direction})")
    line = []
    for t, values in sorted(scored, key=lambda pair: pair[1][first.name]):
        on_front = t["id"] in front
        tip = f"trial {t['id']}: " + ", ".join(
            f"{o.name} = {score_text(values[o.name])}" for o in objectives
        )
        if on_front:
            tip += " (Pareto front)"
        colour = BEST if on_front else STATUS_COLOUR["completed"]
        frame.point(x(values[first.name]), y(values[second.name]), colour, tip)
        if on_front:
            line.append((x(values[first.name]), y(values[second.name])))
    if len(line) > 1 and len(objectives) == 2:
        frame.polyline(line, BEST, stroke_width="1.5")
    others = STATUS_COLOUR["completed"]
    legend = _legend([("Pareto front", BEST), ("other completed trials", others)])
    title = f"{first.name} against {second.name}"
    if len(objectives) == 2:
        return frame.svg(title) + legend
    names = ", ".join(o.name for o in objectives)
    members = plural(len(front), "trial")
    caption = (
        f"A projection onto the first two objectives; the Pareto front ({members}) is computed "
        f"on all {len(objectives)} ({names}), so a member may look beaten here by a trial it "
        "beats on another objective."
    )
    return frame.svg(f"{title} (projection; front on {names})") + legend + _note(caption)


def _legend(items: list[tuple[str, str]]) -> str:
    return (
        '<p class="legend">'
        + "".join(f'<span><i style="background:{c}"></i>{esc(label)}</span>' for label, c in items)
        + "</p>"
    )


def _hp_charts(trials: list[Summary], names: list[str], objective: Objective) -> str:
    scored = [t for t in trials if t["score"] is not None]
    if not scored or not names:
        return _note("Nothing to plot yet: no scored trials.")
    scores = [t["score"] for t in scored]
    charts = []
    # a few charts share the card's width; many wrap, four to a row
    per_row = min(len(names), 4)
    width = int((1240 - 10 * (per_row - 1)) / per_row)
    for name in names:
        values = [t["hyperparameters"].get(name) for t in scored]
        frame = Frame(width=width, height=240 if width < 400 else 280, left=54)
        y = Scale(min(scores), max(scores), frame.y0, frame.y1)
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        present = [v for v in values if v is not None]
        if present and len(numbers) == len(present):
            log = is_log_scale(numbers)
            x = Scale(min(numbers), max(numbers), frame.x0, frame.x1, log=log)
            integer = all(isinstance(v, int) for v in numbers)
            ticks = [(t, tick_text(t)) for t in x.ticks(4, integer=integer)]
            frame.x_axis(x, name + (" (log)" if log else ""), ticks)
            position = x
        else:
            categories = sorted({_text(v) for v in present}, key=str)
            slots = {c: i for i, c in enumerate(categories)}
            x = Scale(-0.5, len(categories) - 0.5, frame.x0, frame.x1)
            frame.x_axis(x, name, [(i, c) for c, i in slots.items()])

            def position(value: Any, x: Scale = x, slots: dict = slots) -> float:
                return x(slots[_text(value)])

        frame.y_axis(y, objective.name)
        for t, value in zip(scored, values, strict=True):
            if value is None:
                continue
            jitter = 0.0 if position is x else (zlib.crc32(str(t["id"]).encode()) % 21 - 10)
            frame.point(
                position(value) + jitter,
                y(t["score"]),
                STATUS_COLOUR.get(t["status"], "#64748b"),
                f"trial {t['id']}{_at_budget(t)}: {name} = {_text(value)}, "
                f"{objective.name} = {score_text(t['score'])}",
                r=3.5,
                trial=_mark(t),
            )
        charts.append(frame.svg(name))
    note = ""
    if any(_at_budget(t) for t in scored):
        note = _note(
            "Each trial at the budget it last reached (pointing at a dot says which): scores "
            "after different epochs do not compare."
        )
    return '<div class="grid">' + "".join(charts) + "</div>" + note


def _at_budget(trial: Summary) -> str:
    """`` at 9 epochs`` for a multi-fidelity trial's score (a promoted trial still running has
    its last finished rung's), else nothing."""
    budget = int(measured_budget(trial)) or trial.get("budget")
    return f" at {plural(budget, 'epoch')}" if isinstance(budget, int) and budget else ""


def _parallel(
    completed: list[Summary], names: list[str], objective: Objective, front: set[int] | None
) -> str:
    """One line per completed trial across its hyperparameters and score, the best in green;
    with several objectives (``front``: the Pareto front's ids) the front's trials instead."""
    if len(completed) < 2 or not names:
        return _note("Needs at least two completed trials.")
    shown = completed[:MAX_LINES]
    axes = [*names, objective.name]
    width, height, top, bottom = 1240, 340, 24, 272
    left, right = 70, width - 70
    step = (right - left) / max(len(axes) - 1, 1)
    positions: list[Any] = []
    parts: list[str] = []
    for i, name in enumerate(axes):
        ax = left + i * step
        if name == objective.name and i == len(axes) - 1:
            values: list[Any] = [t["score"] for t in shown]
        else:
            values = [t["hyperparameters"].get(name) for t in shown]
        locate, labels = _axis_positions(values, top, bottom)
        positions.append(locate)
        parts.append(f'<line class="axis" x1="{ax:.1f}" x2="{ax:.1f}" y1="{top}" y2="{bottom}"/>')
        for y_pos, label in labels:
            parts.append(
                f'<text class="tick" x="{ax + 5:.1f}" y="{y_pos + 4:.1f}">{esc(label)}</text>'
            )
        parts.append(
            f'<text class="label" x="{ax:.1f}" y="{height - 30}" text-anchor="middle">'
            f"{esc(name)}</text>"
        )
    lines = []
    count = len(shown)
    for rank, t in reversed(list(enumerate(shown))):
        points = []
        for i, name in enumerate(axes):
            value = t["score"] if i == len(axes) - 1 else t["hyperparameters"].get(name)
            points.append(f"{left + i * step:.1f},{positions[i](value):.1f}")
        marked = rank == 0 if front is None else t["id"] in front
        colour = BEST if marked else gradient(1 - rank / max(count - 1, 1))
        width_attr = "3" if marked else "1.2"
        lines.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            f'stroke-width="{width_attr}" stroke-opacity="0.8"{mark_attributes(_mark(t))}>'
            f"<title>trial {t['id']}: "
            f"{esc(objective.name)} = {esc(score_text(t['score']))}</title></polyline>"
        )
    best = "the best in green" if front is None else "the Pareto front's trials in green"
    note = (
        f"Completed trials, coloured by {objective.name} from worst (pale) to best (blue); {best}. "
        "'n/a' marks a hyperparameter that was inactive in a trial."
        + (f" Showing the best {MAX_LINES} of {len(completed)}." if len(completed) > count else "")
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img"><title>parallel coordinates</title>'
        + "".join(lines)
        + "".join(parts)
        + "</svg>"
        + _note(note)
    )


def _axis_positions(values: list[Any], top: float, bottom: float):
    """A function from value to y on a vertical axis, and the tick labels to draw."""
    present = [v for v in values if v is not None]
    numbers = [v for v in present if isinstance(v, (int, float)) and not isinstance(v, bool)]
    na = bottom + 14
    if present and len(numbers) == len(present):
        log = is_log_scale(numbers)
        scale = Scale(min(numbers), max(numbers), bottom, top, log=log)
        ticks = scale.ticks(4, integer=all(isinstance(v, int) for v in numbers))
        labels = [(scale(t), tick_text(t)) for t in ticks if top <= scale(t) <= bottom]
        if len(present) < len(values):
            labels.append((na, "n/a"))
        return (lambda v: na if v is None else scale(v)), labels
    categories = sorted({_text(v) for v in present}, key=str)
    slot = (bottom - top) / max(len(categories), 1)
    where = {c: bottom - slot * (i + 0.5) for i, c in enumerate(categories)}
    labels = [(y, c) for c, y in where.items()]
    if len(present) < len(values):
        labels.append((na, "n/a"))
    return (lambda v: na if v is None else where[_text(v)]), labels


def _one_budget(completed: list[Summary]) -> tuple[list[Summary], list[float], int | None]:
    """The trials and scores to weigh hyperparameters on: in a multi-fidelity study, only the
    scores at one budget (every trial's rung there), the largest that ``MIN_TRIALS`` trials
    reached, as BOHB's model does; scores after 1 epoch and after 9 do not compare, and a
    forest fitted to both learns which trials were promoted. Elsewhere every score (budget
    None)."""
    by_budget: dict[int, dict[int, tuple[Summary, float]]] = {}
    for t in completed:
        for score, epochs in _scores(t):
            if epochs is not None:
                by_budget.setdefault(epochs, {})[t["id"]] = (t, score)
    if not by_budget:
        return completed, [t["score"] for t in completed], None
    enough = [b for b, scored in by_budget.items() if len(scored) >= MIN_TRIALS]
    budget = max(enough) if enough else max(by_budget, key=lambda b: (len(by_budget[b]), b))
    pairs = list(by_budget[budget].values())
    return [t for t, _ in pairs], [score for _, score in pairs], budget


def _importance(completed: list[Summary], objective: Objective) -> str:
    trials, scores, budget = _one_budget(completed)
    result = hyperparameter_importance([t["hyperparameters"] for t in trials], scores)
    if result is not None and budget is not None:
        result.method += (
            f" Only their scores at {plural(budget, 'epoch')} are used, the largest budget that "
            f"at least {MIN_TRIALS} trials reached: scores after different epochs do not compare."
        )
    if result is None and budget is not None:
        return _note(
            f"Needs at least {MIN_TRIALS} trials scored at one budget, with varying "
            f"hyperparameters (this study has {len(trials)} at {plural(budget, 'epoch')})."
        )
    if result is None:
        return _note(
            f"Needs at least {MIN_TRIALS} completed trials with varying hyperparameters "
            f"(this study has {len(completed)} completed)."
        )
    rows = len(result.values)
    frame_height = 30 + 26 * rows
    label_width = 150
    bar_max = 380 - label_width - 60
    bars = []
    for i, (name, share) in enumerate(result.values.items()):
        y = 10 + 26 * i
        bars.append(
            f'<text class="tick" x="{label_width - 8}" y="{y + 14}" text-anchor="end">'
            f"{esc(name)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{max(share * bar_max, 1):.1f}" height="18" '
            f'fill="{PALETTE[0]}"><title>{esc(name)}: {share:.1%}</title></rect>'
            f'<text class="tick" x="{label_width + share * bar_max + 6:.1f}" y="{y + 14}">'
            f"{share:.0%}</text>"
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 380 {frame_height}" width="380" '
        f'height="{frame_height}" role="img"><title>importance</title>' + "".join(bars) + "</svg>"
    )
    return svg + f'<p class="note"><b>Method:</b> {esc(result.method)}</p>'


def _curves(top: list[TrialRecord], objective: Objective) -> str:
    series = [
        (
            r,
            [
                (row.get("epoch", i), row[objective.name])
                for i, row in enumerate(r.history, 1)
                if isinstance(row.get(objective.name), (int, float))
            ],
        )
        for r in top
    ]
    series = [(r, points) for r, points in series if points]
    if not series:
        return _note(f"No per-epoch {objective.name} recorded yet.")
    frame = Frame(width=520, height=280)
    xs = [p[0] for _, points in series for p in points]
    ys = [p[1] for _, points in series for p in points]
    x = Scale(min(xs), max(xs), frame.x0, frame.x1)
    y = Scale(min(ys), max(ys), frame.y0, frame.y1)
    frame.x_axis(x, "epoch", [(t, num(t)) for t in x.ticks() if float(t).is_integer()])
    frame.y_axis(y, objective.name)
    legend = []
    for i, (record, points) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        mark = (record.id, record.status.value)
        frame.polyline([(x(a), y(b)) for a, b in points], colour, trial=mark, stroke_width="2")
        for a, b in points:
            tip = f"trial {record.id}, epoch {a}: {score_text(b)}"
            frame.point(x(a), y(b), colour, tip, r=2.5, trial=mark)
        if record.best_epoch and record.best_epoch <= len(points):
            a, b = points[record.best_epoch - 1]
            frame.add(
                f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="5.5" fill="none" '
                f'stroke="{colour}" stroke-width="2"><title>trial {record.id}: best epoch '
                f"{record.best_epoch}</title></circle>"
            )
        legend.append((f"trial {record.id} ({score_text(record.score)})", colour))
    return frame.svg("learning curves") + _legend(legend) + _note("Rings mark each best epoch.")


def _table(
    trials: list[Summary],
    names: list[str],
    objectives: list[Objective],
    best_ids: set[int],
    front: set[int] | None,
) -> str:
    """Every trial, one column per objective (several come from the records' ``scores``) and,
    with several, a ``front`` column marking the Pareto front's members, as ``kt-run trials``
    does."""
    stages = stage_fields(trials)
    headers = [
        "trial",
        "status",
        *(f"{o.name} ({o.direction})" for o in objectives),
        *(["front"] if front is not None else []),
        "best epoch",
        "duration (s)",
        *stages,
        *names,
        "error",
    ]
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    rows = []
    for t in trials:
        hp = t["hyperparameters"]
        error = (t.get("error") or {}).get("message", "")
        cells = [
            _cell(t["id"]),
            f'<td data-v="{esc(t["status"])}"><span class="status" '
            f'style="--c:{STATUS_COLOUR.get(t["status"], "#64748b")}">{esc(t["status"])}</span>'
            "</td>",
            *[_cell(value, score=True) for value in _objective_values(t, objectives)],
            *([_front_cell(t["id"] in front)] if front is not None else []),
            _cell(t.get("best_epoch")),
            _cell(None if t.get("duration_s") is None else round(t["duration_s"], 1)),
            *[_cell(t.get(f)) for f in stages],
            *[_cell(hp.get(n)) for n in names],
            f'<td class="error" data-v="{esc(error)}">{esc(error)}</td>',
        ]
        best = ' class="best-row"' if t["id"] in best_ids else ""
        rows.append(
            f'<tr data-trial="{t["id"]}" data-status="{esc(t["status"])}"{best}>'
            + "".join(cells)
            + "</tr>"
        )
    return (
        _note(
            "Click a column header to sort; click again to reverse. Point at a row, a dot or "
            "a line to see that trial in every chart."
        )
        + f'<div class="scroll"><table class="trials sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _objective_values(trial: Summary, objectives: list[Objective]) -> list[Any]:
    """One objective's value is the trial's ``score``; several come from its ``scores``."""
    if len(objectives) == 1:
        return [trial["score"]]
    scores = trial.get("scores")
    return [scores.get(o.name) if isinstance(scores, dict) else None for o in objectives]


def _front_cell(on_front: bool) -> str:
    """``*`` as in the terminal's tables; sorting by the column gathers the front."""
    return f'<td data-v="{int(on_front)}">{"*" if on_front else ""}</td>'


def _cell(value: Any, score: bool = False) -> str:
    if value is None:
        return '<td data-v="">-</td>'
    text = score_text if score else num
    shown = text(value) if isinstance(value, float) else str(value)
    return f'<td data-v="{esc(value)}">{esc(shown)}</td>'
