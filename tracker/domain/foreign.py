"""Other tools' exports read as interchange records: Fatebook, augur-cli, PredictionBook, CSV.

Each reader takes the text of one or more files and returns the records it could read and the
problems it found, row by row (file, row, field, why), so that an import can show them all
before writing anything. Nothing here touches the database or the clock: `now` is a parameter.
The mapping of every column, and what cannot be carried over, is in docs/import.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, NamedTuple

from tracker.domain import fields
from tracker.domain.interchange import (
    ForecastRecord,
    QuestionRecord,
    Record,
    ResolutionRecord,
    load_json,
)
from tracker.domain.model import QuestionKind
from tracker.domain.probability import binary_on_grid, exact, parse_probability
from tracker.errors import InputError

#: The tools an import can read (`tracker import --from TOOL`).
TOOLS = ("fatebook", "augur", "predictionbook", "csv")
_NAMES = {
    "fatebook": "Fatebook",
    "augur": "augur-cli",
    "predictionbook": "PredictionBook",
    "csv": "a CSV file",
}
BINARY = ("yes", "no")
#: Years outside these are typing mistakes (and some would not fit a time zone shift).
FIRST_YEAR, LAST_YEAR = 1900, 2999


class Place(NamedTuple):
    """Where a row is: its file (empty when one file is read) and its number there."""

    file: str
    row: int

    def __str__(self) -> str:
        return f"row {self.row} of {self.file}" if self.file else f"row {self.row}"


@dataclass(frozen=True)
class Problem:
    """Why one row (or item) could not be read."""

    row: int
    field: str
    why: str
    file: str = ""  # the file's name, when several are read together


@dataclass(frozen=True)
class ForeignFile:
    """One file of an import: its name as the user gave it (empty for a single file) and text."""

    name: str
    text: str


@dataclass
class Converted:
    """What a reader made of its files: records to import, and problems by row.

    Each record's `line` is a number unique across the files; `places` gives its file and row
    (for one file, `line` is the row itself)."""

    records: list[Record]
    problems: list[Problem]
    rows: int
    skipped_rows: list[Place] = field(default_factory=list)  # left out for their problems
    notes: list[str] = field(default_factory=list)  # what the user should know (one line each)
    places: dict[int, Place] = field(default_factory=dict)

    def place(self, line: int) -> Place:
        """The file and row of a record's `line`."""
        return self.places.get(line, Place("", line))


# --- values --------------------------------------------------------------------------------------

_LOOSE_MOMENT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?"
    r"\s*(Z|UTC|[+-]\d{2}:?\d{2})?$"
)


