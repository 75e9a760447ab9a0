"""The JSON Lines interchange format: one typed record per line, parsed and written here."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tracker.domain import fields
from tracker.domain.model import (
    RESERVED_OUTCOMES,
    Forecast,
    Provenance,
    Question,
    QuestionKind,
    Resolution,
    Source,
    option_key,
    validate_options,
    validate_slug,
)
from tracker.domain.probability import SUM_TOLERANCE
from tracker.domain.versions import QuestionVersion, check_reason
from tracker.domain.yardsticks import get_yardstick
from tracker.errors import InputError

# A float sum such as 0.335 + 0.33 + 0.33 lands a hair beyond the tolerance; it is within.
_SUM_SLACK = 1e-9
#: The largest question or source number (SQLite and PostgreSQL integer keys hold it).
MAX_NUMBER = 2**31 - 1


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _Constant(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _Constant(name)


def _shortened(text: str, limit: int = 60) -> str:
    """`text` for a message: at most `limit` characters, and never its control characters."""
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return repr(shown)


def _exact_number(text: str) -> float | Decimal:
    """A JSON number with a fraction or exponent, kept exact: a float when it has so few
    digits that the float's shortest form is the same decimal (up to 15 significant digits;
    0.2 stays 0.2), a Decimal otherwise."""
    return float(text) if len(text) <= 16 else Decimal(text)


def load_json(text: str, *, exact_numbers: bool = False, where: str = "line") -> Any:
    """Parse JSON strictly: a key twice in one object, `NaN` and `Infinity`, nesting too deep
    for the parser and integers too long to read are refused with InputError, as is anything
    that is not JSON. With `exact_numbers`, a number with a fraction or exponent keeps its
    decimal value exactly (`_exact_number`). `where`: "line" for one line of JSON Lines (the
    column is named), "file" for a whole document (the line and column)."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_float=_exact_number if exact_numbers else float,
        )
    except _DuplicateKey as exc:
        raise InputError(
            f"the key {_shortened(exc.key)} appears twice in one object; give each key once."
        ) from None
    except _Constant as exc:
        raise InputError(f"{exc} is not a number JSON allows; give a number.") from None
    except json.JSONDecodeError as exc:
        at = f"column {exc.colno}" if where == "line" else f"line {exc.lineno} column {exc.colno}"
        raise InputError(f"not valid JSON ({exc.msg}, {at}).") from None
    except RecursionError:
        raise InputError(
            "the JSON nests too deeply (objects and lists inside each other); tracker's "
            "records nest at most three levels."
        ) from None
    except ValueError:  # an integer longer than Python reads (sys.get_int_max_str_digits)
        raise InputError("a number in it has too many digits to read.") from None


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
    yardstick: str | None = None  # a key of tracker/domain/yardsticks.py


@dataclass(frozen=True)
class LedgerRecord:
    """Settings of the whole ledger: the yardstick it reads and writes estimative words by."""

    line: int
    yardstick: str | None


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
    blind: bool = False


@dataclass(frozen=True)
class ForecastRecord:
    line: int
    question: str
    forecaster: str
    made_at: datetime
    recorded_at: datetime | None
    probabilities: dict[str, float | Decimal | Fraction]  # as given; put on the grid on import
    rationale: str | None
    input_text: str | None
    # The version of the question it was made under (tracker clarify); None: not given, read
    # as the version in force when it was made.
    question_version: int | None = None


@dataclass(frozen=True)
class ClarificationRecord:
    """A version (2, 3, ...) of a question: its title, criteria and deadline from then on."""

    line: int
    question: str
    version: int
    title: str
    criteria: str
    deadline: date
    reason: str
    author: str | None
    recorded_at: datetime | None


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


@dataclass(frozen=True)
class RetractionRecord:
    """A forecast retracted by its forecaster. `forecast` names the forecast as its own line
    does (question, forecaster, made_at, probabilities, rationale; recorded_at when given)."""

    line: int
    forecast: ForecastRecord
    reason: str
    recorded_by: str | None
    recorded_at: datetime | None


