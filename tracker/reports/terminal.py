"""Rich renderables for the ledger: tables and panels for people at a terminal."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # the importers' types: not loaded for every command
    from tracker.domain.foreign import Problem
    from tracker.domain.probability import Distribution

from tracker.domain.blind import HIDDEN_NOTE, HIDDEN_WHY
from tracker.domain.fields import minute_text
from tracker.domain.model import (
    BINARY_OPTIONS,
    Forecast,
    Question,
    QuestionKind,
    QuestionStatus,
    Resolution,
)
from tracker.domain.probability import format_percent
from tracker.domain.views import (
    DueQuestions,
    Overview,
    QuestionDetail,
    QuestionSummary,
    SourceDetail,
    SourceListing,
)
from tracker.domain.yardsticks import Yardstick
from tracker.reports.escapes import visible
from tracker.reports.words import forecast_words, origin_text

# Colour is never the only carrier of meaning: every status is also written out in words.
STATUS_STYLE = {
    QuestionStatus.OPEN: "cyan",
    QuestionStatus.OVERDUE: "yellow",
    QuestionStatus.RESOLVED: "green",
    QuestionStatus.ANNULLED: "dim",
    QuestionStatus.AMBIGUOUS: "dim",
}
KIND_LABEL = {
    QuestionKind.BINARY: "binary",
    QuestionKind.MULTIPLE_CHOICE: "multiple choice",
    QuestionKind.ORDERED: "ordered",
}


def probabilities_text(
    question: Question, probabilities: dict[str, float], *, separator: str = " · "
) -> str:
    """`65%` for a binary question (the chance of yes); `A 55% · B 30% · C 15%` otherwise."""
    if question.kind is QuestionKind.BINARY and tuple(probabilities) == BINARY_OPTIONS:
        return format_percent(probabilities["yes"])
    return separator.join(f"{format_percent(p)} {o}" for o, p in probabilities.items())


def outcome_text(resolution: Resolution | None) -> Text:
    """The outcome in words, coloured: green yes, red no, dim annulled/ambiguous."""
    if resolution is None:
        return Text("-", style="dim")
    style = {"yes": "green", "no": "red"}.get(resolution.label, "dim")
    if resolution.outcome is not None and resolution.label not in ("yes", "no"):
        style = "green"
    return Text(visible(resolution.label), style=style)


def status_text(status: QuestionStatus) -> Text:
    """The status word, coloured."""
    return Text(status.value, style=STATUS_STYLE[status])


def _title(question: Question) -> Text:
    text = Text(visible(question.title))
    extra = [question.slug] if question.slug else []
    if question.kind is not QuestionKind.BINARY:
        extra.append(f"{KIND_LABEL[question.kind]}, {len(question.options)} options")
    if question.blind:
        extra.append("blind")
    if extra:
        text.append("\n" + visible(" · ".join(extra)), style="dim")
    return text


def favoured_text(question: Question, probabilities: dict[str, float]) -> str:
    """Short form for tables: the chance of yes, or the favoured option and its probability."""
    if question.kind is QuestionKind.BINARY:
        return probabilities_text(question, probabilities)
    option = max(probabilities, key=lambda o: probabilities[o])
    return f"{option} {format_percent(probabilities[option])}"


def with_words(number: str, words: str | None) -> str:
    """`70%, likely (55-80%)`: a number with the yardstick's words beside it, if any."""
    return number if words is None else f"{number}, {words}"


def _standing(summary: QuestionSummary, yardstick: Yardstick | None) -> str:
    if summary.hidden:
        return HIDDEN_NOTE
    if not summary.standing:
        return "-"
    q = summary.question
    return "\n".join(
        f"{name}: "
        + with_words(
            favoured_text(q, f.probabilities), forecast_words(q, f.probabilities, yardstick)
        )
        for name, f in sorted(summary.standing.items())
    )


