"""Opening the database for one command: a scoped session that commits or rolls back whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from tracker.config import sqlite_path
from tracker.storage.database import Session, open_database, remove_if_empty


@contextmanager
def unit_of_work(url: str, *, write: bool, now: datetime) -> Iterator[Session]:
    """Open the database at `url` and yield a session in one transaction.

    `write`: the command may create a missing SQLite file. Everything done in the block is
    committed together at the end, or not at all if anything raises; a SQLite file that this
    command created is then removed again, so bad input leaves no empty database behind.
    """
    path = sqlite_path(url)
    fresh = write and path is not None and not path.exists()
    try:
        database = open_database(url, write=write, now=now)
        try:
            with database.session() as session:
                yield session
        finally:
            database.close()
    except BaseException:
        if fresh and path is not None:
            remove_if_empty(path)
        raise
