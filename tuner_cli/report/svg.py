"""A few hand-written SVG chart pieces: scales with readable ticks, and a plot frame.

Enough for the report's charts without a plotting library, so the page is one self-contained
file that opens anywhere with no network. Every label passes through ``esc``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from tuner_cli.wording import format_number

PALETTE = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d"]
STATUS_COLOUR = {
    "completed": "#2563eb",
    "pruned": "#d97706",
    "failed": "#dc2626",
    "running": "#64748b",
    "interrupted": "#9333ea",
}
BEST = "#16a34a"


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def num(value: float) -> str:
    """A tick or a tooltip's number, as the terminal shows it (four significant digits)."""
    return format_number(value)


def tick_text(value: float) -> str:
    """An axis tick: a round value, so as written (``1e+07``, ``2.5e-05``), not as a measured
    number's four digits (``1.000e+07``), which a chart's margin had room for only in part."""
    mantissa, e, exponent = num(value).partition("e")
    if e and "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def text_width(text: str) -> float:
    """About how wide a tick label is drawn, in SVG units (11px system fonts: a digit is about
    0.64 em, a point half that); a little over, so the margin kept for it is enough."""
    return sum(3.6 if c in ".,:;" else 7.2 for c in text)


def score_text(value: float) -> str:
    """A score, trailing zeros kept as in the terminal's tables (``1.000``, ``0.9667``)."""
    return format_number(value, keep_zeros=True)


Mark = tuple[int, str]
"""``(trial id, status)`` of what a mark draws: the page's script highlights every mark of a
trial together (points, lines, its table row) and filters them by status."""


def mark_attributes(mark: Mark | None) -> str:
    if mark is None:
        return ""
    return f' class="mark" data-trial="{mark[0]}" data-status="{esc(mark[1])}"'


LABEL_BAND = 19
"""The y axis label's band at the chart's left edge (12px bold text, rotated, at x=13)."""
TICK_GAP = 5
"""From a y tick's text to the axis."""

EDGE = 1e300
"""Values beyond +-EDGE are drawn at the edge: the span of -1e308..1e308 is no float."""
MAX_TICKS = 100


def _within_edges(value: float) -> float:
    try:
        return min(max(float(value), -EDGE), EDGE)
    except OverflowError:  # an integer of more than 308 digits
        return math.copysign(EDGE, value)


class Scale:
    """Maps data to pixels, linear or log10; ``ticks`` gives round values inside the range."""

    def __init__(self, lo: float, hi: float, start: float, end: float, log: bool = False):
        if log:
            lo, hi = math.log10(lo), math.log10(hi)
        lo, hi = _within_edges(lo), _within_edges(hi)
        magnitude = max(abs(lo), abs(hi))
        if hi - lo <= max(magnitude * 1e-9, 1e-290):
            # one value, or values closer than ticks can be apart (1e16 and the next float,
            # 2 further; 0 and 5e-324): a range around them, as wide as floats there allow
            middle, half = lo / 2 + hi / 2, max(0.5, magnitude * 1e-6)
            lo, hi = middle - half, middle + half
        pad = (hi - lo) * 0.04
        self.lo, self.hi = lo - pad, hi + pad
        self.start, self.end, self.log = start, end, log

    def __call__(self, value: float) -> float:
        v = _within_edges(math.log10(value) if self.log else value)
        return self.start + (v - self.lo) / (self.hi - self.lo) * (self.end - self.start)

    def ticks(self, count: int = 5, integer: bool = False) -> list[float]:
        if integer and not self.log:
            return [t for t in self._linear_ticks(count) if float(t).is_integer()]
        if self.log:
            first, last = math.ceil(self.lo), math.floor(self.hi)
            return [10.0**e for e in range(first, last + 1)] or [10**self.lo]
        return self._linear_ticks(count)

    def _linear_ticks(self, count: int) -> list[float]:
        step = _nice_step((self.hi - self.lo) / count)
        first = math.ceil(self.lo / step) * step
        values = []
        value = first
        while value <= self.hi + step * 1e-9 and len(values) < MAX_TICKS:
            values.append(round(value, 12))
            value += step
        return values


def _nice_step(raw: float) -> float:
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


