"""`tracker source scan`: find a report's expectations, and turn them into questions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from tracker.domain.dates import parse_date
from tracker.domain.expectations import Candidate
from tracker.domain.model import Provenance, Question, QuestionKind, Source, parse_source_ref
from tracker.domain.yardsticks import ICD_203, Yardstick
from tracker.errors import ConflictError, InputError, ProblemsError
from tracker.extract.drafts import draft_criteria, draft_title, proper_names
from tracker.extract.expectations import scan_text
from tracker.services.ledger import AddedQuestion, RecordedForecast, add_question, record_forecast
from tracker.services.yardsticks import yardstick_for_source
from tracker.storage import ledger as store
from tracker.storage.database import Session


@dataclass(frozen=True)
class Scan:
    """A report's candidate expectations, best first."""

    source: Source
    published: date
    published_known: bool  # False: the report has no publication date; the day it was added
    candidates: list[Candidate]
    taken: dict[int, Question] = field(default_factory=dict)  # by where the passage starts
    yardstick: Yardstick = ICD_203  # the words of estimative probability were read with it
    names: frozenset[str] = frozenset()  # the report's proper names, kept capitalised in drafts

    def taken_by(self, candidate: Candidate) -> Question | None:
        """The question already taken from this candidate's passage, if any."""
        return self.taken.get(candidate.sentence.start)


