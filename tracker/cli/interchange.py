"""`tracker export` and `tracker import`: the JSON Lines interchange format."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import AS_HELP


def export(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write to this file (atomically) instead of stdout."
    ),
) -> None:
    """Export everything as JSON Lines (sources, questions, forecasts, resolutions).

    Example: tracker export --out backup.jsonl
    """
    import sys

    from tracker.services.interchange import export_lines
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    with unit_of_work(s.url, write=False, now=s.now()) as session:
        lines = list(export_lines(session=session))
    text = "".join(line + "\n" for line in lines)
    if out is None:
        sys.stdout.write(text)
        return
    from tracker.services.files import write_atomically

    write_atomically(out, text)
    console.note(f"Exported {len(lines)} records to {out}.")


def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="A JSON Lines file written by tracker export ('-': stdin)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check everything and report, but write nothing."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Import JSON Lines: everything is checked first and written in one transaction.

    Importing the same file twice adds nothing the second time.
    Example: tracker import docs/examples/sochi-summit.jsonl
    """
    from tracker.services.interchange import import_file

    s = settings(ctx)
    result = import_file(
        url=s.url, path=file, importer=s.who(as_name), now=s.now(), dry_run=dry_run
    )
    from tracker.reports.terminal import count_noun

    verb = "Would add" if dry_run else "Added"
    counts = ", ".join(
        count_noun(number, noun)
        for number, noun in (
            (result.sources, "source"),
            (result.questions, "question"),
            (result.forecasts, "forecast"),
            (result.resolutions, "resolution"),
        )
    )
    console.say(f"{verb} {counts}; {result.unchanged} already there.")


def register(app: typer.Typer) -> None:
    """Attach export and import to the root command."""
    app.command("export")(export)
    app.command("import")(import_)
