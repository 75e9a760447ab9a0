"""Domain values of the forecast ledger: questions, options, forecasts, resolutions, sources."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from tracker.domain import fields
from tracker.errors import InputError, NotFoundError

BINARY_OPTIONS: tuple[str, str] = ("yes", "no")
#: A forecast recorded more than this long after it was made is flagged as backfilled.
BACKFILL_THRESHOLD = timedelta(hours=24)
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


class QuestionKind(StrEnum):
    """What shape of answer a question has."""

    BINARY = "binary"
    MULTIPLE_CHOICE = "multiple_choice"
    ORDERED = "ordered"


class OutcomeStatus(StrEnum):
    """How a question was settled: by one of its options, or not at all."""

    OPTION = "option"
    ANNULLED = "annulled"
    AMBIGUOUS = "ambiguous"


RESERVED_OUTCOMES = frozenset({OutcomeStatus.ANNULLED.value, OutcomeStatus.AMBIGUOUS.value})


@dataclass(frozen=True)
class Source:
    """A report whose expectations may become questions."""

    id: int
    key: str
    title: str
    author: str | None
    organisation: str | None
    published_on: date | None
    url: str | None
    file: str | None
    content_hash: str | None
    added_at: datetime
    added_by: str
    text: str | None = None
    # The forecaster that records the report's own implied probabilities, so it is scored.
    forecaster: str | None = None
    # The yardstick chosen for this report (tracker/domain/yardsticks.py); None: the ledger's.
    yardstick: str | None = None


@dataclass(frozen=True)
class Resolution:
    """How and when a question was settled, by whom, with what evidence."""

    id: int
    question_id: int
    status: OutcomeStatus
    outcome: str | None
    occurred_on: date
    evidence: str | None
    resolved_by: str
    recorded_at: datetime
    amends_id: int | None = None

    @property
    def label(self) -> str:
        """The outcome as shown to people: the option name, or `annulled` / `ambiguous`."""
        return self.outcome if self.status is OutcomeStatus.OPTION and self.outcome else self.status


@dataclass(frozen=True)
class Retraction:
    """A forecast marked as a mistake by its forecaster: it stays in the record and is shown,
    but it is left out of every score and aggregate (the forecaster's earlier one stands)."""

    id: int
    forecast_id: int
    reason: str
    recorded_by: str
    recorded_at: datetime


#: How long after recording a forecast its forecaster may still retract it (later, a new
#: forecast is the honest correction: a retraction must not erase a call after the news).
RETRACTION_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Forecast:
    """One judgement: a probability per option, never changed after it is recorded."""

    id: int
    question_id: int
    forecaster: str
    made_at: datetime
    recorded_at: datetime
    probabilities: dict[str, float]
    rationale: str | None = None
    input_text: str | None = None
    # Set when the forecaster retracted it (it then never stands and is never scored).
    retraction: Retraction | None = None
    #: The version of the question it was made under (tracker/domain/versions.py).
    question_version: int = 1

    @property
    def backfilled(self) -> bool:
        """True when the forecast was recorded long after it was made (history entered later)."""
        return self.recorded_at - self.made_at > BACKFILL_THRESHOLD


@dataclass(frozen=True)
class Provenance:
    """Where a question's quote sits in its source, and the report's words behind its numbers."""

    quote_start: int | None = None
    quote_end: int | None = None
    deadline_phrase: str | None = None
    hedge_phrase: str | None = None

    def as_columns(self) -> dict[str, object]:
        """The values as stored, by column name."""
        return {
            "quote_start": self.quote_start,
            "quote_end": self.quote_end,
            "deadline_phrase": self.deadline_phrase,
            "hedge_phrase": self.hedge_phrase,
        }


@dataclass(frozen=True)
class Question:
    """An expectation turned into something that can be scored."""

    id: int
    slug: str | None
    title: str
    criteria: str
    kind: QuestionKind
    options: tuple[str, ...]
    deadline: date
    opened_on: date
    created_at: datetime
    created_by: str
    source_key: str | None = None
    source_title: str | None = None
    quote: str | None = None
    notes: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    # Provenance: the quote's offsets in the source text, and the report's own words that its
    # deadline and probability were read from (so the translation can be audited).
    quote_start: int | None = None
    quote_end: int | None = None
    deadline_phrase: str | None = None
    hedge_phrase: str | None = None
    # A blind question: a forecaster sees nobody else's forecasts on it (nor the team's
    # aggregates) until they have made their own, or it is resolved (tracker/domain/blind.py).
    blind: bool = False
    #: The current version (tracker/domain/versions.py): title, criteria and deadline above
    #: are this version's; 1 until the question is clarified.
    version: int = 1

    @property
    def provenance(self) -> Provenance:
        """The quote's offsets and the report's words for the deadline and the hedge."""
        return Provenance(self.quote_start, self.quote_end, self.deadline_phrase, self.hedge_phrase)

    @property
    def ref(self) -> str:
        """The short reference people type and read: `#12`."""
        return f"#{self.id}"

    @property
    def key(self) -> str:
        """The interchange id: the slug, or the number when there is no slug."""
        return self.slug or str(self.id)


def check_text(value: str, what: str) -> str:
    """Return free text `value` unchanged if tracker accepts it (tabs and line breaks, but no
    other control character, no bidirectional override; see `tracker.domain.fields`). Raises
    InputError naming the field otherwise."""
    return fields.check_text(value, fields.NOTES, what)


def clean_text(value: str | None, what: str) -> str | None:
    """Strip `value`, checked by `check_text`; None when it is empty."""
    text = (value or "").strip()
    return check_text(text, what) if text else None


def validate_slug(slug: str) -> str:
    """Return a valid slug (lower-case letters, digits, hyphens; starts with a letter).

    Raises InputError otherwise: a slug that is all digits would be confused with a number.
    """
    if not _SLUG.fullmatch(slug):
        raise InputError(
            f"Slug {slug!r} is not valid: use lower-case letters, digits and hyphens, "
            "starting with a letter (at most 64 characters)."
        )
    return slug


def option_key(name: str) -> str:
    """The one rule by which option names are compared, for duplicates and for matching:
    case-folded, in Unicode compatibility form (NFKC), runs of spaces as one
    (`tracker.domain.fields.text_key`)."""
    return fields.text_key(name)


def validate_options(kind: QuestionKind, options: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Return the options of a question of `kind`, checked, trimmed and in NFC.

    Binary questions always have `yes` and `no`. Multiple-choice and ordered questions need at
    least two distinct options (compared by `option_key`), none empty, none containing `=`,
    none named `annulled` or `ambiguous`, each one line of visible text of at most
    `fields.OPTION.limit` characters. Raises InputError with what to change.
    """
    if kind is QuestionKind.BINARY:
        given = tuple(option_key(o) for o in options)
        if given and given != BINARY_OPTIONS:
            raise InputError("A binary question has the options yes and no; do not give others.")
        return BINARY_OPTIONS
    if len(options) < 2:
        raise InputError(
            f"A {kind.value.replace('_', '-')} question needs at least two options "
            "(give --option once per option)."
        )
    cleaned = []
    seen: dict[str, str] = {}
    for given_option in options:
        option = fields.check_line(given_option, fields.OPTION)
        if not option:
            raise InputError("An option name is empty.")
        if "=" in option:
            raise InputError(f"Option {option!r} contains '='; choose a name without it.")
        key = option_key(option)
        if key in RESERVED_OUTCOMES:
            raise InputError(f"{option!r} is reserved for resolutions; choose another option name.")
        if key in seen:
            twice = "" if seen[key] == option else f" (as {seen[key]!r})"
            raise InputError(f"Option {option!r} is given twice{twice}.")
        seen[key] = option
        cleaned.append(option)
    return tuple(cleaned)


#: Numbers beyond this are no question or source (and would overflow database integers).
MAX_REF = 2**31 - 1


def parse_ref(text: str, *, what: str = "question") -> int | str:
    """Turn `#12`, `12` or a slug into a number or slug. Raises InputError if empty.

    `what` names the thing in messages ("question" or "source"). A number too large to be one
    is reported as not found rather than passed to the database.
    """
    value = text.strip()
    if value.startswith("#"):
        value = value[1:]
    if not value:
        raise InputError(f"No {what} given: use its number (#12) or its slug.")
    if value.isdigit():
        if int(value) > MAX_REF:
            raise NotFoundError(f"No {what} #{value}.")
        return int(value)
    return value.lower()


def parse_question_ref(text: str) -> int | str:
    """`parse_ref` for questions."""
    return parse_ref(text, what="question")


def parse_source_ref(text: str) -> int | str:
    """`parse_ref` for sources."""
    return parse_ref(text, what="source")


class QuestionStatus(StrEnum):
    """Where a question stands on a given day."""

    OPEN = "open"
    OVERDUE = "overdue"
    RESOLVED = "resolved"
    ANNULLED = "annulled"
    AMBIGUOUS = "ambiguous"


def question_status(
    question: Question, resolution: Resolution | None, today: date
) -> QuestionStatus:
    """Open, overdue (deadline passed, no resolution), or how it was resolved."""
    if resolution is None:
        return QuestionStatus.OVERDUE if question.deadline < today else QuestionStatus.OPEN
    if resolution.status is OutcomeStatus.OPTION:
        return QuestionStatus.RESOLVED
    return QuestionStatus(resolution.status.value)


def find_option(name: str, options: Sequence[str]) -> str | None:
    """The option `name` is, compared by `option_key`; None if it is none of them."""
    wanted = option_key(name)
    return next((option for option in options if option_key(option) == wanted), None)


def match_option(name: str, options: Sequence[str]) -> str:
    """Return the option `name` stands for: the same name (by `option_key`), else the only
    option whose name begins with it.

    Raises InputError listing the options (no match) or the candidates (ambiguous prefix).
    """
    found = find_option(name, options)
    if found is not None:
        return found
    wanted = option_key(name)
    candidates = [option for option in options if wanted and option_key(option).startswith(wanted)]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        listed = ", ".join(f"'{c}'" for c in candidates)
        raise InputError(f"'{name}' matches several options ({listed}): type more of the name.")
    listed = ", ".join(f"'{o}'" for o in options)
    raise InputError(f"There is no option '{name}': the options are {listed}.")


#: The key of `forecast_order`.
ForecastOrder = tuple[datetime, datetime, str, tuple[float, ...], bool, str, bool, str, int]


def forecast_order(forecast: Forecast) -> ForecastOrder:
    """The order of a question's forecasts: among one forecaster's, the last in it is the
    standing one (docs/data-format.md, "Append-only history").

    By `made_at`; at the same `made_at`, the one recorded later (`recorded_at`); recorded at
    the same moment too, by forecaster (which only orders a history that several share), then
    by the probabilities as numbers in option order (the one giving more to the first option
    where they differ comes last), then by the rationale and then the input as typed (none
    first, then by code point). None of these depends on the order in which the forecasts were
    written into the database, so an export imported elsewhere picks the same standing
    forecast. Only forecasts equal in all of them (the same judgement entered twice) fall back
    on their number.
    """
    return (
        forecast.made_at,
        forecast.recorded_at,
        forecast.forecaster,
        tuple(forecast.probabilities.values()),
        forecast.rationale is not None,
        forecast.rationale or "",
        forecast.input_text is not None,
        forecast.input_text or "",
        forecast.id,
    )


def standing_forecasts(forecasts: list[Forecast]) -> dict[str, Forecast]:
    """The standing forecast of each forecaster (the last by `forecast_order`), by name. A
    retracted forecast never stands: the forecaster's earlier one stands again."""
    latest: dict[str, Forecast] = {}
    for forecast in sorted(forecasts, key=forecast_order):
        if forecast.retraction is None:
            latest[forecast.forecaster] = forecast
    return latest
