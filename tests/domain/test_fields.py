"""The rules every field obeys, whichever way it comes in (tracker/domain/fields.py)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tracker.domain import fields
from tracker.domain.fields import Stamp, came_before
from tracker.domain.model import QuestionKind, find_option, match_option, validate_options
from tracker.domain.scoring import TEAM_NAMES
from tracker.errors import InputError

NOW = datetime(2021, 11, 29, 12, 0, tzinfo=UTC)


# --- one-line text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ("ani\x1b[2J", "the control character U+001B"),
        ("a\tb", "the control character U+0009"),
        ("line\nbreak", "a line break (U+000A)"),
        ("line\u2028separator", "a line break (U+2028)"),
        ("a\u200bni", "the zero-width character U+200B"),
        ("a\u200dni", "the zero-width character U+200D"),
        ("\ufeffani", "the zero-width character U+FEFF"),
        ("ani\u202egnp.exe", "the bidirectional control U+202E"),
        ("ani\u2066x\u2069", "the bidirectional control U+2066"),
        ("soft\u00adhyphen", "the invisible formatting character U+00AD"),
        ("lone\ud800surrogate", "the unpaired surrogate U+D800"),
    ],
)
def test_one_line_text_refuses_controls_and_invisible_characters(
    value: str, described: str
) -> None:
    with pytest.raises(InputError) as caught:
        fields.check_line(value, fields.TITLE)
    assert described in str(caught.value)
    assert str(caught.value).startswith("The title contains ")


def test_a_line_break_in_one_line_text_asks_for_one_line() -> None:
    with pytest.raises(InputError) as caught:
        fields.check_line("Talks\nresume", fields.TITLE)
    assert str(caught.value) == "The title contains a line break (U+000A); write it on one line."


@pytest.mark.parametrize(
    "value", ["Ani", "Ани", "آنی", "安妮", "O'Brien (RSC)", "a\u00a0b", "\ue000"]
)
def test_one_line_text_keeps_visible_characters_of_any_script(value: str) -> None:
    assert fields.check_line(value, fields.NAME) == value


def test_one_line_text_is_trimmed_and_stored_in_nfc() -> None:
    decomposed = "  Jose\u0301  "
    assert fields.check_line(decomposed, fields.NAME) == "Jos\u00e9"
    assert unicodedata.is_normalized("NFC", fields.check_line(decomposed, fields.NAME))


# --- free text ----------------------------------------------------------------------------------


def test_free_text_keeps_tabs_line_breaks_and_zero_width_joiners_verbatim() -> None:
    text = "  First line\r\n\tsecond\u2028third \u200d\U0001f469\u200d\U0001f4bb  "
    assert fields.check_text(text, fields.RATIONALE) == text


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ("escape \x1b]0;title\x07", "the control character U+001B"),
        ("next line \x85", "the control character U+0085"),
        ("form\x0cfeed", "the control character U+000C"),
        ("override \u202e", "the bidirectional control U+202E"),
        ("isolate \u2067", "the bidirectional control U+2067"),
    ],
)
def test_free_text_refuses_other_controls_and_bidi_controls(value: str, described: str) -> None:
    with pytest.raises(InputError) as caught:
        fields.check_text(value, fields.RATIONALE)
    assert str(caught.value) == f"The rationale contains {described}; remove it and try again."


def test_free_text_names_the_line_of_a_bad_character() -> None:
    with pytest.raises(InputError) as caught:
        fields.check_text("one\ntwo\nthree \x00", fields.EVIDENCE)
    assert str(caught.value) == (
        "The evidence contains the control character U+0000 on line 3; remove it and try again."
    )


def test_a_report_and_its_quotes_are_kept_as_they_came() -> None:
    text = "page one\x0cpage two \x1b[2J \u202egnp.exe \x85"
    assert fields.check_text(text, fields.REPORT) == text
    assert fields.check_text(text, fields.QUOTE) == text
    with pytest.raises(InputError, match=r"U\+0000"):
        fields.check_text("page\x00", fields.REPORT)


def test_plural_fields_are_named_with_a_plural_verb() -> None:
    with pytest.raises(InputError) as caught:
        fields.check_text("x" * 20_001, fields.CRITERIA)
    assert str(caught.value) == (
        "The resolution criteria are 20,001 characters long; the limit is 20,000."
    )


# --- sizes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", fields.LIMITS, ids=lambda rule: rule.what)
def test_every_field_takes_its_limit_and_refuses_one_more(rule: fields.Rule) -> None:
    assert len(fields.check("x" * rule.limit, rule)) == rule.limit
    with pytest.raises(InputError) as caught:
        fields.check("x" * (rule.limit + 1), rule)
    assert f"{rule.limit + 1:,} characters long; the limit is {rule.limit:,}." in str(caught.value)


def test_limits_are_generous() -> None:
    assert (fields.NAME.limit, fields.TITLE.limit, fields.OPTION.limit, fields.TAG.limit) == (
        200,
        1_000,
        200,
        100,
    )
    assert fields.RATIONALE.limit == fields.CRITERIA.limit == fields.EVIDENCE.limit == 20_000
    assert fields.REPORT.limit == 10_000_000


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        *TEAM_NAMES,
        "Team (Median)",
        "TEAM (GEO-ODDS)",
        " team  (median) ",
        "team(mean)",
        "ｔｅａｍ (x)",
    ],
)
def test_team_aggregate_names_are_reserved_in_any_case_or_form(name: str) -> None:
    with pytest.raises(InputError) as caught:
        fields.check_name(name)
    assert "is reserved: team (...) names the team aggregates, never a person." in str(caught.value)


@pytest.mark.parametrize("name", ["team", "teammate (median)", "the team (median)", "Tea (m)"])
def test_names_merely_like_a_team_are_allowed(name: str) -> None:
    assert fields.check_name(name) == name


def test_an_empty_name_is_refused() -> None:
    with pytest.raises(InputError, match="The forecaster name is empty"):
        fields.check_name("   ")


def test_text_key_folds_case_width_and_spacing() -> None:
    assert fields.text_key("Trilateral  Group") == fields.text_key("ＴＲＩＬＡＴＥＲＡＬ group")
    assert fields.text_key("Straße") == fields.text_key("STRASSE")


# --- options: one rule for duplicates and matching -----------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [("Trilateral", "TRILATERAL"), ("Straße", "strasse"), ("Ａbc", "abc"), ("a  b", "a b")],
)
def test_options_equal_by_the_option_key_are_duplicates(first: str, second: str) -> None:
    with pytest.raises(InputError, match="is given twice"):
        validate_options(QuestionKind.MULTIPLE_CHOICE, [first, second])


@pytest.mark.parametrize(("typed", "option"), [("TRILATERAL", "Trilateral"), ("strasse", "Straße")])
def test_matching_uses_the_same_key_as_duplicates(typed: str, option: str) -> None:
    options = ("Trilateral", "Straße", "other")
    assert find_option(typed, options) == option
    assert match_option(typed, options) == option


def test_options_are_stored_in_nfc_and_checked_like_titles() -> None:
    assert validate_options(QuestionKind.ORDERED, ["Jose\u0301", "b"]) == ("Jos\u00e9", "b")
    with pytest.raises(InputError, match=r"zero-width character U\+200B"):
        validate_options(QuestionKind.ORDERED, ["a\u200b", "b"])
    with pytest.raises(InputError, match="reserved for resolutions"):
        validate_options(QuestionKind.ORDERED, ["ANNULLED", "b"])


# --- tags ---------------------------------------------------------------------------------------


def test_tags_are_lower_case_each_once_and_split_on_commas_on_the_command_line() -> None:
    assert fields.normalise_tags(["Border, talks", "border"]) == ("border", "talks")
    with pytest.raises(InputError, match="holds a comma"):
        fields.normalise_tags(["border,talks"], split=False)
    assert fields.normalise_tags(["Border", "border"], split=False) == ("border",)


# --- times --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "minutes"), [(14, 0), (-12, 0), (5, 45), (-9, -30), (0, 0)])
def test_real_offsets_are_accepted(hours: int, minutes: int) -> None:
    zone = timezone(timedelta(hours=hours, minutes=minutes))
    moment = datetime(2021, 11, 29, 12, 0, tzinfo=zone)
    assert fields.utc_moment(moment, "time") == moment.astimezone(UTC)


@pytest.mark.parametrize(
    ("offset", "shown"),
    [(timedelta(hours=14, minutes=1), "+14:01"), (timedelta(hours=-13), "-13:00")],
)
def test_offsets_beyond_the_real_ones_are_refused(offset: timedelta, shown: str) -> None:
    moment = datetime(2021, 11, 29, 12, 0, tzinfo=timezone(offset))
    with pytest.raises(InputError) as caught:
        fields.utc_moment(moment, "'made_at'")
    assert str(caught.value) == (
        f"The 'made_at' has the time-zone offset {shown}; real offsets run from -12:00 to +14:00."
    )


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=14))),
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-12))),
    ],
)
def test_times_outside_the_calendar_in_utc_get_a_clear_line(moment: datetime) -> None:
    with pytest.raises(InputError, match=r"falls outside the calendar \(years 1 to 9999\)"):
        fields.utc_moment(moment, "time")


def test_the_latest_day_never_overflows() -> None:
    assert fields.latest_day(datetime(9999, 12, 31, 23, 0, tzinfo=UTC)) == date.max
    assert fields.latest_day(NOW) == date(2021, 11, 30)


def test_a_forecast_recorded_before_it_was_made_is_refused_beyond_the_tolerance() -> None:
    fields.check_made(NOW + timedelta(minutes=5), recorded_at=NOW, now=NOW)
    with pytest.raises(
        InputError, match=r"^The forecast was recorded \(2021-11-29T12:00:00\+00:00\)"
    ):
        fields.check_made(NOW + timedelta(minutes=6), recorded_at=NOW, now=NOW)
    with pytest.raises(InputError, match="is in the future"):
        fields.check_made(NOW + timedelta(minutes=6), recorded_at=None, now=NOW)


def test_a_day_counts_as_happened_once_it_has_begun_anywhere() -> None:
    fields.check_happened(date(2021, 11, 30), recorded_at=NOW, now=NOW, what="outcome date")
    with pytest.raises(InputError, match="had not begun anywhere"):
        fields.check_happened(date(2021, 12, 1), recorded_at=NOW, now=NOW, what="outcome date")


# --- order of the record ------------------------------------------------------------------------


def test_something_stored_comes_before_anything_recorded_now() -> None:
    stored = Stamp(NOW + timedelta(hours=1), None)  # a clock set back since
    assert came_before(stored, Stamp(NOW, 0, now=True))
    assert not came_before(stored, Stamp(NOW, 3))  # a line of a file, recorded earlier


def test_within_a_file_time_goes_first_then_the_line() -> None:
    assert came_before(Stamp(NOW, 3), Stamp(NOW, 5))
    assert not came_before(Stamp(NOW, 5), Stamp(NOW, 3))
    assert came_before(Stamp(NOW, 9), Stamp(NOW + timedelta(seconds=1), 2))


def test_a_new_record_comes_before_a_stored_one_only_with_an_earlier_time() -> None:
    assert came_before(Stamp(NOW, 0, now=True), Stamp(NOW + timedelta(seconds=1), None))
    assert not came_before(Stamp(NOW, 0, now=True), Stamp(NOW, None))
