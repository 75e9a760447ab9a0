"""Who may do what on a team's PostgreSQL database, enforced by the database itself.

The people here connect as their own database users and work on the real clock: on a team
database, a recorded-at time is the server's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run
from tracker.storage.roles import role_names

Tracker = Callable[..., Run]


@pytest.fixture
def team(
    pg_url: str, tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The example on a team database with the roles applied, and one login per role:
    {"owner": url, "analyst": url, "other": url, "resolver": url, "reviewer": url, and each
    person's name as "analyst_name", ...}."""
    monkeypatch.delenv("TRACKER_USER")  # on PostgreSQL the name is the database user's
    monkeypatch.delenv("TRACKER_NOW")  # and the time the server's
    imported = tracker(
        "--db", pg_url, "import", str(EXAMPLE), env={**AFTER_EXAMPLE_ENV, "TRACKER_USER": "ani"}
    )
    assert imported.exit_code == 0, imported.stderr
    applied = tracker("--db", pg_url, "db", "roles", "--apply")
    assert applied.exit_code == 0, applied.stderr
    database = pg_url.rsplit("/", 1)[1]
    roles = role_names(database)
    suffix = uuid.uuid4().hex[:8]
    people = {
        "analyst": (roles["analyst"], f"alice_{suffix}"),
        "other": (roles["analyst"], f"bob_{suffix}"),
        "resolver": (roles["resolver"], f"rita_{suffix}"),
        "reviewer": (roles["reviewer"], f"vera_{suffix}"),
    }
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for role, login in people.values():
            connection.exec_driver_sql(f"CREATE ROLE {login} LOGIN")
            connection.exec_driver_sql(f"GRANT {role} TO {login}")
    base, rest = pg_url.split("://", 1)
    host_and_db = rest.split("@", 1)[1]
    urls = {"owner": pg_url, "database": database}
    for key, (_role, login) in people.items():
        urls[key] = f"{base}://{login}@{host_and_db}"
        urls[key + "_name"] = login
    try:
        yield urls
    finally:
        logins = [login for _role, login in people.values()]
        with admin.connect() as connection:
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = ANY(%(names)s)",
                {"names": logins},
            )
            groups = ", ".join(roles.values())
            connection.exec_driver_sql(f"DROP OWNED BY {groups}")  # their grants, here
            for name in [*logins, *roles.values()]:
                connection.exec_driver_sql(f"DROP ROLE {name}")
        admin.dispose()


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _open_question(tracker: Tracker, team: dict[str, str], slug: str = "q") -> None:
    added = tracker("--db", team["owner"], "add", "Open", "-c", "C", "-d", "+1m", "--slug", slug)
    assert added.exit_code == 0, added.stderr


