"""PostgreSQL, the team backend: the same results as SQLite, and history the database guards."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from tests.conftest import AFTER_EXAMPLE, AFTER_EXAMPLE_ENV, EXAMPLE, NOW, Run
from tracker.errors import DatabaseError
from tracker.services.interchange import export_lines, import_file
from tracker.services.scoring import score_ledger
from tracker.services.workspace import unit_of_work
from tracker.storage.database import HEAD, open_database

Tracker = Callable[..., Run]


def _export_and_scores(url: str) -> tuple[list[str], object]:
    import_file(url=url, path=EXAMPLE, importer="ani", now=AFTER_EXAMPLE)
    with unit_of_work(url, write=False, now=AFTER_EXAMPLE) as session:
        lines = list(export_lines(session=session))
        report = score_ledger(session=session, as_of=AFTER_EXAMPLE)
    return lines, report


def test_sqlite_and_postgresql_give_identical_exports_and_scores(db_url: str, pg_url: str) -> None:
    sqlite_lines, sqlite_report = _export_and_scores(db_url)
    pg_lines, pg_report = _export_and_scores(pg_url)
    assert pg_lines == sqlite_lines
    assert pg_report == sqlite_report  # every score, bin and verdict, compared exactly


def test_cli_json_is_identical_on_both_backends(tracker: Tracker, db_url: str, pg_url: str) -> None:
    outputs = []
    for url in (db_url, pg_url):
        assert tracker("--db", url, "import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0
        outputs.append(
            [
                tracker("--db", url, *args, "--json", env=AFTER_EXAMPLE_ENV).stdout
                for args in (["score"], ["list"], ["show", "2"], ["due"])
            ]
        )
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
@pytest.mark.parametrize("table", ["forecast", "resolution"])
def test_postgresql_refuses_to_rewrite_history(pg_url: str, statement: str, table: str) -> None:
    import_file(url=pg_url, path=EXAMPLE, importer="ani", now=AFTER_EXAMPLE)
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        connection.exec_driver_sql(statement.format(t=table))
    engine.dispose()


def test_a_shared_database_is_only_upgraded_explicitly(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    engine.dispose()
    with pytest.raises(
        DatabaseError, match=rf"needs an upgrade to {HEAD}\. Run: tracker db upgrade"
    ):
        open_database(pg_url, write=True, now=NOW)


def test_an_unreachable_server_is_one_line(tracker: Tracker) -> None:
    result = tracker("--db", "postgresql+psycopg://team:secret@127.0.0.1:1/forecasts", "list")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: Cannot open database postgresql+psycopg://team:***@")
    assert "secret" not in result.stderr


def test_the_ledger_works_on_postgresql_from_the_command_line(
    tracker: Tracker, pg_url: str
) -> None:
    assert tracker("--db", pg_url, "add", "T", "-c", "C", "-d", "+1m", "-p", "70%").exit_code == 0
    assert tracker("--db", pg_url, "resolve", "1", "yes").exit_code == 0
    again = tracker("--db", pg_url, "resolve", "1", "no")
    assert again.exit_code == 1
    shown = json.loads(tracker("--db", pg_url, "show", "1", "--json").stdout)
    assert [r["outcome"] for r in shown["resolutions"]] == ["yes"]


def _with_password(url: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{password}@{host}"


@pytest.mark.parametrize("form", ["user-part", "query"])
def test_a_password_never_appears_in_output_or_errors(pg_url: str, form: str) -> None:
    import subprocess

    from tests.cli.test_installed import TRACKER

    secret = "s3cret-Pa55"
    url = _with_password(pg_url, secret) if form == "user-part" else f"{pg_url}?password={secret}"
    runs = [
        ["db", "path"],
        ["db", "status"],
        ["db", "status", "--json"],
        ["db", "upgrade"],
        ["db", "verify"],
        ["db", "roles"],
        ["import", str(EXAMPLE)],
        ["list"],
        ["show", "999"],
        ["--debug", "show", "999"],
        ["--debug", "db", "verify", "--head", "1:000000000000"],
    ]
    for args in runs:
        result = subprocess.run(
            [TRACKER, "--db", url, *args], capture_output=True, text=True, env=None
        )
        assert secret not in result.stdout + result.stderr, args
    # and a server that cannot be reached, with the traceback asked for
    gone = _with_password("postgresql+psycopg://team@127.0.0.1:1/forecasts", secret)
    result = subprocess.run(
        [TRACKER, "--debug", "--db", gone, "list"], capture_output=True, text=True
    )
    assert result.returncode == 1 and secret not in result.stdout + result.stderr


def test_the_same_record_has_the_same_chain_on_both_backends(db_url: str, pg_url: str) -> None:
    """Canonical content read back from each database hashes alike (times, days, tags, ids)."""
    from tracker.services.database import verify

    heads = []
    for url in (db_url, pg_url):
        import_file(url=url, path=EXAMPLE, importer="ani", now=AFTER_EXAMPLE)
        result = verify(url=url, now=AFTER_EXAMPLE)
        assert result.intact
        heads.append(result.head)
    assert heads[0] == heads[1]
