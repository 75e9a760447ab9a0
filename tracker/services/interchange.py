"""Export and import of the JSON Lines interchange format: lossless, idempotent, all or nothing."""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO, TypeVar

from tracker.config import sqlite_path
from tracker.domain import fields
from tracker.domain.blind import EVERYONE, Viewer
from tracker.domain.fields import Stamp, came_before
from tracker.domain.foreign import (
    Converted,
    ForeignFile,
    Place,
    Problem,
    check_tool,
    read_foreign,
)
from tracker.domain.interchange import (
    ClarificationRecord,
    ForecastRecord,
    LedgerRecord,
    QuestionRecord,
    Record,
    ResolutionRecord,
    RetractionRecord,
    SourceRecord,
    clarification_line,
    forecast_line,
    is_reserved_outcome,
    ledger_line,
    parse_line,
    question_line,
    resolution_line,
    retraction_line,
    source_line,
)
from tracker.domain.model import (
    RETRACTION_WINDOW,
    Forecast,
    OutcomeStatus,
    Question,
    Resolution,
    Source,
    find_option,
    option_key,
)
from tracker.domain.probability import GRID, regrid, stored_units
from tracker.domain.versions import QuestionVersion, version_at, versions_in_force
from tracker.errors import ConflictError, InputError, TrackerError
from tracker.services.clarifications import new_version
from tracker.services.integrity import RecordCheck, require_intact
from tracker.services.sources import content_hash
from tracker.services.workspace import unit_of_work
from tracker.storage import ledger as store
from tracker.storage.database import Session

_T = TypeVar("_T")
#: Forecasts are written in batches of this many rows.
BATCH = 5_000
#: The largest file (or input on stdin) an import reads: 1 GiB, some three million forecasts.
#: Beyond it the import is refused before it fills the memory; split a larger ledger into
#: several files (a line may refer to records imported before).
MAX_IMPORT_BYTES = 2**30


@dataclass(frozen=True)
class ExportFilter:
    """Which part of the record to export (all of it by default)."""

    since: date | None = None  # forecasts made on or after this day
    tag: str | None = None
    forecaster: str | None = None
    source: str | None = None
    # Who reads: forecasts on blind questions hidden from them are left out.
    viewer: Viewer = EVERYONE

    @property
    def narrows_forecasts(self) -> bool:
        return self.since is not None or self.forecaster is not None

    @property
    def everything(self) -> bool:
        """Nothing is selected out (whoever reads)."""
        return replace(self, viewer=EVERYONE) == ExportFilter()


def export_filter(
    *,
    session: Session,
    today: date,
    since: str | None = None,
    tag: str | None = None,
    forecaster: str | None = None,
    source: str | None = None,
    viewer: Viewer = EVERYONE,
) -> ExportFilter:
    """Read and check export filters (`viewer`: who reads, for blind questions). Raises
    InputError, NotFoundError."""
    from tracker.domain.dates import parse_date
    from tracker.domain.model import parse_source_ref

    if source is not None:
        source = store.get_source(session, parse_source_ref(source)).key
    if forecaster is not None and forecaster not in store.visible_forecaster_names(session, viewer):
        raise InputError(f"No forecaster {forecaster!r}. See who has forecast: tracker list")
    first = parse_date(since, today=today, past=True).value if since else None
    if first is not None and first > today:
        raise InputError(f"--since {first} is in the future: no forecast was made then yet.")
    return ExportFilter(
        since=first,
        tag=tag.strip().lower() if tag else None,
        forecaster=forecaster,
        source=source,
        viewer=viewer,
    )


def _selected(
    session: Session, flt: ExportFilter, *, checked: RecordCheck | None, allow_broken_chain: bool
) -> tuple[list[Source], list[Question], list[Forecast], list[Resolution]]:
    if checked is None:
        require_intact(session, allow_broken=allow_broken_chain)
    questions = [
        q
        for q in store.all_questions(session)
        if (flt.tag is None or flt.tag in q.tags)
        and (flt.source is None or q.source_key == flt.source)
    ]
    wanted = {q.id for q in questions}
    hidden = store.hidden_questions(session, flt.viewer)
    forecasts = [
        f
        for f in store.all_forecasts(session)
        if f.question_id in wanted
        and f.question_id not in hidden
        and (flt.forecaster is None or f.forecaster == flt.forecaster)
        and (flt.since is None or f.made_at.date() >= flt.since)
    ]
    if flt.narrows_forecasts:
        kept = {f.question_id for f in forecasts}
        questions = [q for q in questions if q.id in kept]
        wanted = kept
    resolutions = [r for r in store.all_resolutions(session) if r.question_id in wanted]
    used = {q.source_key for q in questions}
    sources = [
        s for s in store.list_sources(session, with_text=True) if flt.everything or s.key in used
    ]
    return sources, questions, forecasts, resolutions


def export_lines(
    *,
    session: Session,
    only: ExportFilter | None = None,
    checked: RecordCheck | None = None,
    allow_broken_chain: bool = False,
) -> Iterator[str]:
    """Every source, question, forecast and resolution as interchange lines, in a stable order
    (with `only`, the part it selects). The record is checked first (unless the caller did:
    `checked`): one changed behind tracker's back raises TamperedRecordError unless
    `allow_broken_chain` (how a damaged record is carried over into a new ledger)."""
    sources, questions, forecasts, resolutions = _selected(
        session, only or ExportFilter(), checked=checked, allow_broken_chain=allow_broken_chain
    )
    keys = {q.id: q.key for q in questions}
    clarifications: dict[int, list[QuestionVersion]] = {}
    for version in store.all_question_versions(session):
        clarifications.setdefault(version.question_id, []).append(version)
    yardstick = store.chosen_yardstick(session)
    if yardstick is not None:
        yield ledger_line(yardstick)
    for source in sources:
        yield source_line(source)
    for question in questions:
        # The question line holds version 1 (the question as added); each clarification
        # follows it, in order, so that an import rebuilds the same trail.
        later = clarifications.get(question.id, [])
        yield question_line(_as_added(session, question) if later else question)
        for version in later:
            yield clarification_line(version, question.key)
    for forecast in forecasts:
        yield forecast_line(forecast, keys[forecast.question_id])
    # After every forecast (each names its forecast, exported above), before the resolutions
    # (a retraction is recorded before its question is resolved), in the order recorded.
    retracted = [f for f in forecasts if f.retraction is not None]
    for forecast in sorted(retracted, key=lambda f: f.retraction.id if f.retraction else 0):
        yield retraction_line(forecast, keys[forecast.question_id])
    for resolution in resolutions:
        yield resolution_line(resolution, keys[resolution.question_id])


