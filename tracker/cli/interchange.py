"""`tracker export` and `tracker import`: the JSON Lines interchange format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import AS_HELP, VIEW_AS_HELP


def export(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write to this file (atomically) instead of stdout."
    ),
    fmt: str = typer.Option(
        "jsonl", "--format", help="jsonl (lossless, for import) or csv (for spreadsheets)."
    ),
    since: str | None = typer.Option(None, "--since", help="Forecasts made on or after this day."),
    tag: str | None = typer.Option(None, "--tag", "-t", help="Only questions with this tag."),
    forecaster: str | None = typer.Option(
        None, "--forecaster", "-f", help="Only this forecaster's forecasts."
    ),
    source: str | None = typer.Option(
        None, "--source", "-s", help="Only questions from this source."
    ),
    allow_broken_chain: bool = typer.Option(
        False,
        "--allow-broken-chain",
        help="Export even a record changed behind tracker's back (to carry it into a new ledger).",
    ),
    as_name: str | None = typer.Option(None, "--as", help=VIEW_AS_HELP),
) -> None:
    """Export the record as JSON Lines (lossless) or CSV (one row per forecast, for spreadsheets).

    Example: tracker export --format csv --forecaster ani --since 2022-01-01 --out ani.csv
    """
    from tracker.cli.review import warn_if_broken
    from tracker.errors import InputError
    from tracker.services.integrity import require_intact
    from tracker.services.interchange import export_csv_rows, export_filter, export_lines
    from tracker.services.ledger import hidden_from, reader
    from tracker.services.workspace import unit_of_work

    if fmt not in ("jsonl", "csv"):
        raise InputError(f"--format {fmt!r}: use jsonl or csv.")
    s = settings(ctx)
    now = s.now()
    if out is not None:
        from tracker.services.files import check_writable

        check_writable(out, database_url=s.url)
    with unit_of_work(s.url, write=False, now=now) as session:
        only = export_filter(
            session=session,
            today=now.date(),
            since=since,
            tag=tag,
            forecaster=forecaster,
            source=source,
            viewer=reader(session, s.viewer(as_name)),
        )
        hidden = hidden_from(session, only.viewer)
        checked = require_intact(session, allow_broken=allow_broken_chain)
        warn_if_broken(tuple(f.message for f in checked.findings))
        if fmt == "jsonl":
            lines = list(export_lines(session=session, only=only, checked=checked))
            text = "".join(line + "\n" for line in lines)
            count = f"{len(lines)} records"
        else:
            import csv
            import io

            from tracker.services.interchange import CSV_HEADER

            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(CSV_HEADER)
            rows = 0
            for row in export_csv_rows(session=session, only=only, checked=checked):
                writer.writerow(row)
                rows += 1
            text = buffer.getvalue()
            count = f"{rows} forecasts"
    if hidden:
        console.note(
            "note: the forecasts on blind questions you have not forecast yet "
            f"({', '.join(f'#{n}' for n in hidden)}) are left out (docs/team.md): they appear "
            "once you have forecast, or the question is resolved."
        )
    if out is None:
        # JSON Lines with \u escapes for what a terminal would obey (lossless); CSV as it is,
        # made visible at a terminal.
        (console.emit_json_text if fmt == "jsonl" else console.emit_text)([text])
        return
    from tracker.services.files import write_atomically

    write_atomically(out, text, database_url=s.url)
    console.note(f"Exported {count} to {out}.")


def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ...,
        help=(
            "A JSON Lines file written by tracker export, or another tool's export ('-': "
            "stdin). With --from, several files are read together (the pages of an export)."
        ),
        show_default=False,
    ),
    source_tool: str | None = typer.Option(
        None,
        "--from",
        help="The file is another tool's export: fatebook, augur, predictionbook or csv.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check everything and report, but write nothing."
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="With --from: leave out bad rows (each is reported)."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Import JSON Lines, or another tool's export: everything is checked first, then written in
    one transaction.

    Importing the same file twice adds nothing the second time.
    Example: tracker import --from predictionbook my_predictions.json page1.csv page2.csv
    """
    from tracker.errors import InputError
    from tracker.reports.terminal import count_noun

    s = settings(ctx)
    verb = "Would add" if dry_run else "Added"

    def counts(result: Any, *, sources: bool = True) -> str:
        return ", ".join(
            count_noun(number, noun)
            for number, noun in (
                *(((result.sources, "source"),) if sources else ()),
                (result.questions, "question"),
                *(((result.clarifications, "clarification"),) if result.clarifications else ()),
                (result.forecasts, "forecast"),
                (result.resolutions, "resolution"),
                *(((result.retractions, "retraction"),) if result.retractions else ()),
            )
        )

    def unscorable(result: Any) -> None:
        if result.unscorable:
            one = result.unscorable == 1
            console.say(
                f"{count_noun(result.unscorable, 'forecast')} {'was' if one else 'were'} made "
                f"after {'its' if one else 'their'} question's outcome or deadline: "
                f"{'it is' if one else 'they are'} kept and shown, never scored "
                "(docs/scoring.md)."
            )

    if source_tool is None:
        if skip_invalid:
            raise InputError(
                "--skip-invalid goes with --from: a JSON Lines file is all or nothing."
            )
        if len(files) > 1:
            raise InputError(
                "Give one JSON Lines file per import: its lines may refer to records of the "
                "files before it, so import them one at a time, in order."
            )
        from tracker.services.interchange import import_file

        progress = console.DelayedProgress()
        try:
            result = import_file(
                url=s.url,
                path=files[0],
                importer=s.who(as_name),
                now=s.now(),
                dry_run=dry_run,
                progress=progress,
            )
        finally:
            progress.close()
        console.say(f"{verb} {counts(result)}; {result.unchanged} already there.")
        unscorable(result)
        return
    from tracker.services.interchange import import_foreign

    tool = source_tool.strip().lower()
    done = import_foreign(
        url=s.url,
        paths=files,
        tool=tool,
        importer=s.who(as_name),
        now=s.now(),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )
    if done.problems:
        from tracker.reports.terminal import problems_table

        console.show_err(problems_table(done.problems))
    r = done.result
    if done.problems and not skip_invalid:
        if dry_run:
            console.say(
                f"Without the rows that have problems: would add {counts(r, sources=False)}; "
                f"{r.unchanged} already there."
            )
        bad = len({(p.file, p.row) for p in done.problems})
        raise InputError(
            f"{count_noun(bad, 'row')} of {done.rows} {'has' if bad == 1 else 'have'} "
            "problems (listed above); nothing "
            "was imported. Fix them, or pass --skip-invalid to leave them out."
        )
    if done.skipped_rows:
        console.note(f"Skipped {_rows_text(done.skipped_rows)}.")
    of = f"{tool} ({len(files)} files)" if len(files) > 1 else tool
    console.say(
        f"{verb} {counts(r, sources=False)} from {count_noun(done.rows, 'row')} of {of}; "
        f"{r.unchanged} already there."
    )
    unscorable(r)
    if done.notes:
        from tracker.reports.escapes import visible

        for note in done.notes:
            console.say(visible(note, one_line=True))  # may name a file


def _rows_text(places: list[Any], most: int = 20) -> str:
    """Rows as a user finds them: `rows 3, 4` or `rows 3, 4 of a.csv; 7 of b.csv`, at most
    `most` of them and how many more."""
    shown, more = places[:most], len(places) - most
    groups: dict[str, list[str]] = {}
    for place in shown:
        groups.setdefault(place.file, []).append(str(place.row))
    text = "; ".join(
        ", ".join(rows) + (f" of {file}" if file else "") for file, rows in groups.items()
    )
    return f"row{'s' if len(places) > 1 else ''} {text}" + (f" and {more} more" if more > 0 else "")


def register(app: typer.Typer) -> None:
    """Attach export and import to the root command."""
    app.command("export")(export)
    app.command("import")(import_)
