"""Charts for reviews and retrospectives: calibration, accuracy by horizon, calibration by quarter.

Sized for a phone first: an HTML page scales an SVG to the width of its column, so text drawn at
`FONT` points in a chart `WIDTH` inches wide renders at FONT * 4/3 * column / (WIDTH * 96) CSS
pixels. Charts are drawn 360 px wide (a 390 px phone's column is about 358 px) and calibration
small multiples 240 px wide (a CSS grid gives each at least 224 px), with no text under
`SMALLEST_FONT` points, so chart text stays at 10 px or more on a phone and on a laptop
(docs/reviews.md, "Layout"; tests/browser measure it).

matplotlib is imported here only, and this module only when a chart is drawn. Output is
deterministic for the same data: a fixed SVG hash salt, no dates in the metadata, text kept as
text (`svg.fonttype: none`) and math text parsing off, so a name with `$` signs stays a name.
Figures are rounded to six decimals before they are drawn, so that a last-bit difference between
numpy builds cannot move a coordinate in the SVG (docs/reviews.md, "Precision").
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tracker.domain import rounding
from tracker.domain.review import HorizonRow, QuarterCalibration
from tracker.domain.scoring import TEAM_NAMES, Calibration
from tracker.reports.escapes import visible

#: Formats a chart can be drawn in: SVG for HTML (inline), PNG for Markdown (files beside it).
FORMATS = ("svg", "png")

#: Width of a chart (inches; 360 CSS px) and of one calibration panel among several (240 px).
WIDTH = 3.75
PANEL_WIDTH = 2.5
#: The smallest text in any chart (points): 11.3 px at the drawn size, 10 px at 88% of it.
SMALLEST_FONT = 8.5
#: Resolution of PNG charts (Markdown): 560 px wide for a chart.
PNG_DPI = 150

_RC = {
    "svg.hashsalt": "tracker",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": SMALLEST_FONT,
    "ytick.labelsize": SMALLEST_FONT,
    "legend.fontsize": SMALLEST_FONT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "figure.dpi": 100,
}
_INK = "#1f2933"
_ACCENT = "#2563eb"
_MUTED = "#9aa5b1"
_KIND_COLOURS = {"binary": "#2563eb", "multiple_choice": "#d97706", "ordered": "#059669"}
_KIND_LABELS = {
    "binary": "Brier, binary (0-1)",
    "multiple_choice": "Brier sum, multiple choice (0-2)",
    "ordered": "RPS, ordered (0-1)",
}


@contextmanager
def _style() -> Iterator[Any]:
    import matplotlib

    with matplotlib.rc_context(_RC):
        from matplotlib.figure import Figure

        yield Figure


def _save(figure: Any, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}")
    buffer = io.BytesIO()
    if fmt == "svg":
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    else:
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _drawn(value: float | None) -> float:
    """A figure as drawn: rounded like the JSON (six decimals), a missing one at 0."""
    return 0.0 if value is None else rounding.rounded(value, 6)


def inline_svg(svg: bytes) -> str:
    """An SVG document as an element to put inside HTML: no XML declaration, no DOCTYPE."""
    text = svg.decode("utf-8")
    text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    return re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)


def _calibration_axes(axes: Any) -> None:
    """What every calibration panel has: the diagonal, the limits, the ticks."""
    axes.plot([0, 1], [0, 1], linestyle="--", color=_MUTED, linewidth=0.8)
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.02, 1.02)
    axes.set_aspect("equal")
    ticks = [0, 0.25, 0.5, 0.75, 1]
    axes.set_xticks(ticks, [f"{t:.0%}" for t in ticks])
    axes.set_yticks(ticks, [f"{t:.0%}" for t in ticks])


def _calibration_marks(axes: Any, table: Calibration) -> list[Any]:
    """One forecaster's bins: a dot per bin with forecasts and its interval; the artists."""
    bins = [b for b in table.bins if b.n > 0]
    if not bins:
        return []
    largest = max(b.n for b in bins)
    xs = [_drawn(b.mean_forecast) for b in bins]
    # One call per panel, not one per bin: a retrospective draws fifty panels.
    intervals = axes.vlines(
        xs,
        [_drawn(b.wilson_low) for b in bins],
        [_drawn(b.wilson_high) for b in bins],
        color=_ACCENT,
        alpha=0.35,
    )
    dots = axes.scatter(
        xs,
        [_drawn(b.observed) for b in bins],
        s=[12 + 60 * math.sqrt(b.n / largest) for b in bins],
        color=_ACCENT,
        edgecolors="white",
        linewidths=0.5,
        zorder=3,
    )
    return [intervals, dots]


def _calibration_panel(axes: Any, name: str, table: Calibration, *, wrap: int = 0) -> None:
    _calibration_axes(axes)
    _calibration_marks(axes, table)
    axes.set_title(_panel_title(name, table.n, wrap), color=_INK)


def _panel_title(name: str, n: int, wrap: int) -> str:
    """`name (n=N)`, broken into lines of at most `wrap` characters (0: one line): a long
    name is never cut, and never wider than its panel."""
    title = f"{visible(name, one_line=True)} (n={n})"
    if not wrap or len(title) <= wrap:
        return title
    return "\n".join(textwrap.wrap(title, wrap, break_long_words=True, break_on_hyphens=False))


