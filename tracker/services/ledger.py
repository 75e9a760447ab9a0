"""The analyst's workflow: add questions, record forecasts, resolve, list, show, due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tracker.domain import fields
from tracker.domain.blind import EVERYONE, Viewer
from tracker.domain.criteria import deadline_disagreement
from tracker.domain.dates import ParsedDate, parse_date, parse_moment
from tracker.domain.fields import CLOCK_TOLERANCE as CLOCK_TOLERANCE  # re-exported
from tracker.domain.fields import EARLIEST_ZONE as EARLIEST_ZONE  # re-exported
from tracker.domain.fields import Stamp, came_before
from tracker.domain.fields import latest_day as latest_day  # re-exported
from tracker.domain.model import (
    MAX_REF,
    RESERVED_OUTCOMES,
    Forecast,
    OutcomeStatus,
    Provenance,
    Question,
    QuestionKind,
    Resolution,
    match_option,
    option_key,
    parse_question_ref,
    parse_source_ref,
    question_status,
    standing_forecasts,
    validate_options,
    validate_slug,
)
from tracker.domain.probability import Distribution, parse_distribution
from tracker.domain.versions import version_at
from tracker.domain.views import DueQuestions, Overview, QuestionDetail, QuestionSummary
from tracker.domain.yardsticks import ICD_203, Yardstick
from tracker.errors import ConflictError, InputError, NotFoundError
from tracker.services.yardsticks import ledger_yardstick
from tracker.storage import ledger as store
from tracker.storage.database import Session

#: Look-ahead windows (due within N days) are capped at a century.
MAX_DAYS = 36_500


def _required_text(value: str | None, rule: fields.Rule, empty: str) -> str:
    text = fields.clean(value, rule)
    if text is None:
        raise InputError(empty)
    return text


def _as_date(value: str | date, *, today: date, past: bool = False) -> ParsedDate:
    if isinstance(value, date):
        return ParsedDate(value=value, text=value.isoformat(), explanation=value.isoformat())
    return parse_date(value, today=today, past=past)


def normalise_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Tags are lower-case words; commas separate several in one argument."""
    return fields.normalise_tags(tags)


# --- add -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddedQuestion:
    """What `add` created, with how the input was read (for echoing back)."""

    question: Question
    deadline_read: str
    backfilled: bool
    forecast: RecordedForecast | None = None
    #: Things to check that do not stop the question being added (criteria_warnings).
    warnings: tuple[str, ...] = ()


def check_title(title: str | None) -> str:
    """The title as stored (one line, trimmed, in NFC). Raises InputError if empty or bad."""
    return _required_text(title, fields.TITLE, "The title is empty. Give the question a title.")


def check_criteria(criteria: str | None) -> str:
    """The resolution criteria as stored (free text, trimmed). Raises InputError if empty or
    bad."""
    return _required_text(
        criteria,
        fields.CRITERIA,
        "The resolution criteria are empty. Say exactly what counts as yes (--criteria TEXT).",
    )


def check_deadline(deadline: str | date, *, opened_on: date, today: date) -> ParsedDate:
    """The deadline of a question opened on `opened_on`, read as `tracker add` reads it.

    Raises InputError for a date it cannot read, a deadline before the opening date, and a
    past deadline on a question opened today (only backfilled history, opened earlier, may
    have one).
    """
    deadline_read = _as_date(deadline, today=opened_on)
    if deadline_read.value < today and opened_on >= today:
        raise InputError(
            f"The deadline {deadline_read.value} has passed. To record history, give the date the "
            "question was opened with --opened DATE."
        )
    if deadline_read.value < opened_on:
        raise InputError(
            f"The deadline {deadline_read.value} is before the question opens ({opened_on})."
        )
    return deadline_read


def criteria_warnings(criteria: str, deadline: date) -> tuple[str, ...]:
    """Warnings about criteria that are accepted all the same: dates that disagree with the
    deadline (tracker.domain.criteria)."""
    found = deadline_disagreement(criteria, deadline)
    return (found,) if found else ()


