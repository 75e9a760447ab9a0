"""`tracker source ...`: the reports that questions come from."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import AS_HELP, JSON_HELP

app = typer.Typer(
    rich_markup_mode=None, help="Add, list and show sources (reports).", no_args_is_help=True
)


@app.command("add")
def add(
    ctx: typer.Context,
    file: Path | None = typer.Argument(
        None,
        help="The report: plain text, Markdown, HTML or PDF (reduced to its text); - reads it "
        "from standard input.",
    ),
    title: str | None = typer.Option(
        None, "--title", help="Default: an HTML page's title, else the text's first line."
    ),
    author: str | None = typer.Option(None, "--author"),
    org: str | None = typer.Option(None, "--org", help="The organisation that published it."),
    published: str | None = typer.Option(
        None,
        "--published",
        help="Publication date. Default: the report's dateline or Published: line, if any.",
    ),
    url: str | None = typer.Option(None, "--url"),
    slug: str | None = typer.Option(None, "--slug", help="A short name, e.g. sochi-sitrep."),
    forecaster: str | None = typer.Option(
        None,
        "--forecaster",
        help='Who records the report\'s own implied forecasts, e.g. "RSC sitrep (Giragosian)".',
    ),
    yardstick: str | None = typer.Option(
        None,
        "--yardstick",
        help="The yardstick its words are read by: icd203 or phia (default: the ledger's).",
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Add a report; its text is kept with a content hash, and the same text twice is refused.

    Example: tracker source add sitrep.txt --author "R. Giragosian" --published 2021-11-29
    --yardstick phia
    """
    from tracker.services.sources import add_source
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now, who = s.now(), s.who(as_name)
    from_stdin = file is not None and str(file) == "-"
    with unit_of_work(s.url, write=True, now=now) as session:
        added = add_source(
            session=session,
            added_by=who,
            now=now,
            file=None if from_stdin else file,
            stdin=typer.get_binary_stream("stdin") if from_stdin else None,
            title=title,
            author=author,
            organisation=org,
            published=published,
            url=url,
            slug=slug,
            forecaster=forecaster,
            yardstick=yardstick,
        )
    src = added.source
    if as_json:
        from tracker.reports.ledger_json import source_json

        data = source_json(src)
        data["published_read_from"] = added.published_from
        console.emit_json(data)
        return
    console.say(f"Added source {src.key}: {src.title}.")
    if added.published_from is not None:
        console.say(
            f"Published {src.published_on} (read from the report: \u201c{added.published_from}"
            "\u201d)."
        )
        console.note(
            "note: --published DATE overrides the date read from the report when adding it; "
            "no command changes it once the source is added."
        )
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
        detail = show_source(session=session, source=source, now=s.now())
    if as_json:
        from tracker.reports.ledger_json import source_detail_json

        console.emit_json(source_detail_json(detail))
        return
    from tracker.reports.terminal import source_view

    console.show(source_view(detail))


