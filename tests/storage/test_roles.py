"""Who may do what on a team's PostgreSQL database, enforced by the database itself."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run

Tracker = Callable[..., Run]


@pytest.fixture
def team(
    pg_url: str, tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The example on a team database with the roles applied, and one login per role:
    {"owner": url, "analyst": url, "other": url, "resolver": url, "reviewer": url}."""
    monkeypatch.delenv("TRACKER_USER")  # on PostgreSQL the name is the database user's
    assert (
        tracker(
            "--db", pg_url, "import", str(EXAMPLE), env={**AFTER_EXAMPLE_ENV, "TRACKER_USER": "ani"}
        ).exit_code
        == 0
    )
    applied = tracker("--db", pg_url, "db", "roles", "--apply")
    assert applied.exit_code == 0, applied.stderr
    suffix = uuid.uuid4().hex[:8]
    people = {
        "analyst": ("tracker_analyst", f"alice_{suffix}"),
        "other": ("tracker_analyst", f"bob_{suffix}"),
        "resolver": ("tracker_resolver", f"rita_{suffix}"),
        "reviewer": ("tracker_reviewer", f"vera_{suffix}"),
    }
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for role, login in people.values():
            connection.exec_driver_sql(f"CREATE ROLE {login} LOGIN")
            connection.exec_driver_sql(f"GRANT {role} TO {login}")
    base, rest = pg_url.split("://", 1)
    host_and_db = rest.split("@", 1)[1]
    urls = {"owner": pg_url}
    for key, (_role, login) in people.items():
        urls[key] = f"{base}://{login}@{host_and_db}"
        urls[key + "_name"] = login
    try:
        yield urls
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = ANY(%(names)s)",
                {"names": [login for _role, login in people.values()]},
            )
            for _role, login in people.values():  # they own nothing and hold no grants
                connection.exec_driver_sql(f"DROP ROLE {login}")
        admin.dispose()


def test_roles_sql_is_printed_and_applying_it_twice_changes_nothing(
    team: dict[str, str], tracker: Tracker
) -> None:
    printed = tracker("--db", team["owner"], "db", "roles")
    assert printed.exit_code == 0
    assert "GRANT INSERT ON resolution TO tracker_resolver;" in printed.stdout
    grants = [line for line in printed.stdout.splitlines() if line.startswith("GRANT")]
    assert not [g for g in grants if "DELETE" in g or ("UPDATE" in g and "forecast " in g)]
    again = tracker("--db", team["owner"], "db", "roles", "--apply")
    assert again.exit_code == 0, again.stderr


def test_an_analyst_records_their_own_forecasts_named_by_the_database(
    team: dict[str, str], tracker: Tracker
) -> None:
    added = tracker(
        "--db", team["analyst"], "add", "Analyst question", "-c", "C", "-d", "+1m", "--slug", "q"
    )
    assert added.exit_code == 0, added.stderr
    forecast = tracker("--db", team["analyst"], "forecast", "q", "70%")
    assert forecast.exit_code == 0, forecast.stderr
    shown = tracker("--db", team["reviewer"], "show", "q", "--json")
    import json

    names = [f["forecaster"] for f in json.loads(shown.stdout)["forecasts"]]
    assert team["analyst_name"] in names


def test_an_analyst_cannot_forge_another_analysts_forecast(
    team: dict[str, str], tracker: Tracker
) -> None:
    tracker("--db", team["owner"], "add", "Open", "-c", "C", "-d", "+1m", "--slug", "q")
    forged = tracker("--db", team["analyst"], "forecast", "q", "70%", "--as", team["other_name"])
    assert forged.exit_code == 1
    assert forged.stderr.startswith("error: Not allowed: on this team database you record")
    assert len(forged.stderr.splitlines()) == 1
    # Nor with raw SQL, naming another forecaster's id.
    engine = sa.create_engine(team["analyst"])
    with engine.begin() as connection, pytest.raises(sa.exc.DBAPIError, match="not as ani"):
        connection.exec_driver_sql(
            "INSERT INTO forecast (question_id, forecaster_id, made_at, recorded_at, "
            "probabilities) SELECT 1, id, now(), now(), '{}' FROM forecaster WHERE name = 'ani'"
        )
    engine.dispose()


