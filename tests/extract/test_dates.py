"""Time expressions resolved against the publication date: the spec's table, row by row."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.extract.dates import find_times, suggest_deadline

P = date(2024, 3, 20)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # a day
        ("The tariffs will be published by 30 April 2025.", date(2025, 4, 30)),
        ("The tariffs will be published on April 30, 2025.", date(2025, 4, 30)),
        ("The vote is set for 15 December.", date(2024, 12, 15)),
        ("The vote is set for 15 March.", date(2025, 3, 15)),  # the next one after publication
        ("A deal is expected before 1 July 2025.", date(2025, 6, 30)),  # the day before
        ("The plan is due on 2024-11-05.", date(2024, 11, 5)),
        # a month
        ("A deal is expected in December 2024.", date(2024, 12, 31)),
        ("A deal is expected by the end of December 2024.", date(2024, 12, 31)),
        ("A deal is expected by end-December.", date(2024, 12, 31)),
        ("A deal is expected in June.", date(2024, 6, 30)),
        ("A deal is expected before July.", date(2024, 6, 30)),
        ("A summit is planned for early July 2025.", date(2025, 7, 10)),
        ("A summit is planned for mid-July.", date(2024, 7, 20)),
        ("A summit is planned for late July.", date(2024, 7, 31)),
        ("La Nina is favored to emerge in October-December 2024.", date(2024, 12, 31)),
        ("Neutral conditions are expected by March-May 2025.", date(2025, 5, 31)),
        ("Talks will resume next month.", date(2024, 4, 30)),
        # a quarter, a half
        ("Growth will pick up in Q4 2024.", date(2024, 12, 31)),
        ("Growth will pick up in the fourth quarter of 2024.", date(2024, 12, 31)),
        ("Growth will pick up by the end of Q1.", date(2024, 3, 31)),
        ("Growth will pick up in the third quarter.", date(2024, 9, 30)),
        ("Growth will pick up in the first half of 2025.", date(2025, 6, 30)),
        ("Growth will pick up in H1 2025.", date(2025, 6, 30)),
        ("Growth will pick up in the second half of 2025.", date(2025, 12, 31)),
        ("Growth will pick up in the next quarter.", date(2024, 6, 30)),
        # a year
        ("Elections will be held in 2025.", date(2025, 12, 31)),
        ("Elections will be held by 2025.", date(2025, 12, 31)),
        ("Elections will be held by the end of 2024.", date(2024, 12, 31)),
        ("Elections will be held at end-2024.", date(2024, 12, 31)),
        ("Elections will be held later this year.", date(2024, 12, 31)),
        ("Elections will be held this year.", date(2024, 12, 31)),
        ("Elections will be held by the end of the year.", date(2024, 12, 31)),
        ("Elections will be held next year.", date(2025, 12, 31)),
        ("Elections will be held in early 2025.", date(2025, 4, 30)),
        ("Elections will be held in mid-2025.", date(2025, 6, 30)),
        ("Elections will be held in late 2025.", date(2025, 12, 31)),
        ("Elections will be held early next year.", date(2025, 4, 30)),
        ("A cut before mid-year looks unlikely.", date(2024, 6, 30)),
        # a season
        ("Talks will resume in the spring.", date(2024, 5, 31)),
        ("Talks will resume by the summer.", date(2024, 8, 31)),
        ("Talks will resume in the autumn.", date(2024, 11, 30)),
        ("Talks will resume in the fall of 2024.", date(2024, 11, 30)),
        ("Talks will resume in winter 2024.", date(2025, 2, 28)),
        ("Talks will resume by the spring of 2025.", date(2025, 5, 31)),
        # a length from publication (calendar months, dateutil)
        ("A deal is expected within six months.", date(2024, 9, 20)),
        ("A deal is expected in the next six months.", date(2024, 9, 20)),
        ("A deal is expected over the next 12 months.", date(2025, 3, 20)),
        ("A deal is expected within a year.", date(2025, 3, 20)),
        ("A deal is expected in three months' time.", date(2024, 6, 20)),
    ],
)
def test_each_phrase_gives_the_last_day_it_allows(text: str, day: date) -> None:
    deadline = suggest_deadline(text, published=P)
    assert deadline is not None and deadline.day == day and not deadline.vague


def test_the_end_of_the_year_is_31_december_not_twelve_months_on() -> None:
    late = date(2021, 11, 29)
    deadline = suggest_deadline("A deal is expected by the end of the year.", published=late)
    assert deadline is not None and deadline.day == date(2021, 12, 31)
    following = suggest_deadline("A deal is expected next year.", published=late)
    assert following is not None and following.day == date(2022, 12, 31)


def test_months_are_calendar_months() -> None:
    deadline = suggest_deadline("A deal is expected within a month.", published=date(2024, 1, 31))
    assert deadline is not None and deadline.day == date(2024, 2, 29)  # dateutil clips


@pytest.mark.parametrize(
    ("text", "day", "note"),
    [
        ("Talks will resume in the coming weeks.", date(2024, 5, 20), "weeks: read as 2 months"),
        ("Talks will resume soon.", date(2024, 6, 20), "soon: read as 3 months"),
        ("Talks will resume in the near term.", date(2024, 6, 20), "soon: read as 3 months"),
        ("Talks will resume in the coming months.", date(2024, 9, 20), "months: read as 6 months"),
        ("Talks will resume in the coming days.", date(2024, 4, 20), "days: read as 1 months"),
        ("Talks will resume in the coming years.", date(2026, 3, 20),
         "long term: read as 24 months"),
    ],
)  # fmt: skip
def test_vague_horizons_are_marked_vague(text: str, day: date, note: str) -> None:
    deadline = suggest_deadline(text, published=P)
    assert deadline is not None and deadline.vague
    assert (deadline.day, deadline.note) == (day, note)


@pytest.mark.parametrize(
    "text",
    [
        "A prisoner exchange is expected at the next meeting of the contact group.",
        "A decision is expected at its next session.",
    ],
)
def test_an_event_without_a_date_asks(text: str) -> None:
    deadline = suggest_deadline(text, published=P)
    assert deadline is not None and deadline.day is None and not deadline.vague


@pytest.mark.parametrize(
    "text",
    [
        "Prices will keep rising.",  # no time at all
        "Since 1 March, prices have risen.",  # a day just gone, not next year's
        "Prices rose earlier this year.",
        "Prices rose last summer.",
        "Prices rose in February.",  # a month just gone
        "The 2025 budget will be tight.",  # a year naming a thing
        "Prices will fall.",  # "fall" the verb
        "The spring conscription campaign will start.",  # a season naming a thing
        "Prices rose in 2023.",
    ],
)
def test_no_deadline_from_the_past_or_from_words_that_only_look_like_times(text: str) -> None:
    assert suggest_deadline(text, published=P) is None


def test_a_date_is_preferred_to_a_horizon_and_every_expression_keeps_its_place() -> None:
    text = "In the coming months, and by 30 June at the latest, a deal will be signed."
    deadline = suggest_deadline(text, published=P)
    assert deadline is not None and deadline.day == date(2024, 6, 30)
    assert [text[t.start : t.end] for t in find_times(text, published=P)] == [
        "In the coming months",
        "by 30 June",
    ]


def test_month_names_in_lower_case_are_words() -> None:
    assert suggest_deadline("Talks may resume; we march on.", published=P) is None
