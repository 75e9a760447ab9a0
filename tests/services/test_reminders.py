"""Reminders through the service functions, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import NOW
from tracker.domain.reminders import Need
from tracker.services.ledger import add_question, record_forecast
from tracker.services.reminders import build_reminders, deadlines_calendar
from tracker.storage.database import Session


def _question(session: Session, title: str, deadline: str, tag: str, who: str) -> None:
    add_question(
        session=session,
        title=title,
        criteria=f"Yes if {title}.",
        deadline=deadline,
        tags=[tag],
        created_by=who,
        now=NOW,
        forecast=["60%"],
    )


def test_reminders_read_the_same_on_both_backends(session: Session, any_url: str) -> None:
    _question(session, "Road/rail agreement", "2021-12-05", "caucasus", "ani")
    _question(session, "Border commission meets", "2022-05-29", "caucasus", "lena")
    record_forecast(session=session, question="2", probability=["30%"], forecaster="tom", now=NOW)
    later = NOW + timedelta(days=3)
    reminders = build_reminders(session=session, url=any_url, as_of=later)
    by_name = {d.forecaster: d for d in reminders.digests}
    assert sorted(by_name) == ["ani", "lena", "tom"]
    assert [(i.need, i.question.id) for i in by_name["ani"].items] == [
        (Need.DUE_SOON, 1),
        (Need.NOT_FORECAST, 2),
    ]
    # tom forecast #2 only (tagged caucasus): #1, in his tags, is one he has not forecast.
    assert [(i.need, i.question.id) for i in by_name["tom"].items] == [(Need.NOT_FORECAST, 1)]
    expected = (
        "anyone who can write this ledger"
        if any_url.startswith("sqlite")
        else f"a member of the database role {any_url.rsplit('/', 1)[1]}_resolver"
    )
    assert reminders.resolvers == expected
    calendar = deadlines_calendar(session=session, questions=reminders.unresolved)
    assert calendar.count(b"BEGIN:VEVENT") == 2
    assert calendar == deadlines_calendar(session=session, questions=reminders.unresolved)
