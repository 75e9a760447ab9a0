"""`tracker source scan`: find a report's expectations, and turn one into a question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from tracker.domain.dates import parse_date
from tracker.domain.expectations import Candidate
from tracker.domain.model import Provenance, QuestionKind, Source, parse_source_ref
from tracker.errors import ConflictError, InputError
from tracker.extract.drafts import draft_criteria, draft_title, proper_names
from tracker.extract.expectations import scan_text
from tracker.services.ledger import AddedQuestion, RecordedForecast, add_question, record_forecast
from tracker.storage import ledger as store
from tracker.storage.database import Session


@dataclass(frozen=True)
class Scan:
    """A report's candidate expectations, best first."""

    source: Source
    published: date
    published_known: bool  # False: the report has no publication date; the day it was added
    candidates: list[Candidate]


def scan_source(*, session: Session, source: str) -> Scan:
    """The candidate expectations in a source's text. Raises NotFoundError, InputError."""
    found = store.get_source(session, parse_source_ref(source), with_text=True)
    if not found.text:
        raise InputError(
            f"Source {found.key} has no text to scan (it was added by URL). Add the report's "
            "file: tracker source add FILE."
        )
    published = found.published_on or found.added_at.date()
    return Scan(
        found, published, found.published_on is not None, scan_text(found.text, published=published)
    )


def _deadline_phrase(candidate: Candidate) -> str | None:
    d = candidate.deadline
    if d is None:
        return None
    notes = [n for n in (d.note,) if n]
    return d.phrase + (f" ({'; '.join(notes)})" if notes else "")


def _hedge_phrase(candidate: Candidate) -> str | None:
    p = candidate.probability
    if p is None:
        return None
    return (
        f"\u201c{p.words}\u201d read as {p.label}, {p.low * 100:.0f}-{p.high * 100:.0f}%, "
        f"midpoint {p.midpoint * 100:g}%"
    )


_STANCE_WORDS = {
    "conditional": "a conditional (\u201cif ..., ... will\u201d)",
    "intention": "a stated intention",
    "disclaimed": "disclaimed by the report",
}


@dataclass(frozen=True)
class Picked:
    """The question made from a candidate, and the forecasts recorded with it."""

    candidate: Candidate
    added: AddedQuestion
    forecast: RecordedForecast | None  # the analyst's own, if given
    implied: RecordedForecast | None
    implied_by: str | None
    criteria_drafted: bool
    implied_from_hedge: bool = False


def _implied_tokens(candidate: Candidate, options: Sequence[str], implied: str | None) -> list[str]:
    """The report's own forecast: `implied` if given, else the midpoint of what the report is
    credited with; with alternatives, they share it equally and "none of these" takes the rest
    (an exhaustive set shares everything equally)."""
    if implied is not None:
        return implied.split()
    if candidate.credited is None:
        if candidate.stance != "forecast":
            raise InputError(
                f"Candidate {candidate.rank} is {_STANCE_WORDS[candidate.stance]}, not the "
                "report's forecast, so it implies no probability: pass --implied P if you read "
                "one into it."
            )
        raise InputError(
            f"Candidate {candidate.rank} does not hedge, so it implies no probability: pass "
            "--implied P (e.g. --implied likely)."
        )
    mid = candidate.credited.midpoint
    if not options:
        return [f"{mid * 100:g}%"]
    if len(options) != len(candidate.options):
        named = (
            f"names {len(candidate.options) - 1} alternatives"
            if candidate.options
            else "names no alternatives"
        )
        raise InputError(
            f"The report {named} and you gave {len(options)} options, so its forecast cannot "
            "be read across: pass --implied with a probability per option."
        )
    if candidate.exhaustive:
        values = [1 / len(options)] * len(options)
    else:
        # The report's alternatives (in its order; renamed options keep their positions)
        # share the hedge's probability; the last option, "none of these", takes the rest.
        share = mid / (len(options) - 1)
        values = [share] * (len(options) - 1) + [1 - mid]
    return [f"{v * 100:.6g}%" for v in values]