def _as_added(session: Session, question: Question) -> Question:
    """`question` with the title, criteria and deadline of version 1, as it was added (every
    read gives the latest version's)."""
    if question.version == 1:
        return question
    first = store.question_versions(session, [question.id])[question.id][0]
    return replace(question, title=first.title, criteria=first.criteria, deadline=first.deadline)


CSV_HEADER = (
    "question",
    "question_id",
    "title",
    "kind",
    "options",
    "forecaster",
    "made_at",
    "recorded_at",
    "backfilled",
    "probability",
    "probabilities",
    "outcome",
    "occurred_on",
    "score",
    "tags",
    "source",
    "rationale",
)
#: A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: object) -> object:
    """A cell a spreadsheet shows as text: text that would start a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv_rows(
    *,
    session: Session,
    only: ExportFilter | None = None,
    checked: RecordCheck | None = None,
    allow_broken_chain: bool = False,
) -> Iterator[list[object]]:
    """One row per forecast (see CSV_HEADER): the probability of yes for a binary question, all
    options for the others, the resolution in force, and the forecast's own score against it
    (Brier, Brier sum or RPS as for its kind; empty if unresolved, annulled or made after the
    outcome). Text cells are spreadsheet-safe."""
    from tracker.domain.scoring import forecast_score

    _sources, questions, forecasts, resolutions = _selected(
        session, only or ExportFilter(), checked=checked, allow_broken_chain=allow_broken_chain
    )
    by_id = {q.id: q for q in questions}
    in_force: dict[int, Resolution] = {}
    for resolution in resolutions:
        in_force[resolution.question_id] = resolution
    for f in forecasts:
        q = by_id[f.question_id]
        r = in_force.get(q.id)
        score: float | None = None
        if (
            r is not None
            and f.retraction is None  # retracted: shown, never scored
            and r.status is OutcomeStatus.OPTION
            and r.outcome in q.options
            and f.made_at.date() <= min(r.occurred_on, q.deadline)
        ):
            score = forecast_score(
                q.kind, [f.probabilities[o] for o in q.options], q.options.index(r.outcome)
            )
        yield [
            spreadsheet_safe(value)
            for value in (
                q.id,
                q.key,
                q.title,
                q.kind.value,
                " | ".join(q.options),
                f.forecaster,
                f.made_at.isoformat(),
                f.recorded_at.isoformat(),
                f.backfilled,
                f.probabilities[q.options[0]] if q.kind.value == "binary" else "",
                "; ".join(f"{o}={f.probabilities[o]:g}" for o in q.options),
                r.label if r is not None else "",
                r.occurred_on.isoformat() if r is not None else "",
                "" if score is None else round(score, 6),
                ", ".join(q.tags),
                q.source_key or "",
                f.rationale or "",
            )
        ]


@dataclass(frozen=True)
class ImportResult:
    """How many records of each type were added, and how many were already there.

    `unscorable`: how many of the forecasts added were made after their question's deadline or
    outcome day (as the file resolves it), which scoring never counts (docs/scoring.md)."""

    sources: int = 0
    questions: int = 0
    forecasts: int = 0
    resolutions: int = 0
    unchanged: int = 0
    unscorable: int = 0
    clarifications: int = 0
    retractions: int = 0

    @property
    def added(self) -> int:
        return (
            self.sources
            + self.questions
            + self.clarifications
            + self.forecasts
            + self.resolutions
            + self.retractions
        )


#: Reports how an import is going: (stage, done, total).
Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def parse_lines(lines: Sequence[str], progress: Progress = _quiet) -> list[Record]:
    """Parse every line first; raises InputError on the first bad one (nothing is written)."""
    records = []
    total = len(lines)
    for number, line in enumerate(lines, start=1):
        record = parse_line(number, line)
        if record is not None:
            records.append(record)
        if number % 10_000 == 0:
            progress("Checking", number, total)
    return records


def _same_question(existing: Question, record: QuestionRecord) -> bool:
    return (
        existing.title,
        existing.kind,
        existing.options,
        existing.deadline,
        existing.opened_on,
        existing.criteria,
        existing.blind,
    ) == (
        record.title,
        record.kind,
        record.options,
        record.deadline,
        record.opened_on,
        record.criteria,
        record.blind,
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _line_result(record: Record, check: Callable[[], _T]) -> _T:
    """The result of `check`, its InputError naming the record's line."""
    try:
        return check()
    except InputError as exc:
        raise InputError(f"line {record.line}: {exc}") from None


def _line(record: Record, check: Callable[[], None]) -> None:
    """Run a rule of tracker.domain.fields on `record`; its InputError names the line."""
    try:
        check()
    except InputError as exc:
        raise InputError(f"line {record.line}: {exc}") from None


@dataclass
class _Stored:
    """What the database held on a question before this import: its forecasts (by identity)
    and when its resolutions were recorded."""

    # How many forecasts of each identity (forecaster, made_at, probabilities, rationale) it
    # held: the n-th identical line of a file is the n-th identical forecast in the database.
    forecast_keys: Counter[tuple[str, datetime, str, str | None]]
    resolutions: list[Resolution]


