"""A database URL's password never shows in any message: ours, the driver's, or a --debug
traceback (issue 13, "Safe output and secrets")."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import Run

Tracker = Callable[..., Run]

#: Pieces of the password `p@ss:w/rd` a message could give away, as typed and percent-encoded.
FRAGMENTS = ("p@ss", "w/rd", "ss:w", "p%40ss", "%2Frd", "%3Aw")

URLS = [
    # As typed: @, : and / in the password (the last @ ends the user part).
    "postgresql+psycopg://alice:p@ss:w/rd@127.0.0.1:1/db",
    "postgresql://alice:p@ss:w/rd@127.0.0.1:1/db",
    # Percent-encoded, as RFC 3986 would have it.
    "postgresql+psycopg://alice:p%40ss%3Aw%2Frd@127.0.0.1:1/db",
    # In a query parameter, encoded and not.
    "postgresql+psycopg://alice@127.0.0.1:1/db?password=p%40ss%3Aw%2Frd",
    "postgresql+psycopg://127.0.0.1:1/db?password=p@ss:w/rd",
    # Malformed: a port that is not a number, a broken IPv6 host, no '://', an unknown driver,
    # an option the driver refuses.
    "postgresql+psycopg://alice:p@ss:w/rd@127.0.0.1:abc/db",
    "postgresql+psycopg://alice:p@ss:w/rd@[::1/db",
    "postgresql+psycopg//alice:p@ss:w/rd@127.0.0.1:1/db",
    "postgresql+nodriver://alice:p@ss:w/rd@127.0.0.1:1/db",
    "postgresql+psycopg://alice:p@ss:w/rd@127.0.0.1:1/db?sslmode=sometimes",
]
COMMANDS = [
    ["list"],
    ["db", "status"],
    ["db", "upgrade"],
    ["db", "path"],
    ["add", "T", "-c", "C", "-d", "+1m"],
]


def assert_no_fragment(run: Run) -> None:
    shown = run.stdout + run.stderr
    assert [f for f in FRAGMENTS if f in shown] == [], shown


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("url", URLS)
def test_no_part_of_the_password_shows_in_any_message(
    tracker: Tracker, url: str, command: list[str], debug: list[str]
) -> None:
    result = tracker(*debug, "--db", url, *command)
    assert_no_fragment(result)
    if command != ["db", "path"]:
        assert result.exit_code == 1
        assert "unexpected" not in result.stderr
        if not debug:
            assert len(result.stderr.splitlines()) == 1


def test_a_password_typed_with_at_colon_and_slash_reaches_the_driver_whole(
    tracker: Tracker,
) -> None:
    # The driver was asked for host 127.0.0.1 and port 1: the password did not spill into them.
    result = tracker("--db", "postgresql+psycopg://alice:p@ss:w/rd@127.0.0.1:1/db", "list")
    assert '"127.0.0.1", port 1 failed' in result.stderr
    assert "postgresql+psycopg://alice:***@127.0.0.1:1/db" in result.stderr


def test_an_at_sign_in_the_query_is_refused_with_how_to_write_it(tracker: Tracker) -> None:
    result = tracker("--db", "postgresql+psycopg://127.0.0.1:1/db?password=p@ss:w/rd", "list")
    assert result.stderr == (
        # Which @ ends what is ambiguous here: what either reading takes for a secret is hidden.
        "error: Cannot read the database URL postgresql+psycopg://127.0.0.1:***: "
        "it holds an @ after its '?'; percent-encode @ as %40, : as %3A, / as %2F and ? as %3F "
        "in the user name, the password and query values.\n"
    )


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_a_drivers_own_message_that_echoes_the_password_is_scrubbed(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch, debug: list[str]
) -> None:
    import sqlalchemy

    def echoing(url: str, **options: object) -> None:
        try:
            raise ConnectionError(f"cannot reach {url} (password p@ss:w/rd)")
        except ConnectionError as cause:
            raise ValueError(f"bad URL {url!r}, password='p%40ss%3Aw%2Frd'") from cause

    monkeypatch.setattr(sqlalchemy, "create_engine", echoing)
    result = tracker(*debug, "--db", "postgresql+psycopg://alice:p@ss:w/rd@db.example/f", "list")
    assert result.exit_code == 1
    assert_no_fragment(result)
    if debug:  # the whole chain is printed, each message scrubbed
        assert "ConnectionError: cannot reach" in result.stderr
        assert "The above exception was the direct cause" in result.stderr
        assert "password ***" in result.stderr


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_an_unexpected_error_echoing_the_password_is_scrubbed(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch, debug: list[str]
) -> None:
    from tracker.storage import database

    def failing(url: str, **options: object) -> None:
        raise RuntimeError(f"lost connection to {url.replace('%40', '@')}")

    monkeypatch.setattr(database, "make_engine", failing)
    result = tracker(*debug, "--db", "postgresql+psycopg://alice:p%40ss%3Aw%2Frd@db/f", "list")
    assert result.exit_code == 1
    assert_no_fragment(result)
    assert ("Traceback (most recent call last)" in result.stderr) == bool(debug)


@pytest.mark.parametrize(
    "name", ["team@home.db", "a:b@c.db", "p%40ss.db", "a?b.db", "odd name #1.db"]
)
def test_a_file_path_with_url_characters_is_used_and_shown_as_it_is(
    tracker: Tracker, tmp_path: Path, name: str
) -> None:
    path = tmp_path / "dir@x:y" / name
    path.parent.mkdir()
    assert tracker("--db", str(path), "add", "T", "-c", "C", "-d", "+1m").exit_code == 0
    assert tracker("--db", str(path), "db", "path").stdout == f"{path}\n"
    # As a URL, the path is percent-encoded (SQLAlchemy decodes it).
    listed = tracker("--db", f"sqlite:///{quote(str(path))}", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [q["title"] for q in json.loads(listed.stdout)] == ["T"]


def test_a_password_with_at_colon_and_slash_connects_on_postgresql(
    tracker: Tracker, pg_url: str
) -> None:
    # The test server trusts loopback, so any password is accepted: what this shows is that the
    # user, host, port and database are read right around a password typed as it is.
    scheme, rest = pg_url.split("://", 1)
    user, at, place = rest.partition("@")
    url = f"{scheme}://{user}:p@ss:w/rd{at}{place}"
    result = tracker("--db", url, "db", "status")
    assert result.exit_code == 0, result.stderr
    assert f"{scheme}://{user}:***@{place}" in result.stdout
    assert_no_fragment(result)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://alice:S3&password=x@127.0.0.1:1/db",
        "postgresql+psycopg://alice:S3/cr?password=z@127.0.0.1:1/db",
    ],
)
def test_a_password_holding_a_query_parameter_is_hidden_whole(tracker: Tracker, url: str) -> None:
    for args in (["db", "path"], ["db", "status"], ["list"]):
        result = tracker("--db", url, *args)
        shown = result.stdout + result.stderr
        assert "S3" not in shown, (args, shown)
