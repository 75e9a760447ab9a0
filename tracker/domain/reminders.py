"""What needs each forecaster: deadlines passed or near, stale forecasts, questions in their tags.

Pure: the record and the moment (`as_of`) are parameters. A digest holds question titles,
deadlines, tags and the forecaster's OWN forecasts only, never anyone else's probabilities, so
that a reminder (on a terminal, in an e-mail, in a calendar) cannot leak what others forecast,
on blind questions or any other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from tracker.domain.dates import Duration, parse_date, read_duration
from tracker.domain.model import Forecast, Question, standing_forecasts
from tracker.errors import InputError

#: Forecasts older than this on open questions are stale unless --stale-after says otherwise
#: (the accuracy review's follow-up uses the same 30 days).
DEFAULT_STALE_AFTER = "30d"
#: How far ahead deadlines are announced unless --within says otherwise.
DEFAULT_WITHIN = "14d"


class Need(StrEnum):
    """Why a question is in someone's digest (each question appears once, under the first)."""

    PAST_DEADLINE = "past_deadline"
    DUE_SOON = "due_soon"
    STALE = "stale"
    NOT_FORECAST = "not_forecast"


@dataclass(frozen=True)
class StaleRule:
    """When a forecast has gone stale: older than a span (`age`), or than a share of its
    question's life, from the day it opened to its deadline (`share`, 0 < share <= 1)."""

    text: str
    age: Duration | None = None
    share: float | None = None

    def cutoff(self, question: Question, as_of: datetime) -> datetime:
        """Forecasts made before this moment are stale."""
        if self.age is not None:
            return self.age.before(as_of)
        assert self.share is not None
        life_days = (question.deadline - question.opened_on).days
        return as_of - timedelta(days=self.share * life_days)


_SHARE = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")


def parse_stale_after(text: str) -> StaleRule:
    """Read `--stale-after`: a span (`30d`, `6w`, `2m`; see `parse_duration`) or a share of
    the question's life (`25%`, more than 0 and at most 100). Raises InputError otherwise."""
    stripped = text.strip()
    if match := _SHARE.match(stripped):
        percent = float(match[1])
        if not 0 < percent <= 100:
            raise InputError(
                f"--stale-after {stripped}: a share of the question's life is more than 0% "
                "and at most 100%."
            )
        return StaleRule(text=stripped, share=percent / 100)
    age = read_duration(stripped, what="--stale-after")
    if age is None:
        raise InputError(
            f"Cannot read '{stripped}' as --stale-after: give an age (30d, 6w, 2m) or a share "
            "of the question's life (25%)."
        )
    return StaleRule(text=stripped, age=age)


@dataclass(frozen=True)
class Window:
    """Deadlines from today to `until` (inclusive) are announced; `text` is what was typed."""

    text: str
    until: date


def parse_within(text: str, *, today: date) -> Window:
    """Read `--within`: a span after `today` (`14d`, `2w`, `1m`, a number of days) or a date
    (`2022-06-30`, `end of month`: see `parse_date`). Raises InputError for anything else or
    a date before `today`."""
    stripped = text.strip()
    span = read_duration(stripped, what="--within")
    if span is not None:
        until = span.after(today)
    else:
        try:
            until = parse_date(stripped, today=today).value
        except InputError:
            raise InputError(
                f"Cannot read '{stripped}' as --within: give a span (14d, 2w, 1m) or a date "
                "(2022-06-30, end of month)."
            ) from None
    if until < today:
        raise InputError(f"--within {stripped} ends on {until}, before today ({today}).")
    return Window(text=stripped, until=until)


@dataclass(frozen=True)
class Item:
    """One question in a digest, with the forecaster's own standing forecast (if any)."""

    need: Need
    question: Question
    days_to_deadline: int  # negative once the deadline has passed
    own: Forecast | None = None
    own_age_days: int | None = None


