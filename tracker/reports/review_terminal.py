"""Reviews and retrospectives in the terminal: the same sections as the documents, in tables
narrow enough for an 80-column window (charts are in the Markdown and HTML formats)."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from tracker.domain.blind import HIDDEN_NOTE
from tracker.domain.fields import minute_text
from tracker.domain.review import Estimate, Headline, OpenQuestion, Overconfidence, Retro, Review
from tracker.domain.scoring import TEAM_NAMES, AsOfNote, Calibration, calibration_verdict
from tracker.reports import numbers
from tracker.reports.as_of import as_of_sentence
from tracker.reports.escapes import visible
from tracker.reports.terminal import broken_record_warning

#: A terminal shows at most this many questions (or sources) per section; the documents
#: show them all.
TERMINAL_ROWS = 15
#: The last quarters that fit an 80-column terminal beside the names.
TERMINAL_QUARTERS = 4


_score = numbers.score
_signed = numbers.signed
_percent = numbers.percent
_figure = numbers.figure


_points = numbers.points


def _estimate(e: Estimate, *, signed: bool = False) -> str:
    return numbers.estimate(e, signed=signed)


def _change(h: Headline) -> Text:
    style = {"better": "green", "worse": "red"}.get(h.verdict or "", "")
    verdict = numbers.verdict(h)
    return Text(numbers.change(h) + (f", {verdict}" if verdict else ""), style=style)


def _brief(sentences: list[str]) -> list[RenderableType]:
    """The "In brief" section: the sentences the document opens with."""
    return [_heading("In brief"), *(Text(f"- {visible(s)}") for s in sentences)]


def _overconfidence_table(rows: list[Overconfidence], roles: dict[str, str]) -> Table:
    table = _table(
        "forecaster", "forecasts", "confidence", "came true", "gap", "reading", numeric=(1, 2, 3, 4)
    )
    for o in rows:
        table.add_row(
            Text(
                visible(o.forecaster)
                + (" (report)" if roles.get(o.forecaster) == "report" else ""),
                style="italic dim" if o.forecaster in TEAM_NAMES else "",
            ),
            str(o.forecasts),
            _percent(o.confidence),
            _percent(o.hit_rate),
            _points(o.gap),
            f"{o.reading} (n = {o.questions})",
        )
    return table


_OVERCONFIDENCE_NOTE = (
    "Mean confidence in the side each final forecast favoured against how often that side "
    "happened; the gap is confidence minus came true (positive: too sure; nearer zero is "
    "better), judged against a bootstrap over questions."
)


def _heading(text: str) -> Rule:
    return Rule(Text(text, style="bold"), align="left", style="dim")


def _table(*columns: str, numeric: tuple[int, ...] = ()) -> Table:
    table = Table(show_edge=False, pad_edge=False, expand=False, header_style="bold")
    for i, name in enumerate(columns):
        table.add_column(name, justify="right" if i in numeric else "left", overflow="fold")
    return table


def _calibration_table(table: Calibration) -> Table:
    out = _table("forecast bin", "n", "mean", "came true", "95% interval", numeric=(1, 2, 3, 4))
    for b in table.bins:
        interval = (
            f"{_percent(b.wilson_low)}-{_percent(b.wilson_high)}"
            if b.n and b.wilson_low is not None
            else "-"
        )
        out.add_row(
            f"{round(b.lower * 100)}-{round(b.upper * 100)}%",
            str(b.n),
            _percent(b.mean_forecast),
            _percent(b.observed),
            interval,
        )
    return out


def _open_table(items: list[OpenQuestion], empty: str) -> RenderableType:
    if not items:
        return Text(empty, style="dim")
    table = _table("question", "deadline", "last forecast", "people", numeric=(3,))
    for q in items[:TERMINAL_ROWS]:
        if q.hidden:  # a blind question the reader has not forecast: nothing of it is shown
            table.add_row(f"#{q.number} {q.title}", q.deadline.isoformat(), HIDDEN_NOTE, "hidden")
            continue
        table.add_row(
            f"#{q.number} {q.title}",
            q.deadline.isoformat(),
            q.last_forecast_on.isoformat() if q.last_forecast_on else "never",
            str(q.forecasters),
        )
    if len(items) > TERMINAL_ROWS:
        return Group(table, _more(len(items) - TERMINAL_ROWS, "questions"))
    return table


def _as_of_line(as_of: datetime, note: AsOfNote) -> list[Text]:
    """The line under the heading on what the as-of rule counted (none when nothing to say)."""
    line = as_of_sentence(as_of, note)
    return [Text(line, style="dim")] if line else []


def _more(count: int, what: str) -> Text:
    return Text(
        f"... and {count} more {what}: all of them are in --format md, html or json.",
        style="dim",
    )


def review_view(review: Review) -> RenderableType:
    """The periodic review for the terminal."""
    r = review
    parts: list[RenderableType] = []
    title = Text(f"Accuracy review: {r.period.label}", style="bold")
    parts.append(title)
    parts.extend(broken_record_warning(r.record_findings))
    compared = f", compared with {r.previous.label}" if r.previous else ""
    parts.append(Text(f"As of {minute_text(r.as_of)} UTC{compared}.", style="dim"))
    parts.extend(_as_of_line(r.as_of, r.as_of_rule))

    parts.extend(_brief(r.brief))
    parts.append(_heading("Headline figures"))
    head = _table(
        "figure",
        r.period.label,
        r.previous.label if r.previous else "before",
        "change",
        numeric=(1, 2),
    )
    for h in r.headline:
        if h.current is None and h.previous is None:
            continue
        head.add_row(h.name, _figure(h.current, h.key), _figure(h.previous, h.key), _change(h))
    parts.append(head)
    parts.append(
        Text(
            "Brier scores: lower is better; coverage: higher is better. A change is called "
            "better or worse only beyond noise (a bootstrap over questions).",
            style="dim",
        )
    )

    parts.append(_heading(f"Questions resolved in {r.period.label}"))
    if not r.questions:
        parts.append(Text("None.", style="dim"))
    for q in r.questions[-TERMINAL_ROWS:]:
        parts.append(Text.assemble((f"#{q.number} ", "bold"), (visible(q.title), "bold")))
        line = Text(f"outcome: {visible(q.outcome)} on {q.occurred_on}")
        if q.evidence:
            line.append(f" · evidence: {visible(q.evidence)}", style="dim")
        parts.append(line)
        if q.version > 1:
            changed = "; the criteria changed after forecasts were made" * q.criteria_changed
            parts.append(Text(f"clarified: version {q.version} in force{changed}", style="yellow"))
        if not q.scores:
            parts.append(Text(f"not scored: {q.status}", style="dim"))
            continue
        table = _table(
            "forecaster", "p(outcome)", "final", "time-w.", "relative", numeric=(1, 2, 3, 4)
        )
        for s in q.scores:
            name = s.forecaster + (" (report)" if s.forecaster in r.report_forecasters else "")
            if s.forecaster in q.versions_seen:  # the versions its forecasts were made under
                name += " (v" + ", v".join(map(str, q.versions_seen[s.forecaster])) + ")"
            table.add_row(
                Text(visible(name), style="italic dim" if s.forecaster in TEAM_NAMES else ""),
                _percent(s.final_probabilities[s.outcome]),
                _score(s.final_score),
                _score(s.time_weighted),
                _signed(s.relative),
            )
        parts.append(table)
    if len(r.questions) > TERMINAL_ROWS:
        parts.append(_more(len(r.questions) - TERMINAL_ROWS, "earlier questions"))

    parts.append(_heading("Biggest misses (confident and wrong)"))
    if r.misses:
        table = _table("forecaster", "question", "favoured", "outcome", numeric=())
        for c in r.misses:
            table.add_row(
                c.forecaster,
                c.question,
                f"{c.favoured} {_percent(c.favoured_probability)}",
                c.outcome,
            )
        parts.append(table)
    else:
        parts.append(Text("None.", style="dim"))
    parts.append(_heading("Best calls (confident and right, early first)"))
    if r.calls:
        table = _table("forecaster", "question", "outcome", "skill", numeric=(3,))
        for c in r.calls:
            table.add_row(
                c.forecaster,
                c.question,
                f"{c.outcome} {_percent(c.outcome_probability)}",
                numbers.skill(c.skill),
            )
        parts.append(table)
    else:
        parts.append(Text("None yet.", style="dim"))

    parts.append(_heading("Calibration"))
    parts.append(Text(f"All forecasters: {calibration_verdict(r.calibration)}"))
    parts.append(_calibration_table(r.calibration))
    parts.append(Text("Overconfidence, forecaster by forecaster", style="bold"))
    roles = dict.fromkeys(r.report_forecasters, "report")
    parts.append(_overconfidence_table(r.overconfidence, roles))
    parts.append(Text(_OVERCONFIDENCE_NOTE, style="dim"))

    parts.append(_heading("Accuracy by source (time-weighted skill, all kinds; higher is better)"))
    if r.by_source:
        table = _table("source", "scored", "report", "analysts", "team", numeric=(1, 2, 3, 4))
        for s in r.by_source[:TERMINAL_ROWS]:
            table.add_row(
                f"{s.title} ({s.key})"
                + (f"\nspoken for by {s.forecaster}" if s.forecaster else ""),
                f"{s.resolved}/{s.questions}",
                numbers.skill_estimate(s.report_skill),
                numbers.skill_estimate(s.analysts_skill),
                numbers.skill_estimate(s.team_skill),
            )
        parts.append(table)
        if len(r.by_source) > TERMINAL_ROWS:
            parts.append(_more(len(r.by_source) - TERMINAL_ROWS, "sources"))
    else:
        parts.append(Text("No question from a source was resolved in the period.", style="dim"))

    parts.append(_heading("Accuracy by horizon (mean score, n)"))
    table = _table("made before close", "binary", "multiple", "ordered", numeric=(1, 2, 3))
    for h in r.horizons:
        table.add_row(
            h.label,
            *(f"{_score(h.mean[k])} ({h.n[k]})" for k in ("binary", "multiple_choice", "ordered")),
        )
    parts.append(table)

    fu = r.follow_up
    parts.append(_heading("Follow-up"))
    parts.append(Text("Overdue (deadline passed, no resolution)", style="bold"))
    parts.append(_open_table(fu.overdue, "None."))
    parts.append(Text(f"Deadlines in the next {fu.due_within_days} days", style="bold"))
    parts.append(_open_table(fu.due_soon, "None."))
    parts.append(Text(f"Not forecast for more than {fu.stale_after_days} days", style="bold"))
    parts.append(_open_table(fu.stale, "None."))
    parts.append(Text("One forecaster only", style="bold"))
    parts.append(_open_table(fu.single, "None."))

    parts.append(_heading("Conventions"))
    parts.append(_conventions(r.conventions, r.excluded, r.record_head))
    return Group(*parts)


def _conventions(
    conventions: dict[str, object], excluded: dict[str, int], record_head: str | None
) -> Text:
    text = Text(
        f"Brier {conventions['brier']}; multiple choice {conventions['brier_multi']}; "
        f"ordered {conventions['rps']}. Days are UTC; time-weighted = "
        f"{conventions['time_weighted']}. Full list: --format md or json, and docs/scoring.md.\n",
        style="dim",
    )
    text.append(
        f"Excluded: {excluded.get('annulled', 0)} annulled, {excluded.get('ambiguous', 0)} "
        f"ambiguous; {excluded.get('hindsight', 0)} forecasts after the outcome, "
        f"{excluded.get('after_close', 0)} after the deadline, "
        f"{excluded.get('backfilled', 0)} backfilled left out.",
        style="dim",
    )
    if record_head:
        text.append(
            f"\nRecord: chain head {record_head} (check it later with: "
            f"tracker db verify --head {record_head}).",
            style="dim",
        )
    return text


def retro_view(retro: Retro) -> RenderableType:
    """The calibration retrospective for the terminal."""
    r = retro
    parts: list[RenderableType] = [
        Text(f"Calibration retrospective: {r.period.label}", style="bold"),
        *broken_record_warning(r.record_findings),
        Text(
            f"As of {minute_text(r.as_of)} UTC. {r.questions} question"
            f"{'s' if r.questions != 1 else ''} scored (analysts or reports).",
            style="dim",
        ),
        *_as_of_line(r.as_of, r.as_of_rule),
        *_brief(r.brief),
        _heading("For discussion"),
    ]
    if r.prompts:
        for i, prompt in enumerate(r.prompts, 1):
            parts.append(Text(f"{i}. {visible(prompt)}"))
    else:
        parts.append(
            Text(
                "No difference is beyond noise yet: nothing to discuss from the figures.",
                style="dim",
            )
        )
    parts.append(_heading("Did the team beat its best member?"))
    parts.append(Text(visible(r.verdict.sentence)))
    table = _table("forecaster", "beat median", "own", "team", "diff.", numeric=(1, 2, 3, 4))
    for row in r.rows:
        a = row.against
        if a is None:
            continue
        diff = a.difference
        table.add_row(
            row.summary.forecaster + (" (report)" if row.role == "report" else ""),
            f"{a.wins} of {a.shared}",
            _score(a.own_brier),
            _score(a.team_brier),
            Text(_signed(diff), style="green" if diff is not None and diff < 0 else ""),
        )
    parts.append(table)

    parts.append(_heading("Each analyst (Brier on binary questions, 95% interval from n=5)"))
    table = _table(
        "forecaster",
        "scored",
        "time-weighted",
        "relative",
        "cover",
        "overconf.",
        numeric=(1, 2, 3, 4, 5),
    )
    for row in r.rows:
        s = row.summary
        table.add_row(
            Text(
                visible(s.forecaster) + (" (report)" if row.role == "report" else ""),
                style="italic dim" if row.role == "team" else "",
            ),
            str(s.n_questions),
            _estimate(row.time_weighted),
            _estimate(row.relative, signed=True),
            _percent(s.coverage),
            _points(s.calibration.overconfidence),
        )
    parts.append(table)

    parts.append(_heading("Overconfidence, forecaster by forecaster"))
    parts.append(
        _overconfidence_table(r.overconfidence, {x.summary.forecaster: x.role for x in r.rows})
    )
    parts.append(Text(_OVERCONFIDENCE_NOTE, style="dim"))

    if r.criteria_changed:
        parts.append(
            Text(
                "Criteria changed after forecasts were made: "
                + "; ".join(visible(r.titles.get(key, key)) for key in r.criteria_changed),
                style="yellow",
            )
        )
    parts.append(_heading("Where the team disagreed most"))
    if r.disagreements:
        table = _table("question", "range", "outcome", "closest", numeric=())
        for d in r.disagreements:
            table.add_row(
                d.question,
                f"{d.option}: {_percent(d.lowest)}-{_percent(d.highest)}",
                d.outcome,
                f"{', '.join(d.closest)} {_percent(d.closest_probability)}",
            )
        parts.append(table)
    else:
        parts.append(Text("No question had two or more members forecasting.", style="dim"))

    parts.append(
        _heading("Calibration by quarter (overconfidence in points; n = forecast-outcome pairs)")
    )
    every = sorted({q.quarter for q in r.quarters})
    quarters = every[-TERMINAL_QUARTERS:]
    table = _table("forecaster", *quarters, numeric=tuple(range(1, len(quarters) + 1)))
    by_name: dict[str, dict[str, str]] = {}
    for q in r.quarters:
        by_name.setdefault(q.forecaster, {})[q.quarter] = (
            f"{_points(q.calibration.overconfidence)} (n={q.calibration.n})"
        )
    for name, cells in by_name.items():
        table.add_row(name, *(cells.get(label, "-") for label in quarters))
    parts.append(table)
    if len(every) > len(quarters):
        parts.append(_more(len(every) - len(quarters), "quarters before these"))
    parts.append(_heading("Conventions"))
    parts.append(_conventions(r.conventions, r.excluded, r.record_head))
    return Group(*parts)
