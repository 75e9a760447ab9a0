"""Candidate expectations found in a report: sentences with offsets, and what was read from them.

Values only: `tracker.extract` finds them, reports show them, services turn them into questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_EMPHASIS = re.compile(r"\*([^*\n]+)\*")
#: The last option of a scenario set the report does not say is exhaustive.
OTHER_OUTCOME = "none of these"
#: What the report does with an expectation: only a forecast is credited to it.
STANCES = ("forecast", "conditional", "intention", "disclaimed")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the text: `text` is exactly `source[start:end]`."""

    text: str
    start: int
    end: int
    paragraph: int  # its paragraph's position in the text
    section: str | None  # the heading above it, if any

    @property
    def plain(self) -> str:
        """The sentence without emphasis marks and with spaces collapsed (for quotes)."""
        return " ".join(_EMPHASIS.sub(r"\1", self.text).split())

    @property
    def emphasis(self) -> list[str]:
        """The passages the source emphasised (`*...*`), in order."""
        return [m.group(1).strip() for m in _EMPHASIS.finditer(self.text)]


@dataclass(frozen=True)
class Reason:
    """One signal that moved a sentence's score, with the words that carried it."""

    signal: str  # cue, emphasis, hedge, date, horizon, alternatives, background, negated, context
    words: str
    points: float


@dataclass(frozen=True)
class SuggestedProbability:
    """A probability read from the report's words (a number, or estimative words read through
    a yardstick): a range and its midpoint."""

    low: float
    high: float
    words: str
    label: str

    @property
    def midpoint(self) -> float:
        """The middle of the range (what a forecast records)."""
        return round((self.low + self.high) / 2, 4)

    @property
    def range_text(self) -> str:
        """The range as percentages: "55-80%", or "15%" for a stated chance."""
        low, high = (f"{round(v * 100, 2):g}" for v in (self.low, self.high))
        return f"{low}%" if low == high else f"{low}-{high}%"

    @property
    def reading(self) -> str:
        """The range and, for a range, the midpoint a forecast records: "55-80%, midpoint
        67.5%"; "15%" for a stated chance."""
        if self.low == self.high:
            return self.range_text
        return f"{self.range_text}, midpoint {self.midpoint * 100:g}%"


@dataclass(frozen=True)
class SuggestedDeadline:
    """A deadline read from a time expression, resolved from the publication date."""

    day: date | None  # the last day the phrase allows; None: no date ("next meeting"): ask
    phrase: str
    vague: bool  # a horizon such as "in the coming months" read as a default length
    from_context: bool = False  # never set by the extractor: a sentence does not borrow a date
    note: str = ""


@dataclass(frozen=True)
class Candidate:
    """A sentence that may hold an expectation, with everything read from it."""

    rank: int
    score: float
    sentence: Sentence
    reasons: tuple[Reason, ...]
    probability: SuggestedProbability | None
    deadline: SuggestedDeadline | None
    #: Every option in full, in the report's order; OTHER_OUTCOME last unless exhaustive.
    options: tuple[str, ...] = field(default_factory=tuple)
    stance: str = "forecast"  # one of STANCES
    title: str = ""  # the drafted question ("" when there is no date yet: drafted once chosen)
    criteria: str = ""  # the drafted resolution criteria (likewise)
    exhaustive: bool = False  # the report says its options cover every outcome

    @property
    def kind(self) -> str:
        """binary, or multiple_choice when the passage names alternatives."""
        return "multiple_choice" if self.options else "binary"

    @property
    def credited(self) -> SuggestedProbability | None:
        """The probability the report is credited with: its reading when the report forecasts
        the event, None for a conditional, an intention or a disclaimed expectation (their
        words are kept in `probability` for display)."""
        return self.probability if self.stance == "forecast" else None

    @property
    def ask(self) -> bool:
        """No date was read: the deadline is to be asked for."""
        return self.deadline is None or self.deadline.day is None
