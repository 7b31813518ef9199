"""What the report's charts say about unusual studies (all failed, ties, Hyperband budgets),
and how its interactions behave in a real headless Chromium."""

from __future__ import annotations

import json
import math
import re
from html import unescape
from pathlib import Path

import pytest

from tests.cli.test_read_commands import CONFIG, make_pareto_study
from tests.report.test_report import _chromium, console_messages, needs_chromium
from tuner_cli.report import render_report
from tuner_cli.results.store import StudyStore
from tuner_cli.trial import TrialRecord, TrialStatus


def _study(root: Path, records: list[TrialRecord], objective=("val_mae", "min")) -> StudyStore:
    store = StudyStore(root)
    info = {
        "name": "study",
        "strategy": "hyperband",
        "objective": {"name": objective[0], "direction": objective[1]},
        "space_fingerprint": "x",
        "seed": 1,
    }
    store.create(CONFIG, info)
    for record in records:
        store.write_trial(record)
    store.flush()
    return store


def _trial(trial_id: int, score: float | None, status=TrialStatus.COMPLETED, **extra):
    failed = status is TrialStatus.FAILED
    return TrialRecord(
        id=trial_id,
        status=status,
        hyperparameters={"units": 8 * trial_id, "lr": 0.001 * trial_id, "act": "relu"},
        score=score,
        history=[] if score is None else [{"epoch": 1, "val_mae": score, "val_accuracy": score}],
        best_epoch=None if score is None else 1,
        error={"message": "ValueError: boom", "traceback": ""} if failed else None,
        extra=extra,
    )


def _objective_chart(html: str) -> str:
    start = html.index("<h2>Objective per trial</h2>")
    return html[start : html.index("</section>", start)]


def test_an_all_failed_study_draws_no_score_and_integer_ticks(tmp_path):
    records = [_trial(i, None, TrialStatus.FAILED) for i in (1, 2, 3)]
    html = render_report(_study(tmp_path / "s", records))
    chart = _objective_chart(html)
    assert "no trial has a score" in chart
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', chart)
    assert ticks and all(t.isdigit() for t in ticks), ticks  # trials only, no y values
    assert "failed (no score)" in chart
    assert "completed" not in chart and "pruned" not in chart and "best so far" not in chart
    assert "top 0" not in html and "<h2>Learning curves</h2>" in html


def test_every_trial_tied_for_best_is_highlighted(tmp_path):
    records = [_trial(1, 0.2), _trial(2, 0.1), _trial(3, 0.3), _trial(4, 0.1)]
    html = render_report(_study(tmp_path / "s", records))
    assert "Best: trial 2 (tied with trial 4)" in html
    rows = re.findall(r'<tr data-trial="(\d+)"[^>]*class="best-row"', html)
    assert rows == ["2", "4"]
    assert _objective_chart(html).count('stroke="#16a34a" stroke-width="2.5"') == 2


def test_hyperband_rounds_are_marked_by_budget(tmp_path):
    rungs = [{"round": 0, "epochs": 1, "score": 0.5}, {"round": 1, "epochs": 3, "score": 0.3}]
    records = [
        _trial(1, 0.3, bracket=0, round=1, budget=3, rungs=rungs),
        _trial(2, 0.6, bracket=0, round=0, budget=1, rungs=rungs[:1]),
    ]
    html = render_report(_study(tmp_path / "s", records))
    chart = _objective_chart(html)
    assert "trial 1 (completed) at 1 epoch: val_mae = 0.5000" in chart
    assert "trial 1 (completed) at 3 epochs: val_mae = 0.3000" in chart
    assert "larger for a larger budget (1 epoch, 3 epochs)" in chart
    assert '<th scope="col">bracket</th><th scope="col">round</th>' in html


def test_importance_of_a_multi_fidelity_study_compares_scores_of_one_budget(tmp_path):
    """Scores after 1 epoch and after 3 do not compare: a forest fitted to both learns which
    trials were promoted, not what the hyperparameters do. It uses the largest budget that
    enough trials reached, and says so."""
    records = []
    for i in range(1, 9):
        rungs = [{"round": 0, "epochs": 1, "score": 1.0 + i}]
        if i <= 5:
            rungs.append({"round": 1, "epochs": 3, "score": 0.1 * i})
        last = rungs[-1]
        records.append(
            _trial(
                i,
                last["score"],
                bracket=0,
                round=len(rungs) - 1,
                budget=last["epochs"],
                rungs=rungs,
            )
        )
    html = render_report(_study(tmp_path / "s", records))
    start = html.index("<h2>Hyperparameter importance</h2>")
    card = html[start : html.index("</section>", start)]
    assert "of 5 completed trials" in card
    assert "their scores at 3 epochs" in card