def _title_lines(panels: Sequence[tuple[str, Calibration]]) -> int:
    """The most lines any of these panels' titles takes."""
    return max(
        (len(_panel_title(n, t.n, _PANEL_TITLE_CHARACTERS).splitlines()) for n, t in panels),
        default=1,
    )


#: Characters of a panel title per line (9 pt bold in a 240 px panel).
_PANEL_TITLE_CHARACTERS = 22
#: Margins of a lone calibration panel (inches): left for the tick and axis labels, right for
#: half of the last tick label, below for the tick and axis labels, above for each line of the
#: title.
_PANEL_LEFT, _PANEL_RIGHT, _PANEL_BOTTOM, _PANEL_TOP, _TITLE_LINE = 0.62, 0.22, 0.5, 0.12, 0.17


def _lone_panel(Figure: Any, *, width: float, detailed: bool, lines: int = 1) -> Any:
    """An empty calibration panel as a figure of its own, `width` inches wide, square axes,
    room for `lines` lines of title (the most of its neighbours, so that their axes line up);
    returns its axes."""
    side = width - _PANEL_LEFT - _PANEL_RIGHT
    top = _PANEL_TOP + _TITLE_LINE * lines
    height = side + _PANEL_BOTTOM + top
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(
        left=_PANEL_LEFT / width,
        right=1 - _PANEL_RIGHT / width,
        bottom=_PANEL_BOTTOM / height,
        top=1 - top / height,
    )
    axes = figure.subplots()
    _calibration_axes(axes)
    if detailed:
        axes.set_xlabel("forecast (mean of the bin)", color=_INK)
        axes.set_ylabel("came true (95% interval)", color=_INK)
    else:
        axes.set_xlabel("forecast", color=_INK)
        axes.set_ylabel("came true", color=_INK)
    return axes


def calibration_chart(
    panels: Sequence[tuple[str, Calibration]], *, fmt: str, columns: int = 4
) -> bytes:
    """Calibration of one or more forecasters as small multiples on the same axes, in one image.

    Each bin with forecasts is a dot at (mean forecast, share that came true), sized by its n,
    with its Wilson 95% interval as a line; the dashed diagonal is perfect calibration. One
    panel is drawn `WIDTH` wide; for HTML, draw several with `calibration_panels` instead,
    so that a page can wrap them.
    """
    if len(panels) == 1:
        with _style() as Figure:
            name, table = panels[0]
            axes = _lone_panel(Figure, width=WIDTH, detailed=True)
            _calibration_marks(axes, table)
            axes.set_title(_panel_title(name, table.n, 0), color=_INK)
            return _save(axes.figure, fmt)
    count = max(len(panels), 1)
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    with _style() as Figure:
        # Fixed margins rather than a layout engine: with fifty panels, constrained layout
        # and shared axes cost seconds; every panel has the same limits anyway.
        side = 2.6  # inches per panel
        lines = _title_lines(panels)
        top = 0.3 + _TITLE_LINE * (lines - 1)  # inches above the first row, for its titles
        width, height = side * columns + 0.95, side * rows + 0.4 + top
        figure = Figure(figsize=(width, height))
        figure.subplots_adjust(
            left=0.75 / width,
            right=1 - 0.25 / width,
            bottom=0.55 / height,
            top=1 - top / height,
            wspace=0.25,
            hspace=0.3 + 0.1 * (lines - 1),
        )
        grid = figure.subplots(rows, columns, squeeze=False)
        for index, axes in enumerate(grid.flat):
            column = index % columns
            if index < len(panels):
                _calibration_panel(axes, *panels[index], wrap=_PANEL_TITLE_CHARACTERS)
                # Tick labels on the outer edge only, as shared axes would have them.
                below = index + columns >= len(panels)
                axes.tick_params(labelbottom=below, labelleft=column == 0)
            else:
                axes.set_visible(False)
        figure.supxlabel("forecast probability (mean of the bin)", color=_INK, y=0.15 / height)
        figure.supylabel("came true (with 95% Wilson interval)", color=_INK, x=0.12 / width)
        return _save(figure, fmt)


def calibration_panels(panels: Sequence[tuple[str, Calibration]], *, fmt: str) -> list[bytes]:
    """Calibration of each forecaster as a chart of its own, `PANEL_WIDTH` wide, all on the
    same axes: small multiples that a page lays out in as many columns as fit."""
    lines = _title_lines(panels)
    drawn = []
    with _style() as Figure:
        # One figure for all of them: each forecaster's marks are drawn, saved and removed
        # again, so that the axes and their ticks are made once, not fifty times.
        axes = _lone_panel(Figure, width=PANEL_WIDTH, detailed=False, lines=lines)
        for name, table in panels:
            marks = _calibration_marks(axes, table)
            axes.set_title(_panel_title(name, table.n, _PANEL_TITLE_CHARACTERS), color=_INK)
            drawn.append(_save(axes.figure, fmt))
            for mark in marks:
                mark.remove()
    return drawn


