"""Reviews and retrospectives as Markdown (charts as PNG files beside it) or one HTML file.

Both come from Jinja2 templates with autoescaping on, so every piece of user text (titles,
rationales, quotes, evidence, names) is escaped: in HTML as entities; in Markdown also the
characters that would start emphasis, links or table cells. Charts are drawn only here.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tracker.domain import noise, rounding
from tracker.domain.blind import HIDDEN_NOTE
from tracker.domain.fields import minute_text
from tracker.domain.history import HistorySection
from tracker.domain.review import Headline, Retro, Review
from tracker.domain.scoring import TEAM_NAMES, Calibration, calibration_verdict
from tracker.reports import numbers
from tracker.reports.as_of import as_of_sentence
from tracker.reports.escapes import has_hidden, visible
from tracker.reports.history_text import history_summary

#: Document formats: Markdown with PNG charts beside it, or a self-contained HTML page.
DOCUMENT_FORMATS = ("md", "html")

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#~<>$])")


def markdown_text(value: Any) -> Markup:
    """User text made inert in Markdown: HTML-escaped, Markdown punctuation backslashed, and
    kept on one line (a line break would end a table row)."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    text = " ".join(visible(str(value)).split())
    text = html.escape(text, quote=False)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return Markup(text)


def _change(h: Headline) -> str:
    return numbers.change(h)


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return f"{minute_text(value)} UTC"
    return value.isoformat()


def _kind_score(kind: Any) -> str:
    return {
        "binary": "Brier 0-1",
        "multiple_choice": "Brier sum 0-2",
        "ordered": "RPS 0-1",
    }[getattr(kind, "value", kind)]


def _callout(summary: Any) -> str:
    """The calibration call-out of a forecaster, or "none" when no bin qualifies."""
    if any(b.callout for b in summary.calibration.bins):
        return str(summary.verdict)
    return "none"


