"""Opening the database: location checks, schema version and migrations, backups.

SQLite specifics (how a file is opened, waiting out a busy database, creating a new file without
a race, what each SQLite failure means) live in tracker.storage.sqlite.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
from tracker.storage import sqlite
from tracker.storage.sqlite import Access

#: Every schema revision this version of tracker knows, oldest first. The last is the current one.
#: A test checks this against the Alembic scripts, so a migration cannot be forgotten here.
REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
)
HEAD = REVISIONS[-1]
MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger("tracker")
#: An execution option: this connection only looks (reads the schema revision), so even on a
#: writing engine its transaction does not take the write lock.
PEEK = "tracker_peek"


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


def _shown(url: str) -> str:
    """How messages name the database: its file, or its URL without the password."""
    path = sqlite_path(url)
    return str(path) if path is not None else redact_url(url)


def _check_sqlite_location(path: Path, *, must_exist: bool) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory; give a database file with --db.")
    if path.exists():
        try:
            with path.open("rb") as handle:
                header = handle.read(16)
        except OSError as exc:
            raise DatabaseError(
                f"Cannot read {path}: {exc.strerror}. Check the permissions of the file."
            ) from None
        if header and header != sqlite.HEADER:
            raise DatabaseError(f"{path} is not a SQLite database; give another file with --db.")
        return
    if must_exist:
        raise DatabaseError(
            f"No database at {path}. Create one by adding a question (tracker add), "
            "importing (tracker import FILE), or with tracker db upgrade."
        )
    if not path.parent.is_dir():
        raise DatabaseError(f"Cannot create {path}: the folder {path.parent} does not exist.")
    if not os.access(path.parent, os.W_OK):
        raise DatabaseError(f"Cannot create {path}: the folder {path.parent} is not writable.")


def _sqlite_engine(file: Path | None, access: Access, *, shown: str) -> Engine:
    """An engine on the SQLite file `file` (None: in memory), opened as `access` says.

    A writing engine takes the write lock when its transaction begins, so concurrent writers
    queue (for at most sqlite.BUSY_WAIT_SECONDS) instead of failing half way; a reading one
    never waits for writers.
    """
    engine = sa.create_engine(
        "sqlite://" if file is None else "sqlite:///" + str(file),
        creator=lambda: sqlite.connect(file, access),
    )

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        sqlite.set_pragmas(dbapi_connection, access, shown=shown)

    def on_begin(connection: sa.Connection) -> None:
        writes = access is Access.WRITE and not connection.get_execution_options().get(PEEK)
        raw: Any = connection.connection.dbapi_connection
        sqlite.begin_transaction(raw, write=writes, shown=shown)

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def make_engine(url: str, *, write: bool = True) -> Engine:
    """Create an engine for `url` with tracker's settings (on SQLite: WAL, foreign keys, the
    busy wait, writers taking the lock at BEGIN)."""
    try:
        if url.startswith("sqlite"):
            access = Access.WRITE if write else Access.READ
            return _sqlite_engine(sqlite_path(url), access, shown=_shown(url))
        return sa.create_engine(url, pool_pre_ping=False)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseError(f"Cannot use database URL {redact_url(url)}: {exc}") from exc


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


def run_migrations(connection: sa.Connection) -> None:
    """Upgrade the schema to the current revision with Alembic (loaded only here), inside the
    transaction open on `connection`."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


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
            except (sa.exc.DBAPIError, sqlite3.Error) as exc:
                # sqlite3's own errors come from the bulk paths that use the driver's cursor.
                _roll_back(session)
                refusal = refused(exc, self.url)
                if refusal is None:
                    raise
                raise refusal from exc
            except BaseException:
                _roll_back(session)
                raise

    def close(self) -> None:
        self.engine.dispose()


def _roll_back(session: Session) -> None:
    # A database that failed (damaged, disk full) may fail the rollback too; what the user must
    # hear about is the first failure, and SQLite rolls back on its own what was not committed.
    with suppress(sa.exc.DBAPIError):
        session.rollback()


def refused(exc: sa.exc.DBAPIError | sqlite3.Error, url: str) -> DatabaseError | None:
    """The one-line error for a write the database refused (a role without the grant, a
    trigger guarding who writes, a read-only file) or could not do (a busy, damaged or full
    SQLite database), or None for anything else."""
    original = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
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
    if original is not None:
        return sqlite.failure(original, shown=_shown(url))
    return None


def _translate(exc: Exception, url: str) -> DatabaseError:
    original = getattr(exc, "orig", exc)
    explained = sqlite.failure(original, shown=_shown(url)) if original is not None else None
    if explained is not None:
        return explained
    message = str(original).strip().splitlines()[0]
    return DatabaseError(f"Cannot open database {redact_url(url)}: {message}")


def _newer(url: str, revision: str) -> DatabaseError:
    return DatabaseError(
        f"The database {redact_url(url)} has schema {revision}, newer than this tracker "
        f"knows ({HEAD}). Upgrade tracker to use it."
    )


