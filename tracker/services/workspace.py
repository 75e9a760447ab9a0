"""Opening the database for one command: a scoped session that commits or rolls back whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from tracker.storage.database import Session, open_database


@contextmanager
def unit_of_work(url: str, *, write: bool, now: datetime) -> Iterator[Session]:
    """Open the database at `url` and yield a session in one transaction.

    `write`: the command may create a missing SQLite file. Everything done in the block is
    committed together at the end, or not at all if anything raises.
    """
    database = open_database(url, create=write, now=now)
    try:
        with database.session() as session:
            yield session
    finally:
        database.close()
