"""Opening the database: location checks, SQLite pragmas, schema version and migrations."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as Session

from tracker.config import redact_url, sqlite_path
from tracker.errors import DatabaseError, NotAllowedError

#: Every schema revision this version of tracker knows, oldest first. The last is the current one.
#: A test checks this against the Alembic scripts, so a migration cannot be forgotten here.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
HEAD = REVISIONS[-1]
MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger("tracker")
BUSY_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class SchemaState:
    """What `tracker db status` reports."""

    url: str
    revision: str | None
    head: str
    exists: bool

    @property
    def current(self) -> bool:
        """The schema is the one this tracker writes."""
        return self.revision == self.head

    @property
    def newer(self) -> bool:
        """The schema comes from a newer tracker (unknown revision)."""
        return self.revision is not None and self.revision not in REVISIONS


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # Take the write lock at BEGIN, so concurrent writers queue on busy_timeout instead of
    # failing mid-transaction when a read lock cannot be upgraded.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_sqlite_location(path: Path, *, must_exist: bool) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory; give a database file with --db.")
    if path.exists():
        with path.open("rb") as handle:
            header = handle.read(16)
        if header and header != b"SQLite format 3\x00":
            raise DatabaseError(f"{path} is not a SQLite database; give another file with --db.")
        return
    if must_exist:
        raise DatabaseError(
            f"No database at {path}. Create one by adding a question (tracker add), "
            "importing (tracker import FILE), or with tracker db upgrade."
        )
    if not path.parent.is_dir():
        raise DatabaseError(f"Cannot create {path}: the folder {path.parent} does not exist.")
    import os

    if not os.access(path.parent, os.W_OK):
        raise DatabaseError(f"Cannot create {path}: the folder {path.parent} is not writable.")


def remove_if_empty(path: Path) -> None:
    """Delete a SQLite file (and its WAL files) that holds a schema but no records."""
    if not path.exists():
        return
    try:
        connection = sqlite3.connect(path)
        try:
            counts = [
                connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("source", "question", "forecaster")
            ]
        finally:
            connection.close()
    except sqlite3.Error:
        return
    if not any(counts):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def make_engine(url: str, *, write: bool = True) -> Engine:
    """Create an engine for `url` with tracker's settings (WAL, foreign keys, busy timeout).

    On SQLite a writing engine takes the write lock when its transaction begins (so concurrent
    writers queue instead of failing half way); a reading one never waits for writers.
    """
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"isolation_level": None})
            event.listen(engine, "connect", _set_sqlite_pragmas)
            event.listen(engine, "begin", _begin_immediate if write else _begin_deferred)
            return engine
        return sa.create_engine(url, pool_pre_ping=False)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseError(f"Cannot use database URL {redact_url(url)}: {exc}") from exc


def _begin_deferred(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def read_revision(connection: sa.Connection) -> str | None:
    """Return the stored schema revision, or None when there is none.

    A couple of small queries: opening a current database never loads Alembic.
    """
    if connection.dialect.name == "sqlite":
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
    else:
        exists = connection.execute(
            sa.text("SELECT 1 WHERE to_regclass('alembic_version') IS NOT NULL")
        ).first()
    if exists is None:
        return None
    value = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return str(value) if value is not None else None


def run_migrations(engine: Engine) -> None:
    """Upgrade the schema to the current revision with Alembic (loaded only here)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A migration that rebuilds a table (SQLite cannot drop a column a foreign key
            # names) drops the old table, which foreign keys would refuse while others point
            # at it: they are off for the upgrade (only possible outside a transaction) and
            # checked whole before it commits.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise DatabaseError(
                            f"The upgrade would leave {broken[0]} row {broken[1]} pointing at "
                            f"a missing {broken[2]}; nothing was changed."
                        )
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database with the online backup API: consistent even while others write."""
    origin = sqlite3.connect(source)
    try:
        destination = sqlite3.connect(target)
        try:
            with destination:
                origin.backup(destination)
        finally:
            destination.close()
    finally:
        origin.close()


class Database:
    """An opened, schema-checked database; hands out sessions."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except sa.exc.DBAPIError as exc:
                session.rollback()
                refusal = refused(exc, self.url)
                if refusal is None:
                    raise
                raise refusal from exc
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def refused(exc: sa.exc.DBAPIError, url: str) -> DatabaseError | None:
    """The one-line error for a write the database refused (a role without the grant, a
    trigger guarding who writes, a read-only file), or None for anything else."""
    original = exc.orig
    if getattr(original, "sqlstate", None) == "42501":  # PostgreSQL: insufficient privilege
        diag = getattr(original, "diag", None)
        message = getattr(diag, "message_primary", None) or str(original).splitlines()[0]
        if message.startswith(("permission denied for sequence", "permission denied for function")):
            # a new row's number, or a writer's turn: what every write starts with
            message = "your database role may not add to this record"
        return NotAllowedError(
            f"Not allowed: {message}. Your database role decides what you may record "
            "(analyst, resolver, reviewer: see docs/team.md)."
        )
    if getattr(original, "sqlstate", None) == "55P03":  # PostgreSQL: lock_timeout
        diag = getattr(original, "diag", None)
        message = getattr(diag, "message_primary", None) or ""
        if message.startswith("the writers' turn is held by"):  # tracker_take_turn()
            return DatabaseError(
                f"The team database is busy: {message}. Try again in a moment, or ask them "
                "to finish (docs/team.md: taking turns)."
            )
        return DatabaseError(
            "The team database is busy: another writer has held a lock for 15 seconds. "
            "Try again in a moment."
        )
    text = str(original)
    if isinstance(original, sqlite3.OperationalError) and "readonly database" in text:
        return _read_only("write", url)
    return None


