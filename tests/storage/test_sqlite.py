"""SQLite files: a missing database is created without a race, a busy one is waited for within a
limit, and what SQLite reports is one line that says what to do."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import NOW
from tracker.errors import DatabaseError, InputError
from tracker.services.database import verify
from tracker.services.ledger import add_question, list_questions
from tracker.services.workspace import unit_of_work
from tracker.storage import sqlite
from tracker.storage.database import HEAD, schema_state, upgrade_database


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _add(session: object, title: str = "T") -> None:
    add_question(
        session=session,  # type: ignore[arg-type]
        title=title,
        criteria="C",
        deadline="+1m",
        created_by="ani",
        now=NOW,
    )


def test_a_failing_first_command_leaves_no_file_and_no_temporary(
    db_url: str, isolated_database: Path
) -> None:
    with (
        pytest.raises(InputError, match="bad input"),
        unit_of_work(db_url, write=True, now=NOW) as session,
    ):
        _add(session)  # written to the new database, then undone with it
        raise InputError("bad input")
    assert _files(isolated_database.parent) == []


def test_a_first_command_builds_the_database_beside_it_and_puts_it_in_place_when_done(
    db_url: str, isolated_database: Path
) -> None:
    folder = isolated_database.parent
    with unit_of_work(db_url, write=True, now=NOW) as session:
        _add(session)
        session.flush()
        # Until the command has committed, the database path stays free: nobody can open a
        # half-made database or write into a file that is about to be removed.
        assert not isolated_database.exists()
        [building] = [name for name in _files(folder) if not name.endswith(("-wal", "-shm"))]
        assert building.startswith(".forecasts.db.") and building.endswith(".new")
    assert _files(folder) == ["forecasts.db"]  # no temporary, no -wal or -shm left
    assert sqlite.is_wal(isolated_database)
    assert schema_state(db_url).revision == HEAD
    with unit_of_work(db_url, write=False, now=NOW) as session:
        assert [s.question.title for s in list_questions(session=session, today=NOW.date())] == [
            "T"
        ]
    assert verify(url=db_url, now=NOW).intact


def test_a_database_that_appears_meanwhile_is_never_replaced_nor_removed(
    db_url: str, isolated_database: Path
) -> None:
    appeared = "was created by another program while this command ran; nothing was recorded"
    with (
        pytest.raises(DatabaseError, match=appeared),
        unit_of_work(db_url, write=True, now=NOW) as session,
    ):
        _add(session)
        # another program (one that does not take tracker's folder lock) creates the file
        with sqlite3.connect(isolated_database) as other:
            other.execute("CREATE TABLE theirs (x)")
            other.execute("INSERT INTO theirs VALUES (42)")
        other.close()
    assert _files(isolated_database.parent) == ["forecasts.db"]
    with sqlite3.connect(isolated_database) as other:
        assert other.execute("SELECT x FROM theirs").fetchall() == [(42,)]
    other.close()


def test_a_command_waits_for_another_creating_the_database_for_a_bounded_time(
    db_url: str, isolated_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "BUSY_WAIT_SECONDS", 0.2)
    folder = os.open(isolated_database.parent, os.O_RDONLY)
    fcntl.flock(folder, fcntl.LOCK_EX)  # as a first command creating the database does
    try:
        with (
            pytest.raises(DatabaseError) as refused,
            unit_of_work(db_url, write=True, now=NOW) as session,
        ):
            _add(session)
    finally:
        os.close(folder)
    assert str(refused.value) == (
        f"Another command has been creating a database in the folder of {isolated_database} "
        "for 0.2 seconds (new databases in one folder are made one at a time); nothing was "
        "recorded. Try again when it has finished."
    )
    assert _files(isolated_database.parent) == []


def test_the_second_first_user_writes_into_the_database_the_first_one_made(
    db_url: str, isolated_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = threading.Event()
    pauses = sqlite._pauses

    def noticed() -> Iterator[float]:
        waiting.set()  # the second command found the folder locked and waits
        yield from pauses()

    monkeypatch.setattr(sqlite, "_pauses", noticed)
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with unit_of_work(db_url, write=True, now=NOW) as session:
                _add(session, "second")
        except BaseException as exc:  # reported below
            failures.append(exc)

    thread = threading.Thread(target=second)
    with unit_of_work(db_url, write=True, now=NOW) as first:
        _add(first, "first")
        thread.start()  # it too finds no file
        assert waiting.wait(timeout=60)
        assert not isolated_database.exists()
    thread.join(timeout=120)
    assert failures == []
    with unit_of_work(db_url, write=False, now=NOW) as session:
        titles = {s.question.title for s in list_questions(session=session, today=NOW.date())}
    assert titles == {"first", "second"}
    assert _files(isolated_database.parent) == ["forecasts.db"]


def test_db_upgrade_creates_a_missing_file_at_the_current_schema_and_nothing_else(
    db_url: str, isolated_database: Path
) -> None:
    assert upgrade_database(db_url, now=NOW).revision == HEAD
    assert _files(isolated_database.parent) == ["forecasts.db"]
    assert schema_state(db_url).revision == HEAD


def test_a_writer_waits_while_another_holds_the_lock_briefly(
    db_url: str, isolated_database: Path
) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        _add(session, "first")
    holder = sqlite3.connect(isolated_database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    released = threading.Timer(0.5, holder.execute, args=("COMMIT",))
    released.start()
    try:
        with unit_of_work(db_url, write=True, now=NOW) as session:
            _add(session, "second")  # waits for the lock, then writes
    finally:
        released.join()
        holder.close()
    with unit_of_work(db_url, write=False, now=NOW) as session:
        assert len(list_questions(session=session, today=NOW.date())) == 2


def test_a_lock_held_past_the_limit_is_one_error_naming_the_cause(
    db_url: str, isolated_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        _add(session, "first")
    monkeypatch.setattr(sqlite, "BUSY_WAIT_SECONDS", 0.3)
    holder = sqlite3.connect(isolated_database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with (
            pytest.raises(DatabaseError) as refused,
            unit_of_work(db_url, write=True, now=NOW) as session,
        ):
            _add(session, "second")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(refused.value).startswith(
        f"The database {isolated_database} stayed busy: another command held its write lock "
        "for 0.3 seconds, so nothing was recorded."
    )


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        (sqlite3.SQLITE_BUSY, "SQLITE_BUSY", "stayed busy"),
        (sqlite3.SQLITE_LOCKED, "SQLITE_LOCKED", "stayed busy"),
        (517, "SQLITE_BUSY_SNAPSHOT", "stayed busy"),
        (sqlite3.SQLITE_CORRUPT, "SQLITE_CORRUPT", "is damaged (boom); nothing was written"),
        (sqlite3.SQLITE_NOTADB, "SQLITE_NOTADB", "is damaged (boom)"),
        (sqlite3.SQLITE_FULL, "SQLITE_FULL", "The disk holding db.sqlite is full (boom)"),
        (sqlite3.SQLITE_IOERR, "SQLITE_IOERR", "the disk reported an error (boom)"),
        (sqlite3.SQLITE_READONLY, "SQLITE_READONLY", "Cannot write db.sqlite: the database is"),
    ],
)
def test_what_sqlite_reports_becomes_one_line(code: int, name: str, message: str) -> None:
    error = sqlite3.OperationalError("boom")
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    error.sqlite_errorname = name  # type: ignore[attr-defined]
    explained = sqlite.failure(error, shown="db.sqlite")
    assert explained is not None and message in str(explained)
    assert "\n" not in str(explained)


def test_an_error_that_is_not_about_the_database_file_is_left_alone() -> None:
    error = sqlite3.IntegrityError("UNIQUE constraint failed: question.slug")
    error.sqlite_errorcode = 2067  # type: ignore[attr-defined]  # SQLITE_CONSTRAINT_UNIQUE
    assert sqlite.failure(error, shown="db.sqlite") is None
