"""Reminders, pure: windows, staleness, who a question needs, the revision hook, addresses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracker.domain.addresses import check_address, parse_address_entries
from tracker.domain.dates import Duration, parse_duration
from tracker.domain.model import BINARY_OPTIONS, Forecast, Question, QuestionKind
from tracker.domain.reminders import (
    Need,
    digest_for,
    parse_stale_after,
    parse_within,
    question_revision,
    standing_by_question,
)
from tracker.errors import InputError

AS_OF = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)
OPENED = datetime(2022, 1, 1, 10, 0, tzinfo=UTC)


def _question(
    number: int, deadline: date, *, tags: tuple[str, ...] = (), by: str = "ani"
) -> Question:
    return Question(
        id=number,
        slug=None,
        title=f"Question {number}",
        criteria="Yes if it happens.",
        kind=QuestionKind.BINARY,
        options=BINARY_OPTIONS,
        deadline=deadline,
        opened_on=OPENED.date(),
        created_at=OPENED,
        created_by=by,
        tags=tags,
    )


def _forecast(number: int, question: int, who: str, made_at: datetime, yes: float) -> Forecast:
    return Forecast(
        id=number,
        question_id=question,
        forecaster=who,
        made_at=made_at,
        recorded_at=made_at,
        probabilities={"yes": yes, "no": 1 - yes},
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14d", Duration(14, "day")),
        ("+2w", Duration(2, "week")),
        ("3M", Duration(3, "month")),
        ("1y", Duration(1, "year")),
        ("10 days", Duration(10, "day")),
        ("1 week", Duration(1, "week")),
        ("21", Duration(21, "day")),
    ],
)
def test_parse_duration_reads_the_relative_deadline_forms(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "-3d", "3x", "2.5d", "200y"])
def test_parse_duration_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(InputError):
        parse_duration(text, what="--within")


def test_a_month_after_the_end_of_january_is_the_end_of_february() -> None:
    assert Duration(1, "month").after(date(2022, 1, 31)) == date(2022, 2, 28)
    assert Duration(1, "month").before(AS_OF) == datetime(2022, 2, 1, 9, 0, tzinfo=UTC)


def test_within_takes_a_span_or_a_date() -> None:
    today = AS_OF.date()
    assert parse_within("14d", today=today).until == date(2022, 3, 15)
    assert parse_within("1m", today=today).until == date(2022, 4, 1)
    assert parse_within("0", today=today).until == today
    assert parse_within("end of month", today=today).until == date(2022, 3, 31)
    assert parse_within("2022-06-30", today=today).until == date(2022, 6, 30)
    with pytest.raises(InputError, match="before today"):
        parse_within("2022-02-01", today=today)
    with pytest.raises(InputError, match="as --within"):
        parse_within("a while", today=today)


def test_stale_after_takes_an_age_or_a_share_of_the_life() -> None:
    assert parse_stale_after("30d").age == Duration(30, "day")
    rule = parse_stale_after("25%")
    assert rule.share == 0.25 and rule.age is None
    # Life of 2022-01-01 .. 2022-05-01 = 120 days; a quarter of it is 30 days.
    question = _question(1, date(2022, 5, 1))
    assert rule.cutoff(question, AS_OF) == datetime(2022, 1, 30, 9, 0, tzinfo=UTC)
    for bad in ("0%", "101%", "-5%", "x%", "fresh"):
        with pytest.raises(InputError):
            parse_stale_after(bad)


def test_digest_sorts_each_question_under_its_first_need() -> None:
    within = parse_within("14d", today=AS_OF.date())
    stale = parse_stale_after("30d")
    questions = [
        _question(1, date(2022, 2, 20)),  # passed, ani's
        _question(2, date(2022, 3, 10)),  # due soon, forecast long ago: due soon, not stale
        _question(3, date(2022, 9, 1)),  # forecast 40 days ago: stale
        _question(4, date(2022, 9, 1)),  # forecast 10 days ago: nothing
        _question(5, date(2022, 9, 1), tags=("eu",), by="tom"),  # in ani's tags: not forecast
        _question(6, date(2022, 9, 1), tags=("oil",), by="tom"),  # not in ani's tags
        _question(7, date(2022, 2, 1), tags=("eu",), by="tom"),  # passed, not ani's: nothing
    ]
    long_ago = datetime(2022, 1, 20, 12, 0, tzinfo=UTC)
    recent = datetime(2022, 2, 19, 12, 0, tzinfo=UTC)
    forecasts = {
        2: [_forecast(1, 2, "ani", long_ago, 0.6)],
        3: [_forecast(2, 3, "ani", long_ago, 0.3), _forecast(3, 3, "tom", recent, 0.9)],
        4: [_forecast(4, 4, "ani", recent, 0.5)],
        5: [_forecast(5, 5, "tom", recent, 0.8)],
    }
    digest = digest_for(
        "ani",
        unresolved=questions,
        standing=standing_by_question(forecasts),
        tags=("eu",),
        as_of=AS_OF,
        window=within,
        stale=stale,
    )
    assert [(i.need, i.question.id) for i in digest.items] == [
        (Need.PAST_DEADLINE, 1),
        (Need.DUE_SOON, 2),
        (Need.STALE, 3),
        (Need.NOT_FORECAST, 5),
    ]
    stale_item = digest.of(Need.STALE)[0]
    assert stale_item.own is not None and stale_item.own.forecaster == "ani"
    assert stale_item.own_age_days == 39
    assert digest.of(Need.PAST_DEADLINE)[0].days_to_deadline == -9


def test_a_digest_holds_only_the_forecasters_own_forecasts() -> None:
    question = _question(1, date(2022, 3, 5))
    forecasts = {
        1: [
            _forecast(1, 1, "tom", datetime(2022, 2, 1, tzinfo=UTC), 0.9),
            _forecast(2, 1, "ani", datetime(2022, 2, 2, tzinfo=UTC), 0.2),
            _forecast(3, 1, "lena", datetime(2022, 2, 3, tzinfo=UTC), 0.7),
        ]
    }
    digest = digest_for(
        "ani",
        unresolved=[question],
        standing=standing_by_question(forecasts),
        tags=(),
        as_of=AS_OF,
        window=parse_within("14d", today=AS_OF.date()),
        stale=parse_stale_after("30d"),
    )
    assert [item.own for item in digest.items] == [forecasts[1][1]]


def test_question_revision_is_the_hook_for_versions() -> None:
    question = _question(1, date(2022, 5, 1))
    assert question_revision(question) == (0, OPENED)
    later = [datetime(2022, 2, 1, tzinfo=UTC), datetime(2022, 2, 9, tzinfo=UTC)]
    assert question_revision(question, later) == (2, later[1])


def test_addresses_are_checked_and_cannot_carry_a_header() -> None:
    assert check_address(" ani@example.org ", what="--to") == "ani@example.org"
    assert check_address("Ani P <ani@example.org>", what="--to") == "Ani P <ani@example.org>"
    for bad in ("ani", "ani@", "a@b, c@d", "ani@example.org\nBcc: x@y.org", "a b@c.org"):
        with pytest.raises(InputError):
            check_address(bad, what="--to")


def test_address_entries_name_their_line() -> None:
    book = parse_address_entries(
        ["# team", "", "ani = ani@example.org", "tom=tom@example.org", "ani=a2@example.org"],
        origin="book line {line}",
    )
    assert book == {"ani": "a2@example.org", "tom": "tom@example.org"}
    with pytest.raises(InputError, match=r"^book line 2: write NAME=ADDRESS"):
        parse_address_entries(["ani=ani@example.org", "tom"], origin="book line {line}")
