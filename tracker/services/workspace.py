"""Opening the database for one command: a scoped session that commits or rolls back whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from tracker.storage.database import Session, new_sqlite_database, open_database


@contextmanager
def unit_of_work(url: str, *, write: bool, now: datetime) -> Iterator[Session]:
    """Open the database at `url` and yield a session in one transaction.

    `write`: the command may create a missing SQLite file. Everything done in the block is
    committed together at the end, or not at all if anything raises. A missing SQLite file is
    built beside its place and put there only once the block has committed, so bad input leaves
    nothing behind, and a file at the database path is never removed (another command may have
    written to it meanwhile): see docs/data-format.md, "Storage".
    """
    if write:
        with new_sqlite_database(url, now=now) as created:
            if created is not None:
                with created.session() as session:
                    yield session
                return
    database = open_database(url, write=write, now=now)
    try:
        with database.session() as session:
            yield session
    finally:
        database.close()