def questions_table(
    summaries: list[QuestionSummary],
    *,
    title: str | None = None,
    yardstick: Yardstick | None = None,
) -> Table:
    """One row per question: number, title, deadline, status, standing forecasts (with the
    words of `yardstick` beside a chance of yes), outcome."""
    table = Table(title=title, title_justify="left", expand=True, show_lines=True)
    table.add_column("#", justify="right", style="bold", no_wrap=True)
    table.add_column("question", ratio=5, overflow="fold")
    table.add_column("deadline", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("standing: yes, or favoured option", ratio=4, overflow="fold")
    table.add_column("outcome", ratio=2, min_width=9, overflow="fold")
    for s in summaries:
        table.add_row(
            str(s.question.id),
            _title(s.question),
            s.question.deadline.isoformat(),
            status_text(s.status),
            _standing(s, yardstick),
            outcome_text(s.resolution),
        )
    return table


def count_noun(number: int, noun: str) -> str:
    """`1 source`, `2 sources`."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def overview_view(
    view: Overview, *, today: date, yardstick: Yardstick | None = None
) -> RenderableType:
    """The ledger at a glance: counts, then every question."""
    counts = ", ".join(
        f"{view.count(status)} {status.value}"
        for status in QuestionStatus
        if view.count(status) or status in (QuestionStatus.OPEN, QuestionStatus.RESOLVED)
    )
    head = Text.assemble(
        (count_noun(len(view.questions), "question"), "bold"),
        f" ({counts}) from {count_noun(len(view.sources), 'source')}, ",
        (count_noun(len(view.forecasters), "forecaster"), "bold"),
        f": {visible(', '.join(view.forecasters)) or 'none yet'}.  As of {today.isoformat()}.",
    )
    parts: list[RenderableType] = [head]
    for source in view.sources:
        line = Text(f"  source {visible(source.key)}: ", style="dim")
        line.append(visible(source.title))
        who = ", ".join(x for x in (source.author, source.organisation) if x)
        if who:
            line.append(f" ({visible(who)}", style="dim")
            line.append(f", {source.published_on})" if source.published_on else ")", style="dim")
        parts.append(line)
    parts.append(questions_table(view.questions, yardstick=yardstick))
    return Group(*parts)


def _forecast_rows(detail: QuestionDetail) -> Table:
    q = detail.question
    table = Table(
        title="Forecasts, oldest first (none is ever overwritten)",
        title_justify="left",
        expand=True,
    )
    table.add_column("made (UTC)", no_wrap=True)
    table.add_column("forecaster", ratio=1, min_width=12, overflow="fold")
    # Multiple choice: one column per option, headed by its number in the panel above.
    option_columns = [] if q.kind is QuestionKind.BINARY else list(q.options)
    if option_columns:
        for number in range(1, len(option_columns) + 1):
            table.add_column(f"{number}.", justify="right", no_wrap=True)
    else:
        table.add_column("yes", justify="right", no_wrap=True)
    words = detail.yardstick is not None and not option_columns
    if words:
        table.add_column("in words", ratio=1, min_width=12, overflow="fold")
    table.add_column("rationale", ratio=3, overflow="fold")
    clarified = len(detail.versions) > 1
    for f in detail.forecasts:
        made = minute_text(f.made_at)
        if f.backfilled:
            made += f"\nbackfilled {f.recorded_at:%Y-%m-%d}"
        rationale = f.rationale or ""
        if f.retraction is not None:  # shown, never scored: said in words, not only by style
            made += f"\nretracted {f.retraction.recorded_at:%Y-%m-%d}"
            note = f"RETRACTED by {f.retraction.recorded_by}: {f.retraction.reason}"
            rationale = note + (f"\n{rationale}" if rationale else "")
        if clarified:  # which version of the question it answered
            made += f"\nversion {f.question_version}"
        if option_columns:
            cells = [format_percent(f.probabilities[o]) for o in option_columns]
        else:
            cells = [probabilities_text(q, f.probabilities)]
            if words:
                cells.append(forecast_words(q, f.probabilities, detail.yardstick) or "")
        style = "dim" if f.retraction is not None else None
        table.add_row(made, f.forecaster, *cells, rationale, style=style)
    return table


def _resolution_rows(resolutions: list[Resolution]) -> Table:
    table = Table(title="Resolution trail", title_justify="left")
    table.add_column("recorded", no_wrap=True)
    table.add_column("outcome")
    table.add_column("occurred on", no_wrap=True)
    table.add_column("by")
    table.add_column("evidence", ratio=2, overflow="fold")
    for index, r in enumerate(resolutions):
        label = outcome_text(r)
        if index < len(resolutions) - 1:
            label.append(" (amended)", style="dim")
        elif r.amends_id is not None:
            label.append(" (amendment, in force)", style="dim")
        table.add_row(
            minute_text(r.recorded_at),
            label,
            r.occurred_on.isoformat(),
            r.resolved_by,
            r.evidence or "",
        )
    return table


def question_view(detail: QuestionDetail) -> RenderableType:
    """One question in full: criteria, provenance, forecasts, resolution trail."""
    q = detail.question
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")
    facts.add_row("status", status_text(detail.status))
    facts.add_row("kind", KIND_LABEL[q.kind])
    if q.kind is not QuestionKind.BINARY:
        facts.add_row("options", "\n".join(f"{i}. {o}" for i, o in enumerate(q.options, 1)))
    facts.add_row("opened", q.opened_on.isoformat())
    deadline = q.deadline.isoformat()
    if q.deadline_phrase:
        deadline += f"  (the report: \u201c{q.deadline_phrase}\u201d)"
    facts.add_row("deadline", deadline)
    if q.hedge_phrase:
        facts.add_row("report's hedge", q.hedge_phrase)
    facts.add_row("criteria", q.criteria)
    if detail.source is not None:
        src = detail.source
        who = ", ".join(x for x in (src.author, src.organisation) if x)
        facts.add_row("source", f"{src.key}: {src.title}" + (f" ({who})" if who else ""))
    if q.quote:
        where = (
            f"\n(characters {q.quote_start}-{q.quote_end} of the source)"
            if q.quote_start is not None
            else ""
        )
        facts.add_row("quote", Text(f"“{visible(q.quote)}”{where}", style="italic"))
    if q.tags:
        facts.add_row("tags", ", ".join(q.tags))
    if q.notes:
        facts.add_row("notes", q.notes)
    facts.add_row("added", f"{q.created_at:%Y-%m-%d} by {q.created_by}")
    if q.blind:
        facts.add_row(
            "blind",
            "yes: forecasters see others' forecasts once they have made their own, or once "
            "it is resolved",
        )
    # The title goes inside the panel: a panel's own title line would cut a long one off.
    heading = Text(f"{visible(q.ref)} ", style="bold")
    heading.append(visible(q.title), style="bold")
    parts: list[RenderableType] = [Panel(Group(heading, Text(""), facts), title_align="left")]
    if detail.hidden:
        parts.append(Text(f"{HIDDEN_WHY} Add yours: tracker forecast {q.id} 65%", style="yellow"))
    elif detail.forecasts:
        parts.append(_forecast_rows(detail))
    else:
        parts.append(Text(f"No forecasts yet. Add one: tracker forecast {q.id} 65%", style="dim"))
    if detail.history is not None and detail.forecasts:
        from tracker.reports.history_terminal import HistoryView

        parts.append(HistoryView(detail.history))
    if len(detail.versions) > 1:
        parts.insert(1, _version_rows(detail))
    if detail.resolutions:
        parts.append(_resolution_rows(detail.resolutions))
    return Group(*parts)


def _version_rows(detail: QuestionDetail) -> Table:
    """The question's versions (tracker clarify): what each changed, by whom, when, why."""
    table = Table(title="Versions (clarifications; the latest is in force)", title_justify="left")
    table.add_column("v", justify="right", no_wrap=True)
    table.add_column("recorded (UTC)", no_wrap=True)
    table.add_column("by", overflow="fold")
    table.add_column("changed", ratio=2, overflow="fold")
    table.add_column("reason", ratio=2, overflow="fold")
    previous = None
    for v in detail.versions:
        if previous is None:
            changed = "as added"
        else:
            changes = []
            if v.title != previous.title:
                changes.append(f"title: {v.title}")
            if v.criteria != previous.criteria:
                changes.append(f"criteria: {v.criteria}")
            if v.deadline != previous.deadline:
                changes.append(f"deadline: {previous.deadline} -> {v.deadline}")
            changed = "\n".join(changes)
        table.add_row(str(v.version), minute_text(v.recorded_at), v.author, changed, v.reason or "")
        previous = v
    return table


def due_view(due: DueQuestions, *, yardstick: Yardstick | None = None) -> RenderableType:
    """Overdue questions first, then deadlines in the coming days."""
    parts: list[RenderableType] = []
    if due.overdue:
        parts.append(
            questions_table(
                due.overdue, title="Overdue: deadline passed, not resolved", yardstick=yardstick
            )
        )
    else:
        parts.append(Text("Nothing overdue.", style="green"))
    if due.upcoming:
        parts.append(
            questions_table(
                due.upcoming, title=f"Due within {due.within_days} days", yardstick=yardstick
            )
        )
    else:
        parts.append(Text(f"No deadlines in the next {due.within_days} days.", style="dim"))
    return Group(*parts)


def sources_table(listings: list[SourceListing]) -> Table:
    """One row per source."""
    table = Table()
    table.add_column("#", justify="right", style="bold")
    table.add_column("id")
    table.add_column("title", ratio=2, overflow="fold")
    table.add_column("author / organisation", overflow="fold")
    table.add_column("published", no_wrap=True)
    table.add_column("questions", justify="right")
    for item in listings:
        s = item.source
        table.add_row(
            str(s.id),
            s.key,
            s.title,
            ", ".join(x for x in (s.author, s.organisation) if x) or "-",
            s.published_on.isoformat() if s.published_on else "-",
            str(item.questions),
        )
    return table


def source_view(detail: SourceDetail) -> RenderableType:
    """A source's metadata, its questions, and its text with their quotes highlighted."""
    s = detail.source
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")
    for label, value in (
        ("author", s.author),
        ("organisation", s.organisation),
        ("forecaster", s.forecaster),
        (
            "yardstick",
            None
            if detail.yardstick is None
            else origin_text(detail.yardstick, detail.yardstick_origin, source=True),
        ),
        ("published", s.published_on.isoformat() if s.published_on else None),
        ("url", s.url),
        ("file", s.file),
        ("hash", s.content_hash),
        ("added", f"{s.added_at:%Y-%m-%d} by {s.added_by}"),
    ):
        if value:
            facts.add_row(label, value)
    heading = Text(f"source {visible(s.key)}: ", style="bold")
    heading.append(visible(s.title), style="bold")
    parts: list[RenderableType] = [Panel(Group(heading, Text(""), facts))]
    if detail.questions:
        summaries = {x.question.id: x for x in detail.summaries}
        table = Table(title="Questions taken from it", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("question", overflow="fold")
        table.add_column("deadline", no_wrap=True)
        table.add_column("status", overflow="fold")
        table.add_column("report", justify="right")
        table.add_column("team", justify="right")
        for q in detail.questions:
            summary = summaries.get(q.id)
            status: Text | str = "-"
            if summary is not None:
                status = status_text(summary.status)
                if summary.resolution is not None:
                    status = Text.assemble(status, f": {visible(summary.resolution.label)}")
            own, team = detail.scores.get(q.key, (None, None))
            table.add_row(
                str(q.id),
                q.title,
                q.deadline.isoformat(),
                status,
                "-" if own is None else f"{own:.3f}",
                "-" if team is None else f"{team:.3f}",
            )
        parts.append(table)
        if detail.scores:
            parts.append(
                Text(
                    "report, team: time-weighted score of the report's forecaster and of the team "
                    "median (Brier 0-1, multiple choice 0-2, ordered RPS 0-1; lower is better)",
                    style="dim",
                )
            )
    if s.text:
        shown = s.text.strip()
        lead = len(s.text) - len(s.text.lstrip())  # the shown text is stripped
        quoted = [
            (q.quote_start - lead, q.quote_end - lead)
            for q in detail.questions
            if q.quote_start is not None and q.quote_end is not None
        ]
        body = _highlighted(shown, quoted, style="bold reverse")
        for q in detail.questions:
            if q.quote and q.quote_start is None:
                body.highlight_words([visible(q.quote)], style="bold reverse")
        parts.append(Panel(body, title="text (quotes highlighted)", title_align="left"))
    return Group(*parts)


def _highlighted(text: str, spans: Sequence[tuple[int, int]], *, style: str) -> Text:
    """`text` with the character ranges `spans` styled, made visible piece by piece: the stored
    text is kept byte for byte (its hash must hold), and what reaches the terminal has its
    control and bidi characters shown as escapes, which take more room than the characters."""
    cuts = sorted({0, len(text), *(max(0, min(len(text), i)) for span in spans for i in span)})
    body = Text()
    for start, end in itertools.pairwise(cuts):
        marked = any(low <= start and end <= high for low, high in spans)
        body.append(visible(text[start:end]), style=style if marked else "")
    return body


def recorded_text(
    question: Question, distribution: Distribution, yardstick: Yardstick | None
) -> str:
    """How a recorded forecast was read, for `Recorded ... on #12`: a chance of yes typed as a
    number gets the yardstick's words beside it, set off by commas (`70%, likely (55-80%),`);
    words typed are already named in the reading (`67.5% (from "likely", ICD 203 55-80%)`)."""
    if distribution.from_words:
        return distribution.explanation
    words = forecast_words(question, distribution.probabilities, yardstick)
    return distribution.explanation if words is None else f"{distribution.explanation}, {words},"


def yardstick_view(yardstick: Yardstick, *, title: str) -> RenderableType:
    """A yardstick's table: each row's range, its own words and the synonyms read as it, then
    its source and, if it has any, its gaps."""
    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("term", ratio=2, overflow="fold")
    table.add_column("range", no_wrap=True)
    table.add_column("value used", justify="right", no_wrap=True)
    table.add_column("its words", ratio=2, overflow="fold")
    table.add_column("also read as it", ratio=3, overflow="fold")
    for term in yardstick.terms:
        table.add_row(
            term.name,
            term.range_text,
            format_percent(term.midpoint),
            ", ".join(term.phrases),
            ", ".join(term.synonyms),
        )
    parts: list[RenderableType] = [table]
    gaps = [
        f"{format_percent(below.high)[:-1]}-{format_percent(above.low)}"
        for below, above in itertools.pairwise(yardstick.terms)
        if below.high < above.low
    ]
    if gaps:
        parts.append(
            Text(
                f"gaps: {', '.join(gaps)} (a number in a gap is written with both neighbours)",
                style="dim",
            )
        )
    parts.append(Text(f"source: {yardstick.citation}", style="dim"))
    return Group(*parts)


def forecast_line(question: Question, forecast: Forecast) -> str:
    """`#12 Title: 65% by ani` for echoes."""
    return (
        f"{question.ref} {question.title}: {probabilities_text(question, forecast.probabilities)}"
    )


def problems_table(problems: Sequence[Problem]) -> RenderableType:
    """Rows of an import that cannot be read: (file, when several were read,) row, field, and
    why. Cells are plain text: a value quoted from the file is never read as markup."""
    files = any(p.file for p in problems)
    table = Table(title="Problems", title_justify="left")
    if files:
        table.add_column("file", overflow="fold")
    table.add_column("row", justify="right")
    table.add_column("field", overflow="fold")
    table.add_column("why", overflow="fold")
    for p in problems:
        cells = [Text(str(p.row)), Text(visible(p.field)), Text(visible(p.why))]
        table.add_row(*([Text(visible(p.file))] if files else []), *cells)
    return table


def broken_record_warning(findings: tuple[str, ...] | list[str]) -> list[RenderableType]:
    """A warning nobody can miss, at the top of what was built from a record changed behind
    tracker's back (--allow-broken-chain); nothing when the record is intact."""
    if not findings:
        return []
    lines = [
        "The record this was built from was changed behind tracker's back. Its figures may "
        "not be what was recorded (built with --allow-broken-chain; see every finding with "
        "tracker db verify):",
        *(f"- {finding}" for finding in findings),
    ]
    return [Panel(Text("\n".join(lines)), border_style="red", title="WARNING")]