Record = (
    LedgerRecord
    | SourceRecord
    | QuestionRecord
    | ClarificationRecord
    | ForecastRecord
    | ResolutionRecord
    | RetractionRecord
)


class _Fields:
    """Typed access to one JSON object, with errors that name the line and the field."""

    def __init__(self, line: int, data: dict[str, Any]) -> None:
        self.line = line
        self.data = data

    def fail(self, message: str) -> InputError:
        return InputError(f"line {self.line}: {message}")

    def text(
        self, name: str, rule: fields.Rule = fields.NOTES, *, required: bool = False
    ) -> str | None:
        """The string field `name`, checked by `rule` (tracker.domain.fields): one-line text is
        trimmed and put in NFC, free text is kept as it is. None when missing or blank."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(f"'{name}' is required and must not be empty.")
            return None
        if not isinstance(value, str):
            raise self.fail(f"'{name}' must be a string.")
        try:
            return fields.check(value, rule, f"'{name}'")
        except InputError as exc:
            raise self.fail(str(exc)) from None

    def name(self, name: str, *, required: bool = False) -> str | None:
        """A person's name (`fields.check_name`): one line, not a team aggregate's."""
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip():
            return self.text(name, fields.NAME, required=required)  # missing, or no string
        try:
            return fields.check_name(value, f"'{name}'", hint="")
        except InputError as exc:
            raise self.fail(str(exc)) from None

    def required(self, name: str, rule: fields.Rule = fields.NOTES) -> str:
        value = self.text(name, rule, required=True)
        assert value is not None
        return value

    def key(self, name: str) -> str:
        value = self.data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        key = (value if isinstance(value, str) else self.required(name)).strip()
        if not key:
            raise self.fail(f"'{name}' is required and must not be empty.")
        if len(key) > 64 or not key.isprintable():  # neither a number nor a slug
            raise self.fail(
                f"'{name}' {_shortened(key)} is neither a number nor a slug (lower-case letters, "
                "digits and hyphens, at most 64 characters)."
            )
        if key.isdigit() and not 1 <= int(key) <= MAX_NUMBER:
            raise self.fail(f"'{name}' {key} is not a number from 1 to {MAX_NUMBER}.")
        return key

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.text(name, fields.NAME, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(
                f"'{name}' must be a date like 2022-03-31, not {_shortened(value)}."
            ) from None

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.text(name, fields.NAME, required=required)
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
            return fields.utc_moment(moment, f"'{name}' {value}")
        except InputError as exc:
            raise self.fail(str(exc)) from None

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

    def checked(self, check: Callable[[], Any]) -> Any:
        """The result of `check`, its InputError naming this line."""
        try:
            return check()
        except InputError as exc:
            raise self.fail(str(exc)) from None


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
        title=f.required("title", fields.TITLE),
        author=f.text("author", fields.NAME),
        organisation=f.text("organisation", fields.NAME),
        published_on=f.day("published_on"),
        url=f.text("url", fields.URL),
        file=f.text("file", fields.FILE_NAME),
        text=f.text("text", fields.REPORT),
        content_hash=f.text("content_hash", fields.CONTENT_HASH),
        added_at=f.moment("added_at"),
        added_by=f.name("added_by"),
        forecaster=f.name("forecaster"),
        yardstick=_yardstick(f),
    )


def _yardstick(f: _Fields) -> str | None:
    """The key of the yardstick named by the field `yardstick` (None when missing)."""
    name = f.text("yardstick", fields.NAME)
    return None if name is None else f.checked(lambda: get_yardstick(name).key)


def _ledger(f: _Fields) -> LedgerRecord:
    return LedgerRecord(line=f.line, yardstick=_yardstick(f))


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
    kind_text = f.required("kind", fields.NAME)
    try:
        kind = QuestionKind(kind_text)
    except ValueError:
        raise f.fail(
            f"'kind' must be binary, multiple_choice or ordered, not {_shortened(kind_text)}."
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
    source = f.key("source") if f.data.get("source") is not None else None
    quote = f.text("quote", fields.QUOTE)
    if quote is not None and source is None:
        raise f.fail("a 'quote' needs the question's 'source'.")
    blind = f.data.get("blind", False)
    if not isinstance(blind, bool):
        raise f.fail("'blind' must be true or false.")
    return QuestionRecord(
        line=f.line,
        key=key,
        slug=slug,
        number=number,
        title=f.required("title", fields.TITLE),
        kind=kind,
        options=options,
        deadline=deadline,
        opened_on=opened_on,
        criteria=f.required("criteria", fields.CRITERIA).strip(),
        tags=f.checked(lambda: fields.normalise_tags(f.strings("tags"), split=False)),
        source=source,
        quote=quote,
        notes=f.text("notes", fields.NOTES),
        created_by=f.name("created_by"),
        created_at=f.moment("created_at"),
        provenance=_provenance(f),
        blind=blind,
    )


def _provenance(f: _Fields) -> Provenance:
    start, end = f.offset("quote_start"), f.offset("quote_end")
    if (start is None) != (end is None) or (start is not None and end is not None and start >= end):
        raise f.fail("'quote_start' and 'quote_end' go together, and the start comes first.")
    if start is not None and f.data.get("source") is None:
        raise f.fail("quote offsets need the question's 'source'.")
    return Provenance(
        start, end, f.text("deadline_phrase", fields.PHRASE), f.text("hedge_phrase", fields.PHRASE)
    )


def _probabilities(f: _Fields) -> dict[str, float | Decimal | Fraction]:
    """The probabilities exactly as written (0.2 is 0.2, see `_exact_number`): each strictly
    between 0 and 1, adding up to 1 within half a percentage point. They are put on the grid
    (rescaled, in the question's option order) when the forecast is imported."""
    value = f.data.get("probabilities")
    if not isinstance(value, dict) or not value:
        raise f.fail("'probabilities' must be an object of option -> probability.")
    result: dict[str, float | Decimal | Fraction] = {}
    total = 0.0  # a float sum is plenty for the tolerance of half a point
    for option, p in value.items():
        if isinstance(p, bool) or not isinstance(p, int | float | Decimal):
            raise f.fail(f"the probability of {_shortened(option)} must be a number.")
        if not 0 < p < 1:
            shown = str(p) if len(str(p)) <= 30 else "far out of range"
            raise f.fail(
                f"the probability of {_shortened(option)} is {shown}; it must be between 0 and 1."
            )
        result[option] = p
        total += float(p)
    if abs(total - 1) > SUM_TOLERANCE + _SUM_SLACK:
        raise f.fail(f"the probabilities add up to {total:.4g}, not 1.")
    return result


def _forecast(f: _Fields) -> ForecastRecord:
    made_at = f.moment("made_at", required=True)
    assert made_at is not None
    forecaster = f.name("forecaster", required=True)
    assert forecaster is not None
    return ForecastRecord(
        line=f.line,
        question=f.key("question"),
        forecaster=forecaster,
        made_at=made_at,
        recorded_at=f.moment("recorded_at"),
        probabilities=_probabilities(f),
        rationale=f.text("rationale", fields.RATIONALE),
        input_text=f.text("input", fields.INPUT),
        question_version=f.integer("question_version"),
    )


def _clarification(f: _Fields) -> ClarificationRecord:
    version = f.integer("version")
    if version is None or version < 2:
        raise f.fail(
            "'version' must be a whole number from 2 (version 1 is the question line itself)."
        )
    deadline = f.day("deadline", required=True)
    assert deadline is not None
    reason = f.data.get("reason")
    return ClarificationRecord(
        line=f.line,
        question=f.key("question"),
        version=version,
        title=f.required("title", fields.TITLE),
        criteria=f.required("criteria", fields.CRITERIA).strip(),
        deadline=deadline,
        reason=f.checked(lambda: check_reason(reason if isinstance(reason, str) else None)),
        author=f.name("author"),
        recorded_at=f.moment("recorded_at"),
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
        outcome=f.required("outcome", fields.OPTION),
        occurred_on=occurred_on,
        evidence=f.text("evidence", fields.EVIDENCE),
        resolved_by=f.name("resolved_by"),
        recorded_at=f.moment("recorded_at"),
        amends=amends,
    )


def _retraction(f: _Fields) -> RetractionRecord:
    forecast = f.data.get("forecast")
    if not isinstance(forecast, dict):
        raise f.fail(
            "'forecast' must be the object of the forecast retracted, as its forecast line "
            "gives it (question, forecaster, made_at, probabilities, ...)."
        )
    return RetractionRecord(
        line=f.line,
        forecast=_forecast(_Fields(f.line, forecast)),
        reason=f.required("reason", fields.REASON),
        recorded_by=f.name("recorded_by"),
        recorded_at=f.moment("recorded_at"),
    )


_PARSERS: dict[str, Callable[[_Fields], Record]] = {
    "ledger": _ledger,
    "source": _source,
    "question": _question,
    "clarification": _clarification,
    "forecast": _forecast,
    "resolution": _resolution,
    "retraction": _retraction,
}


def parse_line(line_number: int, line: str) -> Record | None:
    """Parse one line of the interchange format; None for a blank line.

    Raises InputError naming the line and what is wrong with it.
    """
    if not line.strip():
        return None
    try:
        data = load_json(line, exact_numbers=True)
    except InputError as exc:
        raise InputError(f"line {line_number}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"line {line_number}: expected a JSON object.")
    kind = data.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise InputError(
            f"line {line_number}: 'type' must be ledger, source, question, clarification, "
            "forecast, resolution or retraction."
        )
    return parser(_Fields(line_number, data))


def is_reserved_outcome(outcome: str) -> bool:
    """True for `annulled` and `ambiguous` (compared as option names are, `option_key`)."""
    return option_key(outcome) in RESERVED_OUTCOMES


# --- writing ----------------------------------------------------------------------------------


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def ledger_line(yardstick: str) -> str:
    """The interchange line of the ledger's settings: the yardstick chosen for it (a key)."""
    return _dumps({"type": "ledger", "yardstick": yardstick})


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
            "yardstick": source.yardstick,
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
    """The interchange line of a question (`blind` only on a blind question, so that the
    lines of other questions are as they always were)."""
    data: dict[str, Any] = {
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
    if question.blind:
        data["blind"] = True
    return _dumps(data)


def _forecast_fields(forecast: Forecast, question_key: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "question": question_key,
        "forecaster": forecast.forecaster,
        "made_at": _iso(forecast.made_at),
        "recorded_at": _iso(forecast.recorded_at),
        "probabilities": forecast.probabilities,
        "rationale": forecast.rationale,
        "input": forecast.input_text,
    }
    if forecast.question_version != 1:
        fields["question_version"] = forecast.question_version
    return fields


def forecast_line(forecast: Forecast, question_key: str) -> str:
    """The interchange line of a forecast (`question_version` only when it is not 1, so a
    ledger without clarifications exports as before)."""
    return _dumps({"type": "forecast", **_forecast_fields(forecast, question_key)})


def retraction_line(forecast: Forecast, question_key: str) -> str:
    """The interchange line of a forecast's retraction: the forecast as its own line gives it
    (so that the line names it unambiguously), then the retraction's reason, author and time."""
    retraction = forecast.retraction
    assert retraction is not None
    return _dumps(
        {
            "type": "retraction",
            "forecast": _forecast_fields(forecast, question_key),
            "reason": retraction.reason,
            "recorded_by": retraction.recorded_by,
            "recorded_at": _iso(retraction.recorded_at),
        }
    )


def clarification_line(version: QuestionVersion, question_key: str) -> str:
    """The interchange line of a clarification: version 2 or later of a question."""
    return _dumps(
        {
            "type": "clarification",
            "question": question_key,
            "version": version.version,
            "title": version.title,
            "criteria": version.criteria,
            "deadline": version.deadline.isoformat(),
            "reason": version.reason,
            "author": version.author,
            "recorded_at": _iso(version.recorded_at),
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