def test_hyperparameter_charts_of_a_multi_fidelity_study_say_each_score_s_budget(tmp_path):
    rungs = [{"round": 0, "epochs": 1, "score": 0.5}, {"round": 1, "epochs": 3, "score": 0.3}]
    records = [
        _trial(1, 0.3, bracket=0, round=1, budget=3, rungs=rungs),
        _trial(2, 0.6, bracket=0, round=0, budget=1, rungs=rungs[:1]),
    ]
    html = render_report(_study(tmp_path / "s", records))
    start = html.index("<h2>Hyperparameters against the objective</h2>")
    card = html[start : html.index("</section>", start)]
    assert "trial 1 at 3 epochs: units = 8, val_mae = 0.3000" in card
    assert "trial 2 at 1 epoch: units = 16, val_mae = 0.6000" in card
    assert "scores after different epochs do not compare" in card


def test_three_objectives_mark_the_whole_front_on_a_projection(tmp_path):
    # trial 2 is beaten by trial 1 on o1 and o2 (the chart's axes) but wins on o3
    store = make_pareto_study(tmp_path / "s")
    html = render_report(store)
    start = html.index("<h2>Pareto front</h2>")
    chart = html[start : html.index("</section>", start)]
    assert chart.count("(Pareto front)") == 2
    # scores keep their trailing zeros here too, as in every other chart and table
    assert "trial 2: o1 = 1.500, o2 = 1.250, o3 = 0.7500 (Pareto front)" in chart
    assert "o1 against o2 (projection; front on o1, o2, o3)" in chart
    assert "A projection onto the first two objectives" in chart
    assert "Pareto front: 2 of 3 completed trials" in html and "Best: trial" not in html
    assert "o1 (minimised), o2 (minimised), o3 (minimised)" in html


def test_the_trials_table_of_several_objectives_gives_each_a_column_and_marks_the_front(
    tmp_path,
):
    """The sortable table showed only the first objective, so the trade-offs the Pareto
    chart draws could not be read or sorted there, nor the front's members found."""
    html = render_report(make_pareto_study(tmp_path / "s"))
    start = html.index("<h2>All trials</h2>")
    table = html[start : html.index("</section>", start)]
    headers = re.findall(r'<th scope="col">([^<]*)</th>', table)
    assert headers[:6] == ["trial", "status", "o1 (min)", "o2 (min)", "o3 (min)", "front"]
    rows = {
        int(trial): re.findall(r"<td[^>]*>([^<]*)", row)
        for trial, row in re.findall(r'<tr data-trial="(\d+)"[^>]*>(.*?)</tr>', table)
    }
    assert rows[2][2:6] == ["1.500", "1.250", "0.7500", "*"]
    assert rows[3][2:6] == ["2.000", "2.000", "6.000", ""]


