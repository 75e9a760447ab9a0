"""Estimative language as cited data: the two standard yardsticks that map words to chances.

A yardstick is a published table of terms ("likely", "realistic possibility") and the range of
probability each stands for. tracker reads typed forecasts ("highly likely"), the hedges in a
report, and writes words beside numbers, through the yardstick in force for the ledger or the
source (ICD 203 unless chosen otherwise). Both tables are copied from their sources, cited
below; the synonyms that are not the yardstick's own words are listed apart, so that output can
say when a word was read as the nearest term rather than found in the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from tracker.errors import InputError


@dataclass(frozen=True)
class Term:
    """One row of a yardstick: its words and the probability range they stand for."""

    name: str  # the row's first term, e.g. "likely"
    low: float
    high: float
    phrases: tuple[str, ...]  # the yardstick's own words for this row (name first)
    synonyms: tuple[str, ...] = ()  # other words read as this row (not in the source table)
    open_low: bool = False  # "up to 5%": the range starts at 0
    open_high: bool = False  # "95% and above": the range ends at 100%

    @property
    def midpoint(self) -> float:
        """The value a forecast written as this term records: the middle of its range."""
        # Rounded so that 0.55..0.80 gives 0.675, not 0.6750000000000001.
        return round((self.low + self.high) / 2, 10)

    @property
    def range_text(self) -> str:
        """The range as the source writes it: "55-80%", "up to 5%", "95% and above"."""
        if self.open_low:
            return f"up to {_percent(self.high)}%"
        if self.open_high:
            return f"{_percent(self.low)}% and above"
        return f"{_percent(self.low)}-{_percent(self.high)}%"

    @property
    def label(self) -> str:
        """The term with its range: "likely (55-80%)"."""
        return f"{self.name} ({self.range_text})"

    def contains(self, p: float) -> bool:
        """Whether `p` falls in this row, its ends included."""
        return self.low <= p <= self.high


def _percent(value: float) -> str:
    return f"{round(value * 100, 4):g}"


@dataclass(frozen=True)
class Yardstick:
    """A published table of estimative terms, in increasing order of probability."""

    key: str  # how a ledger or source names it: "icd203", "phia"
    name: str  # how output names it: "ICD 203"
    citation: str
    terms: tuple[Term, ...]

    def term(self, phrase: str) -> Term | None:
        """The row `phrase` stands for (its own words or a listed synonym; case and spacing
        ignored, the exact phrase), or None."""
        return self._by_phrase.get(" ".join(phrase.lower().split()))

    def own_word(self, phrase: str) -> bool:
        """Whether `phrase` is one of the yardstick's own words (not only a synonym)."""
        wanted = " ".join(phrase.lower().split())
        return any(wanted in t.phrases for t in self.terms)

    def find(self, text: str) -> list[tuple[int, int, Term]]:
        """Every term in `text`, longest phrase first, as non-overlapping (start, end, term)
        in text order ("highly unlikely" is one term, not also "unlikely")."""
        return [
            (m.start(), m.end(), self._by_phrase[_key(m.group(0))])
            for m in self._pattern.finditer(text)
        ]

    def terms_for(self, p: float) -> tuple[Term, ...]:
        """The row `p` falls in, or in a gap of the table the two rows either side of it."""
        inside = [t for t in self.terms if t.contains(p)]
        if inside:
            # Where two ICD 203 rows touch, the boundary goes to the upper one: 55% is
            # "likely", 20% "unlikely".
            return (inside[-1],)
        below = [t for t in self.terms if t.high <= p]
        above = [t for t in self.terms if t.low > p]
        if not below:
            return (self.terms[0],)  # below the lowest row (ICD 203 starts at 1%)
        if not above:
            return (self.terms[-1],)  # above the highest row (ICD 203 ends at 99%)
        return (below[-1], above[0])

    def describe(self, p: float) -> str:
        """Words for a probability: "likely (55-80%)"; in a gap of the table, both neighbours:
        "between unlikely (25-35%) and realistic possibility (40-50%)"."""
        found = self.terms_for(p)
        if len(found) == 1:
            return found[0].label
        return f"between {found[0].label} and {found[1].label}"

    @cached_property
    def _by_phrase(self) -> dict[str, Term]:
        return {phrase: t for t in self.terms for phrase in (*t.phrases, *t.synonyms)}

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        phrases = sorted(self._by_phrase, key=len, reverse=True)
        alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases)
        return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _key(words: str) -> str:
    return " ".join(words.lower().split())


