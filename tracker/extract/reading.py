"""What a report says about itself before its text is scanned: its format and publication date."""

from __future__ import annotations

import re
from datetime import date

#: Where a report states its publication date: in its first lines (a dateline, a "Published:"
#: line, a date alone on a line), never further down, where dates are the report's subject.
TOP_LINES = 25
TOP_CHARACTERS = 3000

# The month names only locate a date phrase; dateutil reads it.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?[ \t]+)?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
#: "20 March 2024", "March 20, 2024", "Wednesday, 20th March 2024", "2024-03-20".
DATE = (
    rf"(?i:{_WEEKDAY}(?:{_DAY}[ \t]+{_MONTH},?[ \t]+\d{{4}}"
    rf"|{_MONTH}[ \t]+{_DAY},?[ \t]+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}))\b"
)
# A place ("WASHINGTON", "Frankfurt am Main", "BRUSSELS (Reuters)") then a comma and the date,
# then a dash, a colon, a wire tag ("/PRNewswire/ --") or the end of the line.
_PLACE = r"[A-ZÀ-Þ][\w.'’-]*(?:[ \t]+[\w.'’-]+){0,3}(?:[ \t]+\([^()\n]{1,30}\))?"
DATELINE = re.compile(
    rf"^[ \t]*(?P<phrase>{_PLACE},[ \t]+(?P<date>{DATE}))"
    r"(?:[ \t]*/[^/\n]{1,40}/)?[ \t]*(?:[—–]|--?|:|$)[ \t]*",
    re.MULTILINE,
)
_LABELLED = re.compile(
    r"^[ \t]*(?P<phrase>(?P<label>(?i:published|publication[ \t]+date|date|dated|issued|released"
    r"|(?:last[ \t]+)?updated))(?:[ \t]+on)?[ \t]*[:\-–—]?[ \t]*"
    rf"(?P<date>{DATE}))",
    re.MULTILINE,
)
_DATE_ALONE = re.compile(rf"^[ \t]*(?P<phrase>(?P<date>{DATE}))[ \t]*\.?[ \t]*$", re.MULTILINE)


def _top(text: str) -> str:
    """The report's first lines, where it states its own date."""
    lines = text[:TOP_CHARACTERS].splitlines(keepends=True)[:TOP_LINES]
    return "".join(lines)


def _read_day(phrase: str) -> date | None:
    from dateutil import parser as dateparser

    try:
        return dateparser.parse(phrase, fuzzy=False).date()  # type: ignore[no-any-return]
    except (ValueError, OverflowError):
        return None


def find_published(text: str, *, today: date) -> tuple[date, str] | None:
    """The publication date a report states in its first lines, and the words it was read from.

    Read, in this order of preference: a dateline ("WASHINGTON, March 20, 2024 —", "London,
    5 June 2025:"), a "Published:", "Date:", "Issued:" or "Released:" line, or a date alone on
    a line; an "Updated:" line only when there is nothing else. A date after `today` is never
    a publication date. None when the first lines state no date with a day, month and year.
    """
    top = _top(text)
    found: list[tuple[int, int, re.Match[str]]] = []  # (preference, position, match)
    for match in DATELINE.finditer(top):
        found.append((0, match.start(), match))
    for match in _LABELLED.finditer(top):
        updated = "updated" in match.group("label").lower()
        found.append((2 if updated else 0, match.start(), match))
    for match in _DATE_ALONE.finditer(top):
        found.append((1, match.start(), match))
    for _, _, match in sorted(found, key=lambda f: (f[0], f[1])):
        day = _read_day(match.group("date"))
        if day is not None and day.year >= 1900 and day <= today:
            return day, " ".join(match.group("phrase").split())
    return None


def dateline_end(line: str) -> int:
    """Where a dateline that opens `line` ends ("WASHINGTON, March 20, 2024 — "), or 0."""
    match = DATELINE.match(line)
    return match.end() if match is not None and match.end() < len(line.rstrip()) else 0


def is_date_line(line: str) -> bool:
    """Whether `line` only states the report's date or place and date ("Published: 3 March
    2022", "London, 5 June 2025"): metadata, neither a heading nor a sentence."""
    stripped = line.strip()
    for pattern in (_LABELLED, _DATE_ALONE):
        match = pattern.match(stripped)
        if match is not None and not stripped[match.end() :].strip(" .,:;"):
            return True
    match = DATELINE.match(stripped)
    return match is not None and not stripped[match.end() :].strip()


_HTML = re.compile(
    r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<(?:p|div|h[1-6]|article|section)[\s>]",
    re.IGNORECASE,
)


def sniff_format(data: bytes) -> str:
    """The kind of report in `data`: "pdf" for bytes that start like a PDF, "html" for markup
    that looks like a web page (in its first 2,000 bytes), else "text"."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"<") and _HTML.search(head.decode("utf-8", errors="replace")):
        return "html"
    return "text"