def _read_only(verb: str, url: str) -> NotAllowedError:
    """SQLite could not write the file, or not open it to write its -wal and -shm beside it."""
    path = sqlite_path(url)
    return NotAllowedError(
        f"Cannot {verb} {path if path is not None else redact_url(url)}: the database is "
        "read-only here (SQLite needs to write the file and its -wal and -shm files beside "
        "it: check the permissions of the file and its folder)."
    )


def _translate(exc: Exception, url: str) -> DatabaseError:
    message = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    path = sqlite_path(url)
    if path is not None and ("unable to open database file" in message or "readonly" in message):
        return _read_only("write" if "readonly" in message else "open", url)
    return DatabaseError(f"Cannot open database {redact_url(url)}: {message}")


def _newer(url: str, revision: str) -> DatabaseError:
    return DatabaseError(
        f"The database {redact_url(url)} has schema {revision}, newer than this tracker "
        f"knows ({HEAD}). Upgrade tracker to use it."
    )


def _inspect(engine: Engine, url: str) -> tuple[str | None, bool]:
    """The stored revision and whether the database holds no tables at all."""
    with engine.connect() as connection:
        revision = read_revision(connection)
        empty = revision is None and not sa.inspect(connection).get_table_names()
    if revision is not None and revision not in REVISIONS:
        raise _newer(url, revision)
    if revision is None and not empty:
        raise DatabaseError(
            f"{redact_url(url)} holds tables but no tracker schema; give another database."
        )
    return revision, empty


def _migrate(engine: Engine, url: str, revision: str | None, now: datetime) -> None:
    """Bring the schema to HEAD; an existing SQLite file is first copied aside."""
    path = sqlite_path(url)
    copy = None
    if path is not None and revision is not None:
        copy = path.with_name(f"{path.name}.bak-{revision}-{now:%Y%m%dT%H%M%SZ}")
        _copy_sqlite(path, copy)
    run_migrations(engine)
    if copy is not None:
        log.warning(
            "Upgraded %s from schema %s to %s; the old file is kept as %s.",
            path,
            revision,
            HEAD,
            copy,
        )


def open_database(url: str, *, write: bool, now: datetime) -> Database:
    """Open the database at `url`, checking and if needed creating or upgrading its schema.

    `write`: the command writes, so a missing SQLite file may be created; read commands refuse
    a missing file. An older SQLite file is upgraded after a copy is kept beside it; a
    PostgreSQL database that needs an upgrade is refused (run `tracker db upgrade`); a newer
    schema is always refused. Raises DatabaseError with one line that says what to do.
    """
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_location(path, must_exist=not write)
    engine = make_engine(url, write=write)
    try:
        revision, empty = _inspect(engine, url)
        if revision == HEAD:
            if write:
                _refuse_an_example(engine, url)
            return Database(url, engine)
        if not url.startswith("sqlite"):  # a shared server is only upgraded explicitly
            raise DatabaseError(
                f"The database {redact_url(url)} "
                + ("has no tracker schema yet" if empty else f"has schema {revision}")
                + f" and needs an upgrade to {HEAD}. Run: tracker db upgrade"
            )
        _migrate(engine, url, revision, now)
        if write:
            _refuse_an_example(engine, url)
        return Database(url, engine)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise _translate(exc, url) from exc
    except BaseException:
        engine.dispose()
        raise


def _refuse_an_example(engine: Engine, url: str) -> None:
    """A ledger marked as an example (the bundled forecasts.db) takes no writes."""
    from tracker.storage.settings import refuse_if_example

    with engine.connect() as connection:
        refuse_if_example(connection, url)


def schema_state(url: str) -> SchemaState:
    """Report the stored and current schema revision without changing anything."""
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_location(path, must_exist=False)
        if not path.exists():
            return SchemaState(url=url, revision=None, head=HEAD, exists=False)
    engine = make_engine(url, write=False)
    try:
        with engine.connect() as connection:
            revision = read_revision(connection)
    except sa.exc.SQLAlchemyError as exc:
        raise _translate(exc, url) from exc
    finally:
        engine.dispose()
    return SchemaState(url=url, revision=revision, head=HEAD, exists=True)


def upgrade_database(url: str, *, now: datetime) -> SchemaState:
    """Create or upgrade the schema explicitly (how a shared PostgreSQL database is upgraded).

    The same checks as opening: a newer schema or a database of something else is refused.
    """
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_location(path, must_exist=False)
    engine = make_engine(url)
    try:
        revision, _ = _inspect(engine, url)
        if revision != HEAD:
            _migrate(engine, url, revision, now)
    except sa.exc.SQLAlchemyError as exc:
        raise _translate(exc, url) from exc
    finally:
        engine.dispose()
    return SchemaState(url=url, revision=HEAD, head=HEAD, exists=True)


def backup_sqlite(url: str, target: Path) -> Path:
    """Copy a SQLite database consistently with the online backup API, even while others write."""
    path = sqlite_path(url)
    if path is None:
        raise DatabaseError(
            "tracker db backup copies SQLite files; back up PostgreSQL with pg_dump."
        )
    _check_sqlite_location(path, must_exist=True)
    if target.exists():
        raise DatabaseError(f"{target} already exists; choose another file.")
    if not target.parent.is_dir():
        raise DatabaseError(f"Cannot write {target}: the folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    try:
        _copy_sqlite(path, partial)
        partial.replace(target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"Backup to {target} failed: {exc}") from exc
    return target