def read_moment(text: str) -> datetime:
    """A time as these tools write it: ISO 8601, Fatebook's `2024-03-05 14:07:5` (seconds
    not zero-padded) or Ruby's `2023-08-01 06:25:44 UTC` (PredictionBook's CSV). Without a
    zone it is taken as UTC. Raises ValueError; its message names an offset out of range."""
    value = text.strip()
    match = _LOOSE_MOMENT.match(value)
    if not match:
        raise ValueError(f"{text!r} is not a date and time")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups()[:6])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{text!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    zone = match.group(7)
    offset = timedelta(0)
    if zone and zone not in ("Z", "UTC"):
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if minutes > 59:
            raise ValueError(f"{text!r} has the time-zone offset {zone}, which is no offset")
        offset = (1 if zone[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes)
    if not fields.LOWEST_OFFSET <= offset <= fields.HIGHEST_OFFSET:
        raise ValueError(f"{text!r} has the time-zone offset {zone}, outside -12:00 to +14:00")
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC) - offset


def _key(tool: str, *parts: object) -> str:
    """A stable slug for a question from another tool, so a second import finds it again."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{tool}-{digest[:12]}"


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


# --- building records from rows -------------------------------------------------------------------


@dataclass
class _Question:
    key: str
    title: str
    deadline: date | None
    created_at: datetime | None
    created_by: str | None
    kind: QuestionKind = QuestionKind.BINARY
    options: tuple[str, ...] = BINARY
    tags: tuple[str, ...] = ()
    notes: str | None = None
    line: int = 0  # set by _Builder.question
    lines: set[int] = field(default_factory=set)


class _Builder:
    """Collects questions, forecasts and resolutions row by row, with the problems found.

    Readers name rows by their number in the file being read (`begin_file`); the builder
    gives each row a line number unique across the files (`line`)."""

    def __init__(self, tool: str, *, now: datetime) -> None:
        self.tool = tool
        self.now = now
        self.questions: dict[str, _Question] = {}
        self.forecasts: list[ForecastRecord] = []
        self.resolutions: dict[str, ResolutionRecord] = {}
        self.problems: list[Problem] = []
        self.bad_lines: set[int] = set()
        self.rows = 0
        self.notes: list[str] = []
        self.file = ""
        self.files = 0
        self.places: dict[int, Place] = {}
        self._file_of: dict[int, int] = {}  # line -> which file (by its position)
        self._order: dict[str, int] = {}  # a file's name -> its position, for sorting
        self._base = 0
        self._next_base = 0

    def begin_file(self, name: str) -> None:
        """Rows from now on are rows of the file `name`."""
        self.file = name
        self.files += 1
        self._order.setdefault(name, len(self._order))
        self._base = self._next_base

    def line(self, row: int) -> int:
        """The line number, unique across the files, of `row` of the current file."""
        line = self._base + row
        if line not in self.places:
            self.places[line] = Place(self.file, row)
            self._file_of[line] = self.files
            self._next_base = max(self._next_base, line + 1)
        return line

    def where(self, line: int) -> str:
        """A line as a user finds it: `row 5`, or `row 5 of page2.csv`."""
        return str(self.places[line])

    def problem(self, row: int, name: str, why: str) -> None:
        self.problems.append(Problem(row, name, why, self.file))
        self.bad_lines.add(self.line(row))

    def text(
        self,
        row: int,
        name: str,
        value: object,
        rule: fields.Rule = fields.TITLE,
        *,
        required: bool = False,
    ) -> str | None:
        """The cell `name`, trimmed and checked by `rule` (tracker.domain.fields); a problem of
        its row (and None) when it is empty and `required`, or breaks the rule."""
        if _empty(value):
            if required:
                self.problem(row, name, "is empty")
            return None
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(row, name, "is not text")
            return None
        try:
            return fields.check(value.strip(), rule, name)
        except InputError as exc:
            self.problem(row, name, str(exc))
            return None

    def name(self, row: int, name: str, value: object) -> str | None:
        """A person's name (`fields.check_name`), or None (with a problem if it breaks it)."""
        text = self.text(row, name, value, fields.NAME)
        if text is None:
            return None
        try:
            return fields.check_name(text, name, hint="")
        except InputError as exc:
            self.problem(row, name, str(exc))
            return None

    def _read(self, row: int, name: str, value: object, what: str) -> datetime | None:
        try:
            return read_moment(str(value))
        except ValueError as exc:
            # An offset out of range says so; anything else is not a date at all.
            why = str(exc) if "offset" in str(exc) else f"{_short(str(value))} is not {what}"
            self.problem(row, name, why)
            return None

    def moment(
        self, row: int, name: str, value: object, *, required: bool = True
    ) -> datetime | None:
        if _empty(value):
            if required:
                self.problem(row, name, "is empty")
            return None
        moment = self._read(row, name, value, "a date and time")
        if moment is None:
            return None
        try:
            fields.check_not_future(moment, now=self.now, what="time")
        except InputError:
            self.problem(row, name, f"{fields.minute_text(moment)} is in the future")
            return None
        return moment

    def day(self, row: int, name: str, value: object, *, required: bool = True) -> date | None:
        if _empty(value):
            if required:
                self.problem(row, name, "is empty")
            return None
        moment = self._read(row, name, value, "a date")
        return None if moment is None else moment.date()

    def question(self, row: int, found: _Question) -> str:
        """Register the question a row belongs to (the same one again on later rows)."""
        try:
            fields.check_line(found.title, fields.TITLE)
        except InputError as exc:
            self.problem(row, "title", str(exc))
        line = self.line(row)
        known = self.questions.get(found.key)
        if known is None:
            found.line = line
            self.questions[found.key] = found
            known = found
        elif (known.title, known.deadline) != (found.title, found.deadline):
            self.problem(
                row, "question", f"differs from {self.where(known.line)} for the same question"
            )
        known.lines.add(line)
        return known.key

    def forecast(
        self,
        row: int,
        key: str,
        *,
        forecaster: str,
        made_at: datetime,
        probability: Fraction,
        rationale: str | None,
        origin: str,
    ) -> None:
        """A forecast of `probability` for yes; a problem of its row if the grid would store
        0% or 100% (tracker.domain.probability). The probabilities stay exact fractions (no
        1 - 0.8 in floats): the import puts them on the grid of millionths."""
        try:
            binary_on_grid(probability, origin.rpartition(": ")[2])
            fields.check_text(origin, fields.INPUT, "id of the row")
        except InputError as exc:
            self.problem(row, "forecast", str(exc).rstrip("."))
            return
        self.forecasts.append(
            ForecastRecord(
                line=self.line(row),
                question=key,
                forecaster=forecaster,
                made_at=made_at,
                recorded_at=None,
                probabilities={"yes": probability, "no": 1 - probability},
                rationale=rationale,
                input_text=origin,
            )
        )

    def resolve(
        self, row: int, key: str, *, outcome: str, occurred_on: date, evidence: str
    ) -> None:
        if occurred_on > fields.latest_day(self.now):
            self.problem(row, "resolution", f"the outcome day {occurred_on} is in the future")
            return
        record = ResolutionRecord(
            line=self.line(row),
            question=key,
            outcome=outcome,
            occurred_on=occurred_on,
            evidence=evidence,
            resolved_by=None,
            recorded_at=None,
            amends=False,
        )
        known = self.resolutions.get(key)
        if known is None:
            self.resolutions[key] = record
        elif (known.outcome, known.occurred_on) != (record.outcome, record.occurred_on):
            self.problem(
                row, "resolution", f"differs from {self.where(known.line)} for the same question"
            )

    def _merged(self, forecasts: list[ForecastRecord]) -> list[ForecastRecord]:
        """Forecasts of several files, each forecast once: files may overlap (two people's
        Fatebook exports of a shared question, a page downloaded twice), so a forecast that
        appears in several files counts as often as the one file holding it most often
        (within one file, two identical rows are two forecasts). The same as importing the
        files one after the other."""
        by_identity: dict[tuple[object, ...], dict[int, list[ForecastRecord]]] = {}
        for f in forecasts:
            identity = (f.question, f.forecaster, f.made_at, f.probabilities["yes"], f.rationale)
            by_file = by_identity.setdefault(identity, {})
            by_file.setdefault(self._file_of[f.line], []).append(f)
        return [
            f
            for by_file in by_identity.values()
            for f in max(by_file.values(), key=len)  # the first of the longest
        ]

    def finish(self, *, skip_invalid: bool) -> Converted:
        """The records in import order (questions, forecasts by time, resolutions).

        A question with a bad row is left out whole when skipping (a partial history would
        score wrongly); without skipping, nothing is left out and the problems stop the import.
        """
        first_made: dict[str, datetime] = {}
        for f in self.forecasts:
            if f.line not in self.bad_lines:
                first_made[f.question] = min(first_made.get(f.question, f.made_at), f.made_at)
        dropped: set[str] = set()
        questions: list[QuestionRecord] = []
        for q in self.questions.values():
            if q.deadline is None:
                dropped.add(q.key)
                continue
            resolution = self.resolutions.get(q.key)
            # The question opened on the earliest day its rows know of. A question logged
            # after the fact (augur stamps it with the day of logging, later than its deadline
            # and outcome) opens on its deadline or outcome day; its forecast, made after them,
            # is kept and never scored (the hindsight rule, docs/scoring.md).
            opened = min(
                d
                for d in (
                    q.created_at.date() if q.created_at else None,
                    first_made[q.key].date() if q.key in first_made else None,
                    q.deadline,
                    resolution.occurred_on if resolution is not None else None,
                )
                if d is not None
            )
            if q.lines & self.bad_lines:
                dropped.add(q.key)
                continue
            questions.append(
                QuestionRecord(
                    line=q.line,
                    key=q.key,
                    slug=q.key,
                    number=None,
                    title=q.title,
                    kind=q.kind,
                    options=q.options,
                    deadline=q.deadline,
                    opened_on=opened,
                    criteria=(
                        f"Imported from {_NAMES[self.tool]}, which keeps no resolution criteria: "
                        "the title is the whole question."
                    ),
                    tags=q.tags,
                    source=None,
                    quote=None,
                    notes=q.notes,
                    created_by=q.created_by,
                    created_at=q.created_at,
                )
            )
        bad = {line for q in self.questions.values() if q.key in dropped for line in q.lines}
        bad |= self.bad_lines
        if not skip_invalid and self.problems:
            bad = set()  # the caller refuses the whole file
        kept = [f for f in self.forecasts if f.question not in dropped and f.line not in bad]
        if self.files > 1:
            kept = self._merged(kept)
        forecasts = sorted(kept, key=lambda f: (f.made_at, f.line))
        resolutions = [
            r for r in self.resolutions.values() if r.question not in dropped and r.line not in bad
        ]
        records: list[Record] = [*questions, *forecasts, *resolutions]
        skipped = (
            sorted({self.places[line] for line in bad}, key=self._sort_key) if skip_invalid else []
        )
        problems = sorted(self.problems, key=lambda p: self._sort_key(Place(p.file, p.row)))
        return Converted(records, problems, self.rows, skipped, list(self.notes), dict(self.places))

    def _sort_key(self, place: Place) -> tuple[int, int]:
        return self._order.get(place.file, 0), place.row


def _probability(
    builder: _Builder, row: int, name: str, value: object, *, scale: int
) -> Fraction | None:
    """A probability cell (a fraction, or with `scale` 100 a percentage), exactly as written:
    `0.8` is 4/5 and `57` (of 100) is 57/100, never a float's neighbour of them."""
    if _empty(value):
        builder.problem(row, name, "is empty")
        return None
    text = str(value).strip()
    try:
        number = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        builder.problem(row, name, f"{_short(text)} is not a number")
        return None
    if number in (0, scale):
        certain = "0%" if number == 0 else "100%"
        builder.problem(
            row, name, f"{text} is {certain}: tracker never records certainty (docs/import.md)"
        )
        return None
    if not 0 < number / scale < 1:
        builder.problem(row, name, f"{text} is not strictly between 0 and {scale}")
        return None
    return exact(number) / scale


def _tags(builder: _Builder, row: int, name: str, tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as tracker keeps them (`fields.normalise_tags`); a bad one is a problem of its row."""
    try:
        return fields.normalise_tags([t for t in tags if t.strip()], split=False)
    except InputError as exc:
        builder.problem(row, name, str(exc))
        return ()


#: The longest CSV cell read (Fatebook's comments column can be long).
FIELD_LIMIT = 16 * 1024 * 1024


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """CSV rows by header name, numbered as a spreadsheet numbers them (the header is row 1)."""
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    rows = []
    try:
        if reader.fieldnames is None:
            raise InputError("The file is empty: no header row.")
        for index, data in enumerate(reader, start=2):
            cells = {(k or "").strip(): v if isinstance(v, str) else "" for k, v in data.items()}
            rows.append((index, cells))
    except csv.Error as exc:
        raise InputError(f"Not a readable CSV file (line {reader.line_num}): {exc}.") from None
    if not rows:
        raise InputError("The file has a header row but no rows; nothing to import.")
    return rows


def _need(headers: Iterable[str], wanted: Iterable[str], what: str) -> None:
    missing = [w for w in wanted if w not in headers]
    if missing:
        named = ", ".join(repr(m) for m in missing)
        raise InputError(
            f"This is not {what}: no column {named}. See docs/import.md for the columns it reads."
        )


def _json(text: str) -> Any:
    """A whole JSON export, read strictly, long decimals kept exact."""
    try:
        return load_json(text, exact_numbers=True, where="file")
    except InputError as exc:
        raise InputError(f"Not JSON: {exc}") from None


# --- Fatebook ----------------------------------------------------------------------------------

FATEBOOK_COLUMNS = (
    "Question title",
    "Forecast created by",
    "Forecast (scale = 0-1)",
    "Forecast created at",
    "Question created at",
    "Question resolve by",
)


def _read_fatebook(b: _Builder, text: str, importer: str) -> None:
    """Fatebook's CSV export (`fatebook-forecasts.csv`): one row per forecast, everyone's
    forecasts on the questions one can see. A multiple-choice question's options are forecast
    one by one there, so each option becomes a binary question `title: option`."""
    rows = _rows(text)
    _need(rows[0][1].keys(), FATEBOOK_COLUMNS, "Fatebook's export")
    for row, data in rows:
        b.rows += 1
        title = b.text(row, "Question title", data.get("Question title"), required=True)
        option = b.text(row, "Multiple choice option", data.get("Multiple choice option"))
        created = b.moment(row, "Question created at", data.get("Question created at"))
        deadline = b.day(row, "Question resolve by", data.get("Question resolve by"))
        made = b.moment(row, "Forecast created at", data.get("Forecast created at"))
        p = _probability(
            b, row, "Forecast (scale = 0-1)", data.get("Forecast (scale = 0-1)"), scale=1
        )
        who = b.name(row, "Forecast created by", data.get("Forecast created by")) or importer
        if title is None:
            continue
        shown = f"{title}: {option}" if option else title
        key = b.question(
            row,
            _Question(
                key=_key("fatebook", title, option or "", data.get("Question created at", "")),
                title=shown,
                deadline=deadline,
                created_at=created,
                created_by=b.name(row, "Question created by", data.get("Question created by")),
                notes=b.text(row, "Question notes", data.get("Question notes"), fields.NOTES),
            ),
        )
        if made is not None and p is not None:
            b.forecast(
                row,
                key,
                forecaster=who,
                made_at=made,
                probability=p,
                rationale=None,
                origin=f"fatebook row {row}: {data.get('Forecast (scale = 0-1)', '').strip()}",
            )
        resolution = (data.get("Resolution") or data.get("Question resolution") or "").strip()
        if resolution:
            outcome = {"YES": "yes", "NO": "no", "AMBIGUOUS": "ambiguous"}.get(resolution.upper())
            if outcome is None:
                b.problem(row, "Resolution", f"{resolution!r} is not YES, NO or AMBIGUOUS")
                continue
            resolved = data.get("Resolved at") or data.get("Question resolved at")
            occurred = b.day(row, "Resolved at", resolved, required=False) or deadline
            if occurred is not None and deadline is not None:
                occurred = min(occurred, deadline)
            if occurred is not None:
                b.resolve(
                    row,
                    key,
                    outcome=outcome,
                    occurred_on=occurred,
                    evidence=f"Resolved {resolution} in Fatebook.",
                )


# --- augur-cli ---------------------------------------------------------------------------------

#: The columns of `augur export --format csv` (jarvismoney/augur, src/augur/cli.py).
AUGUR_COLUMNS = (
    "id",
    "statement",
    "probability",
    "created_at",
    "resolve_by",
    "resolved_at",
    "outcome",
)


def _read_augur(b: _Builder, text: str, importer: str) -> None:
    """augur-cli's export, JSON (`augur export`) or CSV (`--format csv`): one prediction per
    item, with the one probability augur kept (an update there overwrites it, so the history
    is lost), made at `created_at`. augur stamps `created_at` with the moment a prediction was
    logged, so a question logged after the fact has it after its deadline and outcome."""
    if text.lstrip("\ufeff").lstrip().startswith("["):
        items = _json(text)
        if not isinstance(items, list):
            raise InputError("This is not augur-cli's export: expected a JSON list of predictions.")
        for index, item in enumerate(items, start=1):
            b.rows += 1
            if not isinstance(item, dict):
                b.problem(index, "item", "is not an object")
                continue
            tags = item.get("tags") or []
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                b.problem(index, "tags", "is not a list of words")
                tags = []
            _augur_prediction(b, index, item, tags, importer, what="item")
        return
    rows = _rows(text)
    _need(rows[0][1].keys(), AUGUR_COLUMNS, "augur-cli's export (JSON, or CSV with a header)")
    for row, data in rows:
        b.rows += 1
        _augur_prediction(b, row, data, (data.get("tags") or "").split(), importer, what="row")


def _augur_prediction(
    b: _Builder, index: int, item: dict[str, Any], tags: list[str], importer: str, *, what: str
) -> None:
    statement = b.text(index, "statement", item.get("statement"), required=True)
    created = b.moment(index, "created_at", item.get("created_at"))
    resolved = b.moment(index, "resolved_at", item.get("resolved_at"), required=False)
    deadline = b.day(index, "resolve_by", item.get("resolve_by"), required=False)
    outcome = str(item.get("outcome") or "open").strip().lower()
    if deadline is None and _empty(item.get("resolve_by")):
        # No deadline in augur: a resolved prediction's is the day it was resolved.
        if resolved is not None:
            deadline = resolved.date()
        elif _empty(item.get("resolved_at")):
            why = "the prediction is not resolved" if outcome == "open" else "so is resolved_at"
            b.problem(
                index,
                "resolve_by",
                f"is empty and {why}: tracker needs a deadline (give it one in augur with "
                "augur edit ID --by DATE, and export again)",
            )
    p = _probability(b, index, "probability", item.get("probability"), scale=1)
    if statement is None:
        return
    identity = item.get("id")
    key = b.question(
        index,
        _Question(
            key=_key("augur", identity, statement, item.get("created_at")),
            title=statement,
            deadline=deadline,
            created_at=created,
            created_by=importer,
            tags=_tags(b, index, "tags", tags),
        ),
    )
    if created is not None and p is not None:
        b.forecast(
            index,
            key,
            forecaster=importer,
            made_at=created,
            probability=p,
            rationale=b.text(index, "note", item.get("note"), fields.RATIONALE),
            origin=f"augur {what} {index} (id {identity}): {item.get('probability')}",
        )
    if outcome in ("yes", "no", "void"):
        occurred = (resolved.date() if resolved else None) or deadline
        if occurred is not None and deadline is not None:
            occurred = min(occurred, deadline)
        if occurred is not None:
            b.resolve(
                index,
                key,
                outcome="annulled" if outcome == "void" else outcome,
                occurred_on=occurred,
                evidence=f"Resolved {outcome} in augur-cli (id {identity}).",
            )
    elif outcome != "open":
        b.problem(index, "outcome", f"{outcome!r} is not open, yes, no or void")


# --- PredictionBook ----------------------------------------------------------------------------

#: The columns of PredictionBook's "Export my predictions as CSV" that tracker reads, by their
#: exact names (`PredictionSerializer` without responses; docs/import.md).
PREDICTIONBOOK_COLUMNS = (
    "created_at",
    "creator_label",
    "deadline",
    "description_with_group",
    "description",
    "id",
    "outcome",
    "prediction_group_id",
    "last_judgement_at",
    "updated_at",
    "uuid",
    "withdrawn",
)
#: Said after an import of PredictionBook's CSV (which holds no forecasts).
PREDICTIONBOOK_CSV_NOTE = (
    "PredictionBook's CSV holds questions and outcomes but no forecasts (its mean_confidence "
    "mixes everyone's responses, so it is nobody's forecast): the forecasts come from the JSON "
    "API export (/api/my_predictions). Import it before the CSV, or with it in one command "
    "(docs/import.md)."
)


def _pb_flag(value: object) -> bool | None:
    """`true`/`false` as the JSON (booleans) or the CSV (Ruby's `to_s`) writes them; None when
    empty (not judged, or judged unknown); raises ValueError for anything else."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "null"):
        return None
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(value)


def _read_predictionbook(b: _Builder, text: str, importer: str) -> None:
    """PredictionBook's exports: the JSON of `/api/my_predictions` (each prediction with its
    responses, confidence 0-100: the forecasts) or "Export my predictions as CSV" (the same
    predictions without responses: questions and outcomes only). docs/import.md."""
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith(("{", "[")):
        data = _json(stripped)
        predictions = data.get("predictions") if isinstance(data, dict) else data
        if not isinstance(predictions, list):
            raise InputError(
                'This is not PredictionBook\'s export: expected {"predictions": [...]}.'
            )
        for index, item in enumerate(predictions, start=1):
            b.rows += 1
            if not isinstance(item, dict):
                b.problem(index, "item", "is not an object")
                continue
            _pb_prediction(b, index, item, importer, what="item")
        return
    rows = _rows(text)
    headers = rows[0][1].keys()
    if "mean_confidence" not in headers and "confidence" in headers:
        raise InputError(
            "This is not PredictionBook's CSV export: it has a 'confidence' column, which "
            "PredictionBook never writes. tracker reads the export's own layout "
            "(docs/import.md); for forecasts, import the JSON API export."
        )
    _need(headers, PREDICTIONBOOK_COLUMNS, "PredictionBook's CSV export")
    if PREDICTIONBOOK_CSV_NOTE not in b.notes:
        b.notes.append(PREDICTIONBOOK_CSV_NOTE)
    for row, data in rows:
        b.rows += 1
        _pb_prediction(b, row, data, importer, what="row")


def _pb_prediction(
    b: _Builder, index: int, item: dict[str, Any], importer: str, *, what: str
) -> None:
    # The group's description leads the title of each of its alternatives, as on the site.
    if _empty(item.get("description_with_group")):
        title = b.text(index, "description", item.get("description"), required=True)
    else:
        title = b.text(index, "description_with_group", item.get("description_with_group"))
    created = b.moment(index, "created_at", item.get("created_at"))
    deadline = b.day(index, "deadline", item.get("deadline"))
    judged = b.moment(index, "last_judgement_at", item.get("last_judgement_at"), required=False)
    number = b.text(index, "id", item.get("id"))
    # The uuid is the stable key; PredictionBook sets it only for predictions made through
    # its API, and the others have none: for them the prediction's number is the key.
    uuid = b.text(index, "uuid", item.get("uuid"))
    if uuid is None and number is None:
        b.problem(index, "uuid", "is empty, and so is id: nothing identifies the prediction")
    try:
        outcome = _pb_flag(item.get("outcome"))
    except ValueError:
        b.problem(index, "outcome", f"{_short(str(item.get('outcome')))} is not true or false")
        outcome = None
    try:
        withdrawn = _pb_flag(item.get("withdrawn"))
    except ValueError:
        b.problem(index, "withdrawn", f"{_short(str(item.get('withdrawn')))} is not true or false")
        withdrawn = None
    notes = [f"PredictionBook prediction {number}."] if number else []
    group = b.text(index, "prediction_group_id", item.get("prediction_group_id"))
    if group is not None:
        notes.append(
            f"One of the alternatives of PredictionBook's prediction group {group}: each is "
            "its own yes/no question, not an option of one question."
        )
    if title is None or (uuid is None and number is None):
        return
    key = b.question(
        index,
        _Question(
            key=_key("predictionbook", "uuid", uuid) if uuid else _key("predictionbook", number),
            title=title,
            deadline=deadline,
            created_at=created,
            created_by=b.name(index, "creator_label", item.get("creator_label")) or importer,
            notes=" ".join(notes) or None,
        ),
    )
    responses = item.get("responses") or []
    if not isinstance(responses, list):
        b.problem(index, "responses", "is not a list")
        responses = []
    for response in responses:
        if not isinstance(response, dict) or _empty(response.get("confidence")):
            continue  # a comment without a forecast
        p = _probability(b, index, "response confidence", response.get("confidence"), scale=100)
        made = b.moment(index, "response created_at", response.get("created_at"))
        who = (
            b.name(
                index,
                "response user_label",
                response.get("user_label") or item.get("creator_label"),
            )
            or importer
        )
        if p is not None and made is not None:
            b.forecast(
                index,
                key,
                forecaster=who,
                made_at=made,
                probability=p,
                rationale=b.text(
                    index, "response comment", response.get("comment"), fields.RATIONALE
                ),
                origin=f"predictionbook {what} {index}: {response.get('confidence')}%",
            )
    if deadline is None:
        return
    if withdrawn:
        # Withdrawing is the prediction's last change: its day (at most the deadline) stands.
        updated = b.moment(index, "updated_at", item.get("updated_at"), required=False)
        b.resolve(
            index,
            key,
            outcome="annulled",
            occurred_on=min(deadline, updated.date()) if updated else deadline,
            evidence="Withdrawn in PredictionBook.",
        )
    elif outcome is not None:
        # The latest judgement's day, but never after the deadline (by which the prediction
        # was to come true or not): a judgement records when someone judged it.
        b.resolve(
            index,
            key,
            outcome="yes" if outcome else "no",
            occurred_on=min(deadline, judged.date()) if judged else deadline,
            evidence=f"Judged {'right' if outcome else 'wrong'} in PredictionBook.",
        )


# --- a simple CSV layout -----------------------------------------------------------------------

CSV_COLUMNS = ("question", "forecast", "made_on", "deadline")


def _read_csv(b: _Builder, text: str, importer: str) -> None:
    """The simple layout (docs/import.md): `question, forecast, made_on, deadline` and,
    optionally, `outcome, resolved_on, forecaster, tags, notes`; one row per forecast on a
    yes/no question. A forecast is anything `tracker forecast` reads (65%, 0.65, likely)."""
    rows = _rows(text)
    _need([h.lower() for h in rows[0][1]], CSV_COLUMNS, "a CSV file tracker reads")
    for row, raw in rows:
        data = {k.lower(): v for k, v in raw.items()}
        b.rows += 1
        title = b.text(row, "question", data.get("question"), required=True)
        deadline = b.day(row, "deadline", data.get("deadline"))
        made = b.moment(row, "made_on", data.get("made_on"))
        p: Fraction | None = None
        try:
            p = parse_probability(data.get("forecast") or "").amount
        except InputError as exc:
            b.problem(row, "forecast", str(exc).rstrip("."))
        tags = _tags(b, row, "tags", re.split(r"[;,]", data.get("tags") or ""))
        if title is None:
            continue
        key = b.question(
            row,
            _Question(
                key=_key("csv", title, data.get("deadline", "").strip()),
                title=title,
                deadline=deadline,
                created_at=None,
                created_by=importer,
                tags=tags,
            ),
        )
        if made is not None and p is not None:
            b.forecast(
                row,
                key,
                forecaster=b.name(row, "forecaster", data.get("forecaster")) or importer,
                made_at=made,
                probability=p,
                rationale=b.text(row, "notes", data.get("notes"), fields.RATIONALE),
                origin=f"csv row {row}: {(data.get('forecast') or '').strip()}",
            )
        outcome = (data.get("outcome") or "").strip().lower()
        if outcome:
            if outcome not in ("yes", "no", "annulled", "ambiguous"):
                b.problem(row, "outcome", f"{outcome!r} is not yes, no, annulled or ambiguous")
                continue
            occurred = (
                b.day(row, "resolved_on", data.get("resolved_on"), required=False) or deadline
            )
            if occurred is not None and deadline is not None:
                occurred = min(occurred, deadline)
            if occurred is not None:
                b.resolve(row, key, outcome=outcome, occurred_on=occurred,
                          evidence=f"Resolved {outcome} in the CSV.")  # fmt: skip


READERS: dict[str, Callable[[_Builder, str, str], None]] = {
    "fatebook": _read_fatebook,
    "augur": _read_augur,
    "predictionbook": _read_predictionbook,
    "csv": _read_csv,
}


def check_tool(tool: str) -> None:
    """Raise InputError unless `tool` is one that `--from` reads."""
    if tool not in READERS:
        raise InputError(
            f"--from {tool!r}: use {', '.join(TOOLS)} (or leave it out for JSON Lines)."
        )


def read_foreign(
    tool: str,
    files: str | Sequence[ForeignFile],
    *,
    importer: str,
    now: datetime,
    skip_invalid: bool = False,
) -> Converted:
    """Read another tool's export: one file's text, or several files read together (the pages
    of an export, or overlapping exports; a forecast in several of them counts once).

    Raises InputError for an unknown tool or a file that is not that tool's export at all
    (naming the file when there are several); row-level problems are returned, not raised.
    An empty file is refused, except a PredictionBook CSV page (PredictionBook writes an empty
    file when a page holds no predictions), which is noted, unless every file is empty.
    """
    check_tool(tool)
    given = [ForeignFile("", files)] if isinstance(files, str) else list(files)
    b = _Builder(tool, now=now)
    empty: list[str] = []
    for file in given:
        b.begin_file(file.name)
        try:
            if not file.text.lstrip("\ufeff").strip():
                if tool == "predictionbook":
                    empty.append(file.name)
                    continue
                raise InputError("The file is empty; nothing to import.")
            READERS[tool](b, file.text, importer)
        except InputError as exc:
            if len(given) > 1:
                raise InputError(f"{file.name}: {exc}") from None
            raise
    if empty and len(empty) == len(given):
        what = "The file is" if len(given) == 1 else "The files are"
        raise InputError(
            f"{what} empty: PredictionBook exports an empty file (no header row) when there "
            "are no predictions to export; nothing to import."
        )
    for name in empty:
        b.notes.append(
            f"{name} is empty (PredictionBook writes no header row for a page without "
            "predictions): nothing was read from it."
        )
    return b.finish(skip_invalid=skip_invalid)
