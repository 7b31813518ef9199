"""The study as one self-contained HTML page: charts, importance, learning curves, all trials.

Built from the results folder alone (no config import, no TensorFlow); inline CSS, inline SVG
and a few lines of inline JavaScript for sorting the table, so the file opens offline, can be
attached to a CI run, and shows the same thing in ten years.
"""

from __future__ import annotations

from tuner_cli.report.page import render_report

__all__ = ["render_report"]
