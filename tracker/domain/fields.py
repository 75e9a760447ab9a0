"""The rules every field of the record obeys, whichever way it comes in (command line or import).

The interactive commands (tracker/services/ledger.py, sources.py) and the importers
(tracker/domain/interchange.py, foreign.py, tracker/services/interchange.py) all check their
input here, so that the two ways in cannot drift apart. docs/input.md and docs/data-format.md
state the same rules for people.

- **One-line text** (names of people and organisations, titles, options, tags, URLs, file
  names): no control character (tab and line breaks included), no invisible formatting
  character (zero-width characters, bidirectional overrides and isolates, the soft hyphen,
  Unicode category Cf), no line or paragraph separator and no unpaired surrogate. Surrounding
  spaces are trimmed and the text is stored in Unicode normal form NFC, so that one name typed
  on two systems is one name.
- **Free text** (criteria, rationale, evidence, notes, the typed input, the report's phrases):
  stored verbatim, with its tabs and line breaks. Refused: the other control characters (C0 and
  C1, e.g. escape), the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
  U+2066-U+2069), and unpaired surrogates.
- **A report's text, and quotes from it**: text from outside, kept as it came (shown safely:
  tracker/reports/escapes.py). Refused only what cannot be stored: the NUL character and
  unpaired surrogates.
- **Sizes**, in characters: see `LIMITS`.
- **Times**: offsets from -12:00 to +14:00; nothing recorded in the future (beyond the clock
  tolerance); nothing recorded before it happened.
- **Names of the team aggregates** (`team (median)`, `team (geo-odds)`, any `team (...)`) are
  reserved and never name a person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tracker.errors import InputError

# --- sizes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """How one kind of field is checked: one line or free text, and its size limit."""

    what: str  # how messages name it
    limit: int  # characters (Unicode code points)
    one_line: bool
    verbatim: bool = False  # text from outside (a report, a quote): only NUL is refused
    plural: bool = False  # "the notes contain"

    def verb(self, what: str | None, singular: str, plural: str) -> str:
        """The verb for messages about the field named `what` (default: this rule's name)."""
        return plural if self.plural and what in (None, self.what) else singular


NAME = Rule("name", 200, one_line=True)
TITLE = Rule("title", 1_000, one_line=True)
OPTION = Rule("option name", 200, one_line=True)
TAG = Rule("tag", 100, one_line=True)
URL = Rule("URL", 4_000, one_line=True)
FILE_NAME = Rule("file name", 1_000, one_line=True)
CONTENT_HASH = Rule("content hash", 200, one_line=True)
CRITERIA = Rule("resolution criteria", 20_000, one_line=False, plural=True)
RATIONALE = Rule("rationale", 20_000, one_line=False)
EVIDENCE = Rule("evidence", 20_000, one_line=False)
NOTES = Rule("notes", 20_000, one_line=False, plural=True)
QUOTE = Rule("quote", 20_000, one_line=False, verbatim=True)
PHRASE = Rule("phrase", 20_000, one_line=False)  # the report's words for a deadline or a hedge
INPUT = Rule("typed input", 20_000, one_line=False)
REPORT = Rule("report text", 10_000_000, one_line=False, verbatim=True)
REASON = Rule("reason", 1_000, one_line=True)  # why a forecast is retracted

#: Every rule, for docs and tests.
LIMITS: tuple[Rule, ...] = (
    NAME,
    TITLE,
    OPTION,
    TAG,
    URL,
    FILE_NAME,
    CRITERIA,
    RATIONALE,
    EVIDENCE,
    NOTES,
    QUOTE,
    PHRASE,
    INPUT,
    REPORT,
    REASON,
)

# --- characters -----------------------------------------------------------------------------------

_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_C0_C1_EXCEPT_BREAKS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Free text: control characters other than tab, line feed and carriage return; bidi embeddings,
# overrides and isolates; unpaired surrogates. One regular expression: an import checks millions
# of strings, and the scan runs in C.
_REFUSED_IN_TEXT = re.compile(f"[{_C0_C1_EXCEPT_BREAKS}{_BIDI_CONTROLS}\ud800-\udfff]")
# A report's text is kept as it came, escape sequences and bidi controls included (what is shown
# of it is made safe): refused only what no database stores (PostgreSQL text holds no NUL) and
# what UTF-8 cannot encode.
_REFUSED_IN_REPORT = re.compile("[\x00\ud800-\udfff]")
#: Unicode categories refused in one-line text: controls, format (invisible) characters,
#: line and paragraph separators, surrogates.
_REFUSED_IN_LINE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


_LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"


def _describe(char: str, *, one_line: bool) -> str:
    code = f"U+{ord(char):04X}"
    if one_line and char in _LINE_BREAKS:
        return f"a line break ({code})"
    category = unicodedata.category(char)
    if category == "Cc":
        return f"the control character {code}"
    if category == "Cs":
        return f"the unpaired surrogate {code}"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return f"the bidirectional control {code}"
    if char in "\u200b\u200c\u200d\u2060\ufeff\u180e":
        return f"the zero-width character {code}"
    return f"the invisible formatting character {code}"


def _refuse(rule: Rule, what: str | None, value: str, index: int) -> InputError:
    char = value[index]
    where = ""
    if not rule.one_line and "\n" in value:
        where = f" on line {value.count(chr(10), 0, index) + 1}"
    contains = rule.verb(what, "contains", "contain")
    described = _describe(char, one_line=rule.one_line)
    if rule.one_line and char in _LINE_BREAKS:
        return InputError(f"The {what or rule.what} {contains} {described}; write it on one line.")
    return InputError(
        f"The {what or rule.what} {contains} {described}{where}; remove it and try again."
    )


def _check_size(rule: Rule, what: str | None, value: str) -> None:
    if len(value) > rule.limit:
        raise InputError(
            f"The {what or rule.what} {rule.verb(what, 'is', 'are')} {len(value):,} characters "
            f"long; the limit is {rule.limit:,}."
        )


def check_line(value: str, rule: Rule, what: str | None = None) -> str:
    """Return one-line text `value` trimmed and in NFC, or raise InputError naming the field
    (`what`, else the rule's name), the character and where, or the size limit."""
    text = value.strip()
    if not text.isprintable():  # the fast path: almost every value is printable
        for index, char in enumerate(text):
            if not char.isprintable() and unicodedata.category(char) in _REFUSED_IN_LINE:
                raise _refuse(rule, what, text, index)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    _check_size(rule, what, text)
    return text


def check_text(value: str, rule: Rule, what: str | None = None) -> str:
    """Return free text `value` unchanged if it is allowed (see the module's docstring), or
    raise InputError naming the field, the character and its line, or the size limit."""
    _check_size(rule, what, value)
    pattern = _REFUSED_IN_REPORT if rule.verbatim else _REFUSED_IN_TEXT
    found = pattern.search(value)
    if found is not None:
        raise _refuse(rule, what, value, found.start())
    return value


def check(value: str, rule: Rule, what: str | None = None) -> str:
    """`check_line` or `check_text`, as the rule says."""
    return check_line(value, rule, what) if rule.one_line else check_text(value, rule, what)


def clean(value: str | None, rule: Rule, what: str | None = None) -> str | None:
    """Trimmed and checked text (`check`), or None when it is empty or missing."""
    text = (value or "").strip()
    return check(text, rule, what) if text else None


# --- names ----------------------------------------------------------------------------------------

#: The names the team aggregates are scored under (tracker/domain/scoring.py): `team (...)`.
_TEAM_FORM = re.compile(r"^team ?\(.*\)$", re.DOTALL)


def text_key(text: str) -> str:
    """The form in which two names count as the same: compatibility-normalised (NFKC),
    case-folded, with runs of white space made one space. `Trilateral`, `TRILATERAL` and
    `ｔｒｉｌａｔｅｒａｌ` have one key."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


def is_reserved_name(name: str) -> bool:
    """True for the names of the team aggregates, and any other `team (...)`, in any case."""
    if name.isascii() and "(" not in name:  # the common case, without normalising
        return False
    return _TEAM_FORM.match(text_key(name)) is not None


#: Where a command takes the name of who acts, for messages.
AS_HINT = " (--as NAME or TRACKER_USER)"


def check_name(name: str, what: str = "forecaster name", hint: str = AS_HINT) -> str:
    """A person's name (forecaster, creator, resolver, who added a source): one-line text, at
    most `NAME.limit` characters, and not a team aggregate's. Returns it trimmed, in NFC;
    raises InputError saying what to change (`hint`: where the name came from)."""
    text = check_line(name, NAME, what)
    if not text:
        raise InputError(f"The {what} is empty: give a name{hint}.")
    if is_reserved_name(text):
        raise InputError(
            f"The {what} {text!r} is reserved: team (...) names the team aggregates, never a "
            f"person. Choose another name{hint}."
        )
    return text


def normalise_tags(tags: Iterable[str], *, split: bool = True) -> tuple[str, ...]:
    """Tags as stored: lower-case one-line words, each once, in the order given. With `split`
    (the command line), commas separate several tags in one argument; without (an import), a
    tag holding a comma is refused, since the command line could not have made it."""
    result: list[str] = []
    for chunk in tags:
        if not split and "," in chunk:
            raise InputError(f"The tag {chunk.strip()!r} holds a comma; commas separate tags.")
        for part in chunk.split(",") if split else (chunk,):
            tag = unicodedata.normalize("NFC", check_line(part, TAG).lower())
            if tag and tag not in result:
                result.append(tag)
    return tuple(result)


# --- times ----------------------------------------------------------------------------------------

#: A time may run this far ahead of the clock (clock skew between machines).
CLOCK_TOLERANCE = timedelta(minutes=5)
#: The furthest time zone is UTC+14: a day is not "in the future" while it has begun anywhere.
EARLIEST_ZONE = timedelta(hours=14)
#: Real time-zone offsets run from UTC-12:00 (Baker Island) to UTC+14:00 (Line Islands).
LOWEST_OFFSET, HIGHEST_OFFSET = timedelta(hours=-12), timedelta(hours=14)


def latest_day(now: datetime) -> date:
    """The latest calendar day that has already begun somewhere on Earth at `now`."""
    try:
        return (now + EARLIEST_ZONE).date()
    except OverflowError:  # the last hours of the year 9999
        return date.max


def _offset_text(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def minute_text(moment: datetime) -> str:
    """A moment as shown to people: `YYYY-MM-DD HH:MM` in UTC (a naive one is UTC already),
    the year always four digits (strftime's `%Y` writes the year 1 as `1`)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="minutes")


def utc_moment(moment: datetime, what: str) -> datetime:
    """`moment` in UTC (a naive one is taken to be UTC). Raises InputError, naming `what`, for
    an offset outside -12:00..+14:00 and for a time that falls outside the calendar (years 1 to
    9999) once in UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    offset = moment.utcoffset() or timedelta(0)
    if not LOWEST_OFFSET <= offset <= HIGHEST_OFFSET:
        raise InputError(
            f"The {what} has the time-zone offset {_offset_text(offset)}; real offsets run from "
            "-12:00 to +14:00."
        )
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InputError(
            f"The {what} falls outside the calendar (years 1 to 9999) once in UTC: give a "
            "later or an earlier time."
        ) from None


def check_not_future(moment: datetime, *, now: datetime, what: str) -> None:
    """Refuse a time after `now` (beyond the clock tolerance): nothing is recorded in the
    future."""
    if moment - now > CLOCK_TOLERANCE:
        raise InputError(f"The {what} {moment.isoformat()} is in the future.")


def check_made(made_at: datetime, *, recorded_at: datetime | None, now: datetime) -> None:
    """Refuse a forecast recorded before it was made (beyond the clock tolerance). Without
    `recorded_at` it is recorded `now`, so a `made_at` after now is in the future."""
    if recorded_at is None:
        check_not_future(made_at, now=now, what="forecast time")
    elif made_at - recorded_at > CLOCK_TOLERANCE:
        raise InputError(
            f"The forecast was recorded ({recorded_at.isoformat()}) before it was made "
            f"({made_at.isoformat()})."
        )


def check_happened(
    day: date, *, recorded_at: datetime | None, now: datetime, what: str, hint: str = ""
) -> None:
    """Refuse a day (an outcome, an opening, a publication) recorded before it had begun
    anywhere on Earth (`latest_day`). Without `recorded_at` it is recorded `now`, so a later day
    is in the future; `hint` then follows the message."""
    if recorded_at is None:
        if day > latest_day(now):
            raise InputError(f"The {what} {day} is in the future{hint}.")
    elif day > latest_day(recorded_at):
        raise InputError(
            f"The {what} {day} had not begun anywhere when it was recorded "
            f"({recorded_at.isoformat()})."
        )


@dataclass(frozen=True)
class Stamp:
    """When a forecast or resolution was recorded, and where it stands in the order of the
    record: already stored, or new (from the command line, or a line of the file imported)."""

    at: datetime
    line: int | None  # None: already in the database; else the line of the file (0: the CLI)
    now: bool = False  # recorded now: after everything already in the database


def came_before(earlier: Stamp, later: Stamp) -> bool:
    """True when `earlier` was recorded before `later`.

    Something stored came before anything recorded now, and before a new record with the same
    time or later. A new record came before a stored one only with an earlier time. Two lines
    of one file go by time, and at the same time by line.
    """
    if earlier.line is None:
        return later.now or earlier.at <= later.at
    if later.line is None:
        return earlier.at < later.at
    return (earlier.at, earlier.line) < (later.at, later.line)
