"""Time expressions in a report's sentence, resolved against its publication date.

Every expression names a period (a day, a month, a quarter, a season, a year, the next six
months ...); the deadline it suggests is the LAST day of that period ("by the end of 2024",
"in Q4 2024" and "in 2024" all give 31 December 2024), or the day before it starts after
"before" ("before 1 July 2025" gives 30 June 2025). A period without a year is the next one
that ends on or after publication. Horizons such as "the coming weeks" are marked vague and
read as a default length. An event without a date ("the next meeting") asks for one. Calendar
arithmetic is dateutil's (relativedelta), never days counted by hand. The table is
docs/extraction.md's "Suggested deadline".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import SU, relativedelta

from tracker.domain.expectations import SuggestedDeadline

# --- words ---------------------------------------------------------------------------------------

_MONTHS_IN_FULL = (
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
)
_MONTH_NUMBERS = {
    **{name: number for number, name in enumerate(_MONTHS_IN_FULL, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTHS_IN_FULL, start=1)},
    "sept": 9,
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "eighteen": 18, "twenty": 20, "thirty": 30, "a couple of": 2, "twenty-four": 24,
    "thirty-six": 36, "forty-five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUMBER = r"(?:\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "final": 4, "last": 4}  # fmt: skip
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # starting month
#: Where "early", "mid" and "late" end, within a month (day) and within a year (month).
_PART_OF_MONTH = {"early": 10, "mid": 20}
_PART_OF_YEAR = {"early": 4, "mid": 6}
#: Prepositions that may lead a time expression; "before" moves the deadline to the day before.
_LEAD = (
    r"(?:(?P<lead>by|on|in|during|until|till|through|throughout|before|ahead of|no later than|"
    r"not later than|at|for|over|from|after|since|within|towards|toward|around|beyond|past)\s+)?"
    r"(?:(?:the|this|its)\s+)?"
)
#: Vague horizons: (pattern, months, label), read as a default length from publication.
HORIZONS: tuple[tuple[str, int, str], ...] = (
    (r"(?:in |over )?the (?:coming |next (?:few )?)days|in the days ahead|imminent(?:ly)?|"
     r"within days", 1, "days"),
    (r"(?:in |over |during )?the (?:coming|next few) weeks|in the weeks ahead|within weeks|"
     r"(?:in |within )a few weeks", 2, "weeks"),
    (r"(?:to come |very )?(?<!as )soon|shortly|before long|"
     r"(?:in|over) the (?:near|short)[- ]term", 3, "soon"),
    (r"(?:in |over |during )?the (?:coming|next few|next several) months|"
     r"in the months ahead|within months|(?:in |within )(?:a few|several) months|"
     r"coming months", 6, "months"),
    (r"(?:in|over) the medium[- ]term", 24, "medium term"),
    (r"(?:in|over) the long[- ]term|(?:over (?:a )?)?long and drawn-out(?: timeframe| period)?|"
     r"over (?:a )?(?:long|extended) (?:period|timeframe)|"
     r"(?:in |over )?the (?:coming|next few) years|in the years ahead|(?:in|over) the long run",
     24, "long term"),
)  # fmt: skip
#: An event the report names without a date: the deadline is to be asked for.
_EVENTS = (
    r"meeting|summit|round|session|talks|visit|election|elections|vote|conference|"
    r"review|hearing|council|congress|plenary|negotiations"
)
#: A day of the month that fell this many days before publication is a past reference.
RECENT_PAST_DAYS = 60


@dataclass(frozen=True)
class TimeExpression:
    """A time expression of a sentence and the deadline it suggests."""

    start: int
    end: int
    phrase: str
    day: date | None  # the last day it allows; None: an event without a date (ask)
    vague: bool = False  # a horizon read as a default length
    past: bool = False  # it lies before publication (a reference to the past)
    note: str = ""

    @property
    def deadline(self) -> SuggestedDeadline:
        """As a suggested deadline."""
        return SuggestedDeadline(self.day, self.phrase, self.vague, note=self.note)


# --- periods ------------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    end: date = date(year, month, 1) + relativedelta(day=31)
    return end


def _quarter(year: int, quarter: int) -> tuple[date, date]:
    return date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)


def _half(year: int, half: int) -> tuple[date, date]:
    return date(year, 6 * half - 5, 1), _month_end(year, 6 * half)


def _season(year: int, first_month: int) -> tuple[date, date]:
    start = date(year, first_month, 1)
    end: date = start + relativedelta(months=3, days=-1)
    return start, end


def _next_ending(published: date, period: Callable[[int], tuple[date, date]]) -> tuple[date, date]:
    """The first of `period(year)` for P's year - 1, P's year, ... that ends on or after P."""
    for year in range(published.year - 1, published.year + 2):
        start, end = period(year)
        if end >= published:
            return start, end
    return period(published.year + 1)  # pragma: no cover - some year always ends after P


def _year_of(word: str | None, published: date) -> int | None:
    """A year written as digits, "this year", "next year" or "the year"; None if not given."""
    if not word:
        return None
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word)
    if word.endswith("next year"):
        return published.year + 1
    if word.endswith(("this year", "the year", "the current year")):
        return published.year
    return None


def _count(word: str) -> int:
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else _NUMBERS[word]


# --- the rules ----------------------------------------------------------------------------------

Period = tuple[date, date]
Resolver = Callable[[re.Match[str], date], Period | None]


def _day_month(match: re.Match[str], published: date) -> Period | None:
    day = int(match["d1"] or match["d2"])
    month_word = match["m1"] or match["m2"]
    month = _MONTH_NUMBERS[month_word.lower().rstrip(".")]
    year_text = match["y1"] or match["y2"]
    try:
        if year_text:
            found = date(int(year_text), month, day)
        else:
            found = date(published.year, month, day)
            if found < published:
                found = found + relativedelta(years=1)
    except ValueError:
        return None
    return found, found


def _iso(match: re.Match[str], published: date) -> Period | None:
    try:
        found = date.fromisoformat(match.group("iso"))
    except ValueError:
        return None
    return found, found


def _part_of_month(match: re.Match[str], published: date) -> Period | None:
    part = match["part"].lower()
    part = {"beginning": "early", "start": "early", "middle": "mid", "end": "late"}.get(part, part)
    month = _MONTH_NUMBERS[match["month"].lower().rstrip(".")]
    year = _year_of(match["year"], published)

    def period(y: int) -> Period:
        end = _month_end(y, month)
        if part in _PART_OF_MONTH:
            end = date(y, month, _PART_OF_MONTH[part])
        return date(y, month, 1), end

    return period(year) if year else _next_ending(published, period)


def _month(match: re.Match[str], published: date) -> Period | None:
    month = _MONTH_NUMBERS[match["month"].lower().rstrip(".")]
    year = _year_of(match["year"], published)

    def period(y: int) -> Period:
        return date(y, month, 1), _month_end(y, month)

    return period(year) if year else _next_ending(published, period)


def _month_range(match: re.Match[str], published: date) -> Period | None:
    """ "October-December 2024", "March-May 2025": from the first month to the end of the last
    (the year belongs to the last month)."""
    first = _MONTH_NUMBERS[match["from"].lower().rstrip(".")]
    last = _MONTH_NUMBERS[match["month"].lower().rstrip(".")]
    year = _year_of(match["year"], published)

    def period(y: int) -> Period:
        start_year = y if first <= last else y - 1
        return date(start_year, first, 1), _month_end(y, last)

    return period(year) if year else _next_ending(published, period)


def _quarter_rule(match: re.Match[str], published: date) -> Period | None:
    number = match["q1"] or match["q2"] or match["q3"]
    quarter = int(number) if number.isdigit() else _ORDINALS[number.lower()]
    year_text = match["year"] or match["qy"] or match["qy2"]
    if year_text and len(year_text) == 2:
        year_text = "20" + year_text
    year = _year_of(year_text, published)
    if year:
        return _quarter(year, quarter)
    return _next_ending(published, lambda y: _quarter(y, quarter))


def _this_next_quarter(match: re.Match[str], published: date) -> Period | None:
    current = (published.month - 1) // 3 + 1
    start, _ = _quarter(published.year, current)
    if match["which"].lower() in ("next", "following", "coming"):
        start = start + relativedelta(months=3)
    end: date = start + relativedelta(months=3, days=-1)
    return start, end


def _half_rule(match: re.Match[str], published: date) -> Period | None:
    number = match["h1"] or match["h2"]
    half = int(number) if number.isdigit() else _ORDINALS[number.lower()]
    year_text = match["year"] or match["hy"]
    if year_text and len(year_text) == 2:
        year_text = "20" + year_text
    year = _year_of(year_text, published)
    if year:
        return _half(year, half)
    return _next_ending(published, lambda y: _half(y, half))


def _season_rule(match: re.Match[str], published: date) -> Period | None:
    first = _SEASONS[match["season"].lower()]
    part = (match["part"] or "").lower()
    which = (match["which"] or "").lower()
    year = _year_of(match["year"], published)

    def period(y: int) -> Period:
        start, end = _season(y, first)
        if part == "early":
            end = start + relativedelta(months=1, days=-1)
        elif part == "mid":
            end = start + relativedelta(months=2, days=-1)
        return start, end

    if year:
        return period(year)
    if which == "next":
        this_start, this_end = _next_ending(published, period)
        # "next summer" in summer is the one after; before it, the coming one.
        if this_start <= published:
            return period(this_start.year + 1)
        return this_start, this_end
    return _next_ending(published, period)


def _part_of_year(match: re.Match[str], published: date) -> Period | None:
    part = match["part"].lower()
    part = {"beginning": "early", "start": "early", "middle": "mid", "end": "late"}.get(part, part)
    year = _year_of(match["year"], published)
    if year is None:
        return None
    end = _month_end(year, _PART_OF_YEAR[part]) if part in _PART_OF_YEAR else date(year, 12, 31)
    return date(year, 1, 1), end


def _mid_year(match: re.Match[str], published: date) -> Period | None:
    return _next_ending(published, lambda y: (date(y, 1, 1), date(y, 6, 30)))


def _year(match: re.Match[str], published: date) -> Period | None:
    year = _year_of(match["year"], published)
    if year is None:
        return None
    return date(year, 1, 1), date(year, 12, 31)


def _this_next_month(match: re.Match[str], published: date) -> Period | None:
    months = 1 if match["which"].lower() in ("next", "following", "coming") else 0
    start: date = date(published.year, published.month, 1) + relativedelta(months=months)
    return start, _month_end(start.year, start.month)


def _this_next_week(match: re.Match[str], published: date) -> Period | None:
    weeks = 1 if match["which"].lower() in ("next", "following", "coming") else 0
    end: date = published + relativedelta(weeks=weeks, weekday=SU)
    return end - timedelta(days=6), end


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){_LEAD}(?:{pattern})(?![\w-])", re.IGNORECASE)


_YEAR = r"(?P<year>(?:19|20)\d\d|(?:this|next|the current) year|the year)"
_OPT_YEAR = rf"(?:,?\s+(?:of\s+)?{_YEAR})?"
_PART = r"(?P<part>early|mid|late|beginning|start|middle|end)"
_UNIT = r"days?|weeks?|months?|years?"


def _coming_or_next_year(match: re.Match[str], published: date) -> Period | None:
    words = " ".join(match.group(0).lower().split())
    if "coming" in words or "ahead" in words or re.search(r"\bthe next year", words):
        end: date = published + relativedelta(years=1)  # "the coming year": twelve months
        return published, end
    return date(published.year + 1, 1, 1), date(published.year + 1, 12, 31)


def _relative_count(match: re.Match[str], published: date) -> Period | None:
    count_word = match["count"] or match["count2"]
    unit = (match["unit"] or match["unit2"]).lower().rstrip("s")
    lead = (match["lead"] or "").lower()
    if match["count2"] and lead not in ("within", "in", "over", "during", "for"):
        return None  # "two weeks" alone is a length ("two weeks of talks"), not a time to come
    end: date = published + relativedelta(**{f"{unit}s": _count(count_word)})
    return published, end


def _this_or_next_month(match: re.Match[str], published: date) -> Period | None:
    if match["which"]:
        return _this_next_month(match, published)
    return date(published.year, published.month, 1), _month_end(published.year, published.month)


def _year_with_lead(match: re.Match[str], published: date) -> Period | None:
    if not (match["lead"] or match["end"]):
        return None  # "the 2025 budget" names a year, not a time by which
    return _year(match, published)


def _end_of_year(match: re.Match[str], published: date) -> Period | None:
    if match["part"]:
        return _part_of_year(match, published)
    year = int(match["year2"])
    return date(year, 1, 1), date(year, 12, 31)


#: The rules, most specific first: (pattern, resolver).
RULES: tuple[tuple[re.Pattern[str], Resolver], ...] = (
    (_compile(r"(?P<iso>\d{4}-\d\d-\d\d)"), _iso),
    (
        _compile(
            rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})(?:,?\s+(?P<y1>\d{{4}}))?"
            rf"|(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
        ),
        _day_month,
    ),
    (
        _compile(
            rf"(?P<from>{_MONTH})\s*[-\u2013/]\s*(?P<month>{_MONTH})(?:,?\s+(?P<year>\d{{4}}))?"
        ),
        _month_range,
    ),
    (
        _compile(rf"{_PART}(?:[- ]|\s+of\s+)(?P<month>{_MONTH})(?:,?\s+(?P<year>\d{{4}}))?"),
        _part_of_month,
    ),
    (
        _compile(
            r"(?:end[- ]of\s+(?:the\s+)?|end-)?(?:(?P<q1>[1-4])Q\s*(?P<qy>\d{4}|\d{2})?"
            r"|Q(?P<q2>[1-4])(?:\s*(?P<qy2>\d{4}))?"
            rf"|(?P<q3>first|second|third|fourth|1st|2nd|3rd|4th|final)\s+quarter{_OPT_YEAR})"
        ),
        _quarter_rule,
    ),
    (_compile(r"(?P<which>this|current|next|following|coming)\s+quarter"), _this_next_quarter),
    (
        _compile(
            r"(?:H(?P<h1>[12])\s*(?P<hy>\d{4}|\d{2})?"
            rf"|(?P<h2>first|second|1st|2nd)\s+half{_OPT_YEAR})"
        ),
        _half_rule,
    ),
    (
        _compile(
            r"(?:(?P<part>early|mid|late)[- ](?:of\s+(?:the\s+)?)?)?"
            r"(?:(?P<which>this|next|the)\s+)?"
            r"(?P<season>spring|summer|autumn|winter|(?<=the )fall|(?<=this )fall|"
            r"(?<=next )fall|fall(?=\s+(?:of\s+)?\d{4}))(?:\s+(?:of\s+)?(?P<year>\d{4}))?"
        ),
        _season_rule,
    ),
    (
        _compile(
            rf"{_PART}(?:[- ]|\s+of\s+(?:the\s+)?)(?P<year>(?:19|20)\d\d|next year|this year)"
            r"|(?P<part2>end)-(?P<year2>(?:19|20)\d\d)"
        ),
        _end_of_year,
    ),
    (_compile(r"mid-?year|middle of (?:the|this) year|half-year"), _mid_year),
    (
        _compile(
            rf"(?:end[- ]of\s+(?:the\s+)?|end-)?(?P<month>{_MONTH})(?:,?\s+(?P<year>\d{{4}}))?"
        ),
        _month,
    ),
    (
        _compile(
            r"year[- ]end|end[- ]of[- ](?:the[- ])?year|end of this year|"
            r"remainder of the year|rest of the year|later this year|this year|current year"
        ),
        lambda m, p: (date(p.year, 1, 1), date(p.year, 12, 31)),
    ),
    (
        _compile(
            rf"(?:next|coming|following)\s+(?P<count>{_NUMBER})\s+(?P<unit>{_UNIT})"
            rf"|(?P<count2>{_NUMBER})\s+(?P<unit2>{_UNIT})(?:'s?|\u2019s?)?(?:\s+time)?"
        ),
        _relative_count,
    ),
    (_compile(r"(?:end of )?(?:coming|next)\s+year|year ahead"), _coming_or_next_year),
    (
        _compile(r"(?P<which>this|next|following|coming)\s+month|end of (?:the|this) month"),
        _this_or_next_month,
    ),
    (_compile(r"(?P<which>this|next|following|coming)\s+week"), _this_next_week),
    (_compile(r"(?P<end>end[- ]of\s+)?(?P<year>(?:19|20)\d\d)"), _year_with_lead),
)


_HORIZONS = [
    (re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.IGNORECASE), months, label)
    for p, months, label in HORIZONS
]
_EVENT = re.compile(
    rf"\b(?:(?:at|by|before|until|after)\s+)?(?:the|its|their)\s+(?:next|upcoming|forthcoming)\s+"
    rf"(?:[\w-]+\s+){{0,2}}?(?:{_EVENTS})\b",
    re.IGNORECASE,
)
#: A day or month just gone is a past reference only in a sentence about the past.
_PAST_TENSE = re.compile(
    r"(?<!\bbe )\b(?:was|were|had|did|met|took|held|signed|agreed|announced|began|started|"
    r"has been|have been|rose|fell|since)\b",
    re.IGNORECASE,
)
_PART_WORD = re.compile(r"\b(?:end|mid|middle|early|late|beginning|start)\b", re.I)
_AFTER_PAST = re.compile(r"\b(?:earlier|last|previous|past)\s*$", re.IGNORECASE)
_BACKWARD_LEADS = ("since", "from", "after", "past")


def _accept_month(match: re.Match[str]) -> bool:
    """Month names are capitalised in reports: "may" and "march" lower case are not months."""
    for group in ("m1", "m2", "month", "from"):
        word = match.groupdict().get(group)
        if word is not None and not word[:1].isupper():
            return False
    return True


def find_times(text: str, *, published: date) -> list[TimeExpression]:
    """Every time expression of `text`, in order, with the deadline each suggests."""
    found: list[TimeExpression] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in taken)

    for pattern, resolve in RULES:
        for match in pattern.finditer(text):
            if not free(*match.span()) or not _accept_month(match):
                continue
            if (
                match.groupdict().get("season")
                and not (match["lead"] or match["which"] or match["year"] or match["part"])
                and re.match(r"\s+[a-z]", text[match.end() :])
            ):
                continue  # "the spring conscription campaign": a season naming a thing
            period = resolve(match, published)
            if period is None:
                continue
            start_day, end_day = period
            lead = (match["lead"] or "").lower()
            phrase = match.group(0).strip()
            day, notes = end_day, ""
            if lead in ("before", "ahead of") and not _PART_WORD.search(phrase):
                # "before 1 July" allows 30 June; "before the end of 2024" allows its end.
                day, notes = start_day - timedelta(days=1), "the day before"
            recent_past = _recently(match, published, end_day) and bool(_PAST_TENSE.search(text))
            past = (
                day < published
                or recent_past
                or lead in _BACKWARD_LEADS
                or bool(_AFTER_PAST.search(text[: match.start()]))
            )
            found.append(TimeExpression(match.start(), match.end(), phrase, day, past=past,
                                        note=notes))  # fmt: skip
            taken.append(match.span())
    for pattern, months, label in _HORIZONS:
        for match in pattern.finditer(text):
            if free(*match.span()):
                horizon: date = published + relativedelta(months=months)
                found.append(
                    TimeExpression(
                        match.start(), match.end(), match.group(0), horizon, vague=True,
                        note=f"{label}: read as {months} months",
                    )
                )  # fmt: skip
                taken.append(match.span())
    for match in _EVENT.finditer(text):
        if free(*match.span()):
            found.append(
                TimeExpression(
                    match.start(), match.end(), match.group(0), None, note="no date: ask"
                )
            )
            taken.append(match.span())
    return sorted(found, key=lambda t: t.start)


def _recently(match: re.Match[str], published: date, end_day: date) -> bool:
    """A day or month written without a year that fell in the RECENT_PAST_DAYS before
    publication ("since 1 November" in a report of 29 November) is a reference to the past,
    not next year's date."""
    groups = match.groupdict()
    if not (groups.get("m1") or groups.get("m2") or groups.get("month")):
        return False
    if any(groups.get(g) for g in ("y1", "y2", "year")):
        return False
    last_year: date = end_day - relativedelta(years=1)
    return 0 <= (published - last_year).days <= RECENT_PAST_DAYS


def suggest_deadline(text: str, *, published: date) -> SuggestedDeadline | None:
    """The deadline a sentence suggests: its first time expression still to come with a date
    (a day, month, quarter, season, year or a number of days, weeks, months or years), else
    its first vague horizon (marked vague), else an event without a date (day None: ask);
    None when it has no time expression at all (ask too)."""
    times = [t for t in find_times(text, published=published) if not t.past]
    for wanted in (
        lambda t: t.day is not None and not t.vague,
        lambda t: t.vague,
        lambda t: t.day is None,
    ):
        chosen = [t for t in times if wanted(t)]
        if chosen:
            return chosen[0].deadline
    return None
