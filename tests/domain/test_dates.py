"""Tests for reading deadlines and forecast times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.dates import in_utc, parse_date, parse_moment
from tracker.errors import InputError

TODAY = date(2021, 11, 27)
NOW = datetime(2021, 11, 27, 9, 15, tzinfo=UTC)
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
CANNOT_READ = (
    "Cannot read '{}' as a date: use 2022-03-31, 31 March 2022, +3m, in 6 weeks or end of Q1 2022."
)
# Hypothesis draws "today" from this range: far enough from both ends of the calendar.
TODAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


def read(text: str, today: date = TODAY) -> date:
    return parse_date(text, today=today).value


# --- absolute dates ---------------------------------------------------------------------------


def test_iso_date_is_read_and_explained_as_itself() -> None:
    result = parse_date("2022-03-31", today=TODAY)
    assert (result.value, result.text, result.explanation) == (
        date(2022, 3, 31),
        "2022-03-31",
        "2022-03-31",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2021, 11, 27)),
        ("Tomorrow", date(2021, 11, 28)),
        ("yesterday", TODAY - timedelta(1)),
    ],
)
def test_day_words_count_from_today(text: str, expected: date) -> None:
    assert read(text) == expected


@pytest.mark.parametrize(
    "text", ["31 March 2022", "March 31, 2022", "31 Mar 2022", "31st March 2022", "march 31 2022"]
)
def test_written_dates_with_a_year_are_read(text: str) -> None:
    assert read(text) == date(2022, 3, 31)


def test_written_date_explanation_shows_text_and_iso_date() -> None:
    assert parse_date(" 31 March 2022 ", today=TODAY).explanation == (
        '"31 March 2022" -> 2022-03-31'
    )


def test_by_prefix_is_ignored() -> None:
    assert read("by 31 March 2022") == date(2022, 3, 31)


def test_a_past_date_without_a_year_is_the_last_one_on_or_before_today() -> None:
    today = date(2021, 12, 20)
    assert parse_date("14 December", today=today, past=True).value == date(2021, 12, 14)
    assert parse_date("21 December", today=today, past=True).value == date(2020, 12, 21)
    assert parse_date("end of November", today=today, past=True).value == date(2021, 11, 30)
    assert parse_date("14 December", today=today).value == date(2022, 12, 14)


def test_a_moment_on_today_before_noon_is_now() -> None:
    now = datetime(2021, 12, 20, 8, 30, tzinfo=UTC)
    assert parse_moment("today", now=now) == now
    assert parse_moment("1 December", now=now) == datetime(2021, 12, 1, 12, 0, tzinfo=UTC)


# --- dates without a year ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["15 December", "December 15"])
def test_date_without_year_later_this_year_stays_in_this_year(text: str) -> None:
    assert read(text) == date(2021, 12, 15)


def test_date_without_year_already_past_moves_to_next_year() -> None:
    assert read("1 November") == date(2022, 11, 1)


def test_date_without_year_equal_to_today_is_today() -> None:
    assert read("27 November") == TODAY


def test_date_without_year_explains_the_choice() -> None:
    assert parse_date("15 December", today=TODAY).explanation == (
        '"15 December" -> 2021-12-15 (next one on or after 2021-11-27)'
    )


def test_29_february_without_year_is_the_next_leap_day() -> None:
    assert read("29 February") == date(2024, 2, 29)


@given(TODAYS, st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)))
def test_next_occurrence_is_never_before_today(today: date, day_in_year: date) -> None:
    text = f"{day_in_year.day} {MONTH_NAMES[day_in_year.month - 1]}"
    value = read(text, today)
    assert value >= today
    assert (value.month, value.day) == (day_in_year.month, day_in_year.day)
    assert value - today < timedelta(days=366 * 8 + 2)


# --- relative dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+3m", date(2022, 2, 27)),
        ("+2w", date(2021, 12, 11)),
        ("+10d", date(2021, 12, 7)),
        ("+1y", date(2022, 11, 27)),
        ("in 6 weeks", date(2022, 1, 8)),
        ("in 3 months", date(2022, 2, 27)),
        ("in 10 days", date(2021, 12, 7)),
        ("in 1 year", date(2022, 11, 27)),
        ("in a month", date(2021, 12, 27)),
    ],
)
def test_relative_dates_count_from_today(text: str, expected: date) -> None:
    assert read(text) == expected


def test_relative_months_clip_to_the_end_of_a_shorter_month() -> None:
    assert read("+1m", date(2022, 1, 31)) == date(2022, 2, 28)


def test_relative_date_explanation_names_the_base_date() -> None:
    assert parse_date("+3m", today=TODAY).explanation == (
        '"+3m" -> 2022-02-27 (3 months after 2021-11-27)'
    )


def test_relative_date_beyond_the_calendar_is_refused() -> None:
    with pytest.raises(InputError, match=r"falls outside the calendar"):
        parse_date("+9000y", today=TODAY)


@given(TODAYS, st.integers(min_value=0, max_value=20_000))
def test_plus_days_is_exactly_that_many_days_after_today(today: date, days: int) -> None:
    assert read(f"+{days}d", today) == today + timedelta(days=days)


# --- end of a period --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("end of Q1 2022", date(2022, 3, 31)),
        ("end of q2 2022", date(2022, 6, 30)),
        ("by the end of Q1 2022", date(2022, 3, 31)),
        ("end of Q4", date(2021, 12, 31)),
        ("end of Q3", date(2022, 9, 30)),
        ("end of March 2022", date(2022, 3, 31)),
        ("end of February 2024", date(2024, 2, 29)),
        ("end of March", date(2022, 3, 31)),
        ("end of November", date(2021, 11, 30)),
        ("end of 2022", date(2022, 12, 31)),
        ("end of year", date(2021, 12, 31)),
        ("end of the year", date(2021, 12, 31)),
        ("end of month", date(2021, 11, 30)),
        ("End Of The Month", date(2021, 11, 30)),
    ],
)
def test_end_of_period_is_its_last_day(text: str, expected: date) -> None:
    assert read(text) == expected


def test_end_of_period_explanation_shows_the_date() -> None:
    assert parse_date("end of Q1 2022", today=TODAY).explanation == (
        '"end of Q1 2022" -> 2022-03-31'
    )


@given(TODAYS, st.integers(min_value=1, max_value=4))
def test_end_of_quarter_without_year_is_never_before_today(today: date, quarter: int) -> None:
    value = read(f"end of Q{quarter}", today)
    assert today <= value < today + timedelta(days=366)
    assert value.month == 3 * quarter
    assert (value + timedelta(days=1)).day == 1


@given(TODAYS, st.sampled_from(MONTH_NAMES))
def test_end_of_month_name_without_year_is_never_before_today(today: date, month: str) -> None:
    value = read(f"end of {month}", today)
    assert today <= value < today + timedelta(days=366)
    assert MONTH_NAMES[value.month - 1] == month


@pytest.mark.parametrize("text", ["end of Q1", "end of March"])
def test_end_of_period_without_year_falling_on_today_is_today(text: str) -> None:
    assert read(text, date(2022, 3, 31)) == date(2022, 3, 31)


def test_unknown_end_of_period_is_refused_with_the_forms() -> None:
    with pytest.raises(InputError) as caught:
        parse_date("end of spring", today=TODAY)
    assert str(caught.value) == (
        "Cannot read 'end of spring': write end of Q1 2022, end of March 2022, end of 2022, "
        "end of month or end of year."
    )


# --- numeric dates ----------------------------------------------------------------------------


def test_ambiguous_numeric_date_is_refused_showing_both_readings() -> None:
    with pytest.raises(InputError) as caught:
        parse_date("03/04/2022", today=TODAY)
    assert str(caught.value) == (
        "'03/04/2022' is ambiguous: 3 April 2022 or March 4, 2022. Write 2022-04-03 or 2022-03-04."
    )


@pytest.mark.parametrize("text", ["3.4.2022", "03-04-2022"])
def test_ambiguous_numeric_date_is_refused_whatever_the_separator(text: str) -> None:
    with pytest.raises(InputError, match=r"is ambiguous: 3 April 2022 or March 4, 2022\."):
        parse_date(text, today=TODAY)


@pytest.mark.parametrize("text", ["12/05/2022", "05/12/2022"])
def test_numeric_date_with_twelve_as_a_part_is_still_ambiguous(text: str) -> None:
    with pytest.raises(InputError, match=r"is ambiguous: .* Write 2022-\d\d-\d\d or"):
        parse_date(text, today=TODAY)


def test_numeric_date_with_day_above_twelve_first_is_day_month() -> None:
    assert read("13/04/2022") == date(2022, 4, 13)


def test_numeric_date_with_day_above_twelve_second_is_month_day() -> None:
    assert read("04/13/2022") == date(2022, 4, 13)


def test_numeric_date_with_equal_day_and_month_is_accepted() -> None:
    assert read("04.04.2022") == date(2022, 4, 4)


def test_numeric_date_with_year_first_is_year_month_day() -> None:
    assert read("2022/03/31") == date(2022, 3, 31)


@pytest.mark.parametrize("text", ["03/04/22", "31 March 22"])
def test_two_digit_year_is_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text, today=TODAY)
    assert str(caught.value) == (
        f"'{text}' has a two-digit year: write the year in full, e.g. 2022-03-31 or 31 March 2022."
    )


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("March 2022", "end of March 2022"),
        ("mar 2022", "end of March 2022"),
        ("2022", "end of 2022"),
        ("2022-03", "end of March 2022"),
        ("March", "end of March"),
    ],
)
def test_month_or_year_without_a_day_is_refused_with_a_hint(text: str, hint: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text, today=TODAY)
    assert str(caught.value) == f"'{text}' has no day: write '{hint}' or a full date."


@pytest.mark.parametrize(
    "text", ["31 February 2022", "2022-02-30", "31/02/2022", "29 February 2023", "2022-13-01"]
)
def test_impossible_date_is_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text, today=TODAY)
    assert str(caught.value) == f"'{text}' is not a real date: check the day and the month."


@pytest.mark.parametrize(
    "text", ["xyz", "soon", "Monday", "15", "5pm", "31 March 2022 14:00", "-3d", "31/03"]
)
def test_unreadable_date_is_refused_with_the_forms_understood(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text, today=TODAY)
    assert str(caught.value) == CANNOT_READ.format(text)


def test_empty_date_is_refused() -> None:
    with pytest.raises(InputError, match=r"^No date given: use 2022-03-31"):
        parse_date("  ", today=TODAY)


# --- parse_moment -----------------------------------------------------------------------------


def test_now_is_the_given_now() -> None:
    assert parse_moment("now", now=NOW) == NOW


def test_now_is_returned_in_utc() -> None:
    local = datetime(2021, 11, 27, 13, 15, tzinfo=timezone(timedelta(hours=4)))
    result = parse_moment("NOW", now=local)
    assert (result, result.tzinfo) == (NOW, UTC)


def test_naive_iso_datetime_is_taken_as_utc() -> None:
    assert parse_moment("2021-12-01T14:30", now=NOW) == datetime(2021, 12, 1, 14, 30, tzinfo=UTC)


def test_iso_datetime_with_offset_is_converted_to_utc() -> None:
    result = parse_moment("2021-12-01 14:30+04:00", now=NOW)
    assert (result, result.tzinfo) == (datetime(2021, 12, 1, 10, 30, tzinfo=UTC), UTC)


def test_date_alone_is_taken_as_noon_utc() -> None:
    assert parse_moment("2021-12-01", now=NOW) == datetime(2021, 12, 1, 12, 0, tzinfo=UTC)


def test_relative_date_is_noon_utc_counted_from_now() -> None:
    assert parse_moment("yesterday", now=NOW) == datetime(2021, 11, 26, 12, 0, tzinfo=UTC)


def test_relative_date_counts_from_the_utc_date_of_now() -> None:
    late_in_tokyo = datetime(2021, 11, 28, 1, 0, tzinfo=timezone(timedelta(hours=9)))
    assert parse_moment("today", now=late_in_tokyo) == datetime(2021, 11, 27, 12, tzinfo=UTC)


def test_impossible_time_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_moment("2021-12-01T25:00", now=NOW)
    assert str(caught.value) == (
        "'2021-12-01T25:00' is not a valid time: write e.g. 2021-12-01T14:30 "
        "or 2021-12-01 14:30+04:00."
    )


def test_garbage_moment_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_moment("last tuesday-ish", now=NOW)
    assert str(caught.value) == (
        "Cannot read 'last tuesday-ish' as a time: use now, 2021-12-01T14:30, "
        "2021-12-01 14:30+04:00 or a date (taken as 12:00 UTC)."
    )


def test_ambiguous_date_is_refused_as_a_moment_too() -> None:
    with pytest.raises(InputError, match=r"^'03/04/2022' is ambiguous"):
        parse_moment("03/04/2022", now=NOW)


# --- the ends of the calendar -----------------------------------------------------------------

# Texts that reach every branch of the readers, with numbers large enough to leave the calendar.
EDGE_TEXTS = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["+", "in ", "end of ", "end of q", "by ", ""]),
        st.integers(min_value=0, max_value=10**25).map(str),
        st.sampled_from(["d", "w", "m", "y", " days", " years", " months", "", " march"]),
    ),
    st.builds(
        "{:04d}-{:02d}-{:02d}{}".format,
        st.integers(min_value=0, max_value=9999),
        st.integers(min_value=0, max_value=13),
        st.integers(min_value=0, max_value=32),
        st.sampled_from(["", "T00:00", "T23:59:59+14:00", "T00:00-12:00", " 12:00+23:59"]),
    ),
    st.sampled_from(["today", "tomorrow", "yesterday", "end of year", "end of q1", "29 february"]),
)
ANY_DAY = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
ANY_MOMENT = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@given(EDGE_TEXTS, ANY_DAY, st.booleans())
def test_any_text_on_any_day_is_a_date_or_an_input_error(
    text: str, today: date, past: bool
) -> None:
    try:
        parsed = parse_date(text, today=today, past=past)
    except InputError:
        return
    assert date.min <= parsed.value <= date.max


@given(EDGE_TEXTS, ANY_MOMENT)
def test_any_text_at_any_moment_is_a_utc_time_or_an_input_error(text: str, now: datetime) -> None:
    try:
        moment = parse_moment(text, now=now)
    except InputError:
        return
    assert moment.tzinfo is UTC


@pytest.mark.parametrize("text", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00"])
def test_a_time_that_leaves_the_calendar_in_utc_is_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_moment(text, now=NOW)
    assert str(caught.value) == (
        f"The time '{text}' falls outside the calendar (years 1 to 9999) once in UTC: give a "
        "later or an earlier time."
    )


def test_the_first_and_last_moments_of_the_calendar_are_read() -> None:
    assert parse_moment("0001-01-01T00:00+00:00", now=NOW) == datetime(1, 1, 1, tzinfo=UTC)
    assert parse_moment("9999-12-31T23:59:59-00:00", now=NOW) == datetime(
        9999, 12, 31, 23, 59, 59, tzinfo=UTC
    )


def test_in_utc_takes_a_naive_time_as_utc_and_converts_an_offset() -> None:
    assert in_utc(datetime(2022, 1, 1, 12), "x") == datetime(2022, 1, 1, 12, tzinfo=UTC)
    east = datetime(2022, 1, 1, 12, tzinfo=timezone(timedelta(hours=14)))
    assert in_utc(east, "x") == datetime(2021, 12, 31, 22, tzinfo=UTC)
