"""`tracker source ...`: the reports that questions come from."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import AS_HELP, JSON_HELP

app = typer.Typer(help="Add, list and show sources (reports).", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    file: Path | None = typer.Argument(None, help="The report as plain text or Markdown."),
    title: str | None = typer.Option(None, "--title", help="Default: the text's first line."),
    author: str | None = typer.Option(None, "--author"),
    org: str | None = typer.Option(None, "--org", help="The organisation that published it."),
    published: str | None = typer.Option(None, "--published", help="Publication date."),
    url: str | None = typer.Option(None, "--url"),
    slug: str | None = typer.Option(None, "--slug", help="A short name, e.g. sochi-sitrep."),
    forecaster: str | None = typer.Option(
        None,
        "--forecaster",
        help='Who records the report\'s own implied forecasts, e.g. "RSC sitrep (Giragosian)".',
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Add a report; its text is kept with a content hash, and the same text twice is refused.

    Example: tracker source add sitrep.txt --author "R. Giragosian" --published 2021-11-29
    """
    from tracker.services.sources import add_source
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now, who = s.now(), s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        added = add_source(
            session=session,
            added_by=who,
            now=now,
            file=file,
            title=title,
            author=author,
            organisation=org,
            published=published,
            url=url,
            slug=slug,
            forecaster=forecaster,
        )
    src = added.source
    if as_json:
        from tracker.reports.ledger_json import source_json

        console.emit_json(source_json(src))
        return
    console.say(f"Added source {src.key}: {src.title}.")
    if added.title_from_text:
        console.note("note: the title was taken from the first line; change it with --title.")


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """List sources with how many questions came from each.

    Example: tracker source list --json
    """
    from tracker.services.sources import list_sources
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    with unit_of_work(s.url, write=False, now=s.now()) as session:
        listings = list_sources(session=session)
    if as_json:
        from tracker.reports.ledger_json import source_listing_json

        console.emit_json([source_listing_json(x) for x in listings])
        return
    if not listings:
        console.say("No sources yet. Add one: tracker source add REPORT.txt")
        return
    from tracker.reports.terminal import sources_table

    console.show(sources_table(listings))


@app.command("show")
def show(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="The source: its number or slug."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show a source: metadata, the questions taken from it, and its text with quotes marked.

    Example: tracker source show sochi-sitrep
    """
    from tracker.services.sources import show_source
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    with unit_of_work(s.url, write=False, now=s.now()) as session:
        detail = show_source(session=session, source=source)
    if as_json:
        from tracker.reports.ledger_json import source_detail_json

        console.emit_json(source_detail_json(detail))
        return
    from tracker.reports.terminal import source_view

    console.show(source_view(detail))
