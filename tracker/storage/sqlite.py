"""SQLite files: opening them for reading or writing, waiting out a busy database, creating a new
file without a race, and naming in one line what went wrong.

The rules are described for users in docs/data-format.md ("Storage").
"""

from __future__ import annotations

import errno
import os
import random
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import Enum
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from tracker.errors import DatabaseError, NotAllowedError

#: How long a command waits for a busy database (another writer's lock, another command creating
#: the file) before it gives up with one line. Documented in docs/data-format.md; tests lower it.
BUSY_WAIT_SECONDS = 60.0
#: Pauses between two tries (seconds). SQLite's own busy handler sleeps longer the longer it has
#: waited (up to 100 ms), so under a steady stream of writers the one that has waited longest
#: keeps losing the lock to newcomers. tracker retries itself: quickly at first (2, 4, 8 ...
#: ms, for a lock held briefly), then every AGING / waited seconds (within the bounds), so a
#: writer polls more often the longer it has waited and the lock tends to go to the one that
#: has waited longest.
PAUSE_MIN_SECONDS = 0.002
PAUSE_MAX_SECONDS = 0.05
AGING = 0.005
HEADER = b"SQLite format 3\x00"
#: What SQLite may keep beside a database file while it is in use.
COMPANIONS = ("-wal", "-shm", "-journal")

T = TypeVar("T")


class Access(Enum):
    """How a SQLite file is opened."""

    WRITE = "write"  # read-write, WAL, writers take the lock at BEGIN
    READ = "read"  # read-write connection that only reads (it tidies the WAL files on close)
    READ_ONLY = "read-only"  # mode=ro: the file or its folder is not writable here
    IMMUTABLE = "immutable"  # immutable=1: a folder nobody can write in, so nobody is writing