def _inspect(engine: Engine, url: str) -> tuple[str | None, bool]:
    """The stored revision and whether the database holds no tables at all (read without
    taking the write lock)."""
    with engine.connect() as connection:
        connection.execution_options(**{PEEK: True})
        revision = read_revision(connection)
        empty = revision is None and not sa.inspect(connection).get_table_names()
    if revision is not None and revision not in REVISIONS:
        raise _newer(url, revision)
    if revision is None and not empty:
        raise DatabaseError(
            f"{redact_url(url)} holds tables but no tracker schema; give another database."
        )
    return revision, empty


def _migrate(engine: Engine, url: str, file: Path | None, now: datetime) -> None:
    """Bring the schema to HEAD on a writing engine. The revision is read again under the write
    lock (another command may have upgraded meanwhile); an existing SQLite file is first copied
    aside."""
    with (
        engine.connect() as connection,
        _foreign_keys_checked_at_the_end(connection),
        connection.begin(),
    ):
        revision = read_revision(connection)
        if revision == HEAD:
            return
        if revision is not None and revision not in REVISIONS:
            raise _newer(url, revision)
        copy = None
        if file is not None and revision is not None:
            copy = _free_name(file.with_name(f"{file.name}.bak-{revision}-{now:%Y%m%dT%H%M%SZ}"))
            sqlite.copy(file, copy)
        run_migrations(connection)
        _check_foreign_keys(connection)
    if copy is not None:
        log.warning(
            "Upgraded %s from schema %s to %s; the old file is kept as %s.",
            _shown(url),
            revision,
            HEAD,
            copy,
        )


