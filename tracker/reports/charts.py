"""Charts for reviews and retrospectives: calibration, accuracy by horizon, calibration by quarter.

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tracker.domain import rounding
from tracker.domain.review import HorizonRow, QuarterCalibration
from tracker.domain.scoring import TEAM_NAMES, Calibration
from tracker.reports.escapes import visible

#: Formats a chart can be drawn in: SVG for HTML (inline), PNG for Markdown (files beside it).
FORMATS = ("svg", "png")

_RC = {
    "svg.hashsalt": "tracker",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
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
        figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


def _drawn(value: float | None) -> float:
    """A figure as drawn: rounded like the JSON (six decimals), a missing one at 0."""
    return 0.0 if value is None else rounding.rounded(value, 6)


def inline_svg(svg: bytes) -> str:
    """An SVG document as an element to put inside HTML: no XML declaration, no DOCTYPE."""
    text = svg.decode("utf-8")
    text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    return re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)


def _calibration_panel(axes: Any, name: str, table: Calibration) -> None:
    axes.plot([0, 1], [0, 1], linestyle="--", color=_MUTED, linewidth=0.8)
    bins = [b for b in table.bins if b.n > 0]
    largest = max((b.n for b in bins), default=1)
    if bins:  # one call per panel, not one per bin: a retrospective draws fifty panels
        xs = [_drawn(b.mean_forecast) for b in bins]
        axes.vlines(
            xs,
            [_drawn(b.wilson_low) for b in bins],
            [_drawn(b.wilson_high) for b in bins],
            color=_ACCENT,
            alpha=0.35,
        )
        axes.scatter(
            xs,
            [_drawn(b.observed) for b in bins],
            s=[12 + 60 * math.sqrt(b.n / largest) for b in bins],
            color=_ACCENT,
            edgecolors="white",
            linewidths=0.5,
            zorder=3,
        )
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.02, 1.02)
    axes.set_aspect("equal")
    ticks = [0, 0.25, 0.5, 0.75, 1]
    axes.set_xticks(ticks, [f"{t:.0%}" for t in ticks])
    axes.set_yticks(ticks, [f"{t:.0%}" for t in ticks])
    axes.set_title(f"{visible(name, one_line=True)} (n={table.n})", color=_INK)


def calibration_chart(
    panels: Sequence[tuple[str, Calibration]], *, fmt: str, columns: int = 4
) -> bytes:
    """Calibration of one or more forecasters as small multiples on the same axes.

    Each bin with forecasts is a dot at (mean forecast, share that came true), sized by its n,
    with its Wilson 95% interval as a line; the dashed diagonal is perfect calibration.
    """
    count = max(len(panels), 1)
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    with _style() as Figure:
        # Fixed margins rather than a layout engine: with fifty panels, constrained layout
        # and shared axes cost seconds; every panel has the same limits anyway.
        side = 4.2 if count == 1 else 2.6  # inches per panel
        width, height = side * columns + 0.8, side * rows + 0.7
        figure = Figure(figsize=(width, height))
        figure.subplots_adjust(
            left=0.75 / width,
            right=1 - 0.1 / width,
            bottom=0.55 / height,
            top=1 - 0.3 / height,
            wspace=0.25,
            hspace=0.3,
        )
        grid = figure.subplots(rows, columns, squeeze=False)
        for index, axes in enumerate(grid.flat):
            column = index % columns
            if index < len(panels):
                _calibration_panel(axes, *panels[index])
                # Tick labels on the outer edge only, as shared axes would have them.
                below = index + columns >= len(panels)
                axes.tick_params(labelbottom=below, labelleft=column == 0)
            else:
                axes.set_visible(False)
        figure.supxlabel("forecast probability (mean of the bin)", color=_INK, y=0.15 / height)
        figure.supylabel("came true (with 95% Wilson interval)", color=_INK, x=0.12 / width)
        return _save(figure, fmt)


def horizon_chart(rows: Sequence[HorizonRow], *, fmt: str) -> bytes:
    """Mean score by how far ahead of the close the forecast was made, one bar per kind."""
    kinds = [k for k in _KIND_COLOURS if any(r.n.get(k) for r in rows)]
    with _style() as Figure:
        figure = Figure(figsize=(7.5, 3.2), layout="constrained")
        axes = figure.subplots()
        width = 0.8 / max(len(kinds), 1)
        for offset, kind in enumerate(kinds):
            xs = [i + (offset - (len(kinds) - 1) / 2) * width for i in range(len(rows))]
            means = [_drawn(r.mean.get(kind)) for r in rows]
            bars = axes.bar(
                xs, means, width=width, color=_KIND_COLOURS[kind], label=_KIND_LABELS[kind]
            )
            for bar, row in zip(bars, rows, strict=True):
                if row.n.get(kind):
                    axes.annotate(
                        f"n={row.n[kind]}",
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center",
                        va="bottom",
                        fontsize=7,
                        color=_INK,
                    )
        axes.set_xticks(range(len(rows)), [r.label for r in rows])
        axes.set_xlabel("made this long before the close")
        axes.set_ylabel("mean score (lower is better)")
        if kinds:
            axes.legend(frameon=False, fontsize=7)
        return _save(figure, fmt)


def quarterly_chart(quarters: Sequence[QuarterCalibration], *, fmt: str) -> bytes:
    """Each forecaster's overconfidence by quarter of the outcome (0 is well calibrated)."""
    labels = sorted({q.quarter for q in quarters})
    position = {label: i for i, label in enumerate(labels)}
    names: dict[str, list[QuarterCalibration]] = {}
    for q in quarters:
        if q.calibration.overconfidence is not None:
            names.setdefault(q.forecaster, []).append(q)
    names = {name: names[name] for name in chart_forecasters(names)}
    with _style() as Figure:
        figure = Figure(figsize=(8.5, 3.4), layout="constrained")
        axes = figure.subplots()
        axes.axhline(0, color=_MUTED, linestyle="--", linewidth=0.8)
        for name, points in names.items():
            team = name in TEAM_NAMES
            axes.plot(
                [position[p.quarter] for p in points],
                [_drawn(p.calibration.overconfidence) for p in points],
                marker="o",
                markersize=4,
                linewidth=2 if team else 1,
                linestyle="-" if not team else ":",
                label=_legend_label(name),
            )
        axes.set_xticks(range(len(labels)), labels)
        axes.set_ylabel("overconfidence, pts (+ too sure, - too unsure)")
        axes.yaxis.set_major_formatter(_points_formatter())
        if names:
            axes.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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


def _legend_label(name: str) -> str:
    """A forecaster's name as a legend shows it: control and invisible characters made
    visible, and a leading space before a name starting with "_" (which matplotlib hides)."""
    shown = visible(name, one_line=True)
    return " " + shown if shown.startswith("_") else shown