def add_question(
    *,
    session: Session,
    title: str,
    criteria: str,
    deadline: str | date,
    created_by: str,
    now: datetime,
    kind: str = "binary",
    options: Sequence[str] = (),
    opened: str | date | None = None,
    slug: str | None = None,
    source: str | None = None,
    quote: str | None = None,
    tags: Sequence[str] = (),
    notes: str | None = None,
    forecast: Sequence[str] = (),
    rationale: str | None = None,
    provenance: Provenance | None = None,
    blind: bool = False,
) -> AddedQuestion:
    """Add a question, optionally with the creator's first forecast (`forecast` tokens).
    `blind`: a forecaster sees nobody else's forecasts on it until they have made their own,
    or it is resolved (tracker/domain/blind.py).

    Raises InputError for an empty title or criteria, a bad kind, options, slug or date, a
    deadline before the opening date, or a past deadline on a question opened today (only
    backfilled history, with an earlier `opened`, may have one).
    """
    today = now.date()
    created_by = fields.check_name(created_by)
    title = check_title(title)
    criteria = check_criteria(criteria)
    try:
        question_kind = QuestionKind(kind.strip().lower().replace("-", "_"))
    except ValueError:
        raise InputError(
            f"Unknown kind {kind!r}: use binary, multiple_choice or ordered."
        ) from None
    option_names = validate_options(question_kind, list(options))
    if slug is not None:
        slug = validate_slug(slug.strip())
    opened_read = _as_date(opened, today=today, past=True) if opened is not None else None
    opened_on = opened_read.value if opened_read else today
    fields.check_happened(
        opened_on, recorded_at=None, now=now, what="opening date", hint="; questions open today"
    )
    deadline_read = check_deadline(deadline, opened_on=opened_on, today=today)
    backfilled = opened_on < today
    source_id = None
    if source is not None:
        found = store.get_source(session, parse_source_ref(source))
        source_id = found.id
    quote_text = fields.clean(quote, fields.QUOTE)
    if quote_text and source_id is None:
        raise InputError("A quote needs its source: pass --source SRC as well.")
    if provenance is not None:
        for phrase in (provenance.deadline_phrase, provenance.hedge_phrase):
            if phrase is not None:
                fields.check_text(phrase, fields.PHRASE)
    question = store.insert_question(
        session,
        slug=slug,
        title=title,
        criteria=criteria,
        kind=question_kind,
        options=option_names,
        deadline=deadline_read.value,
        opened_on=opened_on,
        source_id=source_id,
        quote=quote_text,
        notes=fields.clean(notes, fields.NOTES),
        tags=normalise_tags(tags),
        created_at=now,
        created_by=created_by,
        provenance=provenance,
        blind=blind,
    )
    recorded = None
    if forecast:
        made_at = (
            datetime.combine(opened_on, datetime.min.time(), UTC).replace(hour=12)
            if backfilled
            else now
        )
        recorded = _record(
            session,
            question=question,
            resolutions=[],
            tokens=forecast,
            forecaster=created_by,
            rationale=rationale,
            made_at=made_at,
            now=now,
            normalize=False,
        )
    return AddedQuestion(
        question=question,
        deadline_read=deadline_read.explanation,
        backfilled=backfilled,
        forecast=recorded,
        warnings=criteria_warnings(criteria, deadline_read.value),
    )


# --- forecast ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedForecast:
    """A recorded forecast with how the input was read, and the forecaster's previous one."""

    question: Question
    forecast: Forecast
    distribution: Distribution
    previous: Forecast | None
    superseded_by: Forecast | None = None
    # The ledger's yardstick, which read the words typed and writes words beside the number.
    yardstick: Yardstick = ICD_203


