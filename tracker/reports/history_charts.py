"""History charts: how one question's forecasts moved, small enough for a phone.

Drawn in the deterministic style of `tracker.reports.charts` (fixed hash salt, text kept as
text, no dates in the metadata, coordinates rounded to six decimals). Each chart is 3.6 inches
wide: 360 px as a PNG at 100 dpi; as SVG 259.2 pt (345.6 px at its natural size). Text is
8 pt: 10.7 px at the SVG's natural size, 11.1 px when it is scaled to 360 px, 11.1 px in the
PNG, so that it stays at least 10 px on a 390 px phone. In the SVG, element ids are prefixed
per chart (several sit in one HTML page) and the ids nothing refers to are dropped.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from tracker.domain import rounding
from tracker.domain.history import REPORT, Line, QuestionHistory
from tracker.domain.model import QuestionKind
from tracker.reports.charts import FORMATS, _style, inline_svg
from tracker.reports.escapes import visible

#: Width of a history chart, inches; at 100 dpi, 360 px.
WIDTH_INCHES = 3.6
#: PNG resolution.
PNG_DPI = 100
#: Font size of every text in the chart, points (see the module docstring for the pixels).
FONT_POINTS = 8
#: At most this many analysts get a colour and a legend entry; the others are thin grey lines.
COLOURED_LINES = 8
_AXES_INCHES = 1.55
_LEGEND_ROW_INCHES = 0.165
_INK = "#1f2933"
_MUTED = "#9aa5b1"
_REPORT = "#7c3aed"
_HAPPENED = "#0f7b3f"
_DID_NOT = "#b42318"
#: Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), then two more.
_PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#7f7f00",
    "#5a5a9e",
)
_RC = {
    "font.size": FONT_POINTS,
    "axes.titlesize": FONT_POINTS,
    "xtick.labelsize": FONT_POINTS,
    "ytick.labelsize": FONT_POINTS,
    "legend.fontsize": FONT_POINTS,
    "axes.labelsize": FONT_POINTS,
}


def _days(history: QuestionHistory, moment: datetime) -> float:
    """A moment as days since the opening, rounded as drawn."""
    return rounding.rounded((moment - history.start).total_seconds() / 86400, 6)


def _right_edge(history: QuestionHistory) -> tuple[float, bool]:
    """Where the time axis ends, and whether the deadline is on it."""
    return _days(history, history.axis_end), history.deadline_on_axis


def _label(name: str) -> str:
    """A name as a legend shows it: visible, wrapped at 28 characters, a leading "_" kept."""
    shown = visible(name, one_line=True)
    shown = " " + shown if shown.startswith("_") else shown
    return "\n".join(textwrap.wrap(shown, 28, break_long_words=True)) or shown


def _steps(history: QuestionHistory, line: Line) -> tuple[list[float], list[float]]:
    xs = [_days(history, s.at) for s in line.steps] + [_days(history, history.end)]
    ys = [rounding.rounded(s.probability, 6) for s in line.steps]
    return xs, ys + ys[-1:]


def _draw_line(axes: Any, history: QuestionHistory, line: Line, style: dict[str, Any]) -> Any:
    xs, ys = _steps(history, line)
    (drawn,) = axes.plot(xs, ys, drawstyle="steps-post", **style)
    if line.forecasts:  # a dot where each forecast was made; hollow if backfilled
        colour = style.get("color", _INK)
        for late in (False, True):
            points = [
                (x, y)
                for x, y, step in zip(xs, ys, line.steps, strict=False)
                if step.backfilled == late
            ]
            if points:
                axes.plot(
                    [x for x, _ in points],
                    [y for _, y in points],
                    linestyle="none",
                    marker="o",
                    markersize=3.2,
                    markerfacecolor="white" if late else colour,
                    markeredgecolor=colour,
                    markeredgewidth=0.8,
                    zorder=style.get("zorder", 2) + 0.1,
                )
    return drawn


def _ticks(history: QuestionHistory, right: float) -> tuple[list[float], list[str]]:
    """The first and last day of the axis, and one between when there is room."""

    def day_at(x: float) -> str:
        return (history.start + timedelta(days=x)).date().isoformat()

    last = max(right - 1e-6, 0.0)  # the end of a day is the start of the next: label the day
    positions = [0.0, last]
    if right >= 6:
        positions.insert(1, rounding.rounded(right / 2, 6))
    return positions, [day_at(x) for x in positions]


def colour_order(histories: Sequence[QuestionHistory]) -> dict[str, int]:
    """A palette slot for the analysts with the most forecasts across a document's charts, so
    that a forecaster keeps one colour from chart to chart (the first COLOURED_LINES)."""
    totals: dict[str, int] = {}
    for history in histories:
        for line in history.lines:
            if line.role != REPORT:
                totals[line.forecaster] = totals.get(line.forecaster, 0) + line.forecasts
    ranked = sorted(totals, key=lambda name: (-totals[name], name.casefold(), name))
    return {name: slot for slot, name in enumerate(ranked[:COLOURED_LINES])}


def _colours(coloured: list[Line], slots: Mapping[str, int]) -> dict[str, str]:
    """Each coloured line's colour: its document-wide slot, else the first one free here."""
    taken = {slots[line.forecaster] for line in coloured if line.forecaster in slots}
    free = iter(slot for slot in range(len(_PALETTE)) if slot not in taken)
    colours = {}
    for line in sorted(coloured, key=lambda line: (line.forecaster.casefold(), line.forecaster)):
        slot = slots.get(line.forecaster)
        colours[line.forecaster] = _PALETTE[slot if slot is not None else next(free)]
    return colours


