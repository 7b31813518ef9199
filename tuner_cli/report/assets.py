"""The report's inline stylesheet and its one script: table sorting, hover values, a filter by
status, and linked highlighting of one trial across every chart and the table."""

STYLE = """
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
header { background: #0f172a; color: #f8fafc; padding: 18px 28px; }
h1 { margin: 0; font-size: 22px; font-weight: 600; }
h2 { margin: 0 0 12px; font-size: 16px; font-weight: 600; }
h3 { margin: 0 0 8px; font-size: 15px; font-weight: 600; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 18px;
  padding: 20px 28px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px;
  min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.overview { display: flex; gap: 48px; flex-wrap: wrap; }
.facts th { text-align: left; color: var(--muted); font-weight: 500; padding: 2px 16px 2px 0; }
.facts td { padding: 2px 0; }
.best { color: #16a34a; }
.chips .chip { cursor: pointer; user-select: none; }
.chips .chip input { margin: 0 4px 0 0; vertical-align: -1px; accent-color: var(--c); }
.chips .chip, .status { display: inline-block; padding: 1px 9px; border-radius: 999px;
  background: color-mix(in srgb, var(--c) 14%, white); color: var(--c); font-weight: 600;
  margin-right: 6px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 280px), 1fr));
  gap: 10px; }
.grid svg { width: 100%; }
svg { max-width: 100%; height: auto; }
svg .box { fill: none; stroke: #cbd5e1; }
svg .grid { stroke: #eef2f7; }
svg .axis { stroke: #94a3b8; stroke-width: 1.5; }
svg .tick { font-size: 11px; fill: #475569; }
svg .label { font-size: 12px; fill: #0f172a; font-weight: 600; }
.legend span { display: inline-block; white-space: nowrap; margin-right: 18px; color: #334155; }
.legend i { display: inline-block; width: 11px; height: 11px; border-radius: 3px;
  margin-right: 6px; vertical-align: -1px; }
.note { color: var(--muted); margin: 8px 0; }
.scroll { overflow: auto; max-height: 640px; border: 1px solid var(--line); border-radius: 6px; }
table.trials { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.trials th { position: sticky; top: 0; background: #f1f5f9; cursor: pointer;
  text-align: right; padding: 6px 10px; white-space: nowrap; user-select: none; }
table.trials th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.trials th[aria-sort="descending"]::after { content: " \\25BC"; }
table.trials td { text-align: right; padding: 4px 10px; border-top: 1px solid var(--line);
  white-space: nowrap; }
table.trials td.error { text-align: left; color: #b91c1c; white-space: normal; min-width: 240px; }
table.trials tbody tr:hover { background: #f8fafc; }
table.trials tr.best-row td { background: #f0fdf4; }
svg .mark { cursor: pointer; }
body.linked svg .mark:not(.hl) { opacity: 0.18; }
svg circle.hl, svg path.hl { stroke: #0f172a; stroke-width: 2; }
svg polyline.hl { stroke-width: 4; stroke-opacity: 1; }
table.trials tr.hl td { background: #fef9c3; }
[data-off] { display: none; }
#tip { position: fixed; z-index: 10; display: none; pointer-events: none; max-width: 420px;
  padding: 5px 9px; border-radius: 5px; background: #0f172a; color: #f8fafc; font-size: 12px; }
"""

SCRIPT = """
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null || v === "") { return [1, 0, ""]; }
    var n = Number(v);
    return isNaN(n) ? [0, 1, v.toLowerCase()] : [0, 0, n];
  }
  function compare(a, b) {
    for (var i = 0; i < 3; i += 1) {
      if (a[i] < b[i]) { return -1; }
      if (a[i] > b[i]) { return 1; }
    }
    return 0;
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      th.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (row) {
          return { row: row, key: key(row.cells[column]) };
        });
        rows.sort(function (a, b) {
          if (a.key[0] !== b.key[0]) { return a.key[0] - b.key[0]; }
          var order = compare(a.key, b.key);
          return ascending ? order : -order;
        });
        var fragment = document.createDocumentFragment();
        rows.forEach(function (item) { fragment.appendChild(item.row); });
        body.appendChild(fragment);
      });
    });
  });
  var each = function (selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  };
  // hover values: a mark's <title> becomes its tooltip (without the script, the browser's
  // own tooltip shows the same text)
  each("svg .mark", function (mark) {
    var title = mark.querySelector("title");
    if (title) {
      mark.setAttribute("data-tip", title.textContent);
      mark.removeChild(title);
    }
  });
  var tip = document.getElementById("tip");
  var current = null;
  function highlight(trial) {
    if (trial === current) { return; }
    current = trial;
    each(".hl", function (el) { el.classList.remove("hl"); });
    document.body.classList.toggle("linked", trial !== null);
    if (trial !== null) {
      each('[data-trial="' + trial + '"]', function (el) { el.classList.add("hl"); });
    }
  }
  document.addEventListener("mouseover", function (event) {
    var target = event.target.closest ? event.target.closest("[data-trial]") : null;
    highlight(target ? target.getAttribute("data-trial") : null);
    var text = target ? target.getAttribute("data-tip") : null;
    tip.style.display = text ? "block" : "none";
    if (text) { tip.textContent = text; }
  });
  document.addEventListener("mousemove", function (event) {
    tip.style.left = Math.min(event.clientX + 14, window.innerWidth - 300) + "px";
    tip.style.top = (event.clientY + 14) + "px";
  });
  // the filter: a status unticked hides its trials in every chart and in the table
  each("input[data-filter]", function (box) {
    box.addEventListener("change", function () {
      var status = box.getAttribute("data-filter");
      each('[data-status="' + status + '"]', function (el) {
        if (box.checked) {
          el.removeAttribute("data-off");
        } else {
          el.setAttribute("data-off", "");
        }
      });
    });
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
"""
