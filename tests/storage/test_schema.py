"""`db upgrade` brings any older database to exactly the schema of a new one: tables, columns,
keys, indexes, triggers and (on PostgreSQL) functions, compared object by object."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from tests.conftest import NOW, REPO
from tracker.domain.chain import CONTENT, UNHASHED
from tracker.services.database import verify
from tracker.storage.database import MIGRATIONS, REVISIONS, upgrade_database
from tracker.storage.tables import METADATA

#: The bundled example as it was released at schema 0006: built before that revision gained
#: its last trigger, so it lacks one (a real older database, with its data).
RELEASED_0006 = REPO / "tests" / "fixtures" / "forecasts-0006.db"


def _normalised(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def sqlite_schema(url: str) -> dict[tuple[str, str], str]:
    """Every table of a SQLite database with its columns, foreign keys and indexes (unique
    constraints by their columns: a rebuilt table may list them in another order), and every
    index and trigger with its SQL."""
    engine = sa.create_engine(url)
    found: dict[tuple[str, str], str] = {}
    with engine.connect() as connection:

        def pragma(name: str, argument: str) -> list[tuple[object, ...]]:
            return [tuple(r) for r in connection.exec_driver_sql(f"PRAGMA {name}({argument})")]

        rows = connection.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).all()
        for kind, name, table, sql in rows:
            if kind != "table":
                found[(kind, name)] = f"on {table}: {_normalised(sql)}"
                continue
            found[("columns", name)] = repr(pragma("table_info", name))
            found[("foreign keys", name)] = repr(
                sorted((r[2], r[3], r[4], r[5], r[6]) for r in pragma("foreign_key_list", name))
            )
            indexes = []
            for _seq, index, unique, origin, partial in pragma("index_list", name):
                columns = [r[2] for r in pragma("index_info", f'"{index}"')]
                label = "" if str(index).startswith("sqlite_autoindex") else str(index)
                indexes.append((label, unique, origin, partial, columns))
            found[("indexes", name)] = repr(sorted(indexes))
    engine.dispose()
    return found


def postgresql_schema(url: str) -> dict[tuple[str, str], str]:
    """Every column, constraint, index, trigger and function of a PostgreSQL database."""
    engine = sa.create_engine(url)
    queries = {
        "column": "SELECT table_name || '.' || column_name, data_type || ' ' || is_nullable "
        "|| ' ' || coalesce(column_default, '') FROM information_schema.columns "
        "WHERE table_schema = current_schema()",
        "constraint": "SELECT conrelid::regclass || '.' || conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace",
        "index": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()",
        "trigger": "SELECT tgrelid::regclass || '.' || tgname, pg_get_triggerdef(oid) "
        "FROM pg_trigger WHERE NOT tgisinternal",
        "function": "SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
        "WHERE pronamespace = current_schema()::regnamespace",
    }
    found: dict[tuple[str, str], str] = {}
    with engine.connect() as connection:
        for kind, query in queries.items():
            for name, definition in connection.exec_driver_sql(query):
                found[(kind, str(name))] = _normalised(str(definition))
    engine.dispose()
    return found


def _schema(url: str) -> dict[tuple[str, str], str]:
    return sqlite_schema(url) if url.startswith("sqlite") else postgresql_schema(url)


def _migrate_to(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def _differences(old: dict[tuple[str, str], str], new: dict[tuple[str, str], str]) -> list[str]:
    return [
        f"{key}: upgraded {old.get(key)!r} != new {new.get(key)!r}"
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def _fresh(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_database(url, now=NOW)
    return url


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_an_upgraded_database_has_exactly_the_schema_of_a_new_one(
    any_url: str, tmp_path: Path, revision: str
) -> None:
    if any_url.startswith("sqlite"):
        old, new = f"sqlite:///{tmp_path / 'old.db'}", _fresh(tmp_path)
    else:  # the fixture made the database at the current revision: start again below it
        old, new = any_url, None
        _downgrade_to_base(any_url)
    _migrate_to(old, revision)
    upgrade_database(old, now=NOW)
    expected = _schema(new) if new is not None else _fresh_postgresql_schema(any_url)
    assert _differences(_schema(old), expected) == []


def _downgrade_to_base(url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    engine.dispose()


_FRESH_PG: dict[str, dict[tuple[str, str], str]] = {}


def _fresh_postgresql_schema(url: str) -> dict[tuple[str, str], str]:
    """The schema of a new PostgreSQL database (made once per test run)."""
    import uuid

    from tests.conftest import PG_ADMIN_URL

    if "schema" not in _FRESH_PG:
        assert PG_ADMIN_URL is not None
        name = f"tracker_fresh_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        fresh = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        try:
            upgrade_database(fresh, now=NOW)
            _FRESH_PG["schema"] = postgresql_schema(fresh)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.dispose()
    return _FRESH_PG["schema"]


def test_the_released_example_upgrades_to_the_schema_of_a_new_database(tmp_path: Path) -> None:
    copy = tmp_path / "forecasts.db"
    shutil.copyfile(RELEASED_0006, copy)
    url = f"sqlite:///{copy}"
    before = sqlite_schema(url)
    assert ("trigger", "resolution_amends_same_question") not in before  # what it lacked
    upgrade_database(url, now=NOW)
    assert _differences(sqlite_schema(url), sqlite_schema(_fresh(tmp_path))) == []
    assert verify(url=url, now=NOW).intact


def _record_columns() -> dict[str, list[str]]:
    tables = {table.name: [c.name for c in table.columns] for table in METADATA.sorted_tables}
    return {**tables, "alembic_version": ["version_num"]}


def _unaccounted(tables: dict[str, list[str]]) -> list[str]:
    """Columns neither hashed (CONTENT) nor declared harmless (UNHASHED)."""
    return [
        f"{table}.{column}"
        for table, columns in tables.items()
        for column in columns
        if column not in CONTENT.get(table, ()) and column not in UNHASHED.get(table, {})
    ]


def test_every_column_is_hashed_or_declared_harmless() -> None:
    """A column that changes a score or an attribution must be in the chain: a new column is
    either added to its kind's content (tracker/domain/chain.py CONTENT) or declared harmless
    there (UNHASHED), with the reason."""
    tables = _record_columns()
    assert _unaccounted(tables) == []
    declared = [
        f"{table}.{column}"
        for table, columns in (*CONTENT.items(), *UNHASHED.items())
        for column in columns
        if column not in tables.get(table, ())
    ]
    assert declared == []  # nothing declared that no longer exists


def test_a_new_column_that_is_neither_is_named() -> None:
    tables = _record_columns()
    tables["forecast"] = [*tables["forecast"], "weight"]
    tables["team"] = ["name"]
    assert _unaccounted(tables) == ["forecast.weight", "team.name"]
