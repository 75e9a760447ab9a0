"""`tracker remind`: tell each forecaster what needs them (text, JSON, a calendar, e-mail)."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli import console
from tracker.cli.context import settings

WITHIN_HELP = "Announce deadlines this far ahead: 14d, 2w, 1m or a date. Default: 14d."
STALE_HELP = (
    "A forecast of yours is stale when older than this (30d, 6w, 2m) or than this share of "
    "its question's life (25%). Default: 30d."
)


def remind(
    ctx: typer.Context,
    for_: str | None = typer.Option(
        None, "--for", metavar="NAME", help="Remind this forecaster only (default: everyone)."
    ),
    within: str = typer.Option("14d", "--within", help=WITHIN_HELP, show_default=False),
    stale_after: str = typer.Option("30d", "--stale-after", help=STALE_HELP, show_default=False),
    ics: Path | None = typer.Option(
        None,
        "--ics",
        metavar="FILE",
        help="Also write every unresolved question's deadline to this iCalendar file.",
    ),
    email: bool = typer.Option(
        False,
        "--email",
        help="Send each digest by e-mail through $TRACKER_SMTP_URL, from $TRACKER_MAIL_FROM.",
    ),
    to: list[str] = typer.Option(
        [],
        "--to",
        metavar="NAME=ADDRESS",
        help="A forecaster's e-mail address (repeat; beside the file in $TRACKER_ADDRESSES).",
    ),
    as_name: str | None = typer.Option(
        None,
        "--as",
        help=(
            "Read as this forecaster: printed digests of others leave out blind questions "
            "hidden from you (e-mailed digests go whole to each person). Default: "
            "$TRACKER_USER, else your login name."
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help="Write JSON to stdout instead of text."),
) -> None:
    """Tell each forecaster what needs them: deadlines passed or near, stale forecasts, new
    questions in their tags. Shows only each person's own forecasts.

    Example: tracker remind --within 2w --stale-after 25% --ics deadlines.ics
    """
    from tracker.config import environment, mail_server
    from tracker.services.reminders import address_book, build_reminders
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now, url = s.now(), s.url
    if ics is not None:
        from tracker.services.files import check_writable

        check_writable(ics, database_url=url)
    environ = environment()
    server = mail_server(environ) if email else None  # only --email reads the SMTP settings
    book = address_book(to=to, addresses_file=environ.get("TRACKER_ADDRESSES")) if email else None
    if to and not email:
        from tracker.errors import InputError

        raise InputError("--to gives e-mail addresses: pass --email as well.")
    with unit_of_work(url, write=False, now=now) as session:
        reminders = build_reminders(
            session=session,
            url=url,
            as_of=now,
            within=within,
            stale_after=stale_after,
            forecaster=for_,
            # Printed, the digests are read by whoever runs the command; e-mailed, each goes
            # to its own forecaster only.
            viewer=None if email else s.viewer(as_name),
        )
        calendar = None
        if ics is not None:
            from tracker.services.reminders import deadlines_calendar

            calendar = deadlines_calendar(session=session, questions=reminders.unresolved)
    plan = None
    if server is not None and book is not None:
        from tracker.services.reminders import plan_mail

        plan = plan_mail(
            reminders, server=server, sender=environ.get("TRACKER_MAIL_FROM"), book=book
        )
    if as_json:
        from tracker.reports.reminders import reminders_json

        console.emit_json(reminders_json(reminders))
    elif plan is None:
        from tracker.reports.reminders import reminders_text

        console.emit_text([reminders_text(reminders)])
    if ics is not None and calendar is not None:
        from tracker.services.files import write_atomically

        write_atomically(ics, calendar, database_url=url)
        count = len(reminders.unresolved)
        console.note(f"Wrote {count} deadline{'' if count == 1 else 's'} to {ics}.")
    if plan is not None:
        from tracker.services.reminders import send_digests

        sent = send_digests(reminders, plan)
        shown = ", ".join(f"{name} ({plan.recipients[name]})" for name in sent)
        message = f"Sent {len(sent)} reminder{'' if len(sent) == 1 else 's'}"
        message += f": {shown}." if sent else "."
        if plan.quiet:
            message += f" Nothing needs {', '.join(plan.quiet)}."
        if as_json:
            console.note(message)
        else:
            console.say(message)


def register(app: typer.Typer) -> None:
    """Attach `remind` to the root command."""
    app.command("remind")(remind)
