"""`tracker report` and `tracker retro`: periodic accuracy reviews and team retrospectives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import VIEW_AS_HELP
from tracker.cli.score import AS_RECORDED_HELP

FORMATS = ("terminal", "md", "html", "json")
_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}

PERIOD_HELP = "A quarter (2021Q4), month (2022-03) or year (2022) of outcome days."
FORMAT_HELP = "terminal (default), md (charts as PNG beside --out), html (one file) or json."
OUT_HELP = "Write to this file, atomically (the format follows its extension if not given)."
AS_OF_HELP = "Build it from the record as it stood then (date or time; default now)."
BROKEN_HELP = (
    "Build it even from a record changed behind tracker's back (found by the check every "
    "document runs first); the document then says so at the top."
)


def _format(fmt: str | None, out: Path | None, *, database_url: str) -> str:
    from tracker.errors import InputError

    if fmt is None:
        if out is None:
            return "terminal"
        found = _SUFFIXES.get(out.suffix.lower())
        if found is None:
            raise InputError(
                f"Cannot tell the format from {out.name!r}: pass --format md, html or json."
            )
        fmt = found
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r}: use terminal, md, html or json.")
    if fmt == "terminal" and out is not None:
        raise InputError("--out writes a file: pass --format md, html or json.")
    if out is not None:
        from tracker.services.files import check_writable

        check_writable(out, database_url=database_url)
    return fmt


def _deliver(
    what: str,
    data: Any,
    *,
    fmt: str,
    out: Path | None,
    database_url: str,
    progress: console.DelayedProgress,
) -> None:
    """Render `data` (a review, or else a retrospective) in `fmt` to stdout or `out` (never
    over the database at `database_url`)."""
    is_review = what == "review"
    if fmt == "terminal":
        from tracker.reports.review_terminal import retro_view, review_view

        progress.close()
        console.show(review_view(data) if is_review else retro_view(data))
        return
    if fmt == "json":
        from tracker.reports.review_json import retro_json, review_json

        document = review_json(data) if is_review else retro_json(data)
        progress.close()
        if out is None:
            console.emit_json(document)
            return
        import json

        from tracker.services.files import write_atomically

        write_atomically(
            out,
            json.dumps(document, ensure_ascii=False, indent=2) + "\n",
            database_url=database_url,
        )
        console.note(f"Wrote the {what} data to {out}.")
        return

    from tracker.reports.documents import render_retro, render_review

    render = render_review if is_review else render_retro
    stem = out.stem if out is not None else what
    charts = out is not None or fmt == "html"
    rendered = render(data, fmt=fmt, stem=stem, charts=charts, stage=progress.stage)
    progress.close()
    if out is None:
        console.emit_text([rendered.text])
        if fmt == "md":
            console.note("note: charts are written as PNG files beside the document with --out.")
        return
    from tracker.services.files import write_files_atomically

    files: dict[Path, str | bytes] = {out: rendered.text}
    files.update({out.parent / name: png for name, png in rendered.files.items()})
    write_files_atomically(files, database_url=database_url)
    beside = f" and {len(rendered.files)} charts beside it" if rendered.files else ""
    console.note(f"Wrote the {what} to {out}{beside}.")


def report(
    ctx: typer.Context,
    period: str | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    since: str | None = typer.Option(None, "--since", help="Outcomes on or after this date."),
    until: str | None = typer.Option(None, "--until", help="Outcomes on or before this date."),
    tag: str | None = typer.Option(None, "--tag", "-t", help="Only questions with this tag."),
    source: str | None = typer.Option(
        None, "--source", "-s", help="Only questions from this source."
    ),
    forecaster: str | None = typer.Option(
        None, "--forecaster", "-f", help="Review this forecaster (others still count)."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    as_recorded: bool = typer.Option(False, "--as-recorded", help=AS_RECORDED_HELP),
    live_only: bool = typer.Option(
        False, "--live-only", help="Leave out backfilled forecasts (recorded >24 h after made)."
    ),
    stale_days: int = typer.Option(
        30, "--stale-days", help="Open questions not forecast for this many days are stale."
    ),
    due_within: int = typer.Option(
        30, "--due-within", help="Deadlines this many days ahead are due soon."
    ),
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", help=OUT_HELP),
    allow_broken_chain: bool = typer.Option(False, "--allow-broken-chain", help=BROKEN_HELP),
    as_name: str | None = typer.Option(None, "--as", help=VIEW_AS_HELP),
) -> None:
    """Write the periodic accuracy review: headline, questions, misses, calibration, follow-up.

    Example: tracker report --period 2022Q2 --out review.html
    """
    from tracker.services.review import build_review

    _build_and_deliver(
        ctx,
        "review",
        build_review,
        period=period,
        since=since,
        until=until,
        as_of=as_of,
        fmt=fmt,
        out=out,
        tag=tag,
        source=source,
        forecaster=forecaster,
        live_only=live_only,
        as_recorded=as_recorded,
        stale_after_days=stale_days,
        due_within_days=due_within,
        allow_broken_chain=allow_broken_chain,
        reader_name=as_name,
        lists_open=True,
    )


def retro(
    ctx: typer.Context,
    period: str | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP + " Default: all."),
    since: str | None = typer.Option(None, "--since", help="Outcomes on or after this date."),
    until: str | None = typer.Option(None, "--until", help="Outcomes on or before this date."),
    tag: str | None = typer.Option(None, "--tag", "-t", help="Only questions with this tag."),
    source: str | None = typer.Option(
        None, "--source", "-s", help="Only questions from this source."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    as_recorded: bool = typer.Option(False, "--as-recorded", help=AS_RECORDED_HELP),
    live_only: bool = typer.Option(
        False, "--live-only", help="Leave out backfilled forecasts (recorded >24 h after made)."
    ),
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", help=OUT_HELP),
    allow_broken_chain: bool = typer.Option(False, "--allow-broken-chain", help=BROKEN_HELP),
) -> None:
    """Write the team calibration retrospective: each analyst, the team, disagreements, prompts.

    Example: tracker retro --out retro.md
    """
    from tracker.services.review import build_retro

    _build_and_deliver(
        ctx,
        "retrospective",
        build_retro,
        period=period,
        since=since,
        until=until,
        as_of=as_of,
        fmt=fmt,
        out=out,
        tag=tag,
        source=source,
        live_only=live_only,
        as_recorded=as_recorded,
        allow_broken_chain=allow_broken_chain,
    )


def _build_and_deliver(
    ctx: typer.Context,
    what: str,
    build: Any,
    *,
    period: str | None,
    since: str | None,
    until: str | None,
    as_of: str | None,
    fmt: str | None,
    out: Path | None,
    reader_name: str | None = None,
    lists_open: bool = False,
    **options: Any,
) -> None:
    """Build a review or retrospective over the chosen period, as of --as-of, and write it in
    its format, with a progress bar on a terminal after a second. `lists_open`: the document
    lists open questions, so it is built for its reader (`reader_name`, --as), for whom blind
    questions hide others' forecasts (tracker/domain/blind.py)."""
    from tracker.services.review import choose_period
    from tracker.services.scoring import as_of_moment
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    chosen = _format(fmt, out, database_url=s.url)
    now = s.now()
    moment = as_of_moment(as_of, now=now)
    chosen_period = choose_period(period=period, since=since, until=until, today=moment.date())
    progress = console.DelayedProgress()
    try:
        with unit_of_work(s.url, write=False, now=now) as session:
            if lists_open:
                from tracker.services.ledger import reader

                options["viewer"] = reader(session, s.viewer(reader_name))
            data = build(
                session=session, as_of=moment, period=chosen_period, progress=progress, **options
            )
        warn_if_broken(data.record_findings)
        _deliver(what, data, fmt=chosen, out=out, database_url=s.url, progress=progress)
    finally:
        progress.close()


def warn_if_broken(findings: tuple[str, ...] | list[str]) -> None:
    """Say on stderr, unmissably, that what follows was built from a record changed behind
    tracker's back (only with --allow-broken-chain; otherwise nothing is built)."""
    if findings:
        console.error(
            f"The record was changed behind tracker's back ({len(findings)} finding"
            f"{'s' if len(findings) != 1 else ''}; see tracker db verify). What follows was "
            "built from it anyway (--allow-broken-chain) and says so."
        )


def register(app: typer.Typer) -> None:
    """Attach `report` and `retro` to the root command."""
    app.command("report")(report)
    app.command("retro")(retro)