INTERACT = """
<script>
(function () {
  var out = {};
  var point = document.querySelector('svg .mark[data-trial="3"]');
  point.dispatchEvent(new MouseEvent("mouseover", {bubbles: true, clientX: 50, clientY: 50}));
  var lit = document.querySelectorAll(".hl");
  out.lit_sections = Array.prototype.map.call(lit, function (el) {
    return el.closest("section").querySelector("h2").textContent;
  }).filter(function (v, i, all) { return all.indexOf(v) === i; });
  out.row_lit = document.querySelector('tr[data-trial="3"]').classList.contains("hl");
  out.tip = document.getElementById("tip").textContent;
  out.tip_shown = getComputedStyle(document.getElementById("tip")).display;
  out.dimmed = getComputedStyle(document.querySelector('svg .mark[data-trial="1"]')).opacity;
  var box = document.querySelector('input[data-filter="failed"]');
  box.checked = false;
  box.dispatchEvent(new Event("change"));
  out.failed_hidden = document.querySelectorAll('[data-status="failed"][data-off]').length;
  var row = document.querySelector('tr[data-status="failed"]');
  out.failed_row_shown = getComputedStyle(row).display;
  var pre = document.createElement("pre");
  pre.id = "result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


@needs_chromium
@pytest.mark.slow
def test_hover_highlights_a_trial_everywhere_and_the_filter_hides_a_status(tmp_path):
    records = [_trial(i, 0.1 * i) for i in range(1, 6)] + [_trial(6, None, TrialStatus.FAILED)]
    html = render_report(_study(tmp_path / "s", records, objective=("val_accuracy", "max")))
    page = tmp_path / "page.html"
    page.write_text(html.replace("</body>", INTERACT + "</body>"), encoding="utf-8")
    loaded = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert console_messages(loaded.stderr) == []
    found = json.loads(re.search(r'<pre id="result">(.*?)</pre>', loaded.stdout).group(1))
    assert set(found["lit_sections"]) >= {
        "Objective per trial",
        "Hyperparameters against the objective",
        "Parallel coordinates",
        "Learning curves of the top 5 trials",
        "All trials",
    }
    assert found["row_lit"] is True
    assert found["tip"] == "trial 3 (completed): val_accuracy = 0.3000"
    assert found["tip_shown"] == "block"
    assert float(found["dimmed"]) < 0.5
    assert found["failed_hidden"] >= 2  # its cross and its table row
    assert found["failed_row_shown"] == "none"


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(1e16, 1e16 + 2), (-1e308, 1e308), (1e308, 1e308), (0.0, 5e-324), (1e20, 1e20), (3, 3)],
)
def test_a_scale_of_values_floats_barely_tell_apart_or_cannot_span(lo, hi):
    """1e16 and the next float: ticks 0.5 apart never moved past 1e16 (the report hung, its
    list of ticks growing); -1e308..1e308 overflowed, 1e308 alone or 0..5e-324 left no step."""
    from tuner_cli.report.svg import MAX_TICKS, Scale

    scale = Scale(lo, hi, 0, 100)
    ticks = scale.ticks()
    assert 1 < len(ticks) <= MAX_TICKS
    assert all(math.isfinite(scale(t)) for t in ticks)
    assert 0 <= scale(lo) <= scale(hi) <= 100


def test_a_report_of_extreme_scores_and_values_is_drawn(tmp_path):
    records = [_trial(i, score) for i, score in enumerate((1e308, -1e308, 3.0, 5e-324, 0.5), 1)]
    for record, x in zip(records, (1e16, 1e16 + 2, 1e308, -1e308, 0.0), strict=True):
        record.hyperparameters["x"] = x
    html = render_report(_study(tmp_path / "s", records))
    assert "<h2>Hyperparameter importance</h2>" in html and "Out-of-bag" in html


def test_several_objectives_ring_and_highlight_the_front_not_the_first_objective_s_best(
    tmp_path,
):
    """Trial 1 has the best o1, trial 2 is on the front too: the report ringed trial 1 alone as
    "the best trial", highlighted its row and drew it alone in green, where no trial is best."""
    html = unescape(render_report(make_pareto_study(tmp_path / "s")))
    chart = _objective_chart(html)
    ringed = re.findall(
        r'stroke="#16a34a" stroke-width="2.5" class="mark" data-trial="(\d+)"', chart
    )
    assert sorted(map(int, ringed)) == [1, 2]
    assert "the best trial" not in chart
    assert "Ringed: the Pareto front's 2 trials" in chart
    assert "best o1 so far" in chart
    start = html.index("<h2>All trials</h2>")
    table = html[start : html.index("</section>", start)]
    assert re.findall(r'<tr data-trial="(\d+)"[^>]*class="best-row"', table) == ["1", "2"]
    start = html.index("<h2>Parallel coordinates</h2>")
    parallel = html[start : html.index("</section>", start)]
    green = re.findall(r'stroke="#16a34a"[^>]*data-trial="(\d+)"', parallel)
    assert sorted(map(int, green)) == [1, 2]
    assert "the Pareto front's trials in green" in parallel


MEASURE_TICKS = """
<script>
(function () {
  var out = [];
  Array.prototype.forEach.call(document.querySelectorAll("svg"), function (svg) {
    var box = svg.viewBox.baseVal;
    var label = svg.querySelector('text.label[transform]');
    var labelRight = label ? label.getBBox().y + label.getBBox().height : null;
    Array.prototype.forEach.call(svg.querySelectorAll('text.tick[text-anchor="end"]'),
      function (tick) {
        var b = tick.getBBox();
        out.push({text: tick.textContent, left: b.x, min: box.x,
                  label: label ? label.textContent : null,
                  labelRight: label ? label.getBoundingClientRect().right : null,
                  tickLeft: tick.getBoundingClientRect().left});
      });
  });
  var pre = document.createElement("pre");
  pre.id = "result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def test_tick_labels_of_large_and_tiny_scores_read_whole(tmp_path):
    """A regression's mse near 1e7 had y ticks ``1.000e+07``, ``1.100e+07``... wider than the
    chart's margin: the page showed ``.000e+07`` and ``.100e+07``, which read as other
    numbers. Ticks are round values, written as such (``1e+07``, ``1.1e+07``)."""
    scores = (1.0e7, 1.05e7, 1.2e7, 3.0e7)
    html = render_report(_study(tmp_path / "s", [_trial(i, s) for i, s in enumerate(scores, 1)]))
    ticks = re.findall(r'<text class="tick"[^>]*text-anchor="end">([^<]*)</text>', html)
    assert "1e+07" in ticks and "3e+07" in ticks and not any("000e" in t for t in ticks)


@needs_chromium
@pytest.mark.slow
def test_y_tick_labels_stay_inside_the_chart_and_clear_of_the_axis_label(tmp_path):
    """The y ticks of the objective, hyperparameter, Pareto and learning-curve charts, however
    wide (``-2.5e+07``, ``0.0001``), lie inside their SVG and left of none of the axis label."""
    records = [_trial(i, s) for i, s in enumerate((-2.5e7, -1.25e7, 0.00012, 3.5e-05), 1)]
    html = render_report(_study(tmp_path / "s", records))
    page = tmp_path / "page.html"
    page.write_text(html.replace("</body>", MEASURE_TICKS + "</body>"), encoding="utf-8")
    loaded = _chromium(tmp_path, "--window-size=1400,2000", "--dump-dom", page.as_uri())
    assert console_messages(loaded.stderr) == []
    found = json.loads(unescape(re.search(r'<pre id="result">(.*?)</pre>', loaded.stdout)[1]))
    assert len(found) > 10
    for tick in found:
        assert tick["left"] >= tick["min"], tick  # not cut off at the SVG's left edge
        if tick["label"] is not None:
            assert tick["tickLeft"] >= tick["labelRight"], tick  # not under the axis label
