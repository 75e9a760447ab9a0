"""`tracker db verify` and `tracker db roles` from the command line."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run

Tracker = Callable[..., Run]


def _example(tracker: Tracker) -> None:
    assert tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0


def test_verify_says_the_chain_holds(tracker: Tracker) -> None:
    _example(tracker)
    result = tracker("db", "verify")
    assert result.exit_code == 0
    assert result.stdout.startswith("Chain intact: 67 events, head 67:")
    data = json.loads(tracker("db", "verify", "--json").stdout)
    assert data["intact"] is True and data["events"] == 67 and data["findings"] == []
    pinned = tracker("db", "verify", "--head", data["head"][:40])
    assert pinned.exit_code == 0
    assert "it holds the published head" in pinned.stdout


def test_verify_names_each_edit_and_exits_1(tracker: Tracker, isolated_database: Path) -> None:
    _example(tracker)
    head = json.loads(tracker("db", "verify", "--json").stdout)["head"]
    with sqlite3.connect(isolated_database) as connection:
        connection.execute("DROP TRIGGER resolution_no_update")
        connection.execute("UPDATE resolution SET evidence = 'forged' WHERE id = 2")
    connection.close()
    result = tracker("db", "verify", "--head", head)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "changed: event 64, resolution #2, was changed after it was recorded (its content no "
        "longer matches its hash).",
        f"pinned: the record no longer holds the published head {head}: it was rewritten at or "
        "before event 67.",
    ]
    assert result.stderr == (
        "error: The record was changed behind tracker's back: 2 findings (listed above).\n"
    )
    data = json.loads(tracker("db", "verify", "--json").stdout)
    assert data["intact"] is False
    assert [(f["what"], f["table"], f["id"]) for f in data["findings"]] == [
        ("changed", "resolution", 2)
    ]


def test_a_malformed_head_is_one_line(tracker: Tracker) -> None:
    _example(tracker)
    result = tracker("db", "verify", "--head", "latest")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 'latest' is not a chain head: give SEQ:HASH")
    assert len(result.stderr.splitlines()) == 1


def test_a_review_prints_the_chain_head(tracker: Tracker) -> None:
    _example(tracker)
    head = json.loads(tracker("db", "verify", "--json").stdout)["head"]
    review = tracker("report", "--period", "2022Q2", env={**AFTER_EXAMPLE_ENV, "COLUMNS": "300"})
    assert f"Record: chain head {head}" in review.stdout
    retro = tracker("retro", "--format", "json", env=AFTER_EXAMPLE_ENV)
    assert json.loads(retro.stdout)["record_head"] == head


def test_roles_are_for_postgresql(tracker: Tracker) -> None:
    result = tracker("db", "roles")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: Roles are for a team's PostgreSQL database")
    assert len(result.stderr.splitlines()) == 1


def test_a_mistyped_url_does_not_show_its_password(tracker: Tracker) -> None:
    for mistyped in (
        "postgresql+psycopg//alice:S3CRET@db/forecasts",
        "postgresql:/a:S3CRET@db/f",
        "postgresql+psycopg//alice:S3/CRET@db/f",
        "postgresql+psycopg:alice:S3CRET@db/f",
        "postgresql+psycopg//alice:S3@CRET@db/f",
        "postgresql+psycopg//alice:S3:CRET@db/f",
    ):
        result = tracker("--db", mistyped, "list")
        assert result.exit_code == 1
        assert "looks like a database URL without its '://'" in result.stderr
        assert "S3" not in result.stderr and "CRET" not in result.stderr, result.stderr


def test_every_password_parameter_is_hidden(tracker: Tracker) -> None:
    url = "postgresql+psycopg://alice@db/forecasts?sslpassword=S3CRET&password=S3CRET&x=1"
    shown = tracker("--db", url, "db", "path").stdout
    assert shown == "postgresql+psycopg://alice@db/forecasts?sslpassword=***&password=***&x=1\n"


def test_a_password_with_at_signs_and_colons_is_hidden_whole(tracker: Tracker) -> None:
    url = "postgresql+psycopg://alice:S3@C:R/ET@db/forecasts"
    assert (
        tracker("--db", url, "db", "path").stdout == "postgresql+psycopg://alice:***@db/forecasts\n"
    )


def test_a_path_with_an_at_sign_is_still_a_path(tracker: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "team@home.db"
    assert tracker("--db", str(path), "db", "path").stdout == f"{path}\n"
