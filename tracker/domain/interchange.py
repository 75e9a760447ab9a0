"""The JSON Lines interchange format: one typed record per line, parsed and written here."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tracker.domain.dates import in_utc
from tracker.domain.model import (
    RESERVED_OUTCOMES,
    Forecast,
    Provenance,
    Question,
    QuestionKind,
    Resolution,
    Source,
    check_text,
    validate_options,
    validate_slug,
)
from tracker.domain.probability import SUM_TOLERANCE
from tracker.errors import InputError

#: Probabilities summing within this of 1 are stored exactly as given (float noise).
EXACT_SUM = 1e-9
#: The largest question or source number (SQLite and PostgreSQL integer keys hold it).
MAX_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class SourceRecord:
    line: int
    key: str
    number: int | None
    title: str
    author: str | None
    organisation: str | None
    published_on: date | None
    url: str | None
    file: str | None
    text: str | None
    content_hash: str | None
    added_at: datetime | None
    added_by: str | None
    forecaster: str | None = None


@dataclass(frozen=True)
class QuestionRecord:
    line: int
    key: str
    slug: str | None
    number: int | None
    title: str
    kind: QuestionKind
    options: tuple[str, ...]
    deadline: date
    opened_on: date
    criteria: str
    tags: tuple[str, ...]
    source: str | None
    quote: str | None
    notes: str | None
    created_by: str | None
    created_at: datetime | None
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class ForecastRecord:
    line: int
    question: str
    forecaster: str
    made_at: datetime
    recorded_at: datetime | None
    probabilities: dict[str, float]
    rationale: str | None
    input_text: str | None


@dataclass(frozen=True)
class ResolutionRecord:
    line: int
    question: str
    outcome: str
    occurred_on: date
    evidence: str | None
    resolved_by: str | None
    recorded_at: datetime | None
    amends: bool


Record = SourceRecord | QuestionRecord | ForecastRecord | ResolutionRecord


class _Fields:
    """Typed access to one JSON object, with errors that name the line and the field."""

    def __init__(self, line: int, data: dict[str, Any]) -> None:
        self.line = line
        self.data = data

    def fail(self, message: str) -> InputError:
        return InputError(f"line {self.line}: {message}")

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(f"'{name}' is required and must not be empty.")
            return None
        if not isinstance(value, str):
            raise self.fail(f"'{name}' must be a string.")
        if name != "text":  # a report's own text is kept as it is and never printed raw
            try:
                check_text(value, f"'{name}'")
            except InputError as exc:
                raise self.fail(str(exc)) from None
        return value

    def required(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def key(self, name: str) -> str:
        value = self.data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        key = (value if isinstance(value, str) else self.required(name)).strip()
        if not key:
            raise self.fail(f"'{name}' is required and must not be empty.")
        if key.isdigit() and not 1 <= int(key) <= MAX_NUMBER:
            raise self.fail(f"'{name}' {key} is not a number from 1 to {MAX_NUMBER}.")
        return key

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(f"'{name}' must be a date like 2022-03-31, not {value!r}.") from None

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(
                f"'{name}' must be an ISO-8601 time like 2021-11-29T09:00:00+00:00."
            ) from None
        if moment.tzinfo is None:
            raise self.fail(f"'{name}' needs a time zone, e.g. {value}+00:00.")
        try:
            return in_utc(moment, value)
        except InputError as exc:  # e.g. 0001-01-01T00:00+14:00 is in the year 0 in UTC
            raise self.fail(f"'{name}': {exc}") from None

    def integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NUMBER:
            raise self.fail(f"'{name}' must be a whole number from 1 to {MAX_NUMBER}.")
        return value

    def offset(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_NUMBER:
            raise self.fail(f"'{name}' must be a whole number from 0 to {MAX_NUMBER}.")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"'{name}' must be a list of strings.")
        return tuple(value)


def _source(f: _Fields) -> SourceRecord:
    key = f.key("id")
    number = f.integer("number")
    if key.isdigit():
        number = number or int(key)
    else:
        validate_slug_at(f, key)
    return SourceRecord(
        line=f.line,
        key=key,
        number=number,
        title=f.required("title").strip(),
        author=f.text("author"),
        organisation=f.text("organisation"),
        published_on=f.day("published_on"),
        url=f.text("url"),
        file=f.text("file"),
        text=f.text("text"),
        content_hash=f.text("content_hash"),
        added_at=f.moment("added_at"),
        added_by=f.text("added_by"),
        forecaster=(f.text("forecaster") or "").strip() or None,
    )


def validate_slug_at(f: _Fields, key: str) -> str:
    try:
        return validate_slug(key)
    except InputError as exc:
        raise f.fail(str(exc)) from None


def _question(f: _Fields) -> QuestionRecord:
    key = f.key("id")
    number = f.integer("number")
    slug = None
    if key.isdigit():
        number = number or int(key)
    else:
        slug = validate_slug_at(f, key)
    kind_text = f.required("kind")
    try:
        kind = QuestionKind(kind_text)
    except ValueError:
        raise f.fail(
            f"'kind' must be binary, multiple_choice or ordered, not {kind_text!r}."
        ) from None
    try:
        options = validate_options(kind, list(f.strings("options")))
    except InputError as exc:
        raise f.fail(str(exc)) from None
    deadline = f.day("deadline", required=True)
    opened_on = f.day("opened_on", required=True)
    assert deadline is not None and opened_on is not None
    if deadline < opened_on:
        raise f.fail(f"the deadline {deadline} is before the question opened ({opened_on}).")
    return QuestionRecord(
        line=f.line,
        key=key,
        slug=slug,
        number=number,
        title=f.required("title").strip(),
        kind=kind,
        options=options,
        deadline=deadline,
        opened_on=opened_on,
        criteria=f.required("criteria").strip(),
        tags=tuple(t.strip().lower() for t in f.strings("tags") if t.strip()),
        source=f.key("source") if f.data.get("source") is not None else None,
        quote=f.text("quote"),
        notes=f.text("notes"),
        created_by=f.text("created_by"),
        created_at=f.moment("created_at"),
        provenance=_provenance(f),
    )


def _provenance(f: _Fields) -> Provenance:
    start, end = f.offset("quote_start"), f.offset("quote_end")
    if (start is None) != (end is None) or (start is not None and end is not None and start >= end):
        raise f.fail("'quote_start' and 'quote_end' go together, and the start comes first.")
    if start is not None and f.data.get("source") is None:
        raise f.fail("quote offsets need the question's 'source'.")
    return Provenance(start, end, f.text("deadline_phrase"), f.text("hedge_phrase"))


def _probabilities(f: _Fields) -> dict[str, float]:
    value = f.data.get("probabilities")
    if not isinstance(value, dict) or not value:
        raise f.fail("'probabilities' must be an object of option -> probability.")
    result: dict[str, float] = {}
    for option, p in value.items():
        if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p):
            raise f.fail(f"the probability of {option!r} must be a number.")
        if not 0 < p < 1:
            raise f.fail(f"the probability of {option!r} is {p}; it must be between 0 and 1.")
        result[str(option)] = float(p)
    total = math.fsum(result.values())
    if abs(total - 1) > SUM_TOLERANCE:
        raise f.fail(f"the probabilities add up to {total:.4g}, not 1.")
    if abs(total - 1) > EXACT_SUM:
        result = {k: v / total for k, v in result.items()}
    return result


def _forecast(f: _Fields) -> ForecastRecord:
    made_at = f.moment("made_at", required=True)
    assert made_at is not None
    return ForecastRecord(
        line=f.line,
        question=f.key("question"),
        forecaster=f.required("forecaster").strip(),
        made_at=made_at,
        recorded_at=f.moment("recorded_at"),
        probabilities=_probabilities(f),
        rationale=f.text("rationale"),
        input_text=f.text("input"),
    )


def _resolution(f: _Fields) -> ResolutionRecord:
    occurred_on = f.day("occurred_on", required=True)
    assert occurred_on is not None
    amends = f.data.get("amends", False)
    if not isinstance(amends, bool):
        raise f.fail("'amends' must be true or false.")
    return ResolutionRecord(
        line=f.line,
        question=f.key("question"),
        outcome=f.required("outcome").strip(),
        occurred_on=occurred_on,
        evidence=f.text("evidence"),
        resolved_by=f.text("resolved_by"),
        recorded_at=f.moment("recorded_at"),
        amends=amends,
    )


_PARSERS: dict[str, Callable[[_Fields], Record]] = {
    "source": _source,
    "question": _question,
    "forecast": _forecast,
    "resolution": _resolution,
}


def parse_line(line_number: int, line: str) -> Record | None:
    """Parse one line of the interchange format; None for a blank line.

    Raises InputError naming the line and what is wrong with it.
    """
    if not line.strip():
        return None
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {line_number}: not valid JSON ({exc.msg}).") from None
    if not isinstance(data, dict):
        raise InputError(f"line {line_number}: expected a JSON object.")
    kind = data.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise InputError(
            f"line {line_number}: 'type' must be source, question, forecast or resolution."
        )
    return parser(_Fields(line_number, data))


def is_reserved_outcome(outcome: str) -> bool:
    """True for `annulled` and `ambiguous`."""
    return outcome.lower() in RESERVED_OUTCOMES


# --- writing ----------------------------------------------------------------------------------


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def source_line(source: Source) -> str:
    """The interchange line of a source (with its full text)."""
    return _dumps(
        {
            "type": "source",
            "id": source.key,
            "number": source.id,
            "title": source.title,
            "author": source.author,
            "organisation": source.organisation,
            "forecaster": source.forecaster,
            "published_on": source.published_on.isoformat() if source.published_on else None,
            "url": source.url,
            "file": source.file,
            "text": source.text,
            "content_hash": source.content_hash,
            "added_at": _iso(source.added_at),
            "added_by": source.added_by,
        }
    )


def question_line(question: Question) -> str:
    """The interchange line of a question."""
    return _dumps(
        {
            "type": "question",
            "id": question.key,
            "number": question.id,
            "title": question.title,
            "kind": question.kind.value,
            "options": list(question.options),
            "deadline": question.deadline.isoformat(),
            "opened_on": question.opened_on.isoformat(),
            "criteria": question.criteria,
            "tags": list(question.tags),
            "source": question.source_key,
            "quote": question.quote,
            "quote_start": question.quote_start,
            "quote_end": question.quote_end,
            "deadline_phrase": question.deadline_phrase,
            "hedge_phrase": question.hedge_phrase,
            "notes": question.notes,
            "created_by": question.created_by,
            "created_at": _iso(question.created_at),
        }
    )


def forecast_line(forecast: Forecast, question_key: str) -> str:
    """The interchange line of a forecast."""
    return _dumps(
        {
            "type": "forecast",
            "question": question_key,
            "forecaster": forecast.forecaster,
            "made_at": _iso(forecast.made_at),
            "recorded_at": _iso(forecast.recorded_at),
            "probabilities": forecast.probabilities,
            "rationale": forecast.rationale,
            "input": forecast.input_text,
        }
    )


def resolution_line(resolution: Resolution, question_key: str) -> str:
    """The interchange line of a resolution."""
    return _dumps(
        {
            "type": "resolution",
            "question": question_key,
            "outcome": resolution.label,
            "occurred_on": resolution.occurred_on.isoformat(),
            "evidence": resolution.evidence,
            "resolved_by": resolution.resolved_by,
            "recorded_at": _iso(resolution.recorded_at),
            "amends": resolution.amends_id is not None,
        }
    )