@app.command("yardstick")
def yardstick(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="The source: its number or slug."),
    name: str | None = typer.Argument(
        None, help="icd203 or phia: choose it for this source (without it: show the one in force)."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show or choose the yardstick a report's words are read by (default: the ledger's).

    The choice is recorded as an event of the chain; a later one takes over, and the earlier
    stays in the record. Example: tracker source yardstick sochi-sitrep phia
    """
    from tracker.cli.db import yardstick_report
    from tracker.services.workspace import unit_of_work
    from tracker.services.yardsticks import choose_yardstick, show_yardstick

    s = settings(ctx)
    now = s.now()
    if name is None:
        with unit_of_work(s.url, write=False, now=now) as session:
            found = show_yardstick(session=session, source=source)
    else:
        who = s.who(as_name)
        with unit_of_work(s.url, write=True, now=now) as session:
            found = choose_yardstick(
                session=session, yardstick=name, chosen_by=who, now=now, source=source
            )
    yardstick_report(found, as_json=as_json, choosing=name is not None)


@app.command("scan")
def scan(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="The source: its number or slug."),
    limit: int = typer.Option(10, "--limit", "-n", help="Show this many candidates."),
    show_all: bool = typer.Option(False, "--all", help="Show every candidate."),
    pick: int | None = typer.Option(
        None, "--pick", help="Make candidate N a question (pre-filled from the report)."
    ),
    criteria: str | None = typer.Option(
        None, "--criteria", "-c", help="With --pick: the resolution criteria (required)."
    ),
    accept_draft: bool = typer.Option(
        False, "--accept-draft-criteria", help="With --pick: use the drafted criteria as they are."
    ),
    title: str | None = typer.Option(None, "--title", help="With --pick: the question's title."),
    deadline: str | None = typer.Option(
        None, "--deadline", "-d", help="With --pick: a deadline instead of the suggested one."
    ),
    option: list[str] = typer.Option(
        [], "--option", "-o", help="With --pick: options instead of the suggested ones; repeat."
    ),
    slug: str | None = typer.Option(None, "--slug", help="With --pick: a short name."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="With --pick: a tag; repeat."),
    forecast: str | None = typer.Option(
        None, "--forecast", "-p", help="With --pick: your own first forecast."
    ),
    rationale: str | None = typer.Option(None, "--rationale", "-r", help="Why, for it."),
    record_implied: bool = typer.Option(
        False,
        "--record-implied",
        help="With --pick: record the report's implied probability as its own forecast.",
    ),
    implied: str | None = typer.Option(
        None, "--implied", help="With --record-implied: the report's probability, if not hedged."
    ),
    implied_as: str | None = typer.Option(
        None, "--implied-as", help="With --record-implied: the name the report forecasts under."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Find the expectations in a report, best first; --pick N makes one a question.

    Example: tracker source scan sochi-sitrep --pick 4 --criteria "Resolves yes if ..."
    """
    from tracker.errors import InputError
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now = s.now()
    picking = [
        name
        for name, given in (
            ("--criteria", criteria is not None),
            ("--accept-draft-criteria", accept_draft),
            ("--title", title is not None),
            ("--deadline", deadline is not None),
            ("--option", bool(option)),
            ("--slug", slug is not None),
            ("--tag", bool(tag)),
            ("--forecast", forecast is not None),
            ("--record-implied", record_implied),
            ("--implied", implied is not None),
            ("--implied-as", implied_as is not None),
        )
        if given
    ]
    if pick is None:
        if picking:
            raise InputError(f"{picking[0]} goes with --pick N.")
        if limit < 1:
            raise InputError("--limit must be at least 1.")
        from tracker.services.scan import scan_source

        with unit_of_work(s.url, write=False, now=now) as session:
            found = scan_source(session=session, source=source)
        if not found.published_known:
            console.note(
                f"note: {found.source.key} has no publication date; dates are read from "
                f"{found.published} (the day it was added). Set one when adding: --published."
            )
        if as_json:
            from tracker.reports.scan import candidate_json

            console.emit_json([candidate_json(c) for c in found.candidates])
            return
        from tracker.reports.scan import scan_view

        console.show(
            scan_view(
                found.candidates,
                source_key=found.source.key,
                published=found.published.isoformat(),
                limit=None if show_all else limit,
            )
        )
        return
    if (implied is not None or implied_as is not None) and not record_implied:
        raise InputError(
            ("--implied" if implied is not None else "--implied-as")
            + " goes with --record-implied."
        )
    from tracker.services.scan import pick_candidate

    who = s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        picked = pick_candidate(
            session=session,
            source=source,
            number=pick,
            created_by=who,
            now=now,
            criteria=criteria,
            accept_draft_criteria=accept_draft,
            title=title,
            deadline=deadline,
            options=option,
            slug=slug,
            tags=tag,
            forecast=forecast.split() if forecast else (),
            rationale=rationale,
            record_implied=record_implied,
            implied=implied,
            implied_as=implied_as,
        )
    q = picked.added.question
    if as_json:
        from tracker.reports.ledger_json import forecast_json, question_json

        data = question_json(q)
        data["forecast"] = forecast_json(picked.forecast.forecast) if picked.forecast else None
        data["implied_forecast"] = (
            forecast_json(picked.implied.forecast) if picked.implied else None
        )
        console.emit_json(data)
        return
    console.say(f"Added {q.ref} {q.title}")
    console.say(f"  from candidate {pick}: \u201c{q.quote}\u201d")
    phrase = f" (the report: \u201c{q.deadline_phrase}\u201d)" if q.deadline_phrase else ""
    console.say(f"  deadline {q.deadline}{phrase}")
    if (q.options and len(q.options) > 2) or q.kind.value != "binary":
        console.say("  options: " + "; ".join(q.options))
    if picked.criteria_drafted:
        console.say(f"  criteria (the draft, accepted): {q.criteria}")
    if picked.forecast is not None:
        console.say(f"Recorded {picked.forecast.distribution.explanation} by {who}.")
    if picked.implied is not None:
        console.say(
            f"Recorded the report's {picked.implied.distribution.explanation} "
            f"by {picked.implied_by}"
            + (f" ({q.hedge_phrase})" if q.hedge_phrase and picked.implied_from_hedge else "")
            + "."
        )