class _Importer:
    def __init__(
        self, session: Session, *, importer: str, now: datetime, records: Sequence[Record]
    ) -> None:
        self.session = session
        self.importer = importer
        self.now = now
        self.sources: dict[str, int] = {}
        self.questions: dict[str, Question] = {}
        self.counts = {
            "sources": 0,
            "questions": 0,
            "clarifications": 0,
            "forecasts": 0,
            "resolutions": 0,
            "retractions": 0,
        }
        # Retractions already in the database that a line of this file matched (two alike
        # lines match two retractions, as identical forecasts do).
        self.claimed_retractions: set[int] = set()
        # Each question's versions so far (tracker clarify): as stored, then as this import
        # adds them, by the question's id.
        self.versions: dict[int, list[QuestionVersion]] = {}
        # The keys each question is held under in `questions` (a clarification updates them).
        self.keys_of: dict[int, set[str]] = {}
        self.unchanged = 0
        self.stored: dict[int, _Stored] = {}
        self.seen: dict[tuple[str, str], int] = {}
        self.claimed: set[int] = set()
        self.claimed_sources: set[int] = set()
        self.resolution_count: dict[int, int] = {}
        # The same count in this file, per question: two questions may each hold a forecast
        # that is otherwise identical (same person, time, probabilities and rationale).
        self.seen_forecasts: Counter[tuple[int, str, datetime, str, str | None]] = Counter()
        self.forecasters: dict[str, int] = store.forecaster_ids(session)
        # New rows are written in runs of one kind, in the order of the records (the order of
        # the chain): questions with their tags, forecasts, resolutions.
        self.run: str | None = None
        self.pending: list[dict[str, object]] = []
        self.pending_tags: list[tuple[str, ...]] = []
        # What the database held before: the numbers of its questions (a kept number must be
        # free), and each resolution this import records, by question (for amendments).
        self.taken: set[int] = store.question_ids(session)
        self.slugs, self.unnamed = store.question_keys(session)
        self.recorded: dict[int, list[Resolution]] = {}
        # When this import's forecasts on a question were last recorded (a resolution may not
        # be recorded before them), and when the file's resolutions are recorded (a forecast
        # may not be recorded after them), by the question's id in the file.
        self.latest_forecast: dict[int, tuple[datetime, str]] = {}
        # Records are written in the order given: that is the order of a file's lines, and
        # the order another tool's rows were turned into records (tracker.domain.foreign).
        self.place = 0
        self.file_resolutions: dict[str, list[Stamp]] = {}
        self.resolution_stamps: dict[int, list[Stamp]] = {}
        # The outcome day of each question as the file resolves it last (the resolution in
        # force), to count the forecasts added that scoring will never count.
        self.outcome_days: dict[str, date] = {}
        self.unscorable = 0
        for place, record in enumerate(records, start=1):
            if isinstance(record, ResolutionRecord):
                stamp = self._stamp(record.recorded_at, place)
                self.file_resolutions.setdefault(record.question, []).append(stamp)
                self.outcome_days[record.question] = record.occurred_on

    def _stamp(self, recorded_at: datetime | None, place: int) -> Stamp:
        return Stamp(recorded_at or self.now, place, now=recorded_at is None)

    def _recorded(self, record: Record, recorded_at: datetime | None, what: str) -> None:
        if recorded_at is not None:
            _line(record, lambda: fields.check_not_future(recorded_at, now=self.now, what=what))

    def flush(self) -> None:
        """Write the run of new rows collected so far, with one executemany."""
        if self.run == "question":
            store.insert_questions(self.session, self.pending, self.pending_tags)
        elif self.run == "forecast":
            store.insert_forecast_rows(self.session, self.pending)
        elif self.run == "resolution":
            store.insert_resolutions(self.session, self.pending)
        elif self.run == "clarification":
            store.insert_question_versions(self.session, self.pending)
        self.run, self.pending, self.pending_tags = None, [], []

    def _add(self, run: str, row: dict[str, object], tags: tuple[str, ...] = ()) -> None:
        """Collect a new row; a row of another kind first writes the run collected so far."""
        if run != self.run or len(self.pending) >= BATCH:
            self.flush()
            self.run = run
        self.pending.append(row)
        if run == "question":
            self.pending_tags.append(tags)

    def _remember(self, key: str, question: Question, *, created: bool) -> None:
        self.questions[key] = question
        self.keys_of.setdefault(question.id, set()).add(key)
        if created:
            self.stored[question.id] = _Stored(Counter(), [])

    def _stored(self, question: Question) -> _Stored:
        """The question's records from before this import (read once)."""
        found = self.stored.get(question.id)
        if found is None:
            history = store.forecasts_for(self.session, [question.id])[question.id]
            keys = Counter(
                (
                    f.forecaster,
                    f.made_at,
                    store.dump_probabilities(regrid(f.probabilities)),
                    f.rationale,
                )
                for f in history
            )
            for f in history:
                self._forecast_recorded(question.id, f.recorded_at, f.forecaster)
            resolutions = store.resolutions_for(self.session, [question.id])[question.id]
            found = self.stored[question.id] = _Stored(keys, resolutions)
        return found

    def _forecast_recorded(self, question_id: int, at: datetime, forecaster: str) -> None:
        latest = self.latest_forecast.get(question_id)
        if latest is None or at > latest[0]:
            self.latest_forecast[question_id] = (at, forecaster)

    def source(self, record: SourceRecord) -> None:
        self._first_seen("source", record.key, record.line)
        self._recorded(record, record.added_at, "'added_at'")
        if record.published_on is not None:
            published_on = record.published_on
            _line(
                record,
                lambda: fields.check_happened(
                    published_on,
                    recorded_at=record.added_at,
                    now=self.now,
                    what="'published_on'",
                ),
            )
        digest = None
        if record.text is not None:
            digest = content_hash(record.text)
            if record.content_hash is not None and record.content_hash != digest:
                raise InputError(
                    f"line {record.line}: 'content_hash' does not match the text; "
                    "the text was changed after it was hashed."
                )
        existing = store.source_by_hash(self.session, digest) if digest else None
        if existing is None and digest is None:
            existing = self._same_source(record)
        if existing is None and not record.key.isdigit():
            existing = store.find_source(self.session, record.key)
            if existing is not None and existing.content_hash != digest:
                raise InputError(
                    f"line {record.line}: source {record.key!r} exists with other content."
                )
        if existing is not None:
            self.sources[record.key] = existing.id
            self.claimed_sources.add(existing.id)
            self.unchanged += 1
            return
        created = store.insert_source(
            self.session,
            slug=None if record.key.isdigit() else record.key,
            title=record.title,
            author=record.author,
            organisation=record.organisation,
            published_on=record.published_on,
            url=record.url,
            file=record.file,
            text=record.text,
            content_hash=digest,
            added_at=record.added_at or self.now,
            added_by=record.added_by or self.importer,
            number=record.number,
            forecaster=record.forecaster,
            yardstick=record.yardstick,
        )
        self.sources[record.key] = created.id
        self.claimed_sources.add(created.id)
        self.counts["sources"] += 1

    def ledger(self, record: LedgerRecord) -> None:
        """The ledger's yardstick: chosen as the file says when this ledger has chosen none;
        a ledger that chose one keeps it (the forecasts are numbers either way)."""
        if record.yardstick is None or store.chosen_yardstick(self.session) is not None:
            self.unchanged += 1
            return
        store.choose_yardstick(
            self.session, source_id=None, yardstick=record.yardstick, now=self.now, by=self.importer
        )

    def _same_source(self, record: SourceRecord) -> Source | None:
        """The source without text that `record` is: one with the same title, URL and date (the
        one with its number first) that no earlier line of the file has matched, so that two
        alike stay two."""
        candidates = []
        if record.number is not None:
            candidates.append(store.find_source(self.session, record.number))
        candidates.append(
            store.find_source_by_metadata(
                self.session, title=record.title, url=record.url, published_on=record.published_on
            )
        )
        return next(
            (
                c
                for c in candidates
                if c is not None
                and c.id not in self.claimed_sources
                and c.content_hash is None
                and (c.title, c.url, c.published_on)
                == (record.title, record.url, record.published_on)
            ),
            None,
        )

    def _source_id(self, key: str, line: int) -> int:
        if key in self.sources:
            return self.sources[key]
        found = store.find_source(self.session, int(key) if key.isdigit() else key)
        if found is None:
            raise InputError(f"line {line}: unknown source {key!r}; put its source line first.")
        return found.id

    def _first_seen(self, kind: str, key: str, line: int) -> None:
        earlier = self.seen.setdefault((kind, key), line)
        if earlier != line:
            raise InputError(
                f"line {line}: {kind} id {key!r} appears twice in the file (first on line "
                f"{earlier}); give each {kind} its own id."
            )

    def question(self, record: QuestionRecord) -> None:
        self._first_seen("question", record.key, record.line)
        self._recorded(record, record.created_at, "'created_at'")
        _line(
            record,
            lambda: fields.check_happened(
                record.opened_on, recorded_at=record.created_at, now=self.now, what="'opened_on'"
            ),
        )
        existing = None
        if record.slug is not None:
            if record.slug in self.slugs:
                existing = store.find_question(self.session, record.slug)
        elif (record.title, record.opened_on) in self.unnamed:
            # Without a slug, a question is the same one if everything about it matches; two
            # identical lines in one file stay two questions (each claims its own match).
            existing = next(
                (
                    q
                    for q in store.find_questions_by_content(
                        self.session, title=record.title, opened_on=record.opened_on
                    )
                    if q.id not in self.claimed
                    and _same_question(_as_added(self.session, q), record)
                    and (record.created_at is None or q.created_at == record.created_at)
                ),
                None,
            )
        if existing is not None:
            # The question line is version 1; later versions follow as clarification lines.
            if not _same_question(_as_added(self.session, existing), record):
                raise InputError(
                    f"line {record.line}: question {record.key!r} exists as {existing.ref} "
                    "with a different title, options, dates, criteria or blindness."
                )
            self._remember(record.key, existing, created=False)
            self.claimed.add(existing.id)
            self.unchanged += 1
            return
        source_id = self._source_id(record.source, record.line) if record.source else None
        number = store.new_question_id(self.session, record.number, taken=self.taken)
        self.taken.add(number)
        created_at = record.created_at or self.now
        created_by = record.created_by or self.importer
        tags = tuple(sorted(set(record.tags)))
        row: dict[str, object] = {
            "id": number,
            "slug": record.slug,
            "title": record.title,
            "criteria": record.criteria,
            "kind": record.kind.value,
            "options": json.dumps(list(record.options), ensure_ascii=False),
            "deadline": record.deadline,
            "opened_on": record.opened_on,
            "source_id": source_id,
            "quote": record.quote,
            "notes": record.notes,
            "created_at": created_at,
            "created_by": created_by,
            **record.provenance.as_columns(),
        }
        # The chain hashes the flag only when it is set (tracker/domain/chain.py).
        row["blind"] = record.blind
        self._add("question", row, tags)
        created = Question(
            id=number,
            slug=record.slug,
            title=record.title,
            criteria=record.criteria,
            kind=record.kind,
            options=record.options,
            deadline=record.deadline,
            opened_on=record.opened_on,
            created_at=created_at,
            created_by=created_by,
            quote=record.quote,
            notes=record.notes,
            tags=tags,
            **record.provenance.as_columns(),  # type: ignore[arg-type]
            blind=record.blind,
        )
        self._remember(record.key, created, created=True)
        self.versions[number] = [
            QuestionVersion(
                question_id=number,
                version=1,
                title=record.title,
                criteria=record.criteria,
                deadline=record.deadline,
                author=created_by,
                recorded_at=created_at,
            )
        ]
        self.claimed.add(created.id)
        self.counts["questions"] += 1

    def _versions(self, question: Question) -> list[QuestionVersion]:
        """The question's versions: as stored (read once), then those this import added."""
        found = self.versions.get(question.id)
        if found is None:
            found = self.versions[question.id] = store.question_versions(
                self.session, [question.id]
            )[question.id]
        return found

    def clarification(self, record: ClarificationRecord) -> None:
        """A version of a question: the one already there (unchanged), or the next one, under
        the rules of `tracker clarify`."""
        question = self._question(record.question, record.line)
        versions = self._versions(question)
        if record.version <= len(versions):
            stored = versions[record.version - 1]
            if (stored.title, stored.criteria, stored.deadline, stored.reason) != (
                record.title,
                record.criteria,
                record.deadline,
                record.reason,
            ):
                raise InputError(
                    f"line {record.line}: version {record.version} of {record.question!r} "
                    "differs from the one in the database; clarify it again with the next "
                    "version instead."
                )
            self.unchanged += 1
            return
        if record.version != len(versions) + 1:
            raise InputError(
                f"line {record.line}: the versions of {record.question!r} must be consecutive: "
                f"the next is version {len(versions) + 1}, not {record.version}."
            )
        self._recorded(record, record.recorded_at, "'recorded_at'")
        closing = self._closing(record, question)
        if closing is not None:
            raise ConflictError(
                f"line {record.line}: question {record.question!r} was already resolved when "
                f"this clarification was recorded (the resolution was recorded "
                f"{closing.at.isoformat()}); a resolved question is not clarified."
            )
        version, _changed, _read = _line_result(
            record,
            lambda: new_version(
                question,
                versions,
                reason=record.reason,
                author=record.author or self.importer,
                now=record.recorded_at or self.now,
                title=record.title,
                criteria=record.criteria,
                deadline=record.deadline,
            ),
        )
        if self.run != "clarification":
            self.flush()  # the question it clarifies is written first
        self._add("clarification", store.version_values(version))
        versions.append(version)
        current = replace(
            question,
            title=version.title,
            criteria=version.criteria,
            deadline=version.deadline,
            version=version.version,
        )
        for key in self.keys_of.get(question.id, ()):
            self.questions[key] = current
        self.counts["clarifications"] += 1

    def _question(self, key: str, line: int) -> Question:
        if key in self.questions:
            return self.questions[key]
        found = store.find_question(self.session, int(key) if key.isdigit() else key)
        if found is None:
            raise InputError(f"line {line}: unknown question {key!r}; put its question line first.")
        self._remember(key, found, created=False)
        return found

    def _options(self, record: ForecastRecord, question: Question) -> dict[str, float]:
        """The record's probabilities by option (names compared as `option_key` does), in
        option order, on the grid."""
        by_option = record.probabilities
        if by_option.keys() != set(question.options):  # not spelt as the options are
            by_option = self._by_key(record, question)
        try:
            units = stored_units([by_option[o] for o in question.options], question.options)
        except InputError as exc:
            raise InputError(f"line {record.line}: {exc}") from None
        return {o: unit / GRID for o, unit in zip(question.options, units, strict=True)}

    def _by_key(
        self, record: ForecastRecord, question: Question
    ) -> dict[str, float | Decimal | Fraction]:
        by_option: dict[str, float | Decimal | Fraction] = {}
        for given, amount in record.probabilities.items():
            option = find_option(given, question.options)
            if option is None or option in by_option:
                raise InputError(
                    f"line {record.line}: the probabilities must cover exactly the options of "
                    f"{record.question!r}: {', '.join(question.options)}."
                )
            by_option[option] = amount
        if len(by_option) != len(question.options):
            raise InputError(
                f"line {record.line}: the probabilities must cover exactly the options of "
                f"{record.question!r}: {', '.join(question.options)}."
            )
        return by_option

    def _closing(
        self, record: ForecastRecord | ClarificationRecord, question: Question
    ) -> Stamp | None:
        """The first resolution recorded before the forecast was (fields.came_before)."""
        return self._resolved_before(record.question, question, record.recorded_at)

    def _resolved_before(
        self, key: str, question: Question, recorded_at: datetime | None
    ) -> Stamp | None:
        """The first resolution of `question` (named `key` in the file) recorded before a
        record of this line recorded at `recorded_at` (None: now) was."""
        resolutions = self.resolution_stamps.get(question.id)
        if resolutions is None:
            stored = [Stamp(r.recorded_at, None) for r in self._stored(question).resolutions]
            in_file = [
                stamp
                for name in {key, question.key, str(question.id)}
                for stamp in self.file_resolutions.get(name, [])
            ]
            resolutions = self.resolution_stamps[question.id] = stored + in_file
        if not resolutions:
            return None
        forecast = self._stamp(recorded_at, self.place)
        earlier = [r for r in resolutions if came_before(r, forecast)]
        return min(earlier, key=lambda r: r.at) if earlier else None

    def forecast(self, record: ForecastRecord) -> None:
        question = self._question(record.question, record.line)
        probabilities = self._options(record, question)
        if record.made_at.date() < question.opened_on:
            raise InputError(
                f"line {record.line}: made_at {record.made_at.date()} is before the question "
                f"opened ({question.opened_on})."
            )
        keys = self._stored(question).forecast_keys
        dumped = store.dump_probabilities(probabilities)
        identity = (record.forecaster, record.made_at, dumped, record.rationale)
        self.seen_forecasts[(question.id, *identity)] += 1
        if self.seen_forecasts[(question.id, *identity)] <= keys[identity]:
            self.unchanged += 1
            return
        self._recorded(record, record.recorded_at, "'recorded_at'")
        _line(
            record,
            lambda: fields.check_made(record.made_at, recorded_at=record.recorded_at, now=self.now),
        )
        closing = self._closing(record, question)
        if closing is not None:
            raise ConflictError(
                f"line {record.line}: question {record.question!r} was already resolved when "
                f"this forecast was recorded (the resolution was recorded "
                f"{closing.at.isoformat()}); forecasts on it are closed."
            )
        recorded_at = record.recorded_at or self.now
        version = self._forecast_version(record, question)
        self._forecast_recorded(question.id, recorded_at, record.forecaster)
        forecaster = self.forecasters.get(record.forecaster)
        if forecaster is None:
            if self.run != "forecast":
                self.flush()  # the questions before it take their places before it
            forecaster = store.forecaster_id(self.session, record.forecaster, now=recorded_at)
            self.forecasters[record.forecaster] = forecaster
        self._add(
            "forecast",
            {
                "question_id": question.id,
                "forecaster_id": forecaster,
                "made_at": record.made_at,
                "recorded_at": recorded_at,
                "probabilities": dumped,
                "rationale": record.rationale,
                "input_text": record.input_text,
                "question_version": store.stored_version(version),
            },
        )
        self.counts["forecasts"] += 1
        # The window scoring uses (tracker/domain/scoring.py): a forecast made on a day after
        # the outcome (hindsight) or after the deadline (after the close) is never scored.
        close = min(question.deadline, self.outcome_days.get(record.question, question.deadline))
        if record.made_at.date() > close:
            self.unscorable += 1

    def retraction(self, record: RetractionRecord) -> None:
        """A forecast retracted by its forecaster, by the rules of `tracker retract`
        (services/retractions.py): added even when its forecast line was already there."""
        ref = record.forecast
        question = self._question(ref.question, record.line)
        dumped = store.dump_probabilities(self._options(ref, question))
        self._stored(question)
        self.flush()  # the forecasts of the lines before it take their numbers
        history = store.forecasts_for(self.session, [question.id])[question.id]
        identity = (ref.forecaster, ref.made_at, dumped, ref.rationale)
        candidates = sorted(
            (
                f
                for f in history
                if (
                    f.forecaster,
                    f.made_at,
                    store.dump_probabilities(regrid(f.probabilities)),
                    f.rationale,
                )
                == identity
            ),
            key=lambda f: (ref.recorded_at not in (None, f.recorded_at), f.recorded_at, f.id),
        )
        where = f"line {record.line}: "
        named = f"the forecast by {ref.forecaster} on {ref.question!r} made at {_iso(ref.made_at)}"
        recorded_by = record.recorded_by or ref.forecaster
        if recorded_by != ref.forecaster:
            raise InputError(
                f"{where}{named} may be retracted only by {ref.forecaster}, not by "
                f"{recorded_by}: a forecaster retracts only their own forecasts."
            )
        for f in candidates:
            done = f.retraction
            if (
                done is not None
                and done.id not in self.claimed_retractions
                and (done.reason, done.recorded_by) == (record.reason, recorded_by)
                and record.recorded_at in (None, done.recorded_at)
            ):
                self.claimed_retractions.add(done.id)
                self.unchanged += 1
                return
        target = next((f for f in candidates if f.retraction is None), None)
        if target is None:
            if candidates:
                raise ConflictError(
                    f"{where}{named} is retracted already: a forecast is retracted once "
                    "(retracting twice is refused)."
                )
            raise InputError(
                f"{where}there is no {named[4:]} with these probabilities and rationale to "
                "retract; put its forecast line first."
            )
        self._recorded(record, record.recorded_at, "'recorded_at'")
        recorded_at = record.recorded_at or self.now
        closing = self._resolved_before(ref.question, question, record.recorded_at)
        if closing is not None:
            raise ConflictError(
                f"{where}question {ref.question!r} was resolved at {closing.at.isoformat()} "
                "before the retraction; once a question is resolved its forecasts are scored "
                "as recorded."
            )
        if recorded_at < target.recorded_at:
            raise InputError(
                f"{where}the retraction is recorded at {recorded_at.isoformat()}, before its "
                f"forecast was recorded ({target.recorded_at.isoformat()})."
            )
        if recorded_at - target.recorded_at > RETRACTION_WINDOW:
            raise ConflictError(
                f"{where}the retraction is recorded at {recorded_at.isoformat()}, more than 24 "
                f"hours after its forecast ({target.recorded_at.isoformat()}); after that a new "
                "forecast is the correction."
            )
        later = [
            f
            for f in history
            if f.forecaster == ref.forecaster and target.recorded_at < f.recorded_at <= recorded_at
        ]
        if later:
            raise ConflictError(
                f"{where}{ref.forecaster} recorded a later forecast on {ref.question!r} (at "
                f"{later[0].recorded_at.isoformat()}) before the retraction: only one's latest "
                "forecast can be retracted."
            )
        store.insert_retraction(
            self.session,
            forecast_id=target.id,
            reason=record.reason,
            recorded_by=recorded_by,
            recorded_at=recorded_at,
        )
        self.counts["retractions"] += 1

    def _forecast_version(self, record: ForecastRecord, question: Question) -> int:
        """The version of the question a forecast was made under, as `tracker forecast`
        records it (the version in force when it was made); a given one must be that."""
        versions = self._versions(question)
        found = version_at(versions, record.made_at)
        if record.question_version is None:
            return found
        if record.question_version not in versions_in_force(versions, record.made_at):
            raise InputError(
                f"line {record.line}: this forecast was made under version {found} of "
                f"{record.question!r} (the one in force at {record.made_at.isoformat()}), not "
                f"version {record.question_version}."
            )
        return record.question_version

    def resolution(self, record: ResolutionRecord) -> None:
        question = self._question(record.question, record.line)
        if is_reserved_outcome(record.outcome):
            status, option = OutcomeStatus(option_key(record.outcome)), None
        else:
            status, option = OutcomeStatus.OPTION, find_option(record.outcome, question.options)
            if option is None:
                raise InputError(
                    f"line {record.line}: outcome {record.outcome!r} is not an option of "
                    f"{record.question!r} ({', '.join(question.options)}), annulled or ambiguous."
                )
        if record.occurred_on < question.opened_on:
            raise InputError(
                f"line {record.line}: occurred_on {record.occurred_on} is before the question "
                f"opened ({question.opened_on})."
            )
        history = self._stored(question).resolutions + self.recorded.get(question.id, [])
        # The n-th resolution of a question in the file is the n-th in the database: so a
        # trail yes -> no -> yes survives a round trip, and importing it again adds nothing.
        position = self.resolution_count.get(question.id, 0)
        self.resolution_count[question.id] = position + 1
        identity = (status, option, record.occurred_on, record.evidence)
        if position < len(history):
            stored = history[position]
            if (stored.status, stored.outcome, stored.occurred_on, stored.evidence) != identity:
                raise InputError(
                    f"line {record.line}: resolution {position + 1} of {record.question!r} "
                    f"differs from the one in the database ({stored.label}, "
                    f"{stored.occurred_on}); correct it with an amendment instead."
                )
            self.unchanged += 1
            return
        self._recorded(record, record.recorded_at, "'recorded_at'")
        _line(
            record,
            lambda: fields.check_happened(
                record.occurred_on,
                recorded_at=record.recorded_at,
                now=self.now,
                what="'occurred_on'",
            ),
        )
        self._stored(question)  # the forecasts recorded before this import, too
        latest = self.latest_forecast.get(question.id)
        resolution = self._stamp(record.recorded_at, self.place)
        if latest is not None and came_before(resolution, Stamp(latest[0], None)):
            raise ConflictError(
                f"line {record.line}: the resolution of {record.question!r} is recorded at "
                f"{resolution.at.isoformat()}, before the forecast by {latest[1]} recorded at "
                f"{latest[0].isoformat()}; "
                "a question takes no forecasts once it is resolved."
            )
        if history and not record.amends:
            raise InputError(
                f"line {record.line}: {record.question!r} is already resolved; a correction "
                'needs "amends": true.'
            )
        if not history and record.amends:
            raise InputError(f"line {record.line}: {record.question!r} has no resolution to amend.")
        recorded_at = record.recorded_at or self.now
        if history and recorded_at < history[-1].recorded_at:
            # As on the command line: a correction comes after what it corrects.
            raise InputError(
                f"line {record.line}: the amendment of {record.question!r} is recorded at "
                f"{recorded_at.isoformat()}, before the resolution it corrects (recorded at "
                f"{history[-1].recorded_at.isoformat()})."
            )
        new = Resolution(
            id=store.new_resolution_id(self.session),
            question_id=question.id,
            status=status,
            outcome=option,
            occurred_on=record.occurred_on,
            evidence=record.evidence,
            resolved_by=record.resolved_by or self.importer,
            recorded_at=recorded_at,
            amends_id=history[-1].id if history else None,
        )
        self.recorded.setdefault(question.id, []).append(new)
        self._add(
            "resolution",
            {
                "id": new.id,
                "question_id": new.question_id,
                "status": new.status.value,
                "outcome": new.outcome,
                "occurred_on": new.occurred_on,
                "evidence": new.evidence,
                "resolved_by": new.resolved_by,
                "recorded_at": new.recorded_at,
                "amends_id": new.amends_id,
            },
        )
        self.counts["resolutions"] += 1