ICD_203 = Yardstick(
    key="icd203",
    name="ICD 203",
    citation=(
        "US Office of the Director of National Intelligence, Intelligence Community Directive "
        "203, Analytic Standards (2 January 2015), section D.6.e(2)(a): seven degrees of "
        "likelihood, each with two sets of terms that analysts should not mix. "
        "https://www.dni.gov/files/documents/ICD/ICD-203.pdf"
    ),
    terms=(
        Term("almost no chance", 0.01, 0.05, ("almost no chance", "remote"),
             ("remote chance", "remote possibility", "remotely possible", "negligible chance")),
        Term("very unlikely", 0.05, 0.20, ("very unlikely", "highly improbable"),
             ("highly unlikely", "very improbable", "low chance", "low probability")),
        Term("unlikely", 0.20, 0.45, ("unlikely", "improbable", "improbably"),
             ("doubtful", "not likely")),
        Term("roughly even chance", 0.45, 0.55, ("roughly even chance", "roughly even odds"),
             ("even chance", "even odds", "toss-up", "fifty-fifty", "realistic possibility")),
        Term("likely", 0.55, 0.80, ("likely", "probable", "probably"), ("more likely than not",)),
        Term("very likely", 0.80, 0.95, ("very likely", "highly probable"),
             ("highly likely", "very probably", "high probability")),
        Term("almost certain", 0.95, 0.99, ("almost certain", "almost certainly", "nearly certain"),
             ("nearly certainly", "virtually certain", "virtually certainly")),
    ),
)  # fmt: skip

PHIA = Yardstick(
    key="phia",
    name="PHIA",
    citation=(
        "UK Professional Head of Intelligence Assessment (PHIA), the Probability Yardstick used "
        "across the UK government intelligence community (Cabinet Office; printed as an annex "
        "to Defence Intelligence and other UK assessments). It leaves deliberate gaps between "
        "its ranges, so that a judgement cannot sit on a boundary."
    ),
    terms=(
        Term("remote chance", 0.0, 0.05, ("remote chance",),
             ("almost no chance", "remote", "remote possibility", "negligible chance"),
             open_low=True),
        Term("highly unlikely", 0.10, 0.20, ("highly unlikely",),
             ("very unlikely", "highly improbable", "low chance", "low probability")),
        Term("unlikely", 0.25, 0.35, ("unlikely",), ("improbable", "improbably", "doubtful",
                                                     "not likely")),
        Term("realistic possibility", 0.40, 0.50, ("realistic possibility",),
             ("roughly even chance", "roughly even odds", "even chance", "toss-up",
              "fifty-fifty")),
        Term("likely", 0.55, 0.75, ("likely", "probable", "probably"), ("more likely than not",)),
        Term("highly likely", 0.80, 0.90, ("highly likely",),
             ("very likely", "highly probable", "very probably", "high probability")),
        Term("almost certain", 0.95, 1.0, ("almost certain", "almost certainly"),
             ("nearly certain", "nearly certainly", "virtually certain", "virtually certainly"),
             open_high=True),
    ),
)  # fmt: skip

#: Every yardstick tracker ships, by the key a ledger or source names it with.
YARDSTICKS: dict[str, Yardstick] = {y.key: y for y in (ICD_203, PHIA)}
#: The yardstick in force when neither the ledger nor the source chose one.
DEFAULT_YARDSTICK = ICD_203.key


def get_yardstick(name: str | None) -> Yardstick:
    """The yardstick named `name` ("icd203", "ICD 203", "phia"; None: the default).

    Raises InputError naming the known ones when there is no such yardstick."""
    if name is None:
        return YARDSTICKS[DEFAULT_YARDSTICK]
    key = re.sub(r"[\s_-]+", "", name.lower())
    if key in YARDSTICKS:
        return YARDSTICKS[key]
    raise InputError(f"No yardstick {name!r}: choose {' or '.join(YARDSTICKS)}.")