def test_an_analyst_cannot_resolve_and_a_resolver_can(
    team: dict[str, str], tracker: Tracker
) -> None:
    tracker("--db", team["owner"], "add", "Open", "-c", "C", "-d", "+1m", "--slug", "q")
    refused = tracker("--db", team["analyst"], "resolve", "q", "yes", "--on", "2021-11-29")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: Not allowed: permission denied for table resolution")
    resolved = tracker("--db", team["resolver"], "resolve", "q", "yes", "--on", "2021-11-29")
    assert resolved.exit_code == 0, resolved.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE forecast SET probabilities = '{}'",
        "DELETE FROM forecast",
        "UPDATE resolution SET outcome = NULL",
        "DELETE FROM resolution",
        "UPDATE question SET criteria = 'x'",
        "DELETE FROM chain_head",
    ],
)
def test_no_role_can_update_or_delete_history(team: dict[str, str], statement: str) -> None:
    for who in ("analyst", "resolver"):
        engine = sa.create_engine(team[who])
        with (
            engine.begin() as connection,
            pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
        ):
            connection.exec_driver_sql(statement)
        engine.dispose()


def test_a_reviewer_reads_but_cannot_write(team: dict[str, str], tracker: Tracker) -> None:
    tracker("--db", team["owner"], "add", "Open", "-c", "C", "-d", "+1m", "--slug", "q")
    assert tracker("--db", team["reviewer"], "list", "--json").exit_code == 0
    assert tracker("--db", team["reviewer"], "score", "--json").exit_code == 0
    assert tracker("--db", team["reviewer"], "db", "verify").exit_code == 0
    for args in (
        ["add", "Reviewer question", "-c", "C", "-d", "+1m"],
        ["forecast", "q", "40%"],
        ["resolve", "q", "yes", "--on", "2021-11-29"],
    ):
        result = tracker("--db", team["reviewer"], *args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("error: Not allowed: "), result.stderr


def test_an_analyst_may_record_a_reports_own_forecast_but_not_through_a_colleagues_login(
    team: dict[str, str], tracker: Tracker
) -> None:
    tracker("--db", team["owner"], "add", "Open", "-c", "C", "-d", "+1m", "--slug", "q")
    report = "Think Tank (Institute)"
    added = tracker(
        "--db",
        team["analyst"],
        "source",
        "add",
        "--title",
        "Brief",
        "--forecaster",
        report,
        "--url",
        "https://example.org/brief",
    )
    assert added.exit_code == 0, added.stderr
    implied = tracker("--db", team["analyst"], "forecast", "q", "65%", "--as", report)
    assert implied.exit_code == 0, implied.stderr
    # A source that speaks through a colleague's login does not open a way to forge them.
    other = team["other_name"]
    second = tracker(
        "--db",
        team["analyst"],
        "source",
        "add",
        "--title",
        "Other",
        "--forecaster",
        other,
        "--url",
        "https://example.org/other",
    )
    assert second.exit_code == 0, second.stderr
    forged = tracker("--db", team["analyst"], "forecast", "q", "65%", "--as", other)
    assert forged.exit_code == 1
    assert forged.stderr.startswith("error: Not allowed: on this team database")


def test_a_temporary_table_cannot_stand_in_for_the_forecasters(team: dict[str, str]) -> None:
    engine = sa.create_engine(team["analyst"])
    with engine.begin() as connection, pytest.raises(sa.exc.DBAPIError, match="not as ani"):
        connection.exec_driver_sql("CREATE TEMP TABLE forecaster (id int, name text)")
        connection.exec_driver_sql(
            "INSERT INTO pg_temp.forecaster SELECT id, session_user FROM public.forecaster "
            "WHERE name = 'ani'"
        )
        connection.exec_driver_sql("CREATE TEMP TABLE source (forecaster_id int)")
        connection.exec_driver_sql(
            "INSERT INTO public.forecast (question_id, forecaster_id, made_at, recorded_at, "
            "probabilities) SELECT 1, id, now(), now(), '{}' FROM public.forecaster "
            "WHERE name = 'ani'"
        )
    engine.dispose()