def import_records(
    *,
    session: Session,
    records: list[Record],
    importer: str,
    now: datetime,
    progress: Progress = _quiet,
) -> ImportResult:
    """Write parsed records in the caller's transaction; what is already there is skipped.

    Raises InputError naming the line of the first record that cannot be imported; the caller's
    transaction is then rolled back, so nothing is written.
    """
    importer = fields.check_name(importer, "importer's name")
    importer_state = _Importer(session, importer=importer, now=now, records=records)
    total = len(records)
    for done, record in enumerate(records, start=1):
        if done % 10_000 == 0:
            progress("Writing", done, total)
        importer_state.place = done
        if isinstance(record, LedgerRecord):
            importer_state.ledger(record)
        elif isinstance(record, SourceRecord):
            importer_state.source(record)
        elif isinstance(record, QuestionRecord):
            importer_state.question(record)
        elif isinstance(record, ClarificationRecord):
            importer_state.clarification(record)
        elif isinstance(record, ForecastRecord):
            importer_state.forecast(record)
        elif isinstance(record, RetractionRecord):
            importer_state.retraction(record)
        else:
            importer_state.resolution(record)
    importer_state.flush()
    return ImportResult(
        **importer_state.counts,
        unchanged=importer_state.unchanged,
        unscorable=importer_state.unscorable,
    )


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it is rolled back."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


