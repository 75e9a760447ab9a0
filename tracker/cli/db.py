"""`tracker db ...`: where the database is, its schema version, upgrades and backups."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import JSON_HELP

app = typer.Typer(
    help="Database location, schema version, upgrade and backup.", no_args_is_help=True
)


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the database in use (--db > $TRACKER_DB > ./forecasts.db); passwords hidden.

    Example: tracker db path
    """
    from tracker.config import redact_url, sqlite_path

    url = settings(ctx).url
    file = sqlite_path(url)
    console.say(str(file) if file is not None else redact_url(url))


@app.command("status")
def status(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show the database's schema revision and whether it needs an upgrade.

    Example: tracker db status
    """
    from tracker.config import redact_url
    from tracker.services.database import database_status

    state = database_status(url=settings(ctx).url)
    if as_json:
        console.emit_json(
            {
                "database": redact_url(state.url),
                "exists": state.exists,
                "revision": state.revision,
                "head": state.head,
                "current": state.current,
            }
        )
        return
    console.say(f"database: {redact_url(state.url)}")
    if not state.exists:
        console.say("no database yet; it is created by the first write (or tracker db upgrade).")
    elif state.current:
        console.say(f"schema: {state.revision} (current)")
    elif state.newer:
        console.say(f"schema: {state.revision}, newer than this tracker knows ({state.head}).")
        console.say("upgrade tracker to use this database.")
    else:
        console.say(f"schema: {state.revision or 'none'}; this tracker needs {state.head}.")
        console.say("run: tracker db upgrade")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the schema (a SQLite file is copied aside first).

    Example: TRACKER_DB=postgresql+psycopg://team@db/forecasts tracker db upgrade
    """
    from tracker.config import redact_url
    from tracker.services.database import upgrade as upgrade_schema

    s = settings(ctx)
    state = upgrade_schema(url=s.url, now=s.now())
    console.say(f"{redact_url(state.url)}: schema {state.revision} (current).")


@app.command("backup")
def backup(
    ctx: typer.Context,
    target: Path = typer.Argument(..., help="The file to write; must not exist."),
) -> None:
    """Copy a SQLite database consistently, even while others are writing to it.

    Example: tracker db backup backups/forecasts-2022-01-01.db
    """
    from tracker.services.database import backup as backup_database

    written = backup_database(url=settings(ctx).url, target=target)
    console.say(f"Backed up to {written}.")