def pick_candidate(
    *,
    session: Session,
    source: str,
    number: int,
    created_by: str,
    now: datetime,
    criteria: str | None = None,
    accept_draft_criteria: bool = False,
    title: str | None = None,
    deadline: str | None = None,
    options: Sequence[str] = (),
    slug: str | None = None,
    tags: Sequence[str] = (),
    forecast: Sequence[str] = (),
    rationale: str | None = None,
    record_implied: bool = False,
    implied: str | None = None,
    implied_as: str | None = None,
) -> Picked:
    """Make candidate `number` of a source's scan into a question, pre-filled from the report.

    The criteria must be given (`criteria`) or the draft explicitly accepted
    (`accept_draft_criteria`): a question without criteria someone has read cannot be
    resolved fairly. With `record_implied`, the report's implied probability is recorded as a
    forecast by the forecaster that speaks for the report (named after its author and
    organisation if it had none), made on the publication day. Raises InputError.
    """
    scan = scan_source(session=session, source=source)
    if not scan.candidates:
        raise InputError(f"Source {scan.source.key} has no candidate expectations to pick.")
    if not 1 <= number <= len(scan.candidates):
        raise InputError(
            f"--pick {number}: choose a candidate from 1 to {len(scan.candidates)} "
            f"(tracker source scan {scan.source.key})."
        )
    candidate = scan.candidates[number - 1]
    if deadline is not None:
        chosen_deadline = parse_date(deadline, today=now.date()).value
        # Keep what the report said, and that the analyst chose otherwise, for the audit.
        said = _deadline_phrase(candidate)
        deadline_phrase = f"{said}; the analyst chose {chosen_deadline}" if said else None
    elif candidate.deadline is not None and candidate.deadline.day is not None:
        chosen_deadline = candidate.deadline.day
        deadline_phrase = _deadline_phrase(candidate)
    else:
        said = f' (it says "{candidate.deadline.phrase}")' if candidate.deadline else ""
        raise InputError(f"Candidate {number} names no date{said}: pass --deadline DATE.")
    chosen_options = list(options) or list(candidate.options)
    kind = QuestionKind.MULTIPLE_CHOICE if chosen_options else QuestionKind.BINARY
    drafted_as_is = (
        candidate.criteria
        and candidate.deadline is not None
        and candidate.deadline.day == chosen_deadline
        and tuple(chosen_options) == candidate.options
    )
    names = proper_names(scan.source.text or "")
    draft = (
        candidate.criteria
        if drafted_as_is
        else draft_criteria(candidate, chosen_deadline, chosen_options, names=names)
    )
    draft_of_title = (
        candidate.title
        if drafted_as_is
        else draft_title(candidate, chosen_deadline, chosen_options, names=names)
    )
    if criteria is None and not accept_draft_criteria:
        raise InputError(
            "Confirm or edit the resolution criteria: pass --criteria TEXT, or "
            f"--accept-draft-criteria to use the draft: {draft}"
        )
    taken = store.question_from_quote(
        session, source_id=scan.source.id, quote_start=candidate.sentence.start
    )
    if taken is not None:
        raise ConflictError(
            f"Candidate {number} is already question {taken.ref} ({taken.title}). To make "
            "another question from the same passage: tracker add ... --source --quote."
        )
    if forecast and chosen_deadline < now.date():
        raise InputError(
            f"The deadline {chosen_deadline} has passed, so a forecast made now would not count: "
            "leave out --forecast, or give a later --deadline."
        )
    implied_by = None
    if record_implied:
        implied_by = implied_as or scan.source.forecaster or _report_forecaster_name(scan.source)
        speaking = store.source_forecasters(session)
        if implied_by not in speaking and implied_by in store.forecaster_names(session):
            raise InputError(
                f"{implied_by!r} already forecasts as an analyst, so the report cannot use that "
                "name: pass --implied-as NAME (e.g. the report's title and author)."
            )
    added = add_question(
        session=session,
        title=title or draft_of_title,
        criteria=criteria if criteria is not None else draft,
        deadline=chosen_deadline,
        created_by=created_by,
        now=now,
        kind=kind.value,
        options=chosen_options,
        slug=slug,
        # The expectation stands from the day the report said it: the question opens then,
        # so the report's own forecast (made that day) scores over the whole window.
        opened=min(scan.published, now.date()),
        source=scan.source.key,
        quote=candidate.sentence.plain,
        tags=tags,
        provenance=Provenance(
            quote_start=candidate.sentence.start,
            quote_end=candidate.sentence.end,
            deadline_phrase=deadline_phrase,
            hedge_phrase=_hedge_phrase(candidate),
        ),
    )
    own = None
    if forecast:  # the analyst's forecast is made now, though the question opened earlier
        own = record_forecast(
            session=session,
            question=str(added.question.id),
            probability=forecast,
            forecaster=created_by,
            now=now,
            rationale=rationale,
        )
    recorded = None
    if implied_by is not None:
        if scan.source.forecaster is None:
            store.set_source_forecaster(session, scan.source.id, implied_by, now=now, by=created_by)
        elif implied_by != scan.source.forecaster:
            raise InputError(
                f"Source {scan.source.key} already speaks as {scan.source.forecaster!r}; leave "
                "out --implied-as."
            )
        made_at = min(now, datetime.combine(scan.published, time(12), UTC))
        tokens = _implied_tokens(candidate, chosen_options, implied)
        recorded = record_forecast(
            session=session,
            question=str(added.question.id),
            probability=tokens,
            forecaster=implied_by,
            now=now,
            made_at=made_at.isoformat(),
            rationale=f"The report: \u201c{candidate.sentence.plain}\u201d"
            + (f" ({_hedge_phrase(candidate)})" if candidate.credited and implied is None else ""),
        )
    return Picked(candidate, added, own, recorded, implied_by, criteria is None, implied is None)


def _report_forecaster_name(source: Source) -> str:
    """A forecaster named after the report's author and organisation."""
    if source.author and source.organisation:
        return f"{source.author} ({source.organisation})"
    return source.author or source.organisation or f"report: {source.title}"
