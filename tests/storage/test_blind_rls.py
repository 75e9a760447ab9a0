# ruff: noqa: F811  (the `team` fixture of test_roles.py, imported, is each test's argument)
"""Blind questions on a team's PostgreSQL database: row-level security hides others' forecasts
from an analyst (a raw SELECT too) until they have forecast, or the question is resolved; the
CLI shows the same; the chain still verifies and writers still take the next place."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa

from tests.conftest import Run
from tests.storage.test_roles import team  # noqa: F401  (the fixture)

Tracker = Callable[..., Run]


def _forecasters_seen(url: str, slug: str) -> list[str]:
    """What a raw SELECT on forecast returns to this login, for the question `slug`."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT p.name FROM forecast f JOIN forecaster p ON p.id = f.forecaster_id "
                "JOIN question q ON q.id = f.question_id WHERE q.slug = %(slug)s ORDER BY f.id",
                {"slug": slug},
            ).all()
    finally:
        engine.dispose()
    return [str(r[0]) for r in rows]


def _blind_question(tracker: Tracker, team: dict[str, str], slug: str = "blind-q") -> None:
    added = tracker(
        "--db", team["analyst"], "add", "Blind", "-c", "C", "-d", "+1m", "--slug", slug, "--blind"
    )
    assert added.exit_code == 0, added.stderr


def test_a_raw_select_by_an_analyst_does_not_see_others_forecasts_until_they_forecast(
    team: dict[str, str], tracker: Tracker
) -> None:
    _blind_question(tracker, team)
    bob = tracker("--db", team["other"], "forecast", "blind-q", "70%")
    assert bob.exit_code == 0, bob.stderr
    alice, bob_name = team["analyst_name"], team["other_name"]
    assert _forecasters_seen(team["analyst"], "blind-q") == []
    assert _forecasters_seen(team["other"], "blind-q") == [bob_name]
    # The reviewer (who cannot forecast) and the owner read everything; a resolver forecasts
    # like an analyst, so the rule binds them too.
    assert _forecasters_seen(team["reviewer"], "blind-q") == [bob_name]
    assert _forecasters_seen(team["owner"], "blind-q") == [bob_name]
    assert _forecasters_seen(team["resolver"], "blind-q") == []
    shown = tracker("--db", team["analyst"], "show", "blind-q", "--json")
    assert shown.exit_code == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert (data["forecasts"], data["forecasts_hidden"]) == ([], True)
    listed = json.loads(tracker("--db", team["analyst"], "list", "--json").stdout)
    item = next(q for q in listed if q["slug"] == "blind-q")
    assert (item["standing"], item["forecast_count"]) == ({}, None)
    assert bob_name not in tracker("--db", team["analyst"], "overview").stdout
    # Alice forecasts: now she sees Bob's, in a raw SELECT and in the CLI.
    mine = tracker("--db", team["analyst"], "forecast", "blind-q", "40%")
    assert mine.exit_code == 0, mine.stderr
    assert _forecasters_seen(team["analyst"], "blind-q") == [bob_name, alice]
    shown = json.loads(tracker("--db", team["analyst"], "show", "blind-q", "--json").stdout)
    assert [f["forecaster"] for f in shown["forecasts"]] == [bob_name, alice]
    assert shown["forecasts_hidden"] is False


def test_once_resolved_everyone_sees_the_forecasts_on_a_blind_question(
    team: dict[str, str], tracker: Tracker
) -> None:
    _blind_question(tracker, team)
    assert tracker("--db", team["other"], "forecast", "blind-q", "70%").exit_code == 0
    assert _forecasters_seen(team["resolver"], "blind-q") == []
    resolved = tracker("--db", team["resolver"], "resolve", "blind-q", "yes", "--on", "today")
    assert resolved.exit_code == 0, resolved.stderr
    assert _forecasters_seen(team["analyst"], "blind-q") == [team["other_name"]]
    assert _forecasters_seen(team["resolver"], "blind-q") == [team["other_name"]]