def _sql(url: str, statement: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _add_source(
    tracker: Tracker, team: dict[str, str], who: str, title: str, forecaster: str | None = None
) -> Run:
    """`who` adds a source at https://example.org/TITLE, naming its forecaster if given."""
    speaker = ["--forecaster", forecaster] if forecaster else []
    url = f"https://example.org/{title}"
    return tracker("--db", team[who], "source", "add", "--title", title, *speaker, "--url", url)


def test_roles_sql_is_printed_and_applying_it_twice_changes_nothing(
    team: dict[str, str], tracker: Tracker
) -> None:
    printed = tracker("--db", team["owner"], "db", "roles")
    assert printed.exit_code == 0
    roles = role_names(team["database"])
    assert f'GRANT INSERT ON resolution TO "{roles["resolver"]}";' in printed.stdout
    grants = [line for line in printed.stdout.splitlines() if line.startswith("GRANT ")]
    writes = [g.split(" ON ")[0] for g in grants if " ON " in g and "SELECT" not in g]
    # Only inserts, sequences, and the function through which writers take turns.
    assert sorted(set(writes)) == ["GRANT CONNECT", "GRANT EXECUTE", "GRANT INSERT", "GRANT USAGE"]
    assert not [g for g in grants if "DELETE" in g or "TRUNCATE" in g or "ALL PRIVILEGES" in g]
    again = tracker("--db", team["owner"], "db", "roles", "--apply")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == f"Applied the roles {', '.join(roles.values())}.\n"


def test_applying_the_roles_without_the_privilege_says_so_and_exits_1(
    team: dict[str, str], tracker: Tracker
) -> None:
    for who in ("analyst", "resolver"):
        refused = tracker("--db", team[who], "db", "roles", "--apply")
        assert refused.exit_code == 1, refused.stdout
        assert refused.stdout == ""
        assert refused.stderr.startswith("error: Not allowed: ")
        assert len(refused.stderr.splitlines()) == 1


def test_a_writer_whose_roles_predate_the_checkpoints_still_writes(
    team: dict[str, str], tracker: Tracker
) -> None:
    """After an upgrade and before `db roles` is run again, analysts lack the grant on the
    verification checkpoints: their writes go on, only the checkpoint is not carried."""
    analyst = role_names(team["database"])["analyst"]
    _sql(team["owner"], f'REVOKE INSERT ON chain_checkpoint FROM "{analyst}"')
    _open_question(tracker, team)
    forecast = tracker("--db", team["analyst"], "forecast", "q", "70%")
    assert forecast.exit_code == 0, forecast.stderr
    assert tracker("--db", team["reviewer"], "score").exit_code == 0


def test_a_checkpoint_planted_by_one_person_misleads_nobody_else(
    team: dict[str, str], tracker: Tracker
) -> None:
    """Each person trusts only the places they (or the owner) verified: a false one noted by an
    analyst neither raises an alarm for the others nor hides anything from them."""
    _sql(
        team["analyst"],
        "INSERT INTO chain_checkpoint (seq, hash, guards, verified_at, verified_by, tags) "
        f"VALUES (999, '{'a' * 64}', 'x', now(), '{team['analyst_name']}', 0)",
    )
    with pytest.raises(sa.exc.DBAPIError, match="not by"):  # nor in someone else's name
        _sql(
            team["analyst"],
            "INSERT INTO chain_checkpoint (seq, hash, guards, verified_at, verified_by, tags) "
            f"VALUES (999, '{'a' * 64}', 'x', now(), '{team['reviewer_name']}', 0)",
        )
    for who in ("reviewer", "resolver", "owner"):
        scored = tracker("--db", team[who], "score")
        assert scored.exit_code == 0, (who, scored.stderr)
    fooled = tracker("--db", team["analyst"], "score")
    assert fooled.exit_code == 1  # only the one who planted it


def test_an_analyst_records_their_own_forecasts_named_by_the_database(
    team: dict[str, str], tracker: Tracker
) -> None:
    added = tracker(
        "--db", team["analyst"], "add", "Analyst question", "-c", "C", "-d", "+1m", "--slug", "q"
    )
    assert added.exit_code == 0, added.stderr
    forecast = tracker("--db", team["analyst"], "forecast", "q", "70%")
    assert forecast.exit_code == 0, forecast.stderr
    shown = json.loads(tracker("--db", team["reviewer"], "show", "q", "--json").stdout)
    assert [f["forecaster"] for f in shown["forecasts"]] == [team["analyst_name"]]
    assert tracker("--db", team["reviewer"], "db", "verify").exit_code == 0


def test_an_analyst_cannot_forge_another_analysts_forecast(
    team: dict[str, str], tracker: Tracker
) -> None:
    _open_question(tracker, team)
    forged = tracker("--db", team["analyst"], "forecast", "q", "70%", "--as", team["other_name"])
    assert forged.exit_code == 1
    assert forged.stderr.startswith("error: Not allowed: on this team database you record")
    assert len(forged.stderr.splitlines()) == 1
    imported = tracker("--db", team["analyst"], "forecast", "q", "70%", "--as", "ani")
    assert imported.exit_code == 1 and "not as ani" in imported.stderr


def test_an_analyst_cannot_backdate_or_forecast_a_resolved_question(
    team: dict[str, str], tracker: Tracker
) -> None:
    """Through tracker's own storage code (the chain done right), as the reviewer of the
    change did: only the database's checks stand in the way."""
    from tracker.errors import NotAllowedError
    from tracker.services.workspace import unit_of_work
    from tracker.storage import ledger as store

    _open_question(tracker, team)
    now = datetime.now(UTC)
    backdated = datetime(2021, 12, 1, tzinfo=UTC)
    attempts = [("q", backdated, "server's time"), (3, now, "is resolved")]  # #3: resolved
    for ref, recorded, message in attempts:
        with (
            pytest.raises(NotAllowedError, match=message),
            unit_of_work(team["analyst"], write=True, now=now) as session,
        ):
            question = store.get_question(session, ref)
            store.insert_forecast(
                session,
                question_id=question.id,
                forecaster=team["analyst_name"],
                made_at=recorded,
                recorded_at=recorded,
                probabilities={"yes": 1.0, "no": 0.0},
                rationale=None,
                input_text=None,
            )
    later = {"TRACKER_NOW": (now + timedelta(days=2)).isoformat()}  # a clock two days ahead
    pinned = tracker("--db", team["analyst"], "forecast", "q", "70%", env=later)
    assert pinned.exit_code == 1
    assert "recorded at the server's time" in pinned.stderr


def test_an_analyst_cannot_resolve_and_a_resolver_can(
    team: dict[str, str], tracker: Tracker
) -> None:
    _open_question(tracker, team)
    refused = tracker("--db", team["analyst"], "resolve", "q", "yes", "--on", _today())
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: Not allowed: permission denied for table resolution")
    resolved = tracker("--db", team["resolver"], "resolve", "q", "yes", "--on", _today())
    assert resolved.exit_code == 0, resolved.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE forecast SET probabilities = '{}'",
        "DELETE FROM forecast",
        "TRUNCATE forecast CASCADE",
        "UPDATE resolution SET outcome = NULL",
        "DELETE FROM resolution",
        "UPDATE question SET criteria = 'x'",
        "DELETE FROM question_tag",
        "UPDATE source SET title = 'x'",
        "UPDATE forecaster SET name = 'x'",
        "SELECT setval(pg_get_serial_sequence('question', 'id'), 1)",
    ],
)
def test_no_role_can_update_or_delete_history(team: dict[str, str], statement: str) -> None:
    for who in ("analyst", "resolver", "reviewer"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            _sql(team[who], statement)


def test_a_reviewer_reads_but_cannot_write(team: dict[str, str], tracker: Tracker) -> None:
    _open_question(tracker, team)
    assert tracker("--db", team["reviewer"], "list", "--json").exit_code == 0
    assert tracker("--db", team["reviewer"], "score", "--json").exit_code == 0
    assert tracker("--db", team["reviewer"], "db", "verify").exit_code == 0
    for args in (
        ["add", "Reviewer question", "-c", "C", "-d", "+1m"],
        ["forecast", "q", "40%"],
        ["resolve", "q", "yes", "--on", _today()],
    ):
        result = tracker("--db", team["reviewer"], *args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("error: Not allowed: "), result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_a_report_speaks_only_through_the_analyst_who_named_it(
    team: dict[str, str], tracker: Tracker
) -> None:
    _open_question(tracker, team)

    report = "Think Tank (Institute)"
    assert _add_source(tracker, team, "analyst", "brief", report).exit_code == 0
    implied = tracker("--db", team["analyst"], "forecast", "q", "65%", "--as", report)
    assert implied.exit_code == 0, implied.stderr
    # Another analyst cannot speak for it, nor name it for a source of their own.
    assert tracker("--db", team["other"], "forecast", "q", "65%", "--as", report).exit_code == 1
    assert _add_source(tracker, team, "other", "again", report).exit_code == 1
    # Nobody can name a forecaster with a record of their own, or a colleague's login.
    for name in ("ani", team["other_name"]):
        refused = _add_source(tracker, team, "analyst", f"as-{name}", name)
        assert refused.exit_code == 1
        assert refused.stderr.startswith("error: Not allowed: a source may only name")
    # Nor attach one to someone else's source behind tracker's back.
    plain = _add_source(tracker, team, "analyst", "p")
    assert plain.exit_code == 0, plain.stderr
    with pytest.raises(sa.exc.DBAPIError, match="only the analyst who added source"):
        _sql(
            team["other"],
            "INSERT INTO source_forecaster (source_id, forecaster_id, named_at, named_by, "
            "chain_seq, chain_hash) SELECT s.id, f.id, now(), session_user, "
            "tracker_chain_head() + 1, repeat('a', 64) FROM source s, forecaster f "
            "WHERE s.url = 'https://example.org/p' AND f.name = 'ani'",
        )


def test_tags_come_only_with_their_question(team: dict[str, str]) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="tags are recorded with their question"):
        _sql(team["analyst"], "INSERT INTO question_tag (question_id, tag) VALUES (1, 'x')")


def test_every_row_takes_the_next_place_in_the_chain(team: dict[str, str]) -> None:
    insert = (
        "INSERT INTO forecaster (name, created_at, chain_seq, chain_hash) "
        "VALUES ('x', now(), {seq}, {digest})"
    )
    for seq, digest in (("NULL", "NULL"), ("1", f"'{'a' * 64}'"), ("1000", f"'{'a' * 64}'")):
        with pytest.raises(sa.exc.DBAPIError, match=r"tamper-evident chain|must take place"):
            _sql(team["owner"], insert.format(seq=seq, digest=digest))
    with pytest.raises(sa.exc.DBAPIError, match="cannot be truncated"):
        _sql(team["owner"], "TRUNCATE forecast, resolution, retraction")


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
            "probabilities, chain_seq, chain_hash) SELECT 1, id, now(), now(), '{}', "
            "(SELECT max(chain_seq) + 1 FROM public.resolution), repeat('a', 64) "
            "FROM public.forecaster WHERE name = 'ani'"
        )
    engine.dispose()


