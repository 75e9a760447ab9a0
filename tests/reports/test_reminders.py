"""Reminders rendered: outside text shown safely in text, iCalendar and e-mail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy

from icalendar import Calendar

from tracker.domain.model import BINARY_OPTIONS, Forecast, Question, QuestionKind
from tracker.domain.reminders import (
    Digest,
    Item,
    Need,
    Reminders,
    parse_stale_after,
    parse_within,
    question_revision,
)
from tracker.reports.calendar import deadlines_calendar, event_uid
from tracker.reports.reminders import digest_message, digest_text

AS_OF = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)
HOSTILE = "Meeting\x1b]0;owned\x07\nBcc: victim@example.org\nSubject: pwned\u202e"


def _question(title: str) -> Question:
    return Question(
        id=7,
        slug="meeting",
        title=title,
        criteria="Yes if\nBEGIN:VEVENT\nit happens.",
        kind=QuestionKind.BINARY,
        options=BINARY_OPTIONS,
        deadline=date(2022, 3, 10),
        opened_on=date(2022, 1, 1),
        created_at=datetime(2022, 1, 1, 10, 0, tzinfo=UTC),
        created_by="ani",
        tags=("eu",),
    )


def _reminders(question: Question, name: str = "ani") -> tuple[Digest, Reminders]:
    own = Forecast(
        id=1,
        question_id=7,
        forecaster=name,
        made_at=datetime(2022, 2, 1, tzinfo=UTC),
        recorded_at=datetime(2022, 2, 1, tzinfo=UTC),
        probabilities={"yes": 0.6, "no": 0.4},
    )
    digest = Digest(
        forecaster=name,
        items=(Item(Need.DUE_SOON, question, 9, own, 28),),
        tags=("eu",),
    )
    reminders = Reminders(
        as_of=AS_OF,
        window=parse_within("14d", today=AS_OF.date()),
        stale=parse_stale_after("30d"),
        digests=(digest,),
        resolvers="anyone who can write this ledger",
    )
    return digest, reminders


def test_text_shows_control_characters_as_visible_escapes() -> None:
    digest, reminders = _reminders(_question(HOSTILE))
    text = digest_text(digest, reminders)
    assert "\x1b" not in text and "\u202e" not in text
    assert "Meeting\\x1b]0;owned\\x07\\nBcc: victim@example.org\\nSubject: pwned<U+202E>" in (
        " ".join(text.split())
    )
    assert all(not line.startswith("Bcc") for line in text.splitlines())


def test_email_title_and_name_cannot_make_headers() -> None:
    digest, reminders = _reminders(_question(HOSTILE), name="ani\nBcc: victim@example.org")
    message = digest_message(digest, reminders, sender="t@example.org", recipient="a@example.org")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None
    assert str(parsed["Subject"]).strip() == (
        "tracker: 1 question needs you (ani\\nBcc: victim@example.org, 2022-03-01)"
    )
    assert sorted(parsed.keys()) == sorted(
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Auto-Submitted",
            "Content-Type",
            "Content-Transfer-Encoding",
            "MIME-Version",
        ]
    )
    body = parsed.get_content()
    assert "60%" in body and "\x1b" not in body


def test_calendar_keeps_a_hostile_title_in_one_summary() -> None:
    question = _question(HOSTILE)
    ical = deadlines_calendar([question], identity="abc", revision=question_revision)
    calendar = Calendar.from_ical(ical)
    (event,) = calendar.walk("VEVENT")
    assert ical.count(b"BEGIN:VEVENT") == 1
    assert str(event["SUMMARY"]).startswith("Meeting\\x1b]0;owned\\x07\\nBcc:")
    assert "\n" not in str(event["SUMMARY"])
    assert "BEGIN:VEVENT" in str(event["DESCRIPTION"])  # as text, inside the description
    assert event.decoded("DTSTART") == date(2022, 3, 10)
    assert str(event["UID"]) == event_uid(question, identity="abc")
    assert event_uid(question, identity="abc") != event_uid(question, identity="abd")
