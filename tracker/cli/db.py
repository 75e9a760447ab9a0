"""`tracker db ...`: where the database is, its schema version, upgrades and backups."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import AS_HELP, JSON_HELP

if TYPE_CHECKING:
    from tracker.services.yardsticks import YardstickInForce

app = typer.Typer(
    rich_markup_mode=None,
    help="Database location, schema version, upgrade and backup.",
    no_args_is_help=True,
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
    import os

    from tracker.services.database import backup as backup_database
    from tracker.services.files import check_writable

    url = settings(ctx).url
    if not os.path.lexists(target):
        # not a name of the database's own files (its -wal, -shm or -journal), where SQLite
        # would take the copy for a file of its own
        check_writable(target, database_url=url)
    written = backup_database(url=url, target=target)
    console.say(f"Backed up to {written}.")


@app.command("mark-example")
def mark_example(ctx: typer.Context) -> None:
    """Mark this ledger as an example (like the bundled forecasts.db): it then refuses writes.

    Commands that only read work as before; anything that would write says how to start a
    ledger of your own. To work on a copy: tracker export | tracker --db FILE import -

    Example: tracker --db training.db db mark-example
    """
    from tracker.config import redact_url, sqlite_path
    from tracker.services.database import mark_example as mark

    s = settings(ctx)
    mark(url=s.url, now=s.now())
    file = sqlite_path(s.url)
    shown = str(file) if file is not None else redact_url(s.url)
    console.say(f"{shown} is now an example ledger: it takes no writes.")


@app.command("yardstick")
def yardstick(
    ctx: typer.Context,
    name: str | None = typer.Argument(
        None, help="icd203 or phia: choose it for the ledger (without it: show the one in force)."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show or choose the ledger's yardstick of estimative words (default: ICD 203).

    It reads the words typed in forecasts ("highly likely") and writes words beside numbers;
    a source may choose its own (tracker source yardstick). The choice is recorded as an event
    of the chain; on a team's PostgreSQL database only the owner of the tables may make it.

    Example: tracker db yardstick phia
    """
    from tracker.services.workspace import unit_of_work
    from tracker.services.yardsticks import choose_yardstick, show_yardstick

    s = settings(ctx)
    now = s.now()
    if name is None:
        with unit_of_work(s.url, write=False, now=now) as session:
            found = show_yardstick(session=session)
    else:
        who = s.who(as_name)
        with unit_of_work(s.url, write=True, now=now) as session:
            found = choose_yardstick(session=session, yardstick=name, chosen_by=who, now=now)
    yardstick_report(found, as_json=as_json, choosing=name is not None)


def yardstick_report(found: YardstickInForce, *, as_json: bool, choosing: bool) -> None:
    """Print the yardstick in force (of the ledger or a source), or what a choice did."""
    from tracker.reports.terminal import yardstick_view

    y = found.yardstick
    if as_json:
        console.emit_json(
            {
                "source": None if found.source is None else found.source.key,
                "yardstick": y.key,
                "name": y.name,
                "origin": found.origin,
                "changed": found.changed,
                "citation": y.citation,
                "terms": [
                    {
                        "name": t.name,
                        "low": t.low,
                        "high": t.high,
                        "range": t.range_text,
                        "words": list(t.phrases),
                        "synonyms": list(t.synonyms),
                    }
                    for t in y.terms
                ],
            }
        )
        return
    whose = "the ledger" if found.source is None else f"source {found.source.key}"
    if choosing:
        done = "now reads" if found.changed else "already reads"
        console.say(f"{whose[0].upper()}{whose[1:]} {done} estimative words by {y.name}.")
        return
    console.show(yardstick_view(y, title=f"Yardstick of {whose}: {found.text}"))


@app.command("verify")
def verify(
    ctx: typer.Context,
    head: str | None = typer.Option(
        None,
        "--head",
        metavar="SEQ:HASH",
        help="A chain head published earlier (a review prints it); the record must still hold it.",
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Recompute the tamper-evident chain: say which event was changed, removed or inserted.

    Exits 1 when anything was edited behind tracker's back (or the published head no longer
    holds), listing each finding.

    Example: tracker db verify --head 1204:3fa9c1e2b7d4
    """
    from tracker.errors import DatabaseError
    from tracker.services.database import verify as verify_chain

    s = settings(ctx)
    result = verify_chain(url=s.url, now=s.now(), pinned=head)
    if as_json:
        console.emit_json(
            {
                "intact": result.intact,
                "events": result.events,
                "head": str(result.head),
                "findings": [
                    {
                        "what": f.what,
                        "seq": f.seq,
                        "table": f.kind,
                        "id": f.row_id,
                        "message": f.message,
                    }
                    for f in result.findings
                ],
                "pinned": None if result.pinned is None else str(result.pinned),
                "pinned_holds": result.pinned_ok,
                "sealed": result.sealed,
            }
        )
    else:
        for finding in result.findings:
            console.say(f"{finding.what}: {finding.message}")
        if result.pinned is not None and not result.pinned_ok:
            console.say(
                f"pinned: the record no longer holds the published head {result.pinned}: it "
                f"was rewritten at or before event {result.pinned.seq}."
            )
        if result.intact:
            pinned = "" if result.pinned is None else f"; it holds the published head {head}"
            console.say(f"Chain intact: {result.events} events, head {result.head}{pinned}.")
    if result.sealed:
        console.note(
            f"note: {result.sealed} of the events are forecasts on blind questions hidden from "
            "you: the chain runs on through their places and hashes, but their content was not "
            "checked. Verify as the owner of the tables or a reviewer to check everything."
        )
    if not result.intact:
        count = len(result.findings) + (result.pinned_ok is False)
        raise DatabaseError(
            f"The record was changed behind tracker's back: {count} finding"
            f"{'s' if count != 1 else ''} (listed above)."
        )


@app.command("roles")
def roles(
    ctx: typer.Context,
    apply: bool = typer.Option(
        False,
        "--apply",
        help="Run the SQL on the database (connected as a superuser: creating roles needs one).",
    ),
) -> None:
    """Print (or apply) the SQL of the team roles on PostgreSQL: reviewer, analyst, resolver.

    The roles are named after the database (forecasts_reviewer, forecasts_analyst,
    forecasts_resolver). reviewer reads; analyst also adds sources and questions and records
    forecasts as the connected database user; resolver also resolves. Nobody may update or
    delete history. Give a person a role with: GRANT forecasts_analyst TO alice;

    Example: tracker db roles | psql -U postgres -d forecasts
    """
    from tracker.services.database import roles as team_roles

    s = settings(ctx)
    sql, names = team_roles(url=s.url, now=s.now(), apply=apply)
    if apply:
        console.say(f"Applied the roles {', '.join(names)}.")
    else:
        console.emit_text([sql])
