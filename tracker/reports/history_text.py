"""How each question moved, in words and as JSON (the charts are in `history_charts`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tracker.domain import rounding
from tracker.domain.history import REPORT, HistorySection, Line, QuestionHistory
from tracker.domain.model import QuestionKind


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def drawn_text(history: QuestionHistory) -> str:
    """What the lines give: `chance of yes`, or of the option drawn (and why that one)."""
    if history.kind is QuestionKind.BINARY:
        return "chance of yes"
    why = "the outcome" if history.happened is not None else "favoured by the team median"
    return f"chance of {history.option} ({why})"


def _line_text(line: Line) -> str:
    first, last = rounding.percent(line.first), rounding.percent(line.last)
    moved = last if first == last and len(line.steps) == 1 else f"{first} \u2192 {last}"
    role = " (report)" if line.role == REPORT else ""
    return f"{line.forecaster}{role} {moved}"


def history_summary(history: QuestionHistory) -> str:
    """One sentence a reader (or a screen reader) gets beside the chart: what is drawn, each
    line's first and last probability, the outcome and the deadline."""
    parts = [f"{drawn_text(history).capitalize()}, first \u2192 last:"]
    lines = [_line_text(line) for line in history.lines]
    if history.team is not None:
        lines.append(_line_text(history.team).replace("team (median)", "team median"))
    parts.append("; ".join(lines) + "." if lines else "no forecast.")
    if history.outcome is not None and history.occurred_on is not None:
        parts.append(f"Outcome: {history.outcome} on {history.occurred_on.isoformat()}.")
    parts.append(f"Deadline {history.deadline.isoformat()}.")
    if history.clarifications:
        parts.append(f"Clarified {len(history.clarifications)} time(s).")
    if history.backfilled:
        parts.append(f"{history.backfilled} forecast(s) backfilled (hollow dots).")
    if history.after_close:
        parts.append(f"{history.after_close} forecast(s) made after the close not drawn.")
    return " ".join(parts)


def _steps(line: Line, *, marked: bool) -> list[dict[str, Any]]:
    steps = []
    for step in line.steps:
        data: dict[str, Any] = {"at": _moment(step.at), "probability": step.probability}
        if marked:
            data["backfilled"] = step.backfilled
        steps.append(data)
    return steps


def history_json(history: QuestionHistory) -> dict[str, Any]:
    """A question's history as JSON (keys in docs/reviews.md, "How each question moved"):
    each line's steps, a step standing from `at` until the next (or `end`)."""
    return {
        "question": history.key,
        "number": history.number,
        "title": history.title,
        "kind": history.kind.value,
        "drawn_option": history.option,
        "start": _moment(history.start),
        "end": _moment(history.end),
        "deadline": history.deadline.isoformat(),
        "status": history.status,
        "outcome": history.outcome,
        "occurred_on": None if history.occurred_on is None else history.occurred_on.isoformat(),
        "drawn_option_happened": history.happened,
        "report_forecaster": history.report_forecaster,
        "clarifications": [_moment(c) for c in history.clarifications],
        "after_close": history.after_close,
        "lines": [
            {
                "forecaster": line.forecaster,
                "role": line.role,
                "forecasts": line.forecasts,
                "steps": _steps(line, marked=True),
            }
            for line in history.lines
        ],
        "team_median": None
        if history.team is None
        else {"steps": _steps(history.team, marked=False)},
    }


def section_json(section: HistorySection) -> dict[str, Any]:
    """The histories of a review or retrospective, with how many were left out and why."""
    return {
        "limit": section.limit,
        "omitted": section.omitted,
        "questions": [history_json(h) for h in section.histories],
    }
