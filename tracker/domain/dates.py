"""Reading deadlines and forecast times as analysts write them; today and now are parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

from tracker.domain.fields import utc_moment
from tracker.errors import InputError

#: A forecast given only as a date is taken to have been made at this time (UTC).
MOMENT_TIME = time(12, 0, tzinfo=UTC)

_MONTH_NAMES: tuple[str, ...] = tuple(names[-1] for names in dateparser.parserinfo.MONTHS)
_MONTHS = dateparser.parserinfo()
# Two defaults that differ in every field: a field that comes out equal was in the text.
# Both years are leap years so that "29 February" without a year still parses.
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0, 0)
_DEFAULT_B = datetime(2004, 3, 2, 1, 1, 1, 1)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_YEAR_FIRST = re.compile(r"^(\d{4})([/.])(\d{1,2})\2(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d+)$")
_ONLY_DIGITS = re.compile(r"^[\d\s/.\-]+$")
_RELATIVE_SHORT = re.compile(r"^\+\s*(\d+)\s*([dwmy])$")
_RELATIVE_WORDS = re.compile(r"^in\s+(\d+|an?)\s+(day|week|month|year)s?$")
_END_OF_PERIOD = re.compile(r"^end of (?:the |this )?(month|quarter|year)$")
_END_OF_QUARTER = re.compile(r"^end of q([1-4])(?:\s+(\d{4}))?$")
_END_OF_YEAR = re.compile(r"^end of (\d{4})$")
_END_OF_MONTH = re.compile(r"^end of ([a-z]+)\.?(?:\s+(\d{4}))?$")
_TIME_GIVEN = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[t ]\d")
_UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}
_DAY_NAMES = {"today": 0, "tomorrow": 1, "yesterday": -1}
_NEXT_OCCURRENCE_YEARS = 9  # 29 February recurs within eight years (e.g. 2096 -> 2104)


@dataclass(frozen=True)
class ParsedDate:
    """A calendar date with what was typed and how it was read."""

    value: date
    text: str
    explanation: str


_DATE_FORMS = "2022-03-31, 31 March 2022, +3m, in 6 weeks or end of Q1 2022"
_MOMENT_FORMS = "now, 2021-12-01T14:30, 2021-12-01 14:30+04:00 or a date (taken as 12:00 UTC)"


def _generic_error(text: str) -> InputError:
    if not text:
        return InputError(f"No date given: use {_DATE_FORMS}.")
    return InputError(f"Cannot read '{text}' as a date: use {_DATE_FORMS}.")


def _impossible(text: str) -> InputError:
    return InputError(f"'{text}' is not a real date: check the day and the month.")


def _short_year(text: str) -> InputError:
    return InputError(
        f"'{text}' has a two-digit year: write the year in full, e.g. 2022-03-31 or 31 March 2022."
    )


def _no_day(text: str, month: int | None, year: int | None) -> InputError:
    period = " ".join(
        part
        for part in (_MONTH_NAMES[month - 1] if month else None, str(year) if year else None)
        if part
    )
    return InputError(f"'{text}' has no day: write 'end of {period}' or a full date.")


def _long_form(day: date, *, day_first: bool) -> str:
    month = _MONTH_NAMES[day.month - 1]
    return f"{day.day} {month} {day.year}" if day_first else f"{month} {day.day}, {day.year}"


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _impossible(text) from None


def _end_of_month(year: int, month: int) -> date:
    # relativedelta clips day=31 to the last day of the month.
    last: date = date(year, month, 1) + relativedelta(day=31)
    return last


def _next_month_end(month: int, today: date, *, past: bool = False) -> date:
    end = _end_of_month(today.year, month)
    if past:
        return end if end <= today else _end_of_month(today.year - 1, month)
    return end if end >= today else _end_of_month(today.year + 1, month)


def _next_occurrence(month: int, day: int, today: date, text: str, *, past: bool = False) -> date:
    step = -1 if past else 1
    for offset in range(_NEXT_OCCURRENCE_YEARS):
        try:
            candidate = date(today.year + step * offset, month, day)
        except ValueError:
            continue  # 29 February in a common year
        if (candidate <= today) if past else (candidate >= today):
            return candidate
    raise _impossible(text)


def _direction(today: date, past: bool) -> str:
    return (
        f"last one on or before {today.isoformat()}"
        if past
        else (f"next one on or after {today.isoformat()}")
    )


def _read_numeric(text: str, phrase: str) -> date | None:
    """Read all-digit dates (ISO, year first, day and month in either order); None if not one."""
    if match := _ISO.match(phrase):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _YEAR_FIRST.match(phrase):
        return _make_date(int(match[1]), int(match[3]), int(match[4]), text)
    if match := _NUMERIC.match(phrase):
        first, second, year_text = int(match[1]), int(match[3]), match[4]
        if len(year_text) != 4:
            raise _short_year(text)
        year = int(year_text)
        if first <= 12 and second <= 12 and first != second:
            day_month = _make_date(year, second, first, text)
            month_day = _make_date(year, first, second, text)
            raise InputError(
                f"'{text}' is ambiguous: {_long_form(day_month, day_first=True)} or "
                f"{_long_form(month_day, day_first=False)}. "
                f"Write {day_month.isoformat()} or {month_day.isoformat()}."
            )
        if second > 12:
            return _make_date(year, first, second, text)
        return _make_date(year, second, first, text)
    if re.fullmatch(r"\d{4}", phrase):
        raise _no_day(text, None, int(phrase))
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", phrase):
        month = int(match[2])
        if 1 <= month <= 12:
            raise _no_day(text, month, int(match[1]))
    return None


def _read_relative(phrase: str, today: date) -> tuple[date, str] | None:
    if match := _RELATIVE_SHORT.match(phrase):
        count, unit = int(match[1]), _UNITS[match[2]]
    elif match := _RELATIVE_WORDS.match(phrase):
        count = 1 if match[1] in ("a", "an") else int(match[1])
        unit = match[2]
    else:
        return None
    step = relativedelta(**{f"{unit}s": count})
    value: date = today + step
    plural = "" if count == 1 else "s"
    return value, f"{count} {unit}{plural} after {today.isoformat()}"


def _read_end_of(text: str, phrase: str, today: date, past: bool) -> tuple[date, str | None] | None:
    if match := _END_OF_PERIOD.match(phrase):
        period = match[1]
        if period == "month":
            return _end_of_month(today.year, today.month), None
        if period == "year":
            return date(today.year, 12, 31), None
        quarter_end_month = 3 * ((today.month - 1) // 3 + 1)
        return _end_of_month(today.year, quarter_end_month), None
    if match := _END_OF_QUARTER.match(phrase):
        month = 3 * int(match[1])
        if match[2]:
            return _end_of_month(int(match[2]), month), None
        return _next_month_end(month, today, past=past), _direction(today, past)
    if match := _END_OF_YEAR.match(phrase):
        return date(int(match[1]), 12, 31), None
    if (match := _END_OF_MONTH.match(phrase)) and (month := _MONTHS.month(match[1])):
        if match[2]:
            return _end_of_month(int(match[2]), month), None
        return _next_month_end(month, today, past=past), _direction(today, past)
    if phrase.startswith("end of"):
        raise InputError(
            f"Cannot read '{text}': write end of Q1 2022, end of March 2022, end of 2022, "
            "end of month or end of year."
        )
    return None


def _read_words(text: str, phrase: str, today: date, past: bool) -> tuple[date, str | None] | None:
    """Read dates with month names through dateutil, refusing what it would have to guess."""
    try:
        first = dateparser.parse(phrase, default=_DEFAULT_A)
        second = dateparser.parse(phrase, default=_DEFAULT_B)
    except dateparser.ParserError as error:
        if "out of range" in str(error) or "must be in" in str(error):
            raise _impossible(text) from None
        return None
    except (ValueError, OverflowError):
        return None
    if first.tzinfo is not None or any(
        getattr(first, field) == getattr(second, field)
        for field in ("hour", "minute", "second", "microsecond")
    ):
        return None  # a time of day has no place in a date
    has_year = first.year == second.year
    has_month = first.month == second.month
    has_day = first.day == second.day
    if has_year and not re.search(rf"\b{first.year}\b", phrase):
        raise _short_year(text)
    if not has_day:
        if has_month or has_year:
            raise _no_day(
                text, first.month if has_month else None, first.year if has_year else None
            )
        return None
    if not has_month:
        return None
    if has_year:
        return date(first.year, first.month, first.day), None
    value = _next_occurrence(first.month, first.day, today, text, past=past)
    return value, _direction(today, past)


def _read_date(text: str, today: date, past: bool) -> ParsedDate | None:
    """Read `text` as a date; None when it is not a form of date at all."""
    try:
        return _read_date_unchecked(text.strip(), today, past)
    except (ValueError, OverflowError):
        # Only date arithmetic can get here, e.g. "+9000y" or a next occurrence after 9999.
        raise InputError(
            f"'{text.strip()}' falls outside the calendar (years 1 to 9999): give a nearer date."
        ) from None


def _read_date_unchecked(stripped: str, today: date, past: bool) -> ParsedDate | None:
    phrase = " ".join(stripped.lower().split())
    phrase = re.sub(r"^by\s+", "", phrase)
    phrase = re.sub(r"^the\s+end of\b", "end of", phrase)
    if not phrase:
        return None

    value: date
    note: str | None = None
    if phrase in _DAY_NAMES:
        value = today + relativedelta(days=_DAY_NAMES[phrase])
    elif _ONLY_DIGITS.match(phrase):
        numeric = _read_numeric(stripped, phrase)
        if numeric is None:
            return None
        if phrase == numeric.isoformat():
            return ParsedDate(value=numeric, text=stripped, explanation=numeric.isoformat())
        value = numeric
    elif relative := _read_relative(phrase, today):
        value, note = relative
    elif (end := _read_end_of(stripped, phrase, today, past)) or (
        end := _read_words(stripped, phrase, today, past)
    ):
        value, note = end
    else:
        return None
    explanation = f'"{stripped}" -> {value.isoformat()}'
    if note:
        explanation += f" ({note})"
    return ParsedDate(value=value, text=stripped, explanation=explanation)


def parse_date(text: str, *, today: date, past: bool = False) -> ParsedDate:
    """Read a calendar date, relative to `today` where the text is relative.

    Accepts ISO `2022-03-31`; `today`, `tomorrow`, `yesterday`; `31 March 2022`,
    `March 31, 2022`; `15 December` (the next one on or after today); `+3m`, `+2w`, `+10d`,
    `+1y`, `in 6 weeks`; `end of Q1 2022`, `end of Q4`, `end of March 2022`, `end of March`,
    `end of 2022`, `end of month`, `end of year`; an optional leading `by`; and
    `13/04/2022`-style dates when the day and month cannot be confused. Case and extra spaces
    are ignored. Raises InputError for day/month-ambiguous dates (naming both readings),
    two-digit years, a month or year without a day, impossible dates, and anything else.

    `past`: the date is when something already happened (an outcome, a forecast, an opening),
    so a date without a year is the last one on or before today instead of the next one.
    """
    parsed = _read_date(text, today, past)
    if parsed is None:
        raise _generic_error(text.strip())
    return parsed


def in_utc(moment: datetime, text: str) -> datetime:
    """`moment` in UTC (a naive one is taken to be UTC already). Raises InputError, naming
    `text`, when its offset is not a real one or it lies outside the calendar in UTC (e.g.
    0001-01-01T00:00+14:00 is still in the year 0 in UTC): `fields.utc_moment`."""
    return utc_moment(moment, f"time '{text}'")


def parse_moment(text: str, *, now: datetime) -> datetime:
    """Read when something happened and return it as a timezone-aware UTC datetime.

    Accepts `now`; ISO datetimes with or without an offset (`2021-12-01T14:30`,
    `2021-12-01 14:30+04:00`; without an offset the time is UTC); and anything `parse_date`
    accepts, taken as 12:00 UTC on that date, or `now` if that is still to come today (relative
    dates count from `now`'s UTC date, and a date without a year is the last one on or before
    it). A naive `now` is taken to be UTC. Raises InputError for anything else.
    """
    stripped = text.strip()
    phrase = stripped.lower()
    current = in_utc(now, now.isoformat())
    if phrase == "now":
        return current
    if _TIME_GIVEN.match(phrase):
        try:
            moment: datetime = dateparser.isoparse(stripped)
        except (ValueError, OverflowError):
            raise InputError(
                f"'{stripped}' is not a valid time: write e.g. 2021-12-01T14:30 "
                "or 2021-12-01 14:30+04:00."
            ) from None
        return in_utc(moment, stripped)
    parsed = _read_date(stripped, current.date(), True)
    if parsed is None:
        if not stripped:
            raise InputError(f"No time given: use {_MOMENT_FORMS}.")
        raise InputError(f"Cannot read '{stripped}' as a time: use {_MOMENT_FORMS}.")
    moment = datetime.combine(parsed.value, MOMENT_TIME)
    # "today" before noon UTC means now, not a moment still to come.
    return current if parsed.value == current.date() and moment > current else moment


@dataclass(frozen=True)
class Duration:
    """A span of calendar time as analysts write it: `14d`, `2w`, `3m`, `1y`."""

    count: int
    unit: str  # day, week, month or year

    @property
    def text(self) -> str:
        """The span in words: `14 days`, `1 month`."""
        return f"{self.count} {self.unit}{'' if self.count == 1 else 's'}"

    def after(self, day: date) -> date:
        """The day this span after `day` (a month after 31 January is 28 or 29 February)."""
        later: date = day + relativedelta(**{f"{self.unit}s": self.count})
        return later

    def before(self, moment: datetime) -> datetime:
        """The moment this span before `moment`."""
        earlier: datetime = moment - relativedelta(**{f"{self.unit}s": self.count})
        return earlier


_DURATION_FORMS = "14d, 2w, 3m, 1y, '14 days' or a number of days"
_DURATION_WORDS = re.compile(r"^(\d+)\s*(day|week|month|year)s?$")


#: The longest span of each unit: a century, which no look-ahead or age needs more than.
_LONGEST = {"day": 36_500, "week": 5_214, "month": 1_200, "year": 100}


def read_duration(text: str, *, what: str = "a span of time") -> Duration | None:
    """`parse_duration`, but None when `text` is no form of a span at all (so that the caller
    may read it another way, e.g. as a date). Raises InputError for a span beyond a century."""
    phrase = " ".join(text.strip().lower().split()).removeprefix("+").strip()
    count: int | None = None
    unit = "day"
    if phrase.isdigit():
        count = int(phrase)
    elif match := _RELATIVE_SHORT.match("+" + phrase.replace(" ", "")):
        count, unit = int(match[1]), _UNITS[match[2]]
    elif match := _DURATION_WORDS.match(phrase):
        count, unit = int(match[1]), match[2]
    if count is None:
        return None
    if count > _LONGEST[unit]:
        shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "..."
        raise InputError(f"{what} '{shown}' is longer than a century: give a shorter span.")
    return Duration(count=count, unit=unit)


def parse_duration(text: str, *, what: str = "a span of time") -> Duration:
    """Read a span of time the way a relative deadline (`+3m`) is written, without its `+`:
    `14d`, `2w`, `3m`, `1y` (with or without the `+`), `14 days`, `2 weeks`, or a bare number
    of days. Raises InputError naming `what` for anything else, and for a span beyond a
    century (36,500 days, 100 years), which no look-ahead or age needs.
    """
    found = read_duration(text, what=what)
    if found is None:
        shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "..."
        raise InputError(f"Cannot read '{shown}' as {what}: use {_DURATION_FORMS}.")
    return found