class Frame:
    """A chart: a box with axes, ticks and labels; marks are added as SVG strings."""

    def __init__(self, width: int = 460, height: int = 260, left: int = 58, bottom: int = 40):
        self.width, self.height = width, height
        self.x0, self.x1 = left, width - 14
        self.y0, self.y1 = height - bottom, 14
        self.parts: list[str] = []
        self.overflow = 0.0
        """How far left of 0 the y ticks and the axis label are drawn: the SVG shows that much
        more, so a wide tick (``-2.5e+07``) is neither cut off nor under the axis label."""

    def add(self, svg: str) -> None:
        self.parts.append(svg)

    def x_axis(self, scale: Scale, label: str, ticks: Sequence[tuple[float, str]] = ()) -> None:
        marks = ticks or [(t, tick_text(t)) for t in scale.ticks()]
        for value, text in marks:
            x = scale(value)
            if self.x0 - 1 <= x <= self.x1 + 1:
                self.add(
                    f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{self.y1}" y2="{self.y0}"/>'
                )
                self.add(
                    f'<text class="tick" x="{x:.1f}" y="{self.y0 + 14}" text-anchor="middle">'
                    f"{esc(text)}</text>"
                )
        self.add(
            f'<text class="label" x="{(self.x0 + self.x1) / 2:.1f}" y="{self.height - 6}" '
            f'text-anchor="middle">{esc(label)}</text>'
        )

    def y_axis(self, scale: Scale, label: str) -> None:
        shown = [(v, scale(v)) for v in scale.ticks() if self.y1 - 1 <= scale(v) <= self.y0 + 1]
        texts = [tick_text(value) for value, _ in shown]
        widest = max(map(text_width, texts), default=0.0)
        self.overflow = max(self.overflow, LABEL_BAND + widest + TICK_GAP - self.x0)
        for (_, y), text in zip(shown, texts, strict=True):
            self.add(
                f'<line class="grid" x1="{self.x0}" x2="{self.x1}" y1="{y:.1f}" y2="{y:.1f}"/>'
            )
            self.add(
                f'<text class="tick" x="{self.x0 - TICK_GAP}" y="{y + 4:.1f}" text-anchor="end">'
                f"{esc(text)}</text>"
            )
        self.y_axis_label(label)

    def y_axis_label(self, label: str) -> None:
        mid = (self.y0 + self.y1) / 2
        self.add(
            f'<text class="label" transform="translate({13 - self.overflow:.1f} {mid:.1f}) '
            f'rotate(-90)" text-anchor="middle">{esc(label)}</text>'
        )

    def point(
        self,
        x: float,
        y: float,
        colour: str,
        tip: str,
        r: float = 3.5,
        trial: Mark | None = None,
        ring: str | None = None,
    ) -> None:
        """A dot; ``ring`` draws its outline (the best trial's, in ``BEST``)."""
        outline = f' stroke="{ring}" stroke-width="2.5"' if ring else ""
        self.add(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}" fill-opacity="0.75"'
            f"{outline}{mark_attributes(trial)}><title>{esc(tip)}</title></circle>"
        )

    def cross(
        self, x: float, y: float, colour: str, tip: str, r: float = 4.0, trial: Mark | None = None
    ) -> None:
        self.add(
            f'<path d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}M{x - r:.1f},{y + r:.1f}'
            f'L{x + r:.1f},{y - r:.1f}" stroke="{colour}" stroke-width="2"'
            f"{mark_attributes(trial)}><title>{esc(tip)}</title></path>"
        )

    def polyline(
        self,
        points: Sequence[tuple[float, float]],
        colour: str,
        trial: Mark | None = None,
        **attrs: str,
    ) -> None:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
        self.add(
            f'<polyline points="{coords}" fill="none" stroke="{colour}"{extra}'
            f"{mark_attributes(trial)}/>"
        )

    def svg(self, title: str = "") -> str:
        box = (
            f'<rect class="box" x="{self.x0}" y="{self.y1}" width="{self.x1 - self.x0}" '
            f'height="{self.y0 - self.y1}"/>'
        )
        label = f"<title>{esc(title)}</title>" if title else ""
        left = math.ceil(self.overflow)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="{-left} 0 {self.width + left} {self.height}" '
            f'width="{self.width + left}" height="{self.height}" role="img">{label}{box}'
            + "".join(self.parts)
            + "</svg>"
        )


def gradient(t: float) -> str:
    """Worst (t=0, pale) to best (t=1, deep blue), for lines coloured by score."""
    t = min(max(t, 0.0), 1.0)
    low, high = (203, 213, 225), (29, 78, 216)
    r, g, b = (round(a + (c - a) * t) for a, c in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"