def split_lines(text: str) -> list[str]:
    """Split JSON Lines on newlines only: U+2028 and friends may stand inside a JSON string."""
    return [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]


def read_lines(path: Path) -> list[str]:
    """The lines of an interchange file (`-` reads stdin). Raises InputError if unreadable."""
    return split_lines(read_text(path, what="a JSON Lines file"))


def import_file(
    *,
    url: str,
    path: Path,
    importer: str,
    now: datetime,
    dry_run: bool = False,
    progress: Progress = _quiet,
) -> ImportResult:
    """Import an interchange file into the database at `url`, all or nothing.

    Every line is parsed and checked before anything is written; the writes happen in one
    transaction. `dry_run` checks against the database and writes nothing (a missing SQLite
    file is not created). Raises InputError naming the first bad line.
    """
    records = parse_lines(read_lines(path), progress)
    if not records:
        raise InputError(f"{path} holds no records; nothing to import.")
    file = sqlite_path(url)
    if dry_run and file is not None and not file.exists():
        url = "sqlite://"
    try:
        with unit_of_work(url, write=True, now=now) as session:
            result = import_records(
                session=session, records=records, importer=importer, now=now, progress=progress
            )
            progress("Committing", len(records), len(records))
            if dry_run:
                raise _DryRun(result)
    except _DryRun as finished:
        return finished.result
    return result


