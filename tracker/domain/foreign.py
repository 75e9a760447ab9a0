"""Other tools' exports read as interchange records: Fatebook, augur-cli, PredictionBook, CSV.

Each reader takes the file's text and returns the records it could read and the problems it
found, row by row (row, field, why), so that an import can show them all before writing
anything. Nothing here touches the database or the clock: `now` is a parameter. The mapping of
every column, and what cannot be carried over, is in docs/import.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

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


@dataclass(frozen=True)
class Problem:
    """Why one row (or item) could not be read."""

    row: int
    field: str
    why: str


@dataclass
class Converted:
    """What a reader made of a file: records to import, and problems by row."""

    records: list[Record]
    problems: list[Problem]
    rows: int
    skipped_rows: list[int] = field(default_factory=list)  # rows left out for their problems


# --- values --------------------------------------------------------------------------------------

_LOOSE_MOMENT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def read_moment(text: str) -> datetime:
    """A time as these tools write it: ISO 8601, or Fatebook's `2024-03-05 14:07:5` (seconds
    not zero-padded). Without a zone it is taken as UTC. Raises ValueError."""
    value = text.strip()
    match = _LOOSE_MOMENT.match(value)
    if not match:
        raise ValueError(f"{text!r} is not a date and time")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups()[:6])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{text!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    zone = match.group(7)
    offset = timedelta(0)
    if zone and zone != "Z":
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


# --- building records from rows -------------------------------------------------------------------


@dataclass
class _Question:
    key: str
    row: int
    title: str
    deadline: date | None
    created_at: datetime | None
    created_by: str | None
    kind: QuestionKind = QuestionKind.BINARY
    options: tuple[str, ...] = BINARY
    tags: tuple[str, ...] = ()
    notes: str | None = None
    rows: set[int] = field(default_factory=set)


class _Builder:
    """Collects questions, forecasts and resolutions row by row, with the problems found."""

    def __init__(self, tool: str, *, now: datetime) -> None:
        self.tool = tool
        self.now = now
        self.questions: dict[str, _Question] = {}
        self.forecasts: list[ForecastRecord] = []
        self.resolutions: dict[str, ResolutionRecord] = {}
        self.problems: list[Problem] = []
        self.bad_rows: set[int] = set()
        self.rows = 0

    def problem(self, row: int, name: str, why: str) -> None:
        self.problems.append(Problem(row, name, why))
        self.bad_rows.add(row)

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
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(row, name, "is empty")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
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

    def moment(
        self, row: int, name: str, value: object, *, required: bool = True
    ) -> datetime | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(row, name, "is empty")
            return None
        try:
            moment = read_moment(str(value))
        except ValueError as exc:
            why = (
                str(exc) if "offset" in str(exc) else f"{_short(str(value))} is not a date and time"
            )
            self.problem(row, name, why)
            return None
        try:
            fields.check_not_future(moment, now=self.now, what="time")
        except InputError:
            self.problem(row, name, f"{moment:%Y-%m-%d %H:%M} is in the future")
            return None
        return moment

    def day(self, row: int, name: str, value: object, *, required: bool = True) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(row, name, "is empty")
            return None
        try:
            return read_moment(str(value)).date()
        except ValueError:
            self.problem(row, name, f"{value!r} is not a date")
            return None

    def question(self, row: int, found: _Question) -> str:
        """Register the question a row belongs to (the same one again on later rows)."""
        try:
            fields.check_line(found.title, fields.TITLE)
        except InputError as exc:
            self.problem(row, "title", str(exc))
        known = self.questions.get(found.key)
        if known is None:
            self.questions[found.key] = found
            known = found
        elif (known.title, known.deadline) != (found.title, found.deadline):
            self.problem(row, "question", f"differs from row {known.row} for the same question")
        known.rows.add(row)
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
        0% or 100% (tracker.domain.probability)."""
        try:
            binary_on_grid(probability, origin.rpartition(": ")[2])
            fields.check_text(origin, fields.INPUT, "id of the row")
        except InputError as exc:
            self.problem(row, "forecast", str(exc).rstrip("."))
            return
        self.forecasts.append(
            ForecastRecord(
                line=row,
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
            line=row,
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
            self.problem(row, "resolution", f"differs from row {known.line} for the same question")

    def finish(self, *, skip_invalid: bool) -> Converted:
        """The records in import order (questions, forecasts by time, resolutions).

        A question with a bad row is left out whole when skipping (a partial history would
        score wrongly); without skipping, nothing is left out and the problems stop the import.
        """
        first_made: dict[str, datetime] = {}
        for f in self.forecasts:
            if f.line not in self.bad_rows:
                first_made[f.question] = min(first_made.get(f.question, f.made_at), f.made_at)
        dropped: set[str] = set()
        questions: list[QuestionRecord] = []
        for q in self.questions.values():
            if q.deadline is None:
                dropped.add(q.key)
                continue
            known = [
                d
                for d in (
                    q.created_at.date() if q.created_at else None,
                    first_made[q.key].date() if q.key in first_made else None,
                )
                if d is not None
            ]
            # With no time of its own (its rows are bad), the deadline stands in: the question
            # is left out for those rows anyway.
            opened = min(known) if known else min(q.deadline, self.now.date())
            if q.deadline < opened:
                self.problem(
                    q.row, "deadline", f"{q.deadline} is before the question opened ({opened})"
                )
            resolution = self.resolutions.get(q.key)
            if resolution is not None and resolution.occurred_on < opened:
                self.problem(
                    resolution.line,
                    "resolution",
                    f"the outcome day {resolution.occurred_on} is before the question opened "
                    f"({opened})",
                )
            if q.rows & self.bad_rows:
                dropped.add(q.key)
                continue
            questions.append(
                QuestionRecord(
                    line=q.row,
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
        bad = {row for q in self.questions.values() if q.key in dropped for row in q.rows}
        bad |= self.bad_rows
        if not skip_invalid and self.problems:
            bad = set()  # the caller refuses the whole file
        forecasts = sorted(
            (f for f in self.forecasts if f.question not in dropped and f.line not in bad),
            key=lambda f: (f.made_at, f.line),
        )
        resolutions = [
            r for r in self.resolutions.values() if r.question not in dropped and r.line not in bad
        ]
        records: list[Record] = [*questions, *forecasts, *resolutions]
        skipped = sorted(bad) if skip_invalid else []
        return Converted(records, sorted(self.problems, key=lambda p: p.row), self.rows, skipped)


def _probability(
    builder: _Builder, row: int, name: str, value: object, *, scale: int
) -> Fraction | None:
    """A probability cell (a fraction, or with `scale` 100 a percentage), exactly as written."""
    if value is None or (isinstance(value, str) and not value.strip()):
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


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


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


#: The longest CSV cell read (Fatebook's comments column can be long).
FIELD_LIMIT = 16 * 1024 * 1024


def _need(headers: Iterable[str], wanted: Iterable[str], tool: str) -> None:
    missing = [w for w in wanted if w not in headers]
    if missing:
        named = ", ".join(repr(m) for m in missing)
        raise InputError(
            f"This is not {_NAMES[tool]}'s export: no column {named}. "
            "See docs/import.md for the columns it reads."
        )


# --- Fatebook ----------------------------------------------------------------------------------

FATEBOOK_COLUMNS = (
    "Question title",
    "Forecast created by",
    "Forecast (scale = 0-1)",
    "Forecast created at",
    "Question created at",
    "Question resolve by",
)


def read_fatebook(text: str, *, importer: str, now: datetime, skip_invalid: bool) -> Converted:
    """Fatebook's CSV export (`fatebook-forecasts.csv`): one row per forecast, everyone's
    forecasts on the questions one can see. A multiple-choice question's options are forecast
    one by one there, so each option becomes a binary question `title: option`."""
    rows = _rows(text)
    b = _Builder("fatebook", now=now)
    _need(rows[0][1].keys() if rows else [], FATEBOOK_COLUMNS, "fatebook")
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
                row=row,
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
                occurred = min(occurred, max(deadline, created.date() if created else deadline))
            if occurred is not None:
                b.resolve(
                    row,
                    key,
                    outcome=outcome,
                    occurred_on=occurred,
                    evidence=f"Resolved {resolution} in Fatebook.",
                )
    return b.finish(skip_invalid=skip_invalid)


# --- augur-cli ---------------------------------------------------------------------------------


def read_augur(text: str, *, importer: str, now: datetime, skip_invalid: bool) -> Converted:
    """augur-cli's JSON export: a list of predictions, each with the one probability augur
    kept (an update there overwrites it, so the history is lost), made at `created_at`."""
    try:
        items = load_json(text, where="file")
    except InputError as exc:
        raise InputError(f"Not JSON: {exc}") from None
    if not isinstance(items, list):
        raise InputError("This is not augur-cli's export: expected a JSON list of predictions.")
    b = _Builder("augur", now=now)
    for index, item in enumerate(items, start=1):
        b.rows += 1
        if not isinstance(item, dict):
            b.problem(index, "item", "is not an object")
            continue
        statement = b.text(index, "statement", item.get("statement"), required=True)
        created = b.moment(index, "created_at", item.get("created_at"))
        resolved = b.moment(index, "resolved_at", item.get("resolved_at"), required=False)
        deadline = b.day(index, "resolve_by", item.get("resolve_by"), required=False)
        outcome = str(item.get("outcome") or "open").lower()
        if deadline is None:
            deadline = resolved.date() if resolved else None
            if deadline is None:
                b.problem(index, "resolve_by", "is empty, and the question is not resolved")
        p = _probability(b, index, "probability", item.get("probability"), scale=1)
        tags = item.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            b.problem(index, "tags", "is not a list of words")
            tags = []
        if statement is None:
            continue
        key = b.question(
            index,
            _Question(
                key=_key("augur", item.get("id"), statement, item.get("created_at")),
                row=index,
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
                origin=f"augur item {index} (id {item.get('id')}): {item.get('probability')}",
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
                    evidence=f"Resolved {outcome} in augur-cli (id {item.get('id')}).",
                )
        elif outcome != "open":
            b.problem(index, "outcome", f"{outcome!r} is not open, yes, no or void")
    return b.finish(skip_invalid=skip_invalid)


# --- PredictionBook ----------------------------------------------------------------------------


def _pb_outcome(value: object) -> str | bool | None:
    """yes, no, None (unknown), or False when unreadable."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("", "unknown", "null", "none", "open"):
        return None
    if text in ("true", "right", "yes", "1"):
        return "yes"
    if text in ("false", "wrong", "no", "0"):
        return "no"
    return False


def read_predictionbook(
    text: str, *, importer: str, now: datetime, skip_invalid: bool
) -> Converted:
    """PredictionBook's predictions: the JSON of `/api/my_predictions` (each prediction with
    its responses, confidence 0-100), or a CSV read by header names (docs/import.md)."""
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = load_json(stripped, where="file")
        except InputError as exc:
            raise InputError(f"Not JSON: {exc}") from None
        predictions = data.get("predictions") if isinstance(data, dict) else data
        if not isinstance(predictions, list):
            raise InputError(
                'This is not PredictionBook\'s export: expected {"predictions": [...]}.'
            )
        return _pb_items(
            [p if isinstance(p, dict) else {} for p in predictions],
            importer=importer,
            now=now,
            skip_invalid=skip_invalid,
            what="item",
        )
    rows = _rows(text)
    aliases = {
        "id": ("id", "prediction_id"),
        "description": ("description", "prediction", "statement", "title"),
        "created_at": ("created_at", "created", "date"),
        "deadline": ("deadline", "known_at", "due"),
        "confidence": ("confidence",),
        "outcome": ("outcome", "judgement", "result", "status"),
        "creator": ("creator_label", "creator", "user", "user_label"),
    }
    headers = rows[0][1].keys() if rows else []
    chosen = {k: next((a for a in v if a in headers), None) for k, v in aliases.items()}
    missing = [
        k for k in ("description", "created_at", "deadline", "confidence") if chosen[k] is None
    ]
    if missing:
        raise InputError(
            "This is not a PredictionBook CSV that tracker can read: no column for "
            + ", ".join(missing)
            + " (docs/import.md lists the names it accepts)."
        )
    items = []
    for _row, data in rows:
        item: dict[str, Any] = {k: data.get(v) if v else None for k, v in chosen.items()}
        item["responses"] = [
            {
                "confidence": item["confidence"],
                "created_at": item["created_at"],
                "user_label": item["creator"],
            }
        ]
        items.append(item)
    return _pb_items(
        items, importer=importer, now=now, skip_invalid=skip_invalid, what="row", first=2
    )


def _pb_items(
    items: list[dict[str, Any]],
    *,
    importer: str,
    now: datetime,
    skip_invalid: bool,
    what: str,
    first: int = 1,
) -> Converted:
    b = _Builder("predictionbook", now=now)
    for index, item in enumerate(items, start=first):
        b.rows += 1
        title = b.text(index, "description", item.get("description"), required=True)
        created = b.moment(index, "created_at", item.get("created_at"))
        deadline = b.day(index, "deadline", item.get("deadline"))
        if title is None:
            continue
        key = b.question(
            index,
            _Question(
                key=_key("predictionbook", item.get("id") or title),
                row=index,
                title=title,
                deadline=deadline,
                created_at=created,
                created_by=b.name(
                    index, "creator", item.get("creator_label") or item.get("creator")
                ),
            ),
        )
        responses = item.get("responses") or []
        if not isinstance(responses, list):
            b.problem(index, "responses", "is not a list")
            responses = []
        for response in responses:
            if not isinstance(response, dict) or response.get("confidence") in (None, ""):
                continue  # a comment without a forecast
            p = _probability(b, index, "confidence", response.get("confidence"), scale=100)
            made = b.moment(index, "created_at", response.get("created_at"))
            who = (
                b.name(index, "user_label", response.get("user_label") or item.get("creator_label"))
                or importer
            )
            if p is not None and made is not None:
                b.forecast(
                    index,
                    key,
                    forecaster=who,
                    made_at=made,
                    probability=p,
                    rationale=b.text(index, "comment", response.get("comment"), fields.RATIONALE),
                    origin=f"predictionbook {what} {index}: {response.get('confidence')}%",
                )
        if item.get("withdrawn") in (True, "true"):
            if deadline is not None:
                b.resolve(index, key, outcome="annulled", occurred_on=deadline,
                          evidence="Withdrawn in PredictionBook.")  # fmt: skip
            continue
        outcome = _pb_outcome(item.get("outcome"))
        if outcome is False:
            b.problem(index, "outcome", f"{item.get('outcome')!r} is not right, wrong or unknown")
        elif outcome is not None and deadline is not None:
            # PredictionBook keeps no outcome day (updated_at moves with any edit): the deadline,
            # by which the prediction was to come true or not, is taken.
            b.resolve(
                index,
                key,
                outcome=str(outcome),
                occurred_on=deadline,
                evidence=f"Judged {'right' if outcome == 'yes' else 'wrong'} in PredictionBook.",
            )
    return b.finish(skip_invalid=skip_invalid)


# --- a simple CSV layout -----------------------------------------------------------------------

CSV_COLUMNS = ("question", "forecast", "made_on", "deadline")


def read_csv(text: str, *, importer: str, now: datetime, skip_invalid: bool) -> Converted:
    """The simple layout (docs/import.md): `question, forecast, made_on, deadline` and,
    optionally, `outcome, resolved_on, forecaster, tags, notes`; one row per forecast on a
    yes/no question. A forecast is anything `tracker forecast` reads (65%, 0.65, likely)."""
    rows = _rows(text)
    headers = [h.lower() for h in (rows[0][1].keys() if rows else [])]
    _need(headers, CSV_COLUMNS, "csv")
    b = _Builder("csv", now=now)
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
                row=row,
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
    return b.finish(skip_invalid=skip_invalid)


READERS: dict[str, Callable[..., Converted]] = {
    "fatebook": read_fatebook,
    "augur": read_augur,
    "predictionbook": read_predictionbook,
    "csv": read_csv,
}


def read_foreign(
    tool: str, text: str, *, importer: str, now: datetime, skip_invalid: bool = False
) -> Converted:
    """Read another tool's export. Raises InputError for an unknown tool or a file that is not
    that tool's export at all; row-level problems are returned, not raised."""
    reader = READERS.get(tool)
    if reader is None:
        raise InputError(
            f"--from {tool!r}: use {', '.join(TOOLS)} (or leave it out for JSON Lines)."
        )
    return reader(text, importer=importer, now=now, skip_invalid=skip_invalid)