def _busy(error: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED, with any extended code ('database is locked', 'database
    table is locked', a stale WAL snapshot)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return isinstance(error, sqlite3.OperationalError) and "is locked" in str(error)


def _pauses() -> Iterator[float]:
    """Pauses between tries (see AGING), each jittered so that waiters do not march in step."""
    started = time.monotonic()
    quick = PAUSE_MIN_SECONDS
    while True:
        waited = max(time.monotonic() - started, 1e-6)
        patient = min(PAUSE_MAX_SECONDS, max(PAUSE_MIN_SECONDS, AGING / waited))
        yield random.uniform(0.5, 1.0) * min(quick, patient)
        quick *= 2


def busy_error(shown: str) -> DatabaseError:
    """The one line for a database that stayed busy for the whole wait."""
    return DatabaseError(
        f"The database {shown} stayed busy: another command held its write lock for "
        f"{BUSY_WAIT_SECONDS:g} seconds, so nothing was recorded. Try again in a moment; if it "
        "stays busy, look for a program that keeps a transaction open on it."
    )


def wait_while_busy(attempt: Callable[[], T], *, shown: str) -> T:
    """Run `attempt` (one SQLite statement that either takes effect or not) until it succeeds,
    retrying with short jittered pauses while the database is busy, for at most
    BUSY_WAIT_SECONDS. Raises DatabaseError naming the cause when the wait runs out."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    pauses = _pauses()
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as exc:
            remaining = deadline - time.monotonic()
            if not _busy(exc):
                raise
            if remaining <= 0:
                raise busy_error(shown) from exc
            time.sleep(min(next(pauses), remaining))


def is_wal(path: Path) -> bool:
    """The file's header says WAL mode (its read and write versions are 2)."""
    with path.open("rb") as handle:
        header = handle.read(20)
    return header[18:20] == b"\x02\x02"


def _nobody_can_write_in(folder: Path) -> bool:
    """No one can create a file in `folder`: a read-only file system, or no write permission
    for anyone. Then no writer can be at work (a writer always has a -wal or -journal beside the
    file), and reading the file as immutable is safe."""
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
        return not os.stat(folder).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    except (OSError, AttributeError):  # no statvfs on this platform
        return False


def read_access(path: Path, *, shown: str) -> Access:
    """How a read-only command opens the existing file `path`.

    Where its folder is writable, as usual (SQLite makes the -wal and -shm files it needs).
    Where it is not: read-only (mode=ro) when SQLite needs no new file (a database not in WAL
    mode, or one whose -wal and -shm exist), else as immutable when nobody can be writing it.
    Raises DatabaseError when neither is safe.
    """
    folder = path.parent
    if os.access(folder, os.W_OK):
        return Access.READ
    if not is_wal(path):
        return Access.READ_ONLY
    wal, shm = (Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm"))
    if wal and shm:
        return Access.READ_ONLY
    if not wal and _nobody_can_write_in(folder):
        return Access.IMMUTABLE
    if wal:  # left by a writer that stopped before it could fold it into the database
        raise DatabaseError(
            f"Cannot read {shown}: its folder {folder} is read-only for you, and SQLite needs to "
            f"create {path.name}-shm there to read the writes still in {path.name}-wal. Ask "
            "someone who may write in the folder to run any tracker command on it once."
        )
    raise DatabaseError(
        f"Cannot read {shown}: its folder {folder} is read-only for you but others may write in "
        f"it, and SQLite needs to create {path.name}-shm there to read safely. Ask for write "
        "access to the folder, or copy the database elsewhere and read the copy."
    )


def connect(path: Path | None, access: Access) -> sqlite3.Connection:
    """A DB-API connection to the file at `path` (None: a database in memory), opened as
    `access` says; transactions are begun explicitly (see begin_transaction)."""
    if path is None:
        target, uri = ":memory:", False
    elif access in (Access.WRITE, Access.READ):
        target, uri = str(path), False
    else:
        target = f"file:{quote(str(path))}?mode=ro"
        target += "&immutable=1" if access is Access.IMMUTABLE else ""
        uri = True
    return sqlite3.connect(target, uri=uri, isolation_level=None, check_same_thread=False)


def set_pragmas(connection: sqlite3.Connection, access: Access, *, shown: str) -> None:
    """Per-connection settings: busy timeout, foreign keys, WAL (where it may be written)."""
    # The busy timeout is the safety net for statements other than BEGIN (which tracker retries
    # itself, see begin_transaction).
    connection.execute(f"PRAGMA busy_timeout = {int(BUSY_WAIT_SECONDS * 1000)}")
    connection.execute("PRAGMA foreign_keys = ON")
    if access in (Access.WRITE, Access.READ):
        # Switching to WAL reads the header and can meet a connection that is closing the
        # database and removing its WAL: SQLite then answers SQLITE_BUSY without waiting.
        wait_while_busy(lambda: connection.execute("PRAGMA journal_mode = WAL"), shown=shown)
        connection.execute("PRAGMA synchronous = NORMAL")


def begin_transaction(connection: sqlite3.Connection, *, write: bool, shown: str) -> None:
    """BEGIN a transaction. A writing one takes the write lock at once (BEGIN IMMEDIATE), so
    concurrent writers queue here instead of failing half way when a read lock cannot be
    upgraded; tracker does the waiting itself (see AGING)."""
    if not write:
        connection.execute("BEGIN")
        return
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        wait_while_busy(lambda: connection.execute("BEGIN IMMEDIATE"), shown=shown)
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_WAIT_SECONDS * 1000)}")


def failure(error: BaseException, *, shown: str) -> DatabaseError | None:
    """The one line for a SQLite error that is no bug of tracker's: a busy, damaged, full,
    read-only or unreadable database. None for anything else."""
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if code is not None else None
    detail = str(error).strip().splitlines()[0] if str(error).strip() else "error"
    if _busy(error):
        return busy_error(shown)
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return DatabaseError(
            f"The database {shown} is damaged ({detail}); nothing was written. Restore it from "
            f"a backup, or save what is still readable with: sqlite3 {shown} .recover"
        )
    if primary == sqlite3.SQLITE_FULL or (primary == sqlite3.SQLITE_IOERR and _no_room(shown)):
        return DatabaseError(
            f"The disk holding {shown} is full ({detail}); nothing was recorded. Free some "
            "space and run the command again."
        )
    if primary == sqlite3.SQLITE_IOERR:
        return DatabaseError(
            f"Cannot read or write {shown}: the disk reported an error ({detail}); nothing was "
            "recorded. Check the disk and the file, then run the command again."
        )
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return read_only_error("write" if primary == sqlite3.SQLITE_READONLY else "open", shown)
    if detail.startswith(("no such table", "no such column")):
        # The schema says it is current, but a table or column of it is gone.
        return DatabaseError(
            f"The database {shown} lacks part of tracker's schema ({detail}): it was changed "
            "behind tracker's back or is damaged; nothing was written. Restore it from a "
            "backup (tracker db backup makes them)."
        )
    return None


def _no_room(shown: str) -> bool:
    """The folder of the database file `shown` has no free space left (SQLite reports a disk
    I/O error, not a full disk, when it cannot even make its -shm file)."""
    try:
        status = os.statvfs(Path(shown).parent)
    except (OSError, ValueError, AttributeError):
        return False
    return status.f_bavail == 0


def read_only_error(verb: str, shown: str) -> DatabaseError:
    """SQLite could not write the file, or not open it to write its -wal and -shm beside it."""
    return NotAllowedError(
        f"Cannot {verb} {shown}: the database is read-only here (SQLite needs to write the file "
        "and its -wal and -shm files beside it: check the permissions of the file and its "
        "folder)."
    )


def copy(source: Path, target: Path, *, access: Access = Access.READ) -> None:
    """Copy a SQLite database with the online backup API: consistent even while others write."""
    origin = connect(source, access)
    try:
        destination = sqlite3.connect(target)
        try:
            with destination:
                origin.backup(destination)
        finally:
            destination.close()
    finally:
        origin.close()


def remove_with_companions(path: Path) -> None:
    """Remove a file of tracker's own making and whatever SQLite kept beside it."""
    for suffix in ("", *COMPANIONS):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _settle(path: Path, *, shown: str) -> None:
    """Make sure a closed database lives wholly in its main file: no -wal to lose when only
    the main file is put in place. (The last connection to close normally sees to that.)"""
    if Path(f"{path}-wal").exists():
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    if Path(f"{path}-wal").exists():
        raise DatabaseError(
            f"Could not finish writing the new database {shown}; nothing was recorded. Run the "
            "command again."
        )
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


@contextmanager
def _folder_locked(folder: Path, *, shown: str) -> Iterator[int | None]:
    """Hold an exclusive flock on `folder` (waiting at most BUSY_WAIT_SECONDS); yields the
    folder's descriptor, or None where the file system has no such locks."""
    try:
        import fcntl
    except ImportError:  # no flock on this platform: the no-replace link alone decides
        yield None
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        descriptor = None
    try:
        if descriptor is not None:
            deadline = time.monotonic() + BUSY_WAIT_SECONDS
            pauses = _pauses()
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        # The lock is the folder's: the other command may be creating
                        # another database there (a long first import, say).
                        raise DatabaseError(
                            f"Another command has been creating a database in the folder of "
                            f"{shown} for {BUSY_WAIT_SECONDS:g} seconds (new databases in one "
                            "folder are made one at a time); nothing was recorded. Try again "
                            "when it has finished."
                        ) from None
                    time.sleep(min(next(pauses), remaining))
                except OSError:  # no locks here (some network file systems): go on without
                    break
        yield descriptor
    finally:
        if descriptor is not None:
            os.close(descriptor)  # releases the lock


def _new_temporary(path: Path, *, shown: str) -> Path:
    """An empty file beside `path` under a name nobody else uses (mode 0644 less the umask,
    as SQLite would create it)."""
    for _ in range(100):
        candidate = path.with_name(f".{path.name}.{os.urandom(6).hex()}.new")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            continue
        except OSError as exc:
            raise DatabaseError(f"Cannot create {shown}: {exc.strerror}.") from None
        return candidate
    raise DatabaseError(f"Cannot create {shown}: no free temporary name beside it.")


def _put_in_place(temporary: Path, path: Path, *, shown: str) -> None:
    """Give the finished database its name without ever replacing a file that appeared there."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise DatabaseError(
            f"{shown} was created by another program while this command ran; nothing was "
            "recorded. Run the command again."
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            raise DatabaseError(f"Cannot create {shown}: {exc.strerror}.") from None
        # A file system without hard links: a rename, still under the folder lock.
        if os.path.lexists(path):
            raise DatabaseError(
                f"{shown} was created by another program while this command ran; nothing was "
                "recorded. Run the command again."
            ) from None
        try:
            os.rename(temporary, path)
        except OSError as failed:
            raise DatabaseError(f"Cannot create {shown}: {failed.strerror}.") from None


@contextmanager
def first_use(path: Path, *, shown: str) -> Iterator[Path | None]:
    """Create the missing SQLite file `path` safely: yields a temporary file beside it to build
    the new database in (schema and the command's own write, committed and closed by the block),
    then puts it in place; yields None when the file exists by the time the folder lock is held
    (open it as usual).

    First users are serialised by an exclusive lock on the folder, held from the existence
    check to the link. The link never replaces a file. On any failure only the temporary files
    are removed: a file at `path` is never removed.
    """
    with _folder_locked(path.parent, shown=shown) as folder:
        if os.path.lexists(path):
            yield None
            return
        temporary = _new_temporary(path, shown=shown)
        try:
            yield temporary
            try:
                _settle(temporary, shown=shown)
            except sqlite3.Error as exc:
                raise failure(exc, shown=shown) or DatabaseError(
                    f"Cannot create {shown}: {exc}."
                ) from None
            except OSError as exc:
                raise DatabaseError(f"Cannot create {shown}: {exc.strerror}.") from None
            _put_in_place(temporary, path, shown=shown)
            if folder is not None:
                # The new name reaches the disk before success is printed. (The write is in
                # place by now: a file system that cannot sync a folder is no failure.)
                with suppress(OSError):
                    os.fsync(folder)
        finally:
            with suppress(OSError):  # a leftover temporary is harmless (docs/data-format.md)
                remove_with_companions(temporary)