@dataclass(frozen=True)
class ForeignImport:
    """What an import from another tool did (or, in a dry run, would do), and its problems.

    `skipped_rows`: the rows left out for their problems (with --skip-invalid); `notes`: what
    the reader wants the user to know, one line each (e.g. that PredictionBook's CSV holds no
    forecasts)."""

    result: ImportResult
    problems: list[Problem]
    rows: int
    skipped_rows: list[Place]
    written: bool
    notes: list[str] = field(default_factory=list)


def _too_large(name: str, *, together: bool = False) -> InputError:
    limit = MAX_IMPORT_BYTES
    size = f"{limit // 2**30} GiB" if limit % 2**30 == 0 else f"{limit:,} bytes"
    if together:
        return InputError(
            f"The files together are larger than {size}, the most one import reads; import "
            "them in several runs (each run adds only what is new)."
        )
    return InputError(
        f"{name} is larger than {size}, the most one import reads; split it into several "
        "files (a line may refer to records imported before)."
    )


def _read_limited(stream: BinaryIO, name: str, limit: int, together: bool) -> bytes:
    """At most `limit` bytes from `stream`, in chunks (an endless stream is cut off)."""
    data = bytearray()
    while chunk := stream.read(min(1 << 20, limit + 1 - len(data))):
        data += chunk
        if len(data) > limit:
            raise _too_large(name, together=together)
    return bytes(data)


