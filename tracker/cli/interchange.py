"""`tracker export` and `tracker import`: the JSON Lines interchange format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import AS_HELP


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
) -> None:
    """Export the record as JSON Lines (lossless) or CSV (one row per forecast, for spreadsheets).

    Example: tracker export --format csv --forecaster ani --since 2022-01-01 --out ani.csv
    """
    from tracker.cli.review import warn_if_broken
    from tracker.errors import InputError
    from tracker.services.integrity import require_intact
    from tracker.services.interchange import export_csv_rows, export_filter, export_lines
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
        )
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
    file: Path = typer.Argument(
        ...,
        help="A JSON Lines file written by tracker export, or another tool's export ('-': stdin).",
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
    Example: tracker import --from fatebook fatebook-forecasts.csv --dry-run
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
                (result.forecasts, "forecast"),
                (result.resolutions, "resolution"),
            )
        )

    if source_tool is None:
        if skip_invalid:
            raise InputError(
                "--skip-invalid goes with --from: a JSON Lines file is all or nothing."
            )
        from tracker.services.interchange import import_file

        progress = console.DelayedProgress()
        try:
            result = import_file(
                url=s.url,
                path=file,
                importer=s.who(as_name),
                now=s.now(),
                dry_run=dry_run,
                progress=progress,
            )
        finally:
            progress.close()
        console.say(f"{verb} {counts(result)}; {result.unchanged} already there.")
        return
    from tracker.services.interchange import import_foreign

    done = import_foreign(
        url=s.url,
        path=file,
        tool=source_tool.strip().lower(),
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
        raise InputError(
            f"{count_noun(len({p.row for p in done.problems}), 'row')} of {done.rows} "
            "have problems (listed above); nothing was imported. Fix them, or pass "
            "--skip-invalid to leave them out."
        )
    if done.skipped_rows:
        shown = ", ".join(str(r) for r in done.skipped_rows[:20])
        more = "" if len(done.skipped_rows) <= 20 else f" and {len(done.skipped_rows) - 20} more"
        console.note(f"Skipped rows {shown}{more}.")
    console.say(
        f"{verb} {counts(r, sources=False)} from {done.rows} rows of {source_tool}; "
        f"{r.unchanged} already there."
    )


def register(app: typer.Typer) -> None:
    """Attach export and import to the root command."""
    app.command("export")(export)
    app.command("import")(import_)
