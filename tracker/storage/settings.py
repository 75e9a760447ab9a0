"""Settings of a whole ledger (the `ledger_setting` table): whether it is an example."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tracker.config import redact_url, sqlite_path
from tracker.errors import NotAllowedError
from tracker.storage.tables import LEDGER_SETTING as L

#: The setting that marks an example ledger (such as the bundled forecasts.db): no writes.
EXAMPLE = "example"


def _is_example(connection: sa.Connection) -> bool:
    found = connection.execute(sa.select(L.c.value).where(L.c.name == EXAMPLE)).scalar()
    return found == "true"


def is_example(session: Session) -> bool:
    """Whether this ledger is marked as an example."""
    return _is_example(session.connection())


def refuse_if_example(connection: sa.Connection, url: str) -> None:
    """Raise NotAllowedError, saying how to start one's own ledger, if the ledger at `url` is an
    example (checked when a command opens it to write, before anything else)."""
    if not _is_example(connection):
        return
    path = sqlite_path(url)
    where = str(path) if path is not None else redact_url(url)
    raise NotAllowedError(
        f"{where} is an example ledger and takes no writes. Start your own: pass --db FILE "
        "or set TRACKER_DB=FILE (e.g. ~/forecasts.db; the first write creates it), or work on "
        f"a copy of the example: tracker --db {where} export | tracker --db FILE import -"
    )


def mark_example(session: Session) -> None:
    """Mark this ledger as an example: from then on it refuses every write."""
    if not is_example(session):
        session.execute(sa.insert(L).values(name=EXAMPLE, value="true"))
