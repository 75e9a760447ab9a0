"""Checks on resolution criteria: the dates they name against the question's deadline.

Only explicit calendar dates are read: `2025-04-30`, `30 April 2025` (also `30th of April,
2025`, `30 Apr 2025`) and `April 30, 2025` (also `April 30th 2025`). A month without a day
("by April 2025"), a day without a year ("by 30 April") and relative phrases are left alone:
they could be read more than one way, and a warning must not cry wolf.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_DAY_FIRST = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\s*,?\s+{_YEAR}\b", re.IGNORECASE)
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+{_DAY}\s*,?\s+{_YEAR}\b", re.IGNORECASE)


def _day(year: str, month: int, day: str) -> date | None:
    try:
        return date(int(year), month, int(day))
    except ValueError:  # 31 April: not a date, so not a disagreement either
        return None


def dates_named(text: str) -> list[date]:
    """The explicit calendar dates in `text`, in the order they appear, each once."""
    found: list[tuple[int, date | None]] = []
    for match in _ISO.finditer(text):
        found.append((match.start(), _day(match[1], int(match[2]), match[3])))
    for match in _DAY_FIRST.finditer(text):
        found.append((match.start(), _day(match[3], _MONTHS[match[2].lower()], match[1])))
    for match in _MONTH_FIRST.finditer(text):
        found.append((match.start(), _day(match[3], _MONTHS[match[1].lower()], match[2])))
    result: list[date] = []
    for _, day in sorted(found, key=lambda pair: pair[0]):
        if day is not None and day not in result:
            result.append(day)
    return result


def long_date(day: date) -> str:
    """`30 April 2025`: how dates are written in criteria and warnings."""
    return f"{day.day} {day:%B} {day.year}"


def deadline_disagreement(criteria: str, deadline: date) -> str | None:
    """A warning when the criteria name dates and none of them is the deadline, else None.

    Criteria may name other dates beside the deadline (an event that sets the question off, a
    report to be published); only when none of the dates they name is the deadline do the two
    probably disagree, e.g. after the deadline was edited and the criteria were not.
    """
    named = dates_named(criteria)
    if not named or deadline in named:
        return None
    listed = " and ".join(long_date(d) for d in named[:3]) + (" ..." if len(named) > 3 else "")
    return (
        f"the criteria name {listed}, but the deadline is {long_date(deadline)} "
        f"({deadline.isoformat()}): check that they agree."
    )