def test_a_name_a_report_speaks_through_is_not_a_login_to_forecast_under(
    team: dict[str, str], tracker: Tracker
) -> None:
    """An analyst names a report's forecaster after a colleague who has no login yet: once the
    colleague joins, they cannot forecast under it (nor inherit what was recorded there)."""
    _open_question(tracker, team)
    newcomer = f"dave_{uuid.uuid4().hex[:8]}"
    added = _add_source(tracker, team, "analyst", "memo", newcomer)
    assert added.exit_code == 0, added.stderr
    assert tracker("--db", team["analyst"], "forecast", "q", "95%", "--as", newcomer).exit_code == 0
    _sql(
        team["owner"],
        f"CREATE ROLE {newcomer} LOGIN IN ROLE {role_names(team['database'])['analyst']}",
    )
    try:
        url = team["analyst"].replace(team["analyst_name"], newcomer)
        refused = tracker("--db", url, "forecast", "q", "40%")
        assert refused.exit_code == 1
        assert "is a report's forecaster on this database" in refused.stderr
    finally:
        _sql(team["owner"], f"DROP ROLE {newcomer}")


def test_a_sources_forecaster_is_named_once_and_never_taken_away(
    team: dict[str, str], tracker: Tracker
) -> None:
    added = _add_source(tracker, team, "analyst", "b", "Zed Institute")
    assert added.exit_code == 0, added.stderr
    named = "source_id = (SELECT id FROM source WHERE url = 'https://example.org/b')"
    for statement in (
        f"UPDATE source_forecaster SET forecaster_id = 1 WHERE {named}",
        f"DELETE FROM source_forecaster WHERE {named}",
        "DELETE FROM source_forecaster WHERE source_id = 1",  # the owner's imported source
    ):
        with pytest.raises(sa.exc.DBAPIError, match="permission denied"):
            _sql(team["analyst"], statement)
    # Not even the owner rewrites it: the table is append-only.
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        _sql(team["owner"], f"DELETE FROM source_forecaster WHERE {named}")