def scan_source(*, session: Session, source: str) -> Scan:
    """The candidate expectations in a source's text. Raises NotFoundError, InputError."""
    found = store.get_source(session, parse_source_ref(source), with_text=True)
    if not found.text:
        raise InputError(
            f"Source {found.key} has no text to scan (it was added by URL). Add the report's "
            "file: tracker source add FILE."
        )
    published = found.published_on or found.added_at.date()
    yardstick = yardstick_for_source(session, found)
    return Scan(
        found,
        published,
        found.published_on is not None,
        scan_text(found.text, published=published, yardstick=yardstick),
        store.questions_by_quote(session, source_id=found.id),
        yardstick,
        proper_names(found.text),
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
    return f"\u201c{p.words}\u201d read as {p.label}, {p.reading}"


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

    @property
    def warnings(self) -> tuple[str, ...]:
        """What to check about the question added (e.g. criteria naming another date)."""
        return self.added.warnings


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


def draft_for(
    candidate: Candidate, deadline: date, options: Sequence[str], *, names: Iterable[str] = ()
) -> tuple[str, str]:
    """The drafted title and resolution criteria for a candidate with this deadline and these
    options: the one place that asks for drafts. The scan's own drafts when the deadline and
    options are the ones it suggested; else drafted again for the analyst's choice. `names`:
    the report's proper names (Scan.names), kept capitalised."""
    if (
        candidate.title
        and candidate.deadline is not None
        and candidate.deadline.day == deadline
        and tuple(options) == candidate.options
    ):
        return candidate.title, candidate.criteria
    return (
        draft_title(candidate, deadline, options, names=names),
        draft_criteria(candidate, deadline, options, names=names),
    )


def stance_of(candidate: Candidate) -> str:
    """How the report stands to the passage: forecast (credited to the report), conditional,
    intention or disclaimed. Only a forecast is the report's own."""
    return candidate.stance


def implied_tokens(candidate: Candidate) -> tuple[str, ...]:
    """The probability read from a candidate's hedge as forecast tokens (`67.5%`; with
    alternatives, one value per option, `none of these` taking the rest); () without a
    hedge, or when the report is not credited with it (a conditional, an intention)."""
    if candidate.credited is None:
        return ()
    return tuple(_implied_tokens(candidate, candidate.options, None))


@dataclass(frozen=True)
class Draft:
    """Everything a question taken from a candidate needs, decided: by the analyst, from a
    triage file, or as the report suggests."""

    candidate: Candidate
    title: str
    criteria: str
    deadline: date
    deadline_phrase: str | None  # the report's words for it, kept for the audit
    options: tuple[str, ...]
    slug: str | None = None
    tags: tuple[str, ...] = ()
    implied: tuple[str, ...] = ()  # the report's forecast as tokens; () records none
    implied_from_hedge: bool = False  # the tokens are the report's hedge, as read
    criteria_drafted: bool = False


def suggested_deadline(candidate: Candidate) -> date | None:
    """The deadline the report suggests for a candidate, None when it names no date."""
    return candidate.deadline.day if candidate.deadline is not None else None


def no_date_message(candidate: Candidate) -> str:
    """Why a candidate needs a deadline from the analyst."""
    said = f' (it says "{candidate.deadline.phrase}")' if candidate.deadline else ""
    return f"names no date{said}"


def taken_message(question: Question) -> str:
    """That a passage is already a question."""
    return f"is already question {question.ref} ({question.title})"


def report_voice(*, session: Session, scan: Scan, implied_as: str | None) -> str:
    """The forecaster the report's own forecasts are recorded under: the source's, else
    `implied_as`, else one named after its author and organisation. Raises InputError when
    that name is an analyst's, or the source already speaks under another."""
    if scan.source.forecaster is not None:
        if implied_as is not None and implied_as != scan.source.forecaster:
            raise InputError(
                f"Source {scan.source.key} already speaks as {scan.source.forecaster!r}; leave "
                "out --implied-as."
            )
        return scan.source.forecaster
    name = implied_as or _report_forecaster_name(scan.source)
    if name not in store.source_forecasters(session) and name in store.forecaster_names(session):
        raise InputError(
            f"{name!r} already forecasts as an analyst, so the report cannot use that "
            "name: pass --implied-as NAME (e.g. the report's title and author)."
        )
    return name


def take_draft(
    *,
    session: Session,
    scan: Scan,
    draft: Draft,
    created_by: str,
    now: datetime,
    implied_by: str | None = None,
    forecast: Sequence[str] = (),
    rationale: str | None = None,
) -> Picked:
    """Add the question a draft describes, with the analyst's forecast (`forecast` tokens,
    made now) and the report's (`draft.implied`, made on the publication day by `implied_by`,
    who is named the source's forecaster if it had none). The question opens on the
    publication day. Raises ConflictError if the passage is already a question, InputError
    for anything `add_question` or `record_forecast` refuses.
    """
    candidate = draft.candidate
    taken = store.question_from_quote(
        session, source_id=scan.source.id, quote_start=candidate.sentence.start
    )
    if taken is not None:
        raise ConflictError(
            f"Candidate {candidate.rank} {taken_message(taken)}. To make another question from "
            "the same passage: tracker add ... --source --quote."
        )
    if forecast and draft.deadline < now.date():
        raise InputError(
            f"The deadline {draft.deadline} has passed, so a forecast made now would not count: "
            "leave out --forecast, or give a later --deadline."
        )
    kind = QuestionKind.MULTIPLE_CHOICE if draft.options else QuestionKind.BINARY
    added = add_question(
        session=session,
        title=draft.title,
        criteria=draft.criteria,
        deadline=draft.deadline,
        created_by=created_by,
        now=now,
        kind=kind.value,
        options=draft.options,
        slug=draft.slug,
        # The expectation stands from the day the report said it: the question opens then,
        # so the report's own forecast (made that day) scores over the whole window.
        opened=min(scan.published, now.date()),
        source=scan.source.key,
        quote=candidate.sentence.plain,
        tags=draft.tags,
        provenance=Provenance(
            quote_start=candidate.sentence.start,
            quote_end=candidate.sentence.end,
            deadline_phrase=draft.deadline_phrase,
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
    if implied_by is not None and draft.implied:
        if _speaks_for(session, scan) is None:
            store.set_source_forecaster(session, scan.source.id, implied_by, now=now, by=created_by)
        made_at = min(now, datetime.combine(scan.published, time(12), UTC))
        recorded = record_forecast(
            session=session,
            question=str(added.question.id),
            probability=draft.implied,
            forecaster=implied_by,
            now=now,
            made_at=made_at.isoformat(),
            rationale=f"The report: \u201c{candidate.sentence.plain}\u201d"
            + (
                f" ({_hedge_phrase(candidate)})"
                if candidate.probability and draft.implied_from_hedge
                else ""
            ),
        )
    return Picked(
        candidate,
        added,
        own,
        recorded,
        implied_by if recorded is not None else None,
        draft.criteria_drafted,
        draft.implied_from_hedge,
    )


def _speaks_for(session: Session, scan: Scan) -> str | None:
    """The forecaster the source speaks under now (it may have been named in this
    transaction, by an earlier question of the same batch)."""
    return store.get_source(session, scan.source.id).forecaster


def take_drafts(
    *,
    session: Session,
    scan: Scan,
    drafts: Sequence[tuple[str, Draft]],
    created_by: str,
    now: datetime,
    implied_by: str | None,
    what: str,
) -> list[Picked]:
    """Add every draft in the session's one transaction, all or nothing. Each draft comes
    with how problems name it ("entry 3"). Raises ProblemsError listing every draft the record
    refused (`what` names the batch in the message), so that the transaction is rolled back.
    """
    picked: list[Picked] = []
    problems: list[str] = []
    for label, draft in drafts:
        try:
            picked.append(
                take_draft(
                    session=session,
                    scan=scan,
                    draft=draft,
                    created_by=created_by,
                    now=now,
                    implied_by=implied_by,
                )
            )
        except (InputError, ConflictError) as exc:
            problems.append(f"{label}: {exc}")
    if problems:
        raise refused(problems, what)
    return picked


def refused(problems: list[str], what: str) -> ProblemsError:
    """The error for a batch with problems: nothing of it is added."""
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    return ProblemsError(f"{count} in {what} (listed above); nothing was added.", problems)


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
    elif (suggested := suggested_deadline(candidate)) is not None:
        chosen_deadline = suggested
        deadline_phrase = _deadline_phrase(candidate)
    else:
        raise InputError(f"Candidate {number} {no_date_message(candidate)}: pass --deadline DATE.")
    chosen_options = list(options) or list(candidate.options)
    drafted_title, draft = draft_for(candidate, chosen_deadline, chosen_options, names=scan.names)
    if criteria is None and not accept_draft_criteria:
        raise InputError(
            "Confirm or edit the resolution criteria: pass --criteria TEXT, or "
            f"--accept-draft-criteria to use the draft: {draft}"
        )
    implied_by = None
    tokens: tuple[str, ...] = ()
    if record_implied:
        if implied is None and stance_of(candidate) != "forecast":
            raise InputError(
                f"Candidate {number} is {stance_of(candidate)}: the report does not forecast "
                "it, so it implies no probability. Leave out --record-implied, or pass "
                "--implied P."
            )
        implied_by = report_voice(session=session, scan=scan, implied_as=implied_as)
        tokens = tuple(_implied_tokens(candidate, chosen_options, implied))
    picked = take_draft(
        session=session,
        scan=scan,
        draft=Draft(
            candidate=candidate,
            title=title or drafted_title,
            criteria=criteria if criteria is not None else draft,
            deadline=chosen_deadline,
            deadline_phrase=deadline_phrase,
            options=tuple(chosen_options),
            slug=slug,
            tags=tuple(tags),
            implied=tokens,
            implied_from_hedge=implied is None,
            criteria_drafted=criteria is None,
        ),
        created_by=created_by,
        now=now,
        implied_by=implied_by,
        forecast=forecast,
        rationale=rationale,
    )
    return picked


def pick_candidates(
    *,
    session: Session,
    source: str,
    numbers: Sequence[int],
    created_by: str,
    now: datetime,
    tags: Sequence[str] = (),
    record_implied: bool = False,
    implied_as: str | None = None,
) -> list[Picked]:
    """Make several candidates questions as drafted (title, criteria, deadline, options), in
    the session's one transaction, all or nothing.

    With `record_implied`, the report's forecast is recorded on each candidate it forecasts
    (stance forecast) with a hedge. Raises ProblemsError listing every candidate that cannot
    be taken (out of range, no date, already a question, refused by the record).
    """
    scan = scan_source(session=session, source=source)
    if not scan.candidates:
        raise InputError(f"Source {scan.source.key} has no candidate expectations to pick.")
    problems: list[str] = []
    drafts: list[tuple[str, Draft]] = []
    for number in numbers:
        label = f"candidate {number}"
        if not 1 <= number <= len(scan.candidates):
            problems.append(f"{label}: choose a candidate from 1 to {len(scan.candidates)}.")
            continue
        candidate = scan.candidates[number - 1]
        day = suggested_deadline(candidate)
        taken = scan.taken_by(candidate)
        if taken is not None:
            problems.append(f"{label} {taken_message(taken)}.")
            continue
        if day is None:
            problems.append(
                f"{label} {no_date_message(candidate)}: pick it alone with --deadline DATE."
            )
            continue
        title, criteria = draft_for(candidate, day, candidate.options, names=scan.names)
        credited = record_implied and stance_of(candidate) == "forecast"
        implied = implied_tokens(candidate) if credited else ()
        drafts.append(
            (
                label,
                Draft(
                    candidate=candidate,
                    title=title,
                    criteria=criteria,
                    deadline=day,
                    deadline_phrase=_deadline_phrase(candidate),
                    options=candidate.options,
                    tags=tuple(tags),
                    implied=implied,
                    implied_from_hedge=True,
                    criteria_drafted=True,
                ),
            )
        )
    what = "--pick " + ",".join(str(n) for n in numbers)
    if problems:
        raise refused(problems, what)
    implied_by = None
    if any(d.implied for _, d in drafts):
        implied_by = report_voice(session=session, scan=scan, implied_as=implied_as)
    return take_drafts(
        session=session,
        scan=scan,
        drafts=drafts,
        created_by=created_by,
        now=now,
        implied_by=implied_by,
        what=what,
    )


def _report_forecaster_name(source: Source) -> str:
    """A forecaster named after the report's author and organisation."""
    if source.author and source.organisation:
        return f"{source.author} ({source.organisation})"
    return source.author or source.organisation or f"report: {source.title}"