def _free_name(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`, ... if it is taken (a copy kept aside is never replaced,
    even when two upgrades happen within one second or at one pinned TRACKER_NOW)."""
    candidate, number = path, 1
    while os.path.lexists(candidate):
        number += 1
        candidate = path.with_name(f"{path.name}-{number}")
    return candidate


@contextmanager
def _foreign_keys_checked_at_the_end(connection: sa.Connection) -> Iterator[None]:
    """On SQLite, foreign keys off while migrating (only possible outside a transaction): a
    migration that rebuilds a table (SQLite cannot drop a column a foreign key names) drops the
    old one, which they would refuse while others point at it. `_check_foreign_keys` checks
    them whole before the upgrade commits."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw: Any = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(connection: sa.Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
    if broken is not None:
        raise DatabaseError(
            f"The upgrade would leave {broken[0]} row {broken[1]} pointing at a missing "
            f"{broken[2]}; nothing was changed."
        )


def _open_sqlite(file: Path | None, *, url: str, access: Access, now: datetime) -> Database:
    """Open the SQLite file `file` (None: in memory) as `access` says, and bring its schema to
    HEAD; messages name `url`'s file (the same file, or the one a new database will become)."""
    shown = _shown(url)
    engine = _sqlite_engine(file, access, shown=shown)
    try:
        revision, _ = _inspect(engine, url)
        if revision != HEAD:
            _upgrade_sqlite(engine, file, url=url, access=access, revision=revision, now=now)
        return Database(url, engine)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise _translate(exc, url) from exc
    except BaseException:
        engine.dispose()
        raise


def _upgrade_sqlite(
    engine: Engine,
    file: Path | None,
    *,
    url: str,
    access: Access,
    revision: str | None,
    now: datetime,
) -> None:
    """Migrate a SQLite database that a command opened, on a writing engine (a reading command
    borrows one for the upgrade)."""
    if access is Access.WRITE:
        _migrate(engine, url, file, now)
        return
    if access is not Access.READ or (file is not None and not os.access(file, os.W_OK)):
        raise NotAllowedError(
            f"The database {_shown(url)} has schema {revision or 'none'} and needs an upgrade to "
            f"{HEAD}, but it is read-only here. Someone who may write it can run: "
            "tracker db upgrade"
        )
    writer = _sqlite_engine(file, Access.WRITE, shown=_shown(url))
    try:
        _migrate(writer, url, file, now)
    finally:
        writer.dispose()


def open_database(url: str, *, write: bool, now: datetime) -> Database:
    """Open the database at `url`, checking and if needed creating or upgrading its schema.

    `write`: the command writes, so a missing SQLite file may be created; read commands refuse
    a missing file, and open a file they cannot write read-only. An older SQLite file is
    upgraded after a copy is kept beside it; a PostgreSQL database that needs an upgrade is
    refused (run `tracker db upgrade`); a newer schema is always refused; a ledger marked as an
    example refuses a command that writes. Raises DatabaseError with one line that says what
    to do.
    """
    database = _open(url, write=write, now=now)
    if write:
        try:
            _refuse_an_example(database.engine, url)
        except BaseException:
            database.close()
            raise
    return database


def _refuse_an_example(engine: Engine, url: str) -> None:
    """A ledger marked as an example (the bundled forecasts.db) takes no writes."""
    from tracker.storage.settings import refuse_if_example

    try:
        with engine.connect() as connection:
            connection.execution_options(**{PEEK: True})  # a look, without the write lock
            refuse_if_example(connection, url)
    except sa.exc.SQLAlchemyError as exc:
        raise _translate(exc, url) from exc


def _open(url: str, *, write: bool, now: datetime) -> Database:
    """`open_database` without the example's refusal."""
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_location(path, must_exist=not write)
        access = Access.WRITE if write else sqlite.read_access(path, shown=str(path))
        return _open_sqlite(path, url=url, access=access, now=now)
    if url.startswith("sqlite"):  # in memory (a dry run without a file)
        return _open_sqlite(None, url=url, access=Access.WRITE, now=now)
    engine = make_engine(url, write=write)
    try:
        revision, empty = _inspect(engine, url)
        if revision != HEAD:  # a shared server is only upgraded explicitly
            raise DatabaseError(
                f"The database {redact_url(url)} "
                + ("has no tracker schema yet" if empty else f"has schema {revision}")
                + f" and needs an upgrade to {HEAD}. Run: tracker db upgrade"
            )
        return Database(url, engine)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise _translate(exc, url) from exc
    except BaseException:
        engine.dispose()
        raise


@contextmanager
def new_sqlite_database(url: str, *, now: datetime) -> Iterator[Database | None]:
    """For a SQLite `url` whose file is missing: yield a new database, built in a temporary file
    beside it, which is put in place (never over another file) when the block finishes without
    error, and else removed. Yields None when `url` is not a SQLite file or its file exists by
    the time this command may create it: open it with open_database then.

    While the block runs, other commands that find the file missing wait for it (see
    sqlite.first_use); a file at the database path is never removed.
    """
    path = sqlite_path(url)
    if path is None or os.path.lexists(path):
        yield None
        return
    _check_sqlite_location(path, must_exist=False)
    with sqlite.first_use(path, shown=str(path)) as temporary:
        if temporary is None:
            yield None
            return
        database = _open_sqlite(temporary, url=url, access=Access.WRITE, now=now)
        try:
            yield database
        finally:
            database.close()


def schema_state(url: str) -> SchemaState:
    """Report the stored and current schema revision without changing anything."""
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_location(path, must_exist=False)
        if not path.exists():
            return SchemaState(url=url, revision=None, head=HEAD, exists=False)
        access = sqlite.read_access(path, shown=str(path))
        engine = _sqlite_engine(path, access, shown=str(path))
    else:
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

    The same checks as opening: a newer schema or a database of something else is refused. A
    missing SQLite file is created as the first write to it would be (new_sqlite_database).
    """
    if sqlite_path(url) is not None:
        with new_sqlite_database(url, now=now) as database:
            created = database is not None
        if not created:
            open_database(url, write=True, now=now).close()
        return SchemaState(url=url, revision=HEAD, head=HEAD, exists=True)
    engine = make_engine(url)
    try:
        revision, _ = _inspect(engine, url)
        if revision != HEAD:
            _migrate(engine, url, None, now)
    except sa.exc.SQLAlchemyError as exc:
        raise _translate(exc, url) from exc
    finally:
        engine.dispose()
    return SchemaState(url=url, revision=HEAD, head=HEAD, exists=True)


def backup_sqlite(url: str, target: Path) -> Path:
    """Copy a SQLite database consistently with the online backup API, even while others
    write, to `target`, which must not exist: the copy is written beside it under a temporary
    name and linked into place, so a file that appears there meanwhile is never replaced.

    Raises DatabaseError with one line (a full disk, a target that exists, ...).
    """
    path = sqlite_path(url)
    if path is None:
        raise DatabaseError(
            "tracker db backup copies SQLite files; back up PostgreSQL with pg_dump."
        )
    _check_sqlite_location(path, must_exist=True)
    if os.path.lexists(target):
        raise DatabaseError(f"{target} already exists; choose another file.")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise DatabaseError(f"Cannot write {target}: the folder {folder} does not exist.")
    access = sqlite.read_access(path, shown=str(path))
    partial: Path | None = None
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".partial")
        os.close(handle)
        partial = Path(name)
        # mkstemp makes a private file; a backup gets what any new file gets (0666 less umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o666 & ~umask)
        sqlite.copy(path, partial, access=access)
        with partial.open("rb") as copied:
            os.fsync(copied.fileno())
        os.link(partial, target)
    except FileExistsError:
        raise DatabaseError(f"{target} already exists; choose another file.") from None
    except (sqlite3.Error, OSError) as exc:
        raise _backup_failed(exc, path, target) from exc
    finally:
        if partial is not None:
            sqlite.remove_with_companions(partial)
    return target


def _backup_failed(exc: sqlite3.Error | OSError, path: Path, target: Path) -> DatabaseError:
    """One line for a backup that could not be written (nothing is left at the target)."""
    import errno

    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if full or getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_FULL:
        return DatabaseError(
            f"Cannot back up to {target}: the disk is full; nothing was written. Free some "
            "space or choose another place."
        )
    if isinstance(exc, sqlite3.Error):
        explained = sqlite.failure(exc, shown=str(path))
        if explained is not None:
            return explained
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return DatabaseError(f"Backup to {target} failed: {detail}; nothing was written.")