def test_readers_cannot_hold_writers_up(team: dict[str, str]) -> None:
    for statement in ("SELECT tracker_take_turn()", "SELECT * FROM tracker_turn FOR UPDATE"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            _sql(team["reviewer"], statement)


def test_a_writer_waiting_too_long_for_its_turn_is_told_who_holds_it(
    team: dict[str, str], tracker: Tracker
) -> None:
    _open_question(tracker, team)
    _sql(team["owner"], "UPDATE tracker_turn SET hold_limit = '1 hour', wait_limit = '2 s'")
    engine = sa.create_engine(team["other"])
    with engine.connect() as holder:
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("SELECT tracker_take_turn()")  # and keeps it
        waited = tracker("--db", team["analyst"], "forecast", "q", "60%")
        holder.exec_driver_sql("ROLLBACK")
    engine.dispose()
    assert waited.exit_code == 1
    assert waited.stderr.startswith(
        f"error: The team database is busy: the writers' turn is held by {team['other_name']} "
        "(idle in transaction, since "
    ), waited.stderr
    assert len(waited.stderr.splitlines()) == 1


def test_a_writer_holding_the_turn_idle_loses_it_after_the_stated_time(
    team: dict[str, str], tracker: Tracker
) -> None:
    _open_question(tracker, team)
    _sql(team["owner"], "UPDATE tracker_turn SET hold_limit = '2 s', wait_limit = '30 s'")
    engine = sa.create_engine(team["other"])
    with engine.connect() as holder:
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("SELECT tracker_take_turn()")  # then walks away
        waited = tracker("--db", team["analyst"], "forecast", "q", "60%")
        assert waited.exit_code == 0, waited.stderr
        # The holder's session was ended: its transaction is gone with it.
        with pytest.raises(sa.exc.DBAPIError):
            holder.exec_driver_sql("SELECT 1")
    engine.dispose()
    shown = json.loads(tracker("--db", team["reviewer"], "show", "q", "--json").stdout)
    assert [f["forecaster"] for f in shown["forecasts"]] == [team["analyst_name"]]


def test_a_writer_at_work_keeps_the_turn(team: dict[str, str], tracker: Tracker) -> None:
    """A writer running statement after statement (an import) is not ended, however long it
    holds the turn; a waiting writer is told who holds it instead."""
    _open_question(tracker, team)
    _sql(team["owner"], "UPDATE tracker_turn SET hold_limit = '3 s', wait_limit = '5 s'")
    engine = sa.create_engine(team["other"])
    with engine.connect() as holder:
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("SELECT tracker_take_turn()")
        import threading

        stop = threading.Event()

        def work() -> None:
            while not stop.is_set():
                holder.exec_driver_sql("SELECT pg_sleep(0.2)")

        worker = threading.Thread(target=work)
        worker.start()
        try:
            waited = tracker("--db", team["analyst"], "forecast", "q", "60%")
        finally:
            stop.set()
            worker.join()
        holder.exec_driver_sql("ROLLBACK")
    engine.dispose()
    assert waited.exit_code == 1
    assert f"held by {team['other_name']}" in waited.stderr


def test_an_amendment_corrects_a_resolution_of_its_own_question(team: dict[str, str]) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="corrects a resolution of its own question"):
        _sql(
            team["owner"],
            "INSERT INTO resolution (question_id, status, outcome, occurred_on, resolved_by, "
            "recorded_at, amends_id, chain_seq, chain_hash) SELECT 2, 'option', 'yes', "
            "'2022-01-01', 'ani', now(), (SELECT id FROM resolution WHERE question_id = 1 "
            "AND amends_id IS NULL), 1 + (SELECT max(chain_seq) FROM resolution), repeat('a', 64)",
        )


