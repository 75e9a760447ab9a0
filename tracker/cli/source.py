"""`tracker source ...`: the reports that questions come from."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tracker.cli import console
from tracker.cli.context import Settings, settings
from tracker.cli.questions import AS_HELP, JSON_HELP

if TYPE_CHECKING:
    from tracker.services.scan import Picked

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
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Show what would be stored (title, publication date, yardstick, candidates); "
        "write nothing.",
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
    options = {
        "added_by": who,
        "file": None if from_stdin else file,
        "stdin": typer.get_binary_stream("stdin") if from_stdin else None,
        "title": title,
        "author": author,
        "organisation": org,
        "published": published,
        "url": url,
        "slug": slug,
        "forecaster": forecaster,
        "yardstick": yardstick,
    }
    if dry_run:
        from tracker.services.sources import preview_source

        preview = preview_source(database=s.url, now=now, **options)
        _say_preview(preview, as_json=as_json)
        return
    with unit_of_work(s.url, write=True, now=now) as session:
        added = add_source(session=session, now=now, **options)
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
            "no command changes it once the source is added (check it first with --dry-run)."
        )
    if added.title_from_text:
        console.note("note: the title was taken from the first line; change it with --title.")


def _say_preview(preview: Any, *, as_json: bool) -> None:
    """What `source add --dry-run` found, as JSON or lines."""
    src = preview.added.source
    if as_json:
        from tracker.reports.ledger_json import source_json

        data = source_json(src)
        data["number"] = None  # nothing was added
        if str(data["id"]).startswith("#"):
            data["id"] = None  # a number it would have had
        data["published_read_from"] = preview.added.published_from
        data["yardstick_in_force"] = preview.yardstick
        data["candidates"] = preview.candidates
        data["dry_run"] = True
        console.emit_json(data)
        return
    from tracker.reports.escapes import visible

    console.say(f"Would add source {visible(src.title)} (dry run: nothing written).")
    if src.published_on is None:
        console.say("Published: not found in the report; give it with --published DATE.")
    elif preview.added.published_from is not None:
        console.say(
            f"Published {src.published_on} (read from the report: "
            f"\u201c{visible(preview.added.published_from)}\u201d); if that is wrong, add it "
            "with --published DATE."
        )
    else:
        console.say(f"Published {src.published_on} (--published).")
    console.say(f"Yardstick: {preview.yardstick}. Candidate expectations: {preview.candidates}.")


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
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write every candidate to FILE (.md, .yaml or .yml) to edit, then: "
        "tracker source accept FILE.",
    ),
    pick: str | None = typer.Option(
        None,
        "--pick",
        help="Make candidate N a question (pre-filled from the report); several, as drafted: "
        "--pick 1,3,5.",
    ),
    criteria: str | None = typer.Option(
        None, "--criteria", "-c", help="With --pick N: the resolution criteria (required)."
    ),
    accept_draft: bool = typer.Option(
        False,
        "--accept-draft-criteria",
        help="With --pick N: use the drafted criteria as they are (a list always does).",
    ),
    title: str | None = typer.Option(None, "--title", help="With --pick N: the question's title."),
    deadline: str | None = typer.Option(
        None, "--deadline", "-d", help="With --pick N: a deadline instead of the suggested one."
    ),
    option: list[str] = typer.Option(
        [], "--option", "-o", help="With --pick N: options instead of the suggested ones; repeat."
    ),
    slug: str | None = typer.Option(None, "--slug", help="With --pick N: a short name."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="With --pick: a tag; repeat."),
    forecast: str | None = typer.Option(
        None, "--forecast", "-p", help="With --pick N: your own first forecast."
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
    """Find the expectations in a report, best first; --pick makes questions of them, --out
    writes them all to a file to edit and accept.

    Example: tracker source scan sochi-sitrep --pick 4 --criteria "Resolves yes if ..."
    """
    from tracker.errors import InputError

    s = settings(ctx)
    now = s.now()
    per_question = [
        name
        for name, given in (
            ("--criteria", criteria is not None),
            ("--accept-draft-criteria", accept_draft),
            ("--title", title is not None),
            ("--deadline", deadline is not None),
            ("--option", bool(option)),
            ("--slug", slug is not None),
            ("--forecast", forecast is not None),
            ("--rationale", rationale is not None),
            ("--implied", implied is not None),
        )
        if given
    ]
    picking = per_question + [
        name
        for name, given in (
            ("--tag", bool(tag)),
            ("--record-implied", record_implied),
            ("--implied-as", implied_as is not None),
        )
        if given
    ]
    if pick is None:
        if picking:
            raise InputError(f"{picking[0]} goes with --pick N.")
        if limit < 1:
            raise InputError("--limit must be at least 1.")
        if out is not None:
            _write_triage(s, source=source, out=out, as_json=as_json)
            return
        _show_scan(s, source=source, limit=None if show_all else limit, as_json=as_json)
        return
    if out is not None:
        raise InputError("--out writes every candidate to a file to edit; leave out --pick.")
    numbers = _pick_numbers(pick)
    if (implied is not None or implied_as is not None) and not record_implied:
        raise InputError(
            ("--implied" if implied is not None else "--implied-as")
            + " goes with --record-implied."
        )
    if len(numbers) > 1 or "," in pick:
        refused = [n for n in per_question if n != "--accept-draft-criteria"]
        if refused:
            raise InputError(
                f"{refused[0]} goes with a single --pick N: a list takes every candidate as "
                "drafted (to edit them first: --out FILE, then tracker source accept FILE)."
            )
        _pick_several(
            s,
            source=source,
            numbers=numbers,
            tags=tag,
            record_implied=record_implied,
            implied_as=implied_as,
            as_name=as_name,
            as_json=as_json,
        )
        return
    from tracker.services.scan import pick_candidate
    from tracker.services.workspace import unit_of_work

    who = s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        picked = pick_candidate(
            session=session,
            source=source,
            number=numbers[0],
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
    if as_json:
        console.emit_json(_picked_json(picked))
    else:
        _say_picked(picked, who=who, label=f"candidate {numbers[0]}")
    _warn(picked.warnings, label=None)


def _pick_numbers(pick: str) -> list[int]:
    """The candidate numbers of --pick: N, or several separated by commas."""
    from tracker.errors import InputError

    parts = [part.strip() for part in pick.split(",")]
    if not all(part.isdigit() and int(part) >= 1 for part in parts if part) or not any(parts):
        raise InputError(
            f"--pick {pick!r}: give a candidate number, or several separated by commas "
            "(--pick 1,3,5)."
        )
    numbers = [int(part) for part in parts if part]
    twice = next((n for n in numbers if numbers.count(n) > 1), None)
    if twice is not None:
        raise InputError(f"--pick {pick}: candidate {twice} is given twice.")
    return numbers


def _show_scan(s: Settings, *, source: str, limit: int | None, as_json: bool) -> None:
    from tracker.services.scan import scan_source
    from tracker.services.workspace import unit_of_work

    with unit_of_work(s.url, write=False, now=s.now()) as session:
        found = scan_source(session=session, source=source)
    if not found.published_known:
        console.note(
            f"note: {found.source.key} has no publication date; dates are read from "
            f"{found.published} (the day it was added). Set one when adding: --published."
        )
    taken = {c.rank: q for c in found.candidates if (q := found.taken_by(c)) is not None}
    if as_json:
        from tracker.reports.scan import candidate_json

        console.emit_json(
            [
                candidate_json(c, taken=taken[c.rank].ref if c.rank in taken else None)
                for c in found.candidates
            ]
        )
        return
    from tracker.reports.scan import scan_view

    console.show(
        scan_view(
            found.candidates,
            source_key=found.source.key,
            published=found.published.isoformat(),
            limit=limit,
            taken={rank: f"{q.ref} {q.title}" for rank, q in taken.items()},
        )
    )


def _write_triage(s: Settings, *, source: str, out: Path, as_json: bool) -> None:
    from tracker.services.triage import write_triage

    written = write_triage(url=s.url, source=source, out=out, now=s.now())
    if not written.published_known:
        console.note(
            f"note: {written.source.key} has no publication date; dates are read from the day "
            "it was added. Set one when adding: --published."
        )
    if as_json:
        console.emit_json(
            {
                "path": str(written.path),
                "format": written.form,
                "source": written.source.key,
                "entries": written.entries,
                "taken": written.taken,
            }
        )
        return
    taken = f" ({written.taken} already taken)" if written.taken else ""
    console.say(
        f"Wrote {written.entries} candidates{taken} of {written.source.key} to {out}. Set keep: "
        f"yes on those to add, edit them, then: tracker source accept {out}"
    )


def _pick_several(
    s: Settings,
    *,
    source: str,
    numbers: list[int],
    tags: list[str],
    record_implied: bool,
    implied_as: str | None,
    as_name: str | None,
    as_json: bool,
) -> None:
    from tracker.services.scan import pick_candidates
    from tracker.services.workspace import unit_of_work

    now = s.now()
    who = s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        picked = pick_candidates(
            session=session,
            source=source,
            numbers=numbers,
            created_by=who,
            now=now,
            tags=tags,
            record_implied=record_implied,
            implied_as=implied_as,
        )
    if as_json:
        console.emit_json([_picked_json(p) for p in picked])
    else:
        for number, p in zip(numbers, picked, strict=True):
            _say_picked(p, who=who, label=f"candidate {number}")
    for number, p in zip(numbers, picked, strict=True):
        _warn(p.warnings, label=f"candidate {number}")


def _picked_json(picked: Picked) -> dict[str, Any]:
    from tracker.reports.ledger_json import forecast_json, question_json

    data = question_json(picked.added.question)
    f = picked.forecast
    data["forecast"] = (
        forecast_json(f.forecast, question=picked.added.question, yardstick=f.yardstick)
        if f
        else None
    )
    data["implied_forecast"] = forecast_json(picked.implied.forecast) if picked.implied else None
    return data


def _say_picked(picked: Picked, *, who: str, label: str) -> None:
    q = picked.added.question
    console.say(f"Added {q.ref} {q.title}")
    console.say(f"  from {label}: \u201c{q.quote}\u201d")
    phrase = f" (the report: \u201c{q.deadline_phrase}\u201d)" if q.deadline_phrase else ""
    console.say(f"  deadline {q.deadline}{phrase}")
    if (q.options and len(q.options) > 2) or q.kind.value != "binary":
        console.say("  options: " + "; ".join(q.options))
    if picked.criteria_drafted:
        console.say(f"  criteria (the draft, accepted): {q.criteria}")
    if picked.forecast is not None:
        from tracker.reports.terminal import recorded_text

        f = picked.forecast
        console.say(f"Recorded {recorded_text(q, f.distribution, f.yardstick)} by {who}.")
    if picked.implied is not None:
        console.say(
            f"Recorded the report's {picked.implied.distribution.explanation} "
            f"by {picked.implied_by}"
            + (f" ({q.hedge_phrase})" if q.hedge_phrase and picked.implied_from_hedge else "")
            + "."
        )


def _warn(warnings: Sequence[str], *, label: str | None) -> None:
    """Warnings about what was added, on stderr (they do not stop it)."""
    for warning in warnings:
        console.note(f"warning: {label + ': ' if label else ''}{warning}")


@app.command("accept")
def accept(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="A triage file written by tracker source scan SLUG --out FILE, edited."
    ),
    no_implied: bool = typer.Option(
        False, "--no-implied", help="Do not record the report's own forecasts."
    ),
    implied_as: str | None = typer.Option(
        None,
        "--implied-as",
        help="The name the report forecasts under, if the source has none yet.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check every kept entry and say what would be added; add nothing."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Add the kept entries of a triage file as questions, all or nothing, with the report's
    forecasts; every entry is checked first and all problems are listed at once.

    Example: tracker source accept sochi-sitrep.md --dry-run
    """
    from tracker.services.triage import accept_triage

    s = settings(ctx)
    who = s.who(as_name)
    done = accept_triage(
        url=s.url,
        path=file,
        created_by=who,
        now=s.now(),
        implied=not no_implied,
        implied_as=implied_as,
        dry_run=dry_run,
    )
    if as_json:
        console.emit_json(
            {
                "source": done.source.key,
                "dry_run": dry_run,
                "kept": done.kept,
                "added": [{"entry": number, **_picked_json(p)} for number, p in done.picked],
                "already": [
                    {"entry": number, "question": q.id, "ref": q.ref} for number, q in done.already
                ],
                "without_forecast": [
                    {"entry": number, "why": why} for number, why in done.without_forecast
                ],
                "warnings": done.warnings,
            }
        )
    else:
        would = "Would add" if dry_run else "Added"
        for number, p in done.picked:
            q = p.added.question
            ref = "" if dry_run else f"{q.ref} "
            implied = (
                f"; the report's forecast {p.implied.distribution.explanation}"
                if p.implied is not None
                else ""
            )
            console.say(f"{would} {ref}{q.title} (entry {number}, deadline {q.deadline}{implied})")
        for number, q in done.already:
            console.say(f"Entry {number} is already {q.ref} {q.title}: left as it is.")
        for number, why in done.without_forecast:
            console.note(f"note: entry {number}: no forecast recorded for the report ({why}).")
        if not done.picked:
            console.say(f"Nothing to add: every kept entry of {file} is a question already.")
        elif dry_run:
            console.say(f"Dry run: nothing was added ({len(done.picked)} would be).")
    _warn(done.warnings, label=None)