def _read_bytes(path: Path, *, what: str, limit: int, together: bool) -> bytes:
    if str(path) == "-":
        return _read_limited(sys.stdin.buffer, "The input", limit, together)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give {what}.")
    try:
        with path.open("rb") as stream:
            if path.is_file() and os.fstat(stream.fileno()).st_size > limit:
                raise _too_large(str(path), together=together)
            return _read_limited(stream, str(path), limit, together)
    except FileNotFoundError:
        raise InputError(f"No file {path}.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None


def _decoded(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        shown = "The input" if str(path) == "-" else str(path)
        raise InputError(f"{shown} is not UTF-8 text.") from None


def read_text(path: Path, *, what: str = "the export file") -> str:
    """A whole file as UTF-8 text (`-` reads stdin), of at most MAX_IMPORT_BYTES. Raises
    InputError if unreadable or larger."""
    data = _read_bytes(path, what=what, limit=MAX_IMPORT_BYTES, together=False)
    return _decoded(data, path)


def read_files(paths: Sequence[Path]) -> list[ForeignFile]:
    """The files of an import from another tool, at most MAX_IMPORT_BYTES together, each
    named as given when there are several (`-`, stdin, at most once). Raises InputError."""
    if not paths:
        raise InputError("Give the file to import.")
    seen: set[str] = set()
    for path in paths:
        same = "-" if str(path) == "-" else os.path.realpath(path)
        if same in seen:
            raise InputError(f"{path} is given twice; give each file once.")
        seen.add(same)
    several = len(paths) > 1
    files = []
    left = MAX_IMPORT_BYTES
    for path in paths:
        data = _read_bytes(path, what="the export file", limit=left, together=several)
        left -= len(data)
        files.append(ForeignFile(str(path) if several else "", _decoded(data, path)))
    return files


def _located(exc: TrackerError, converted: Converted, tool: str) -> TrackerError:
    """The database's refusal of a record, naming the row (and file) it came from: a record's
    `line` is the reader's number for it, which is not a line of any file."""
    message = str(exc)
    found = re.match(r"line (\d+): ", message)
    if found is None:
        return exc
    place = converted.place(int(found.group(1)))
    where = str(place)
    message = f"{where[:1].upper()}{where[1:]}: {message[found.end() :]}"
    if tool == "predictionbook" and "forecasts on it are closed" in message:
        message += (
            " Import PredictionBook's JSON export before its CSV, or both in one command "
            "(docs/import.md)."
        )
    return type(exc)(message)


def import_foreign(
    *,
    url: str,
    paths: Sequence[Path],
    tool: str,
    importer: str,
    now: datetime,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> ForeignImport:
    """Import another tool's export (see `tracker.domain.foreign`), all or nothing: one file, or
    several read together (the pages of an export, or overlapping exports).

    Every row is read and checked first. With problems, nothing is written unless
    `skip_invalid`, which leaves out each bad row (and the rest of its question). Forecasts keep
    their original times and are recorded now, so they show as backfilled; each keeps its tool
    and row as its input text. Importing the same export twice adds nothing. Raises InputError
    for a file that is not that tool's export, or for a row the database refuses (naming it).
    """
    check_tool(tool)
    files = read_files(paths)
    converted = read_foreign(tool, files, importer=importer, now=now, skip_invalid=skip_invalid)
    if converted.rows == 0:
        shown = f"{paths[0]} holds" if len(paths) == 1 else "The files hold"
        raise InputError(f"{shown} no rows; nothing to import.")
    if dry_run and converted.problems and not skip_invalid:
        # A dry run shows what the valid rows would add, beside the problems.
        preview = read_foreign(tool, files, importer=importer, now=now, skip_invalid=True)
        converted = Converted(
            preview.records,
            converted.problems,
            preview.rows,
            [],
            converted.notes,
            preview.places,
        )

    def done(result: ImportResult, written: bool) -> ForeignImport:
        return ForeignImport(
            result,
            converted.problems,
            converted.rows,
            converted.skipped_rows,
            written,
            converted.notes,
        )

    blocked = bool(converted.problems) and not skip_invalid and not dry_run
    if blocked or not converted.records:
        return done(ImportResult(), False)
    file = sqlite_path(url)
    if dry_run and file is not None and not file.exists():
        url = "sqlite://"
    try:
        with unit_of_work(url, write=True, now=now) as session:
            try:
                result = import_records(
                    session=session, records=converted.records, importer=importer, now=now
                )
            except (InputError, ConflictError) as exc:
                raise _located(exc, converted, tool) from None
            if dry_run:
                raise _DryRun(result)
    except _DryRun as finished:
        return done(finished.result, False)
    return done(result, True)