def test_only_the_owner_chooses_the_ledgers_yardstick(
    team: dict[str, str], tracker: Tracker
) -> None:
    for who in ("analyst", "resolver", "reviewer"):
        refused = tracker("--db", team[who], "db", "yardstick", "phia")
        assert refused.exit_code == 1, refused.stdout
        assert len(refused.stderr.splitlines()) == 1
        assert "Not allowed" in refused.stderr or "permission denied" in refused.stderr
    # Everyone reads it (a reviewer too: every command reads it).
    shown = tracker("--db", team["reviewer"], "db", "yardstick", "--json")
    assert json.loads(shown.stdout)["origin"] == "default"
    chosen = tracker("--db", team["owner"], "db", "yardstick", "phia")
    assert chosen.exit_code == 0, chosen.stderr
    _open_question(tracker, team)
    recorded = tracker("--db", team["analyst"], "forecast", "q", "highly likely", "--json")
    assert json.loads(recorded.stdout)["probabilities"] == {"yes": 0.85, "no": 0.15}
    assert tracker("--db", team["reviewer"], "db", "verify").exit_code == 0


def test_a_sources_yardstick_is_chosen_by_the_analyst_who_added_it(
    team: dict[str, str], tracker: Tracker
) -> None:
    assert _add_source(tracker, team, "analyst", "y").exit_code == 0
    number = json.loads(tracker("--db", team["owner"], "source", "list", "--json").stdout)[-1]
    key = number["id"]
    refused = tracker("--db", team["other"], "source", "yardstick", key, "phia")
    assert refused.exit_code == 1
    assert "only the analyst who added source" in refused.stderr
    chosen = tracker("--db", team["analyst"], "source", "yardstick", key, "phia")
    assert chosen.exit_code == 0, chosen.stderr
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        _sql(team["owner"], "DELETE FROM yardstick_choice")
    assert tracker("--db", team["reviewer"], "db", "verify").exit_code == 0


