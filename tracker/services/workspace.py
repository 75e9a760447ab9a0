"""Opening the database for one command: a scoped session that commits or rolls back whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from tracker.storage.database import Session, new_sqlite_database, open_database

#: Whether this process has committed a write (the command line's exit status says that a
#: write landed even when its confirmation could not be shown: a closed or full stdout).
_committed: list[bool] = []


def committed_a_write() -> bool:
    """Whether a unit of work of this process committed a write."""
    return bool(_committed)


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
                _committed.append(True)
                return
    database = open_database(url, write=write, now=now)
    try:
        with database.session() as session:
            yield session
        if write:
            _committed.append(True)
    finally:
        database.close()
