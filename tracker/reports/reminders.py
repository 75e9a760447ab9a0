"""Reminder digests as plain text (terminal and e-mail), JSON, and e-mail messages.

Everything from the ledger (titles, names, tags) goes through `visible`, one line each, so a
control character or line break in it can neither drive a terminal nor start an e-mail header.
A digest holds the forecaster's own forecasts only (tracker/domain/reminders.py): nothing here
may add anyone else's probabilities, so that blind questions cannot leak through a reminder.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from tracker.domain.model import BINARY_OPTIONS, Forecast, Question, QuestionKind
from tracker.domain.probability import format_percent
from tracker.domain.reminders import Digest, Item, Need, Reminders
from tracker.reports.escapes import visible

#: Text reminders are wrapped to this width (a terminal of 80 columns, and e-mail).
WIDTH = 78

JSONObject = dict[str, Any]


def _line(text: str) -> str:
    return visible(text, one_line=True)


def _own_text(question: Question, forecast: Forecast) -> str:
    """The forecaster's own forecast: `70%` (binary: the chance of yes) or `55% A · 45% B`."""
    probabilities = forecast.probabilities
    if question.kind is QuestionKind.BINARY and tuple(probabilities) == BINARY_OPTIONS:
        return format_percent(probabilities["yes"])
    return " · ".join(f"{format_percent(p)} {_line(o)}" for o, p in probabilities.items())


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"


def _deadline_text(item: Item) -> str:
    days = item.days_to_deadline
    when = "today" if days == 0 else f"in {_days(days)}" if days > 0 else f"{_days(-days)} ago"
    return f"deadline {item.question.deadline} ({when})"


def _details(item: Item) -> list[str]:
    parts = [_deadline_text(item)]
    if item.own is not None:
        age = "" if item.own_age_days is None else f" ({_days(item.own_age_days)} old)"
        parts.append(
            f"your forecast of {item.own.made_at.astimezone(UTC):%Y-%m-%d}{age}: "
            f"{_own_text(item.question, item.own)}"
        )
    elif item.need is Need.NOT_FORECAST and item.question.tags:
        parts.append("tags " + ", ".join(_line(t) for t in item.question.tags))
    return parts


def _item_lines(item: Item) -> list[str]:
    question = item.question
    head = f"{question.ref} {_line(question.title)}"
    # Titles are never cut: a long one wraps onto as many lines as it takes.
    lines = textwrap.wrap(
        head,
        WIDTH,
        initial_indent="  ",
        subsequent_indent="     ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    for detail in _details(item):
        lines += textwrap.wrap(detail, WIDTH, initial_indent="     ", subsequent_indent="       ")
    return lines


def _heading(need: Need, reminders: Reminders, digest: Digest) -> str:
    if need is Need.PAST_DEADLINE:
        return "Past the deadline and not resolved: to resolve"
    if need is Need.DUE_SOON:
        return f"Deadlines by {reminders.window.until} (--within {_line(reminders.window.text)})"
    if need is Need.STALE:
        rule = reminders.stale
        if rule.share is not None:
            return f"Your forecasts older than {_line(rule.text)} of their question's life"
        assert rule.age is not None
        return f"Your forecasts older than {rule.age.text}"
    tags = ", ".join(_line(t) for t in digest.tags)
    return f"Open in your tags ({tags}), not yet forecast by you"


def _count(digest: Digest) -> str:
    count = len(digest.items)
    return f"{count} question{'' if count == 1 else 's'} need{'s' if count == 1 else ''} you"


def digest_text(digest: Digest, reminders: Reminders) -> str:
    """One forecaster's digest as plain text, wrapped to 80 columns."""
    name, day = _line(digest.forecaster), reminders.as_of.astimezone(UTC).date()
    if digest.empty:
        return f"{name}: nothing needs you as of {day}.\n"
    lines = [f"{name}: {_count(digest)}, as of {day}."]
    for need in Need:
        items = digest.of(need)
        if not items:
            continue
        lines += ["", *textwrap.wrap(_heading(need, reminders, digest), WIDTH)]
        for item in items:
            lines += _item_lines(item)
        if need is Need.PAST_DEADLINE:
            example = items[0].question.id
            lines += textwrap.wrap(
                f"Who can resolve: {reminders.resolvers} "
                f"(tracker resolve {example} OUTCOME --evidence URL).",
                WIDTH,
                initial_indent="  ",
                subsequent_indent="  ",
            )
    return "\n".join(lines) + "\n"


def reminders_text(reminders: Reminders) -> str:
    """Every digest, one after the other; a line saying so when there is nobody to remind."""
    if not reminders.digests:
        return "Nobody has forecast yet: no reminders.\n"
    return "\n".join(digest_text(d, reminders) for d in reminders.digests)


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _item_json(item: Item) -> JSONObject:
    question, own = item.question, item.own
    return {
        "number": question.id,
        "id": question.key,
        "title": question.title,
        "deadline": question.deadline.isoformat(),
        "days_to_deadline": item.days_to_deadline,
        "tags": list(question.tags),
        "own_forecast": None
        if own is None
        else {
            "made_at": _moment(own.made_at),
            "probabilities": own.probabilities,
            "age_days": item.own_age_days,
        },
    }


def reminders_json(reminders: Reminders) -> JSONObject:
    """Every digest as JSON: stable keys, ISO-8601 dates and times."""
    stale = reminders.stale
    return {
        "as_of": _moment(reminders.as_of),
        "within": {"text": reminders.window.text, "until": reminders.window.until.isoformat()},
        "stale_after": {
            "text": stale.text,
            "age": None if stale.age is None else stale.age.text,
            "share": stale.share,
        },
        "who_can_resolve": reminders.resolvers,
        "forecasters": [
            {
                "forecaster": digest.forecaster,
                "tags": list(digest.tags),
                **{need.value: [_item_json(i) for i in digest.of(need)] for need in Need},
            }
            for digest in reminders.digests
        ],
    }


def digest_subject(digest: Digest, reminders: Reminders) -> str:
    """The subject of a digest's e-mail (one line, whatever the forecaster's name holds)."""
    day = reminders.as_of.astimezone(UTC).date()
    return f"tracker: {_count(digest)} ({_line(digest.forecaster)}, {day})"


def digest_message(
    digest: Digest, reminders: Reminders, *, sender: str, recipient: str
) -> EmailMessage:
    """A digest as an e-mail: plain text in UTF-8, marked as sent automatically (RFC 3834).
    The title of a question is only ever in the body, so it cannot make a header."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = digest_subject(digest, reminders)
    message["Date"] = format_datetime(reminders.as_of.astimezone(UTC))
    message["Auto-Submitted"] = "auto-generated"
    body = digest_text(digest, reminders)
    message.set_content(
        body + "\n-- \nSent by tracker remind. Your own forecasts only; nobody else's.\n"
    )
    return message