def horizon_chart(rows: Sequence[HorizonRow], *, fmt: str) -> bytes:
    """Mean score by how far ahead of the close the forecast was made: one horizontal bar per
    kind of question in each horizon, its n at its end (bars across, so that the labels of
    the horizons need no room under the axis)."""
    kinds = [k for k in _KIND_COLOURS if any(r.n.get(k) for r in rows)]
    slots = len(rows) * max(len(kinds), 1)
    with _style() as Figure:
        figure = Figure(figsize=(WIDTH, 1.3 + 0.17 * slots), layout="constrained")
        axes = figure.subplots()
        height = 0.8 / max(len(kinds), 1)
        largest = 0.0
        for offset, kind in enumerate(kinds):
            ys = [i + (offset - (len(kinds) - 1) / 2) * height for i in range(len(rows))]
            means = [_drawn(r.mean.get(kind)) for r in rows]
            largest = max([largest, *means])
            bars = axes.barh(
                ys, means, height=height, color=_KIND_COLOURS[kind], label=_KIND_LABELS[kind]
            )
            for bar, row in zip(bars, rows, strict=True):
                if row.n.get(kind):
                    axes.annotate(
                        f"n={row.n[kind]}",
                        (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                        xytext=(3, 0),
                        textcoords="offset points",
                        ha="left",
                        va="center",
                        fontsize=SMALLEST_FONT,
                        color=_INK,
                    )
        axes.set_yticks(range(len(rows)), [r.label for r in rows])
        axes.invert_yaxis()  # the nearest horizon first, as in the table
        axes.set_xlim(0, (largest or 1.0) * 1.3)  # room for the n at the end of the longest bar
        axes.set_xlabel("mean score (lower is better)")
        if kinds:
            figure.legend(loc="outside lower center", frameon=False, ncols=1)
        return _save(figure, fmt)


#: Quarters labelled on the axis of the quarterly chart, at most (the others keep a tick).
_QUARTER_LABELS = 5


def quarterly_chart(quarters: Sequence[QuarterCalibration], *, fmt: str) -> bytes:
    """Each forecaster's overconfidence by quarter of the outcome (0 is well calibrated)."""
    labels = sorted({q.quarter for q in quarters})
    position = {label: i for i, label in enumerate(labels)}
    names: dict[str, list[QuarterCalibration]] = {}
    for q in quarters:
        if q.calibration.overconfidence is not None:
            names.setdefault(q.forecaster, []).append(q)
    names = {name: names[name] for name in chart_forecasters(names)}
    legend = [_legend_label(name) for name in names]
    columns = 2 if all(len(label) <= 18 for label in legend) else 1
    legend_rows = math.ceil(len(legend) / columns)
    with _style() as Figure:
        figure = Figure(figsize=(WIDTH, 2.6 + 0.2 * legend_rows), layout="constrained")
        axes = figure.subplots()
        axes.axhline(0, color=_MUTED, linestyle="--", linewidth=0.8)
        for (name, points), label in zip(names.items(), legend, strict=True):
            team = name in TEAM_NAMES
            axes.plot(
                [position[p.quarter] for p in points],
                [_drawn(p.calibration.overconfidence) for p in points],
                marker="o",
                markersize=4,
                linewidth=2 if team else 1,
                linestyle="-" if not team else ":",
                label=label,
            )
        step = math.ceil(len(labels) / _QUARTER_LABELS) if labels else 1
        axes.set_xticks(
            range(len(labels)), [q if i % step == 0 else "" for i, q in enumerate(labels)]
        )
        axes.set_ylabel("overconfidence, pts\n+ too sure, - too unsure")
        axes.yaxis.set_major_formatter(_points_formatter())
        if names:
            figure.legend(loc="outside lower center", frameon=False, ncols=columns)
        return _save(figure, fmt)


#: At most this many analysts get a line of their own in the quarterly chart.
QUARTERLY_LINES = 8


def chart_forecasters(points: dict[str, Sequence[QuarterCalibration]]) -> list[str]:
    """The team aggregates, and the QUARTERLY_LINES analysts with the most scored questions."""
    team = sorted(n for n in points if n in TEAM_NAMES)
    others = sorted(
        (n for n in points if n not in TEAM_NAMES),
        key=lambda n: (-sum(q.questions for q in points[n]), n.casefold()),
    )
    return sorted(others[:QUARTERLY_LINES], key=str.casefold) + team


def _points_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: rounding.fixed(value, 0, shift=2, sign=True))


#: Characters of a legend entry per line (8.5 pt, one column in a 360 px chart).
_LEGEND_CHARACTERS = 36


def _legend_label(name: str) -> str:
    """A forecaster's name as a legend shows it: control and invisible characters made
    visible, a leading space before a name starting with "_" (which matplotlib hides), and
    broken into lines rather than wider than the chart."""
    shown = visible(name, one_line=True)
    if len(shown) > _LEGEND_CHARACTERS:
        shown = "\n".join(textwrap.wrap(shown, _LEGEND_CHARACTERS, break_on_hyphens=False))
    return " " + shown if shown.startswith("_") else shown