def _record(
    session: Session,
    *,
    question: Question,
    resolutions: list[Resolution],
    tokens: Sequence[str],
    forecaster: str,
    rationale: str | None,
    made_at: datetime,
    now: datetime,
    normalize: bool,
) -> RecordedForecast:
    forecaster = fields.check_name(forecaster)
    # Recorded now, so after every resolution already in the record (fields.came_before).
    recorded = Stamp(now, 0, now=True)
    closing = [r for r in resolutions if came_before(Stamp(r.recorded_at, None), recorded)]
    if closing:
        shown = resolutions[-1]
        raise ConflictError(
            f"Question {question.ref} is resolved ({shown.label}, {shown.occurred_on}); "
            "forecasts on it are closed."
        )
    fields.check_made(made_at, recorded_at=None, now=now)
    if made_at.date() < question.opened_on:
        raise InputError(
            f"The forecast time {made_at.date()} is before {question.ref} opened "
            f"({question.opened_on})."
        )
    if made_at.date() > question.deadline:
        raise ConflictError(
            f"The deadline of {question.ref} passed on {question.deadline}; resolve it with "
            f"tracker resolve {question.id} OUTCOME instead of forecasting."
        )
    yardstick = ledger_yardstick(session)
    distribution = parse_distribution(
        tokens, question.options, normalize=normalize, yardstick=yardstick
    )
    history = store.forecasts_for(session, [question.id])[question.id]
    # A backfilled forecast slots into the history: "previous" is the forecaster's last one
    # made before it, and a later one, if any, still stands.
    own = [f for f in history if f.forecaster == forecaster]
    previous = standing_forecasts([f for f in own if f.made_at <= made_at]).get(forecaster)
    superseded_by = standing_forecasts([f for f in own if f.made_at > made_at]).get(forecaster)
    # The version of the question in force when the judgement was made (tracker clarify).
    versions = store.question_versions(session, [question.id])[question.id]
    forecast = store.insert_forecast(
        session,
        question_id=question.id,
        forecaster=forecaster,
        made_at=made_at,
        recorded_at=now,
        probabilities=distribution.probabilities,
        rationale=fields.clean(rationale, fields.RATIONALE),
        input_text=fields.clean(" ".join(tokens), fields.INPUT),
        question_version=version_at(versions, made_at),
    )
    return RecordedForecast(
        question=question,
        forecast=forecast,
        distribution=distribution,
        previous=previous,
        superseded_by=superseded_by,
        yardstick=yardstick,
    )


def record_forecast(
    *,
    session: Session,
    question: str,
    probability: Sequence[str],
    forecaster: str,
    now: datetime,
    rationale: str | None = None,
    made_at: str | datetime | None = None,
    normalize: bool = False,
) -> RecordedForecast:
    """Record a new forecast on `question` (an update never overwrites an earlier one).

    `probability`: what the analyst typed, e.g. ["65%"], ["likely"], ["tri=55", "fold=45"].
    `made_at`: when the judgement was made (default now); earlier times record history.
    Raises NotFoundError, ConflictError (resolved, deadline passed) or InputError.
    """
    found = store.get_question(session, parse_question_ref(question))
    resolutions = store.resolutions_for(session, [found.id])[found.id]
    if made_at is None:
        moment = now
    elif isinstance(made_at, datetime):
        moment = made_at
    else:
        moment = parse_moment(made_at, now=now)
    return _record(
        session,
        question=found,
        resolutions=resolutions,
        tokens=probability,
        forecaster=forecaster,
        rationale=rationale,
        made_at=moment,
        now=now,
        normalize=normalize,
    )


# --- resolve -------------------------------------------------------------------------------------


def _recorded_after(session: Session, question: Question, now: datetime) -> Forecast | None:
    """A forecast on `question` recorded after `now`: a resolution recorded now would have
    closed the question before it (fields.came_before), which the record cannot hold. Only a
    clock set back (TRACKER_NOW) gets here."""
    resolution = Stamp(now, 0, now=True)
    return next(
        (
            f
            for f in store.forecasts_for(session, [question.id])[question.id]
            if came_before(resolution, Stamp(f.recorded_at, None))
        ),
        None,
    )


@dataclass(frozen=True)
class ResolvedQuestion:
    """A recorded resolution and the one it amends, if any."""

    question: Question
    resolution: Resolution
    amended: Resolution | None


