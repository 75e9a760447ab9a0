"""Opening databases: schema version, migrations, upgrades with a copy kept, refusals."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from tests.conftest import NOW
from tracker.errors import DatabaseError
from tracker.services.ledger import (
    add_question,
    list_questions,
    record_forecast,
    resolve_question,
)
from tracker.services.workspace import unit_of_work
from tracker.storage.database import (
    HEAD,
    MIGRATIONS,
    REVISIONS,
    backup_sqlite,
    open_database,
    schema_state,
    upgrade_database,
)
from tracker.storage.tables import METADATA


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _migrate_to(url: str, revision: str) -> None:
    engine = sa.create_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def test_known_revisions_match_the_alembic_scripts() -> None:
    script = ScriptDirectory.from_config(_alembic_config())
    history = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(history) == REVISIONS
    assert script.get_current_head() == HEAD


def test_migrated_schema_equals_the_models(db_url: str) -> None:
    open_database(db_url, write=True, now=NOW).close()
    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, METADATA)
    engine.dispose()
    assert differences == []


def test_new_database_is_created_at_the_current_revision(db_url: str) -> None:
    open_database(db_url, write=True, now=NOW).close()
    assert schema_state(db_url).revision == HEAD


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db_url: str) -> None:
    database = open_database(db_url, write=True, now=NOW)
    with database.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    database.close()
    assert (mode, keys) == ("wal", 1)
    assert timeout is not None and timeout >= 5000


def test_older_sqlite_file_is_upgraded_after_a_copy_is_kept(
    db_url: str, isolated_database: Path
) -> None:
    _migrate_to(db_url, "0001")
    with sqlite3.connect(isolated_database) as connection:
        connection.execute(
            "INSERT INTO forecaster (name, created_at) VALUES ('ani', '2021-11-29 12:00:00')"
        )
    open_database(db_url, write=False, now=NOW).close()
    assert schema_state(db_url).revision == HEAD
    copies = list(isolated_database.parent.glob("forecasts.db.bak-0001-*"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert connection.execute("SELECT name FROM forecaster").fetchall() == [("ani",)]


def test_database_from_a_newer_tracker_is_refused(db_url: str, isolated_database: Path) -> None:
    open_database(db_url, write=True, now=NOW).close()
    with sqlite3.connect(isolated_database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseError, match="schema 9999, newer than this tracker knows"):
        open_database(db_url, write=False, now=NOW)


def test_opening_a_current_database_does_not_load_alembic(db_url: str) -> None:
    open_database(db_url, write=True, now=NOW).close()
    code = (
        "import sys\n"
        "from datetime import datetime, UTC\n"
        "from tracker.storage.database import open_database\n"
        f"open_database({db_url!r}, write=False, now=datetime.now(UTC)).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("table", ["forecast", "resolution"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_the_database_refuses_to_rewrite_history(
    db_url: str, isolated_database: Path, table: str, statement: str
) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="ani", now=NOW
        )
        record_forecast(session=session, question="1", probability=["60%"], forecaster="a", now=NOW)
        resolve_question(session=session, question="1", outcome="no", resolver="a", now=NOW)
    with (
        sqlite3.connect(isolated_database) as connection,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        connection.execute(statement.format(t=table))


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        open_database(f"sqlite:///{text}", write=True, now=NOW)
    assert text.read_text() == "hello"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a directory"):
        open_database(f"sqlite:///{tmp_path}", write=True, now=NOW)


def test_a_missing_database_is_not_created_by_a_read(isolated_database: Path, db_url: str) -> None:
    with pytest.raises(DatabaseError, match="No database at"):
        open_database(db_url, write=False, now=NOW)
    assert not isolated_database.exists()


def test_backup_copies_a_consistent_database(db_url: str, tmp_path: Path) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="ani", now=NOW
        )
    target = backup_sqlite(db_url, tmp_path / "copy.db")
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT title FROM question").fetchall() == [("T",)]
    with pytest.raises(DatabaseError, match="already exists"):
        backup_sqlite(db_url, target)


def test_a_reader_is_not_blocked_by_a_writer(db_url: str, isolated_database: Path) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="ani", now=NOW
        )
    writer = sqlite3.connect(isolated_database, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO forecaster (name, created_at) VALUES ('x', '2021-11-29')")
    try:
        database = open_database(db_url, write=False, now=NOW)
        with database.session() as session:
            assert [
                s.question.title for s in list_questions(session=session, today=NOW.date())
            ] == ["T"]
        database.close()
    finally:
        writer.rollback()
        writer.close()


def test_upgrade_refuses_a_database_of_something_else(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(DatabaseError, match="holds tables but no tracker schema"):
        upgrade_database(f"sqlite:///{foreign}", now=NOW)
    with sqlite3.connect(foreign) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert tables == [("notes",)]


def test_upgrade_refuses_a_newer_schema_and_status_says_so(
    db_url: str, isolated_database: Path
) -> None:
    open_database(db_url, write=True, now=NOW).close()
    with sqlite3.connect(isolated_database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseError, match="newer than this tracker knows"):
        upgrade_database(db_url, now=NOW)
    assert schema_state(db_url).newer


def test_a_second_upgrade_at_the_same_moment_keeps_both_copies(tmp_path: Path) -> None:
    """The copy kept aside before an upgrade is never replaced (TRACKER_NOW pins the moment in
    its name)."""
    url = f"sqlite:///{tmp_path / 'f.db'}"
    for _ in range(2):
        _migrate_to(url, "0005")
        upgrade_database(url, now=NOW)
        engine = sa.create_engine(url)
        config = _alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
        engine.dispose()
    copies = sorted(p.name for p in tmp_path.iterdir() if ".bak-" in p.name)
    assert copies == ["f.db.bak-0005-20211129T120000Z", "f.db.bak-0005-20211129T120000Z-2"]
