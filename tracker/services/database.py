"""Database administration for `tracker db`: status, explicit upgrade, consistent backup."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tracker.storage.database import SchemaState, backup_sqlite, schema_state, upgrade_database


def database_status(*, url: str) -> SchemaState:
    """The stored and current schema revision of the database at `url`; changes nothing."""
    return schema_state(url)


def upgrade(*, url: str, now: datetime) -> SchemaState:
    """Create or upgrade the schema (a SQLite file is copied aside first)."""
    return upgrade_database(url, now=now)


def backup(*, url: str, target: Path) -> Path:
    """Copy a SQLite database consistently with the online backup API; returns the copy."""
    return backup_sqlite(url, target)