def resolve_question(
    *,
    session: Session,
    question: str,
    outcome: str,
    resolver: str,
    now: datetime,
    occurred_on: str | date | None = None,
    evidence: str | None = None,
    amend: bool = False,
) -> ResolvedQuestion:
    """Log what happened. A second resolution needs `amend`, and is kept beside the first.

    `outcome`: an option (or a unique prefix of one), `annulled` or `ambiguous`.
    `occurred_on`: the day it happened (default today); not before the question opened, not in
    the future. Raises NotFoundError, ConflictError or InputError.
    """
    today = now.date()
    resolver = fields.check_name(resolver)
    found = store.get_question(session, parse_question_ref(question))
    if option_key(outcome) in RESERVED_OUTCOMES:
        status, option = OutcomeStatus(option_key(outcome)), None
    else:
        status, option = OutcomeStatus.OPTION, match_option(outcome, found.options)
    history = store.resolutions_for(session, [found.id])[found.id]
    current = history[-1] if history else None
    if occurred_on is not None:
        day = _as_date(occurred_on, today=today, past=True).value
    elif amend and current is not None:
        day = current.occurred_on  # an amendment keeps the date unless a new one is given
    else:
        day = today
    if day < found.opened_on:
        raise InputError(
            f"The outcome date {day} is before {found.ref} opened ({found.opened_on})."
        )
    fields.check_happened(
        day, recorded_at=None, now=now, what="outcome date", hint="; resolve it once it happened"
    )
    if current is not None and not amend:
        raise ConflictError(
            f"Question {found.ref} is already resolved ({current.label}, {current.occurred_on}). "
            "To correct it, pass --amend; the first resolution stays in the history."
        )
    if current is None and amend:
        raise InputError(f"Question {found.ref} is not resolved yet; drop --amend.")
    evidence_text = fields.clean(evidence, fields.EVIDENCE)
    later = _recorded_after(session, found, now)
    if later is not None:
        raise ConflictError(
            f"A forecast on {found.ref} by {later.forecaster} was recorded at "
            f"{later.recorded_at.isoformat()}, after now ({now.isoformat()}): a resolution comes "
            "after every forecast it closes. Check the clock (or TRACKER_NOW)."
        )
    if (
        current is not None
        and (current.status, current.outcome, current.occurred_on)
        == (
            status,
            option,
            day,
        )
        and current.evidence == evidence_text
    ):
        raise InputError(
            "The amendment changes nothing; give a different outcome, date or evidence."
        )
    resolution = store.insert_resolution(
        session,
        question_id=found.id,
        status=status,
        outcome=option,
        occurred_on=day,
        evidence=evidence_text,
        resolved_by=resolver,
        recorded_at=now,
        amends_id=current.id if current else None,
    )
    return ResolvedQuestion(question=found, resolution=resolution, amended=current)


# --- read ----------------------------------------------------------------------------------------


def reader(session: Session, name: str | None) -> Viewer:
    """Who reads, for the blind rule (tracker/domain/blind.py): `name` is the acting person
    (`--as` > TRACKER_USER > the database user > the login name; None if there is none). On
    PostgreSQL the database says whether its user is bound by the rule at all."""
    return Viewer(name, sees_all=store.sees_all(session))


def hidden_from(session: Session, viewer: Viewer) -> list[int]:
    """The numbers of the blind questions whose forecasts are hidden from `viewer`."""
    return sorted(store.hidden_questions(session, viewer))


def summaries_of(
    session: Session, questions: list[Question], *, today: date, viewer: Viewer = EVERYONE
) -> list[QuestionSummary]:
    """Where each question stands as of `today`: status, resolution, standing forecasts (none,
    and `hidden`, on a blind question whose forecasts `viewer` may not see yet)."""
    return _summaries(session, questions, today, viewer)


def _summaries(
    session: Session, questions: list[Question], today: date, viewer: Viewer = EVERYONE
) -> list[QuestionSummary]:
    ids = [q.id for q in questions]
    blind = [q.id for q in questions if q.blind]
    hidden = store.hidden_questions(session, viewer, blind) if blind else set()
    standing = store.standing_for(session, [i for i in ids if i not in hidden])
    resolutions = store.resolutions_for(session, ids)
    result = []
    for q in questions:
        current = resolutions[q.id][-1] if resolutions[q.id] else None
        latest, count = standing.get(q.id, ([], 0))
        result.append(
            QuestionSummary(
                question=q,
                status=question_status(q, current, today),
                resolution=current,
                standing=standing_forecasts(latest),
                forecast_count=count,
                hidden=q.id in hidden,
            )
        )
    return result


def list_questions(
    *,
    session: Session,
    today: date,
    state: str | None = None,
    due_within_days: int | None = None,
    tag: str | None = None,
    source: str | None = None,
    forecaster: str | None = None,
    limit: int | None = None,
    counted: list[int] | None = None,
    viewer: Viewer = EVERYONE,
) -> list[QuestionSummary]:
    """Questions with their status and standing forecasts, by deadline, as `viewer` may see
    them (blind questions: tracker/domain/blind.py).

    `state`: None (all), `open`, `resolved` or `overdue`; `due_within_days`: open questions whose
    deadline falls from today to today + N days. With `limit`, only the first `limit` are read
    in full (their forecasts and resolutions), and `counted` (if given) receives how many match.
    """
    if limit is not None and limit < 1:
        raise InputError("--limit must be at least 1.")
    if limit is not None and limit > MAX_REF:  # more than a ledger holds, and than SQL takes
        limit = None
    if state not in (None, "open", "resolved", "overdue"):
        raise InputError(f"Unknown state {state!r}: use open, resolved or overdue.")
    if due_within_days is not None and not 0 <= due_within_days <= MAX_DAYS:
        raise InputError(f"--due-within takes a number of days from 0 to {MAX_DAYS}.")
    if source:
        store.get_source(session, parse_source_ref(source))
    if forecaster is not None and forecaster not in store.visible_forecaster_names(session, viewer):
        raise NotFoundError(f"No forecaster {forecaster!r} has forecast yet.")
    flt = store.QuestionFilter(
        state=state,
        today=today,
        due_by=today + timedelta(days=due_within_days) if due_within_days is not None else None,
        tag=tag.strip().lower() if tag else None,
        source=parse_source_ref(source) if source else None,
        forecaster=forecaster,
        viewer=viewer,
    )
    matching = store.select_questions(session, flt, limit=limit)
    if counted is not None:
        total = len(matching)
        if limit is not None and total == limit:  # there may be more than the page
            total = store.count_questions(session, flt)
        counted.append(total)
    return _summaries(session, matching, today, viewer)


