"""`tracker remind`: what needs each forecaster, as text, JSON, a calendar file or e-mail.

Nothing here reaches the network unless `send_digests` is called (`--email`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from tracker.config import MailServer, redact_url
from tracker.domain import fields
from tracker.domain.addresses import check_address, parse_address_entries
from tracker.domain.model import Question
from tracker.domain.reminders import (
    DEFAULT_STALE_AFTER,
    DEFAULT_WITHIN,
    Digest,
    Reminders,
    digest_for,
    parse_stale_after,
    parse_within,
    question_revision,
    standing_by_question,
)
from tracker.errors import InputError, NotFoundError, OutputError
from tracker.storage import ledger as store
from tracker.storage.chain import first_event_hash, is_sqlite
from tracker.storage.database import Session


def who_can_resolve(session: Session, url: str) -> str:
    """Who may record a resolution on this ledger, in words."""
    if is_sqlite(session):
        return "anyone who can write this ledger"
    from tracker.storage.roles import database_name, role_names

    return f"a member of the database role {role_names(database_name(url))['resolver']}"


def _people(
    session: Session, forecaster: str | None, *, hidden: Collection[int] = ()
) -> dict[str, tuple[str, ...]]:
    """Whom to remind, with their tags: `forecaster` alone, else everyone with a forecast of
    their own (a report's forecaster, whose forecasts an analyst records, is left out). Tags
    are read without the forecasts on the `hidden` questions (blind, hidden from the reader)."""
    tagged = store.forecaster_tags(session, without=hidden)
    if forecaster is not None:
        name = fields.check_name(forecaster)
        if name not in tagged and name not in store.question_creators(session):
            raise NotFoundError(
                f"No forecaster {name!r} on record (nobody of that name has forecast or added "
                "a question): check the name, or leave out --for to remind everyone."
            )
        return {name: tagged.get(name, ())}
    reports = store.source_forecasters(session)
    return {name: tags for name, tags in tagged.items() if name not in reports}


def build_reminders(
    *,
    session: Session,
    url: str,
    as_of: datetime,
    within: str = DEFAULT_WITHIN,
    stale_after: str = DEFAULT_STALE_AFTER,
    forecaster: str | None = None,
    viewer: str | Literal[False] | None = False,
) -> Reminders:
    """Each forecaster's digest as of `as_of` (tracker/domain/reminders.py: `digest_for`).

    `within`: how far ahead deadlines are announced (`14d`, `2w`, a date); `stale_after`: when
    a forecast is stale (`30d`, or `25%` of its question's life); `forecaster`: remind only
    this person. `viewer`: who reads the digests (tracker/domain/blind.py; False: each digest
    goes to its own forecaster only, e.g. by e-mail): another person's digest then leaves out
    the blind questions whose forecasts are hidden from the viewer, and their tags are read
    without them. Raises InputError for an unreadable option, NotFoundError for an unknown name.
    """
    window = parse_within(within, today=as_of.date())
    stale = parse_stale_after(stale_after)
    hidden: set[int] = set()
    if viewer is not False:
        from tracker.services.ledger import reader

        hidden = store.hidden_questions(session, reader(session, viewer))
    people = _people(session, forecaster, hidden=hidden)
    unresolved = store.select_questions(session, store.QuestionFilter(state="open"))
    # Each forecaster's latest forecasts only (the candidates for standing forecast).
    candidates = store.standing_for(session, [q.id for q in unresolved])
    standing = standing_by_question({number: latest for number, (latest, _) in candidates.items()})
    digests = tuple(
        digest_for(
            name,
            unresolved=unresolved
            if name == viewer or not hidden
            else [q for q in unresolved if q.id not in hidden],
            standing=standing,
            tags=tags,
            as_of=as_of,
            window=window,
            stale=stale,
        )
        for name, tags in people.items()
    )
    return Reminders(
        as_of=as_of,
        window=window,
        stale=stale,
        digests=digests,
        resolvers=who_can_resolve(session, url),
        unresolved=tuple(unresolved),
    )


def deadlines_calendar(*, session: Session, questions: Sequence[Question]) -> bytes:
    """The iCalendar file of these questions' deadlines (UIDs from this ledger's identity)."""
    from tracker.reports.calendar import deadlines_calendar as render

    versions = store.question_versions(session, [q.id for q in questions])

    def revision(question: Question) -> tuple[int, datetime]:
        # A clarification (tracker clarify) is a new revision of the event: calendars update it.
        later = [v.recorded_at for v in versions.get(question.id, [])[1:]]
        return question_revision(question, later)

    return render(questions, identity=first_event_hash(session), revision=revision)


# --- e-mail ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailPlan:
    """Who gets which digest, from whom, through which server (checked before anything is
    sent)."""

    server: MailServer
    sender: str
    recipients: dict[str, str]  # forecaster -> address, for every digest to send
    quiet: tuple[str, ...]  # forecasters with nothing to say: no message


def address_book(*, to: Sequence[str], addresses_file: str | None) -> dict[str, str]:
    """Forecasters' addresses: the `NAME=ADDRESS` lines of `addresses_file`
    ($TRACKER_ADDRESSES), then `--to NAME=ADDRESS` options, which win. Raises InputError."""
    book: dict[str, str] = {}
    if addresses_file:
        path = Path(addresses_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise InputError(f"Cannot read TRACKER_ADDRESSES={path}: {reason}.") from None
        book.update(parse_address_entries(text.splitlines(), origin=f"{path} line {{line}}"))
    book.update(parse_address_entries(to, origin="--to"))
    return book


def plan_mail(
    reminders: Reminders, *, server: MailServer, sender: str | None, book: Mapping[str, str]
) -> MailPlan:
    """Check that every digest with something to say can be sent: a sender
    ($TRACKER_MAIL_FROM) and an address for each forecaster. Raises InputError naming the
    first one missing (nothing is sent then)."""
    if not sender or not sender.strip():
        raise InputError("--email needs a sender: set TRACKER_MAIL_FROM, e.g. tracker@example.org.")
    checked_sender = check_address(sender, what="TRACKER_MAIL_FROM")
    recipients: dict[str, str] = {}
    for digest in reminders.digests:
        if digest.empty:
            continue
        address = book.get(digest.forecaster)
        if address is None:
            raise InputError(
                f"No e-mail address for {digest.forecaster}: pass --to "
                f"{digest.forecaster}=ADDRESS or add a line to the file in TRACKER_ADDRESSES; "
                "nothing was sent."
            )
        recipients[digest.forecaster] = address
    quiet = tuple(d.forecaster for d in reminders.digests if d.empty)
    return MailPlan(server=server, sender=checked_sender, recipients=recipients, quiet=quiet)


#: Seconds to wait for the SMTP server at each step.
SMTP_TIMEOUT = 30


def send_digests(reminders: Reminders, plan: MailPlan) -> list[str]:
    """Send each digest of `plan` over one SMTP connection (standard library smtplib), and
    return the forecasters it was sent to. Raises OutputError (one line, password hidden) when
    the server cannot be reached or refuses, saying to whom it was sent before that."""
    import smtplib
    import ssl

    from tracker.reports.reminders import digest_message

    by_name: dict[str, Digest] = {d.forecaster: d for d in reminders.digests}
    server = plan.server
    sent: list[str] = []
    try:
        if server.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host,
                server.port,
                timeout=SMTP_TIMEOUT,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
        with client:
            if server.starttls:
                client.starttls(context=ssl.create_default_context())
            if server.user is not None:
                client.login(server.user, server.password or "")
            for name, address in plan.recipients.items():
                message = digest_message(
                    by_name[name], reminders, sender=plan.sender, recipient=address
                )
                client.send_message(message)
                sent.append(name)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        raise OutputError(_send_failed(server, exc, sent)) from None
    return sent


def _send_failed(server: MailServer, exc: Exception, sent: Sequence[str]) -> str:
    import smtplib

    reason = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        said = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        )
        reason = f"the server answered {exc.smtp_code} {' '.join(said.split())}".strip()
    elif isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror
    done = f"sent to {', '.join(sent)} before that" if sent else "nothing was sent"
    return f"Cannot send the reminders through {redact_url(server.shown)}: {reason}; {done}."
