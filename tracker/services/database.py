"""Database administration for `tracker db`: status, upgrade, backup, roles, verification."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tracker.domain.chain import Finding, Head, Verification, parse_head
from tracker.domain.chain import verify as verify_events
from tracker.errors import InputError
from tracker.services.workspace import unit_of_work
from tracker.storage.chain import (
    chained_events,
    file_problems,
    latest_checkpoint,
    read_head,
    unchained_events,
)
from tracker.storage.database import SchemaState, backup_sqlite, schema_state, upgrade_database
from tracker.storage.ledger import question_tags
from tracker.storage.roles import database_name, role_names, roles_sql


def database_status(*, url: str) -> SchemaState:
    """The stored and current schema revision of the database at `url`; changes nothing."""
    return schema_state(url)


def upgrade(*, url: str, now: datetime) -> SchemaState:
    """Create or upgrade the schema (a SQLite file is copied aside first)."""
    return upgrade_database(url, now=now)


def backup(*, url: str, target: Path) -> Path:
    """Copy a SQLite database consistently with the online backup API; returns the copy."""
    return backup_sqlite(url, target)


def verify(*, url: str, now: datetime, pinned: str | None = None) -> Verification:
    """Recompute the tamper-evident chain and report what was changed, removed or inserted
    behind tracker's back; `pinned`: a head published earlier (`SEQ:HASH`) to check against."""
    head = None
    if pinned is not None:
        try:
            head = parse_head(pinned)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    with unit_of_work(url, write=False, now=now) as session:
        # One snapshot for every table, so a write made meanwhile cannot look like a gap.
        if session.get_bind().dialect.name != "sqlite":
            session.connection(
                execution_options={
                    "isolation_level": "REPEATABLE READ",
                    "postgresql_readonly": True,
                }
            )
        tags = question_tags(session)
        # The place tracker last verified is a head it published to itself: the record must
        # still hold it (a removed end, or a rewritten and rehashed chain, holds on its own).
        verified = latest_checkpoint(session)
        result = verify_events(
            chained_events(session, tags),
            unchained=unchained_events(session, tags),
            pinned=head,
            verified=None if verified is None else verified.head,
        )
        result.findings.extend(
            Finding("damaged", f"SQLite's own check of the file: {problem}.")
            for problem in file_problems(session)
        )
        return result


def mark_example(*, url: str, now: datetime) -> None:
    """Mark the ledger at `url` as an example: from then on it refuses every write."""
    from tracker.storage.settings import mark_example as mark

    with unit_of_work(url, write=False, now=now) as session:
        mark(session)


def record_head(*, url: str, now: datetime) -> Head:
    """The head of the record's chain: publishing it pins everything recorded so far."""
    with unit_of_work(url, write=False, now=now) as session:
        return read_head(session)


def roles(*, url: str, now: datetime, apply: bool) -> tuple[str, list[str]]:
    """The SQL of the team roles for the PostgreSQL database at `url` and the roles' names
    (reviewer, analyst, resolver); `apply` runs it."""
    database = database_name(url)
    sql = roles_sql(database)
    if apply:
        from tracker.storage.roles import apply_roles

        with unit_of_work(url, write=True, now=now) as session:
            apply_roles(session.connection(), sql, database)
    return sql, list(role_names(database).values())