def show_question(
    *,
    session: Session,
    question: str,
    today: date,
    now: datetime | None = None,
    viewer: Viewer = EVERYONE,
) -> QuestionDetail:
    """Everything about one question as `viewer` may see it (no forecasts, and `hidden`, on a
    blind question they have not forecast yet), with how it moved up to `now` (default: the
    end of `today`). Raises NotFoundError."""
    # Here, not at the top: the team median needs numpy, which add and forecast do not.
    from tracker.domain.history import question_history

    found = store.get_question(session, parse_question_ref(question))
    resolutions = store.resolutions_for(session, [found.id])[found.id]
    source = None
    if found.source_key is not None:
        source = store.get_source(session, parse_source_ref(found.source_key))
    hidden = found.blind and found.id in store.hidden_questions(session, viewer, [found.id])
    forecasts = [] if hidden else store.forecasts_for(session, [found.id])[found.id]
    versions = store.question_versions(session, [found.id])[found.id]
    moment = now if now is not None else datetime.combine(today, time.max, UTC)
    return QuestionDetail(
        question=found,
        status=question_status(found, resolutions[-1] if resolutions else None, today),
        source=source,
        forecasts=forecasts,
        resolutions=resolutions,
        yardstick=ledger_yardstick(session),
        hidden=hidden,
        versions=versions,
        history=question_history(
            key=found.key,
            number=found.id,
            title=found.title,
            kind=found.kind,
            options=found.options,
            opened_on=found.opened_on,
            deadline=found.deadline,
            # A retracted forecast never stood (tracker retract): it is not drawn.
            forecasts=[f for f in forecasts if f.made_at <= moment and f.retraction is None],
            resolution=resolutions[-1] if resolutions else None,
            as_of=moment,
            report_forecaster=source.forecaster if source is not None else None,
            outsiders=store.source_forecasters(session),
            clarifications=[v.recorded_at for v in versions[1:] if v.recorded_at <= moment],
        ),
    )


def due_questions(
    *,
    session: Session,
    today: date,
    within_days: int = 30,
    limit: int | None = None,
    viewer: Viewer = EVERYONE,
) -> DueQuestions:
    """Overdue questions and open questions due within `within_days` days of `today` (with
    `limit`, at most that many of each, the earliest deadlines first; the totals are counted),
    as `viewer` may see them."""
    if not 0 <= within_days <= MAX_DAYS:
        raise InputError(f"--within takes a number of days from 0 to {MAX_DAYS}.")
    overdue_total: list[int] = []
    upcoming_total: list[int] = []
    return DueQuestions(
        overdue=list_questions(
            session=session,
            today=today,
            state="overdue",
            limit=limit,
            counted=overdue_total,
            viewer=viewer,
        ),
        upcoming=list_questions(
            session=session,
            today=today,
            due_within_days=within_days,
            limit=limit,
            counted=upcoming_total,
            viewer=viewer,
        ),
        within_days=within_days,
        overdue_total=overdue_total[0],
        upcoming_total=upcoming_total[0],
    )


def overview(*, session: Session, today: date, viewer: Viewer = EVERYONE) -> Overview:
    """Every question with its status, plus the sources and forecasters on record, as
    `viewer` may see them (a forecaster seen only on blind questions hidden from the viewer
    is not named)."""
    return Overview(
        questions=list_questions(session=session, today=today, viewer=viewer),
        sources=store.list_sources(session),
        forecasters=store.visible_forecaster_names(session, viewer),
    )
