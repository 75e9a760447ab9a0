"""Deadlines as an iCalendar file (RFC 5545), written with the icalendar library.

One all-day event per question not yet resolved, on its deadline. Its UID is made from the
ledger's identity and the question's number, so a calendar that imports the file again (or
subscribes to it) updates the same event instead of adding another; SEQUENCE and LAST-MODIFIED
follow the question's revision (`question_revision`). Titles and criteria only: no forecast of
anyone's is in it, so blind questions cannot leak through it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from tracker.domain.model import Question
from tracker.reports.escapes import visible

PRODID = "-//tracker//tracker remind//EN"


def ledger_tag(identity: str | None) -> str:
    """A short, stable name for a ledger from its identity (the hash of its first event)."""
    return hashlib.sha256(f"tracker ledger {identity or 'empty'}".encode()).hexdigest()[:16]


def event_uid(question: Question, *, identity: str | None) -> str:
    """The UID of a question's deadline event: the same on every run, for every copy of the
    ledger, and different from any other ledger's."""
    return f"question-{question.id}-{ledger_tag(identity)}@tracker"


def _description(question: Question) -> str:
    lines = [
        f"Question {question.ref}" + (f" ({question.slug})" if question.slug else ""),
        "",
        "Resolution criteria:",
        visible(question.criteria),
    ]
    if question.tags:
        lines += ["", "Tags: " + ", ".join(visible(t, one_line=True) for t in question.tags)]
    lines += ["", f"tracker show {question.id}"]
    return "\n".join(lines)


def deadlines_calendar(
    questions: Sequence[Question],
    *,
    identity: str | None,
    revision: Callable[[Question], tuple[int, datetime]],
) -> bytes:
    """The iCalendar file of these questions' deadlines (`revision`: a question's revision
    number and time, for SEQUENCE and LAST-MODIFIED, and DTSTAMP: without a METHOD, RFC 5545
    makes DTSTAMP the time the event's information was last revised, so the file is the same,
    byte for byte, until a question changes)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "tracker deadlines")
    for question in sorted(questions, key=lambda q: (q.deadline, q.id)):
        number, changed = revision(question)
        event = Event()
        event.add("uid", event_uid(question, identity=identity))
        event.add("dtstamp", changed.astimezone(UTC))
        event.add("dtstart", question.deadline)
        event.add("dtend", question.deadline + timedelta(days=1))
        event.add("summary", visible(question.title, one_line=True))
        event.add("description", _description(question))
        event.add("sequence", number)
        event.add("last-modified", changed.astimezone(UTC))
        event.add("transp", "TRANSPARENT")
        if question.tags:
            event.add("categories", [visible(t, one_line=True) for t in question.tags])
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