@dataclass(frozen=True)
class Digest:
    """What needs one forecaster, as of a moment."""

    forecaster: str
    items: tuple[Item, ...]
    tags: tuple[str, ...] = ()

    def of(self, need: Need) -> list[Item]:
        """The items of one kind, earliest deadline first."""
        return [item for item in self.items if item.need is need]

    @property
    def empty(self) -> bool:
        """Nothing needs this forecaster."""
        return not self.items


@dataclass(frozen=True)
class Reminders:
    """Every digest of one run, and the rules it was made by."""

    as_of: datetime
    window: Window
    stale: StaleRule
    digests: tuple[Digest, ...]
    #: Who may record a resolution, in words (e.g. "anyone who can write this ledger").
    resolvers: str = ""
    unresolved: tuple[Question, ...] = field(default_factory=tuple)


def standing_by_question(
    forecasts: Mapping[int, Sequence[Forecast]],
) -> dict[int, dict[str, Forecast]]:
    """Each question's standing forecast of each forecaster (`standing_forecasts`)."""
    return {number: standing_forecasts(list(found)) for number, found in forecasts.items()}


def _need(
    question: Question,
    own: Forecast | None,
    *,
    created: bool,
    tags: frozenset[str],
    as_of: datetime,
    window: Window,
    stale: StaleRule,
) -> Need | None:
    """Why `question` (not resolved) needs someone whose standing forecast on it is `own`,
    who `created` it, and whose tags are `tags`; None when it does not."""
    today = as_of.date()
    involved = own is not None or created
    if question.deadline < today:
        return Need.PAST_DEADLINE if involved else None
    if involved and question.deadline <= window.until:
        return Need.DUE_SOON
    if own is not None:
        return Need.STALE if own.made_at < stale.cutoff(question, as_of) else None
    if tags.intersection(question.tags):
        return Need.NOT_FORECAST
    return None


def digest_for(
    forecaster: str,
    *,
    unresolved: Sequence[Question],
    standing: Mapping[int, Mapping[str, Forecast]],
    tags: Sequence[str],
    as_of: datetime,
    window: Window,
    stale: StaleRule,
) -> Digest:
    """What needs `forecaster` among the `unresolved` questions as of `as_of`, given the
    standing forecasts on each (by question number, then forecaster: `standing_by_question`):

    - past its deadline: a question they forecast or created, to be resolved;
    - due soon: the deadline falls within `window` (a question they forecast or created);
    - stale: their standing forecast was made before the `stale` cutoff (not past or due soon);
    - not forecast: open, with one of their `tags`, and not forecast by them.

    Only the forecaster's own standing forecast is kept on an item: never anyone else's.
    """
    mine = frozenset(tags)
    items: list[Item] = []
    for question in sorted(unresolved, key=lambda q: (q.deadline, q.id)):
        # Only the forecaster's own standing forecast is read: nobody else's reaches a digest.
        own = standing.get(question.id, {}).get(forecaster)
        need = _need(
            question,
            own,
            created=question.created_by == forecaster,
            tags=mine,
            as_of=as_of,
            window=window,
            stale=stale,
        )
        if need is None:
            continue
        items.append(
            Item(
                need=need,
                question=question,
                days_to_deadline=(question.deadline - as_of.date()).days,
                own=own,
                own_age_days=(as_of - own.made_at).days if own is not None else None,
            )
        )
    return Digest(forecaster=forecaster, items=tuple(items), tags=tuple(sorted(mine)))


def question_revision(
    question: Question, versions: Sequence[datetime] = ()
) -> tuple[int, datetime]:
    """The revision of a question and when it was made, for calendars (SEQUENCE and
    LAST-MODIFIED): 0 and its creation time for a question as first written, else the number
    of later versions and the time of the latest.

    `versions`: when each later version (a clarification) was recorded, oldest first. Nothing
    passes them yet; this is the one place to wire question versions in.
    """
    if not versions:
        return 0, question.created_at
    return len(versions), max(versions)