def _convention(value: Any) -> str:
    """A convention's value in words: lists joined, settings as `name: value` pairs."""
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_convention(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and math.isfinite(value):
        return repr(rounding.rounded(value, 6))  # as in the JSON: 1.959964, 0.05
    return str(value)


def html_text(value: Any) -> Any:
    """User text in HTML: control and invisible formatting characters (a bidi override can
    reorder what a reader sees) shown as visible escapes; autoescaping does the rest."""
    if isinstance(value, str) and not isinstance(value, Markup) and has_hidden(value):
        return visible(value)
    return value


def _environment(*, markdown: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("tracker.reports", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        finalize=markdown_text if markdown else html_text,
    )
    env.filters.update(
        score=numbers.score,
        signed=numbers.signed,
        percent=numbers.percent,
        probability=numbers.probability,
        bin_range=lambda b: numbers.bin_range(b.lower, b.upper),
        points=numbers.points,
        skill=numbers.skill,
        skill_estimate=numbers.skill_estimate,
        gap=numbers.gap,
        verdict_text=numbers.verdict,
        interval=numbers.interval,
        figure=numbers.figure,
        change=_change,
        estimate=numbers.estimate,
        day=_day,
        kind_score=_kind_score,
        verdict=calibration_verdict,
        callout=_callout,
        bits=numbers.bits,
        convention=_convention,
        as_of_rule=lambda r: as_of_sentence(r.as_of, r.as_of_rule, always=True),
        history_summary=history_summary,
    )
    env.globals["team_names"] = TEAM_NAMES
    env.globals["noise_min"] = noise.MIN_QUESTIONS
    env.globals["hidden_note"] = HIDDEN_NOTE
    return env


# --- charts ------------------------------------------------------------------------------------


@dataclass
class Document:
    """A rendered document and the chart files that go beside it (Markdown only)."""

    text: str
    files: dict[str, bytes] = field(default_factory=dict)


Stage = Callable[[str], None]


def _no_stage(_: str) -> None:
    return None


#: A drawn chart: one image, or small multiples (HTML only) that the page lays out itself.
Drawn = bytes | list[bytes]


def _small_multiples(panels: list[tuple[str, Calibration]], fmt: str) -> Drawn:
    """Calibration panels: one SVG each for HTML (the page wraps them into as many columns
    as fit), one PNG with all of them for Markdown."""
    from tracker.reports import charts

    if fmt == "svg":
        return charts.calibration_panels(panels, fmt=fmt)
    return charts.calibration_chart(panels, fmt=fmt)


def _review_charts(review: Review, fmt: str) -> dict[str, Drawn]:
    from tracker.reports import charts

    members = [f for f in review.forecasters if f.forecaster not in TEAM_NAMES]
    drawn: dict[str, Drawn] = {
        "calibration": charts.calibration_chart(
            [("all forecasters", review.calibration)], fmt=fmt, columns=1
        ),
        "horizons": charts.horizon_chart(review.horizons, fmt=fmt),
    }
    if members:
        drawn["forecasters"] = _small_multiples(
            [(f.forecaster, f.calibration) for f in members], fmt
        )
    return drawn | _history_charts(review.histories, fmt)


def _history_charts(section: HistorySection, fmt: str) -> dict[str, bytes]:
    """One chart per question drawn in "How each question moved", named `history-N`."""
    from tracker.reports.history_charts import colour_order, history_chart

    slots = colour_order(section.histories)
    return {
        f"history-{h.number}": history_chart(h, fmt=fmt, prefix=f"h{h.number}", slots=slots)
        for h in section.histories
    }


def _retro_charts(retro: Retro, fmt: str) -> dict[str, Drawn]:
    from tracker.reports import charts

    drawn: dict[str, Drawn] = {
        "calibration": _small_multiples(
            [(r.summary.forecaster, r.summary.calibration) for r in retro.rows], fmt
        )
    }
    if retro.quarters:
        drawn["quarters"] = charts.quarterly_chart(retro.quarters, fmt=fmt)
    return drawn | _history_charts(retro.histories, fmt)


def _render(
    template: str,
    context: dict[str, Any],
    *,
    fmt: str,
    drawn: dict[str, Drawn],
    stem: str,
) -> Document:
    if fmt == "html":
        from tracker.reports.charts import inline_svg

        context["charts"] = {
            name: [Markup(inline_svg(one)) for one in svg]
            if isinstance(svg, list)
            else Markup(inline_svg(svg))
            for name, svg in drawn.items()
        }
        text = _environment(markdown=False).get_template(f"{template}.html.j2").render(context)
        return Document(text)
    pngs = {name: png for name, png in drawn.items() if isinstance(png, bytes)}
    files = {f"{stem}-{name}.png": png for name, png in pngs.items()}
    # A link target, not text: percent-encoded rather than backslash-escaped.
    context["charts"] = {name: Markup(quote(f"{stem}-{name}.png")) for name in pngs}
    text = _environment(markdown=True).get_template(f"{template}.md.j2").render(context)
    return Document(text, files)


def render_review(
    review: Review, *, fmt: str, stem: str = "review", charts: bool = True, stage: Stage = _no_stage
) -> Document:
    """The review as Markdown (with PNG charts named `{stem}-*.png`) or HTML (inline SVG).

    Without `charts` (Markdown written to a terminal or pipe), the chart files are left out
    and the text says where they would be."""
    stage("Drawing charts")
    drawn = _review_charts(review, "svg" if fmt == "html" else "png") if charts else {}
    stage("Writing the document")
    roles = dict.fromkeys(review.report_forecasters, "report")
    context = {"r": review, "has_charts": charts, "roles": roles}
    return _render("review", context, fmt=fmt, drawn=drawn, stem=stem)


def render_retro(
    retro: Retro, *, fmt: str, stem: str = "retro", charts: bool = True, stage: Stage = _no_stage
) -> Document:
    """The retrospective as Markdown (with PNG charts) or one HTML page (inline SVG)."""
    stage("Drawing charts")
    drawn = _retro_charts(retro, "svg" if fmt == "html" else "png") if charts else {}
    stage("Writing the document")
    roles = {row.summary.forecaster: row.role for row in retro.rows}
    context = {"r": retro, "has_charts": charts, "roles": roles}
    return _render("retro", context, fmt=fmt, drawn=drawn, stem=stem)