def history_chart(
    history: QuestionHistory,
    *,
    fmt: str,
    prefix: str = "h",
    slots: Mapping[str, int] | None = None,
) -> bytes:
    """One question's history: each forecaster's standing forecast as a step line (a dot per
    forecast, hollow if backfilled), the report's forecast dashed, the team median bold, the
    outcome as a square at the end (at 100% if the drawn option happened, at 0% if not), the
    deadline as a vertical line and clarifications as triangles on the top edge. `prefix`
    makes the SVG's element ids unique in a page holding several charts; `slots` (see
    `colour_order`) keeps each forecaster's colour the same across a document's charts."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}")
    analysts = [line for line in history.lines if line.role != REPORT]
    reports = [line for line in history.lines if line.role == REPORT]
    coloured = sorted(analysts, key=lambda line: (-line.forecasts, line.forecaster.casefold()))
    coloured = coloured[:COLOURED_LINES]
    with _style() as Figure:
        import matplotlib

        with matplotlib.rc_context(_RC):
            figure = Figure(figsize=(WIDTH_INCHES, 3.0), dpi=PNG_DPI)
            axes = figure.subplots()
            colours = _colours(coloured, slots or {})
            handles = _draw(axes, history, colours, analysts, reports)
            columns, lines = _legend_shape([h.get_label() for h in handles])
            legend_inches = lines * _LEGEND_ROW_INCHES + 0.08
            height = _TOP_INCHES + _AXES_INCHES + _TICKS_INCHES + legend_inches
            figure.set_size_inches(WIDTH_INCHES, height)
            figure.subplots_adjust(
                left=0.62 / WIDTH_INCHES,
                right=1 - 0.14 / WIDTH_INCHES,
                bottom=(_TICKS_INCHES + legend_inches) / height,
                top=1 - _TOP_INCHES / height,
            )
            figure.legend(
                handles=handles,
                loc="lower left",
                bbox_to_anchor=(0.02, 0.04 / height),
                ncol=columns,
                frameon=False,
                handlelength=1.6,
                handletextpad=0.6,
                columnspacing=1.0,
                borderaxespad=0.0,
                labelspacing=0.25,
            )
            return _save(figure, fmt, prefix)


#: Estimated width of a character of the chart's text, points (DejaVu Sans is narrower).
_CHARACTER_POINTS = 5.0
#: Width the legend may take, points.
_LEGEND_POINTS = WIDTH_INCHES * 72 - 12
_TOP_INCHES = 0.14
_TICKS_INCHES = 0.3


def _legend_shape(labels: list[str]) -> tuple[int, int]:
    """Two columns when the labels fit side by side, else one; and how many text lines the
    tallest column holds. Columns fill top to bottom, as matplotlib fills them."""

    def width(group: list[str]) -> float:
        longest = max((len(part) for label in group for part in label.split("\n")), default=0)
        return FONT_POINTS * 2.2 + longest * _CHARACTER_POINTS

    def height(group: list[str]) -> int:
        return sum(label.count("\n") + 1 for label in group)

    half = (len(labels) + 1) // 2
    first, second = labels[:half], labels[half:]
    if width(first) + width(second) + FONT_POINTS <= _LEGEND_POINTS:
        return 2, max(height(first), height(second), 1)
    return 1, max(height(labels), 1)


def _draw(
    axes: Any,
    history: QuestionHistory,
    colours: dict[str, str],
    analysts: list[Line],
    reports: list[Line],
) -> list[Any]:
    right, deadline_shown = _right_edge(history)
    handles = []
    grey = None
    for line in analysts:
        if line.forecaster in colours:
            continue
        grey = _draw_line(axes, history, line, {"color": _MUTED, "linewidth": 0.8, "zorder": 1})
    coloured = [line for line in analysts if line.forecaster in colours]
    for line in sorted(coloured, key=lambda line: (line.forecaster.casefold(), line.forecaster)):
        style = {"color": colours[line.forecaster], "linewidth": 1.3, "zorder": 2}
        drawn = _draw_line(axes, history, line, style)
        drawn.set_label(_label(line.forecaster))
        handles.append(drawn)
    if grey is not None:
        grey.set_label(f"{len(analysts) - len(coloured)} more analysts")
        handles.append(grey)
    for line in reports:
        style = {"color": _REPORT, "linewidth": 1.5, "linestyle": (0, (4, 2)), "zorder": 3}
        drawn = _draw_line(axes, history, line, style)
        drawn.set_label(_label(f"{line.forecaster} (report)"))
        handles.append(drawn)
    if history.team is not None:
        style = {"color": _INK, "linewidth": 2.6, "zorder": 4}
        drawn = _draw_line(axes, history, history.team, style)
        drawn.set_label("team median")
        handles.append(drawn)
    end = _days(history, history.end)
    if history.happened is not None:
        colour = _HAPPENED if history.happened else _DID_NOT
        level = 1.0 if history.happened else 0.0
        (marker,) = axes.plot(
            [end],
            [level],
            linestyle="none",
            marker="s",
            markersize=6,
            color=colour,
            clip_on=False,
            zorder=5,
        )
        marker.set_label(_label(f"outcome: {history.outcome}"))
        handles.append(marker)
    deadline_style = {"color": _INK, "linewidth": 0.9, "linestyle": ":", "zorder": 0}
    if deadline_shown:
        rule = axes.axvline(_days(history, history.deadline_end), **deadline_style)
        rule.set_label(f"deadline {history.deadline.isoformat()}")
    else:  # far beyond the lines: named in the legend only
        (rule,) = axes.plot([], [], **deadline_style)
        rule.set_label(f"deadline {history.deadline.isoformat()} (later)")
    handles.append(rule)
    if history.clarifications:
        xs = [_days(history, c) for c in history.clarifications]
        shown = [x for x in xs if 0 <= x <= right]
        (marks,) = axes.plot(
            shown,
            [1.0] * len(shown),
            linestyle="none",
            marker="v",
            markersize=6,
            color=_REPORT,
            clip_on=False,
            zorder=6,
            transform=axes.get_xaxis_transform(),
        )
        marks.set_label("clarification")
        handles.append(marks)
    axes.set_xlim(0, max(right, 1e-3))
    axes.set_ylim(-0.03, 1.03)
    axes.set_yticks([0, 0.5, 1], ["0%", "50%", "100%"])
    positions, labels = _ticks(history, right)
    axes.set_xticks(positions, labels)
    aligns = ["left", "center", "right"] if len(labels) == 3 else ["left", "right"]
    for tick, align in zip(axes.get_xticklabels(), aligns, strict=True):
        tick.set_horizontalalignment(align)
    axes.set_ylabel(_axis_label(history), color=_INK)
    axes.tick_params(colors=_INK, length=3)
    return handles


def _axis_label(history: QuestionHistory) -> str:
    """The y axis: short enough to fit beside it (the legend and the caption name the option)."""
    if history.kind is QuestionKind.BINARY:
        return "chance of yes"
    if history.happened is not None:
        return "chance of the outcome"
    option = visible(history.option, one_line=True)
    return f"chance of {option if len(option) <= 12 else option[:11] + chr(0x2026)}"


_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')


def _unique_ids(svg: str, prefix: str) -> str:
    """Prefix the element ids that something refers to (clip paths, markers) and drop the
    others: several charts share one HTML page."""
    referenced = {name for _, name in _REFERENCE.findall(svg)}

    def rename(match: re.Match[str]) -> str:
        name = match.group(1)
        return f'id="{prefix}-{name}"' if name in referenced else ""

    svg = _ID.sub(rename, svg)
    svg = _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    return re.sub(r"<g >", "<g>", svg)


def _save(figure: Any, fmt: str, prefix: str) -> bytes:
    import io

    buffer = io.BytesIO()
    if fmt == "png":
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
        return buffer.getvalue()
    figure.savefig(
        buffer,
        format="svg",
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    text = inline_svg(buffer.getvalue())
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    return _unique_ids(text, prefix).encode("utf-8")