def test_writers_take_the_next_place_after_events_they_cannot_see(
    team: dict[str, str], tracker: Tracker
) -> None:
    """The chain's head is read as the owner: an analyst who cannot see the last event (Bob's
    forecast on a blind question) still writes after it, and the chain holds for everyone."""
    _blind_question(tracker, team)
    assert tracker("--db", team["other"], "forecast", "blind-q", "70%").exit_code == 0
    added = tracker("--db", team["analyst"], "add", "After", "-c", "C", "-d", "+1m", "-p", "20%")
    assert added.exit_code == 0, added.stderr
    owner = tracker("--db", team["owner"], "db", "verify", "--json")
    assert owner.exit_code == 0, owner.stdout
    whole = json.loads(owner.stdout)
    assert (whole["intact"], whole["sealed"]) == (True, 0)
    # The analyst cannot check the content of Bob's forecast: it is sealed, not "removed".
    analyst = tracker("--db", team["analyst"], "db", "verify", "--json")
    assert analyst.exit_code == 0, analyst.stdout
    seen = json.loads(analyst.stdout)
    assert (seen["intact"], seen["sealed"], seen["head"]) == (True, 1, whole["head"])
    assert (seen["events"]) == whole["events"]
    text = tracker("--db", team["analyst"], "db", "verify")
    assert "1 of the events are forecasts on blind questions hidden from you" in text.stderr
    # Documents check the record first: an analyst's review is built.
    review = tracker("--db", team["analyst"], "report", "--format", "json")
    assert review.exit_code == 0, review.stderr


def test_an_analyst_sees_a_blind_question_in_the_review_without_its_figures(
    team: dict[str, str], tracker: Tracker
) -> None:
    _blind_question(tracker, team)
    assert tracker("--db", team["other"], "forecast", "blind-q", "70%").exit_code == 0
    review = tracker("--db", team["analyst"], "report", "--due-within", "40", "--format", "json")
    assert review.exit_code == 0, review.stderr
    due = json.loads(review.stdout)["follow_up"]["due_soon"]
    item = next(q for q in due if q["key"] == "blind-q")
    assert (item["hidden"], item["forecasters"], item["forecasts"]) == (True, None, None)
    single = json.loads(review.stdout)["follow_up"]["single"]
    assert "blind-q" not in [q["key"] for q in single]


def _retractions_seen(url: str, slug: str) -> list[str]:
    """What a raw SELECT on retraction returns to this login, for the question `slug`."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT r.reason FROM retraction r JOIN forecast f ON f.id = r.forecast_id "
                "JOIN question q ON q.id = f.question_id WHERE q.slug = %(slug)s ORDER BY r.id",
                {"slug": slug},
            ).all()
    finally:
        engine.dispose()
    return [str(r[0]) for r in rows]


def test_a_retraction_on_a_blind_question_is_hidden_with_its_forecast(
    team: dict[str, str], tracker: Tracker
) -> None:
    """A retraction names the forecast it withdraws: an analyst who may not see the forecast
    may not read the retraction either, and their verification passes through it sealed."""
    _blind_question(tracker, team)
    assert tracker("--db", team["other"], "forecast", "blind-q", "7%").exit_code == 0
    assert tracker("--db", team["other"], "forecast", "blind-q", "70%").exit_code == 0
    retracted = tracker("--db", team["other"], "retract", "blind-q", "--reason", "meant 7%")
    assert retracted.exit_code == 0, retracted.stderr
    assert _retractions_seen(team["other"], "blind-q") == ["meant 7%"]
    assert _retractions_seen(team["reviewer"], "blind-q") == ["meant 7%"]
    assert _retractions_seen(team["analyst"], "blind-q") == []
    analyst = json.loads(tracker("--db", team["analyst"], "db", "verify", "--json").stdout)
    assert (analyst["intact"], analyst["sealed"]) == (True, 3)
    assert tracker("--db", team["analyst"], "forecast", "blind-q", "40%").exit_code == 0
    assert _retractions_seen(team["analyst"], "blind-q") == ["meant 7%"]
    analyst = json.loads(tracker("--db", team["analyst"], "db", "verify", "--json").stdout)
    assert (analyst["intact"], analyst["sealed"]) == (True, 0)