def test_roles_applied_before_the_yardsticks_read_them_after_the_upgrade(
    team: dict[str, str], tracker: Tracker
) -> None:
    from alembic import command
    from alembic.config import Config

    from tracker.storage.database import MIGRATIONS

    # The team's roles were applied at revision 0007: the upgrade to 0008 (by the owner, as
    # docs/team.md says) grants them the new table, before the roles are applied again.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(team["owner"])
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
    finally:
        engine.dispose()
    assert tracker("--db", team["owner"], "db", "upgrade").exit_code == 0
    shown = tracker("--db", team["reviewer"], "db", "yardstick", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert _add_source(tracker, team, "analyst", "z").exit_code == 0
    key = json.loads(tracker("--db", team["owner"], "source", "list", "--json").stdout)[-1]["id"]
    chosen = tracker("--db", team["analyst"], "source", "yardstick", key, "phia")
    assert chosen.exit_code == 0, chosen.stderr


def test_an_analyst_retracts_their_own_latest_forecast(
    team: dict[str, str], tracker: Tracker
) -> None:
    _open_question(tracker, team)
    assert tracker("--db", team["analyst"], "forecast", "q", "60%").exit_code == 0
    assert tracker("--db", team["analyst"], "forecast", "q", "7%").exit_code == 0
    done = tracker("--db", team["analyst"], "retract", "q", "--reason", "typed 7% for 70%")
    assert done.exit_code == 0, done.stderr
    shown = json.loads(tracker("--db", team["reviewer"], "show", "q", "--json").stdout)
    retracted = [f for f in shown["forecasts"] if f["retraction"]]
    assert [f["probabilities"]["yes"] for f in retracted] == [0.07]
    assert retracted[0]["retraction"]["recorded_by"] == team["analyst_name"]
    assert tracker("--db", team["reviewer"], "db", "verify").exit_code == 0


def test_an_analyst_cannot_retract_another_analysts_forecast(
    team: dict[str, str], tracker: Tracker
) -> None:
    _open_question(tracker, team)
    assert tracker("--db", team["other"], "forecast", "q", "70%").exit_code == 0
    forged = tracker(
        "--db", team["analyst"], "retract", "q", "--reason", "x", "--as", team["other_name"]
    )
    assert forged.exit_code == 1
    assert forged.stderr.startswith(
        "error: Not allowed: on this team database a retraction is recorded by your database "
        f"user {team['analyst_name']}, not by {team['other_name']}"
    )
    assert len(forged.stderr.splitlines()) == 1
    shown = json.loads(tracker("--db", team["reviewer"], "show", "q", "--json").stdout)
    assert [f["retraction"] for f in shown["forecasts"]] == [None]


def test_the_database_holds_an_analyst_to_the_rules_of_retraction(
    team: dict[str, str], tracker: Tracker
) -> None:
    """Through tracker's own storage code, past the command's checks: someone else's forecast,
    an earlier forecast of one's own, a reviewer, and one's latest on a resolved question."""
    from tracker.errors import NotAllowedError
    from tracker.services.workspace import unit_of_work
    from tracker.storage import ledger as store

    _open_question(tracker, team)
    for who in ("other", "analyst", "analyst"):
        assert tracker("--db", team[who], "forecast", "q", "70%").exit_code == 0
    with unit_of_work(team["owner"], write=False, now=datetime.now(UTC)) as session:
        question = store.get_question(session, "q")
        theirs, earlier, latest = sorted(
            f.id for f in store.forecasts_for(session, [question.id])[question.id]
        )

    def retract(who: str, forecast_id: int, message: str) -> None:
        now = datetime.now(UTC)
        with (
            pytest.raises(NotAllowedError, match=message),
            unit_of_work(team[who], write=True, now=now) as session,
        ):
            store.insert_retraction(
                session,
                forecast_id=forecast_id,
                reason="x",
                recorded_by=team[who + "_name"],
                recorded_at=now,
            )

    retract("analyst", theirs, "retract only your own forecasts")
    retract("analyst", earlier, "only your latest forecast")
    retract("reviewer", latest, "your database role may not add to this record")
    resolved = tracker("--db", team["resolver"], "resolve", "q", "yes", "--on", _today())
    assert resolved.exit_code == 0, resolved.stderr
    retract("analyst", latest, "is resolved: its forecasts can no longer be retracted")
