"""Settings from options and the environment: database URLs, their secrets, the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.config import (
    current_time,
    database_url,
    database_user,
    hide_secrets,
    redact_url,
    sqlite_path,
    url_secrets,
)
from tracker.errors import InputError

# --- database URLs and their secrets ----------------------------------------------------------


def test_a_password_typed_with_at_signs_is_percent_encoded_for_the_driver() -> None:
    url = database_url("postgresql+psycopg://alice:p@ss:w/rd@db.example:5432/f", {})
    assert url == "postgresql+psycopg://alice:p%40ss:w/rd@db.example:5432/f"
    assert database_user(url, {}) == "alice"
    assert redact_url(url) == "postgresql+psycopg://alice:***@db.example:5432/f"


def test_a_user_name_with_an_at_sign_is_read_whole() -> None:
    url = database_url("postgresql://alice@corp:secret@db/f", {})
    assert database_user(url, {}) == "alice@corp"


def test_a_url_without_extra_at_signs_is_kept_as_it_is() -> None:
    url = "postgresql+psycopg://alice:p%40ss%3Aw%2Frd@db/f?sslmode=require"
    assert database_url(url, {}) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("postgresql+psycopg://db/f?password=p@ss", "it holds an @ after its '?'"),
        ("postgresql+psycopg://alice:pw@db:port/f", "its host or port is not valid"),
    ],
)
def test_a_url_that_cannot_be_read_is_refused_without_its_secret(url: str, why: str) -> None:
    with pytest.raises(InputError) as caught:
        database_url(url, {})
    assert why in str(caught.value)
    assert "p@ss" not in str(caught.value) and ":pw@" not in str(caught.value)


def test_the_secrets_of_a_url_are_its_password_and_password_parameters_as_typed_and_decoded() -> (
    None
):
    assert url_secrets("postgresql://alice:p%40ss@db/f?sslpassword=k%2Fey&x=1") == {
        "p%40ss",
        "p@ss",
        "k%2Fey",
        "k/ey",
    }
    assert url_secrets("sqlite:////home/alice:pw@x/f.db") == set()


def test_a_remembered_password_is_hidden_wherever_a_message_quotes_it() -> None:
    database_url("postgresql://alice:Tr0ub4dor@db/f", {})
    assert hide_secrets("auth failed (password Tr0ub4dor)") == "auth failed (password ***)"


def test_urls_and_password_settings_in_free_text_lose_their_password() -> None:
    text = "cannot reach postgresql://bob:x@y:z@host/f with host=h password='a b' port=1"
    assert (
        hide_secrets(text)
        == "cannot reach postgresql://bob:***@host/f with host=h password=*** port=1"
    )


def test_a_short_password_or_one_shown_anyway_is_not_searched_for() -> None:
    # "pw" would garble every message; a password equal to the user name is shown by the URL.
    database_url("postgresql://zed:pw@db/f", {})
    database_url("postgresql://quintus:quintus@db/f", {})
    assert hide_secrets("pwd and quintus") == "pwd and quintus"


# --- SQLite files -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["p%40ss.db", "a?b.db", "100%.db", "team@home.db"])
def test_a_file_path_is_the_file_the_url_opens(tmp_path: Path, name: str) -> None:
    url = database_url(str(tmp_path / name), {})
    assert sqlite_path(url) == tmp_path / name


# --- the clock --------------------------------------------------------------------------------


def test_a_pinned_clock_without_an_offset_is_utc() -> None:
    now = current_time({"TRACKER_NOW": "2022-06-15T12:00"})
    assert (now, now.tzinfo) == (datetime(2022, 6, 15, 12, tzinfo=UTC), UTC)


def test_a_pinned_clock_with_an_offset_is_converted_to_utc() -> None:
    assert current_time({"TRACKER_NOW": "2999-12-31T23:59+14:00"}) == datetime(
        2999, 12, 31, 9, 59, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "pinned",
    [
        "1899-12-31T23:59:59+00:00",
        "3000-01-01T00:00:00+00:00",
        "2999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
    ],
)
def test_a_pinned_clock_outside_its_years_is_refused(pinned: str) -> None:
    with pytest.raises(InputError) as caught:
        current_time({"TRACKER_NOW": pinned})
    assert str(caught.value) == (
        f"TRACKER_NOW={pinned!r} lies outside the years 1900 to 2999 that a pinned clock may "
        "show: give a time within them."
    )


def test_a_pinned_clock_that_is_no_time_is_refused_quoting_its_start() -> None:
    with pytest.raises(InputError) as caught:
        current_time({"TRACKER_NOW": "9" * 100})
    assert str(caught.value) == (
        f"TRACKER_NOW='{'9' * 40}...' is not an ISO-8601 time: write e.g. "
        "2022-06-15T12:00:00+00:00, or unset it to use the real clock."
    )
