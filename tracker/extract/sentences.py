"""A report's text as sections, paragraphs and sentences, each with its offsets in the text."""

from __future__ import annotations

import re

from tracker.domain.expectations import Sentence

# A sentence ends at . ! or ? (perhaps followed by a closing quote, bracket or emphasis mark)
# and whitespace, before something that can start a sentence.
_END = re.compile(r"(?<=[.!?…])[”’\"')*]*\s+(?=[“‘\"'(*]*[A-Z0-9À-ÖØ-ÞĀ-Ž])")
# Words whose full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    (
        *("mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "st", "vs", "etc"),
        *("e.g", "i.e", "approx", "dept", "est", "fig", "u.s", "u.k", "u.n", "e.u"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
    )
)
_BLANK = re.compile(r"\n[ \t\r]*\n")
#: A list item's mark: `-`, `*`, `•`, `1.`, `2)`, `a)`, `(iv)`.
_BULLET = re.compile(r"^[ \t]*(?:[-*•‣▪–]|\d{1,3}[.)]|[a-zA-Z]\)|\([a-zA-Z0-9]{1,4}\))[ \t]+(?=\S)")
_MARKDOWN_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S")
#: A line that is all bold (`**Outlook**`, `__Outlook__`, or `*Outlook*` from HTML's <strong>).
_BOLD_LINE = re.compile(r"^[ \t]*(\*\*|__|\*)(?P<inner>[^*_ \t\n][^\n]*?)\1[ \t]*$")
_BYLINE = re.compile(r"^[ \t]*By[ \t]+[A-Z]")
#: How a heading's last character differs from a sentence's.
_NOT_A_HEADING_END = (".", "!", "?", ":", ";", ",", "”", '"')
_ENDS_A_SENTENCE = (".", "!", "?", ":", ";", "”", '"')
#: A plain line is a heading only when it is this much shorter than the lines of its paragraph
#: (a hard-wrapped paragraph's lines are all about as long as each other).
_HEADING_RATIO = 0.75
_MAX_HEADING_WORDS = 12


def reads_as_heading(paragraph: str) -> bool:
    """A short single line without a sentence's final punctuation: a heading or a byline."""
    lines = [line for line in paragraph.splitlines() if line.strip()]
    stripped = paragraph.strip()
    return (
        len(lines) == 1
        and len(stripped.split()) <= _MAX_HEADING_WORDS
        and not stripped.endswith(_NOT_A_HEADING_END)
        and not _BULLET.match(stripped)
    )


def _is_block_of_labels(paragraph: str) -> bool:
    """Several short lines, none ending like a sentence (a byline, an address, a list of names)."""
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    return (
        len(lines) > 1
        and all(
            len(line.split()) <= 8 and not line.endswith((".", "!", "?", ";", ":"))
            for line in lines
        )
        and not any(_BULLET.match(line) or _MARKDOWN_HEADING.match(line) for line in lines)
    )


def _is_marked_heading(line: str) -> bool:
    """A Markdown heading (`## Outlook`) or a short line all in bold (`**Outlook**`)."""
    if _MARKDOWN_HEADING.match(line):
        return True
    bold = _BOLD_LINE.match(line)
    return (
        bold is not None
        and len(bold.group("inner").split()) <= _MAX_HEADING_WORDS
        and not bold.group("inner").rstrip().endswith((".", ",", ";"))
    )


def _is_plain_heading(lines: list[str], index: int) -> bool:
    """A short line with no final punctuation directly above its paragraph or list: much
    shorter than the paragraph's lines, and followed by a line that starts a sentence."""
    line = lines[index].strip()
    if index + 1 >= len(lines):
        return len(lines) == 1 and reads_as_heading(line)
    following = lines[index + 1].strip()
    if (
        len(line.split()) > _MAX_HEADING_WORDS
        or line.endswith(_NOT_A_HEADING_END)
        or _BULLET.match(lines[index])
        or not (line[0].isupper() or line[0].isdigit())
    ):
        return False
    if _BULLET.match(lines[index + 1]):
        return True
    if not (following[0].isupper() or following[0].isdigit() or following[0] in "\"“‘'*(["):
        return False
    longest = max(len(other.strip()) for other in lines[index + 1 :])
    return len(line) <= _HEADING_RATIO * longest


def _section_name(line: str) -> str:
    """A heading's words, without Markdown's marks."""
    words = line.strip().strip("#").replace("*", "").strip().strip("_")
    return " ".join(words.split())


def _splits(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `paragraph`, relative to it."""
    spans = []
    start = 0
    for match in _END.finditer(paragraph):
        before = paragraph[start : match.start()].rstrip("”’\"')*")
        word = before.rsplit(None, 1)[-1].lower().rstrip(".") if before.split() else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue  # "Dr. Aliyev", "J. Smith"
        end = match.start() + len(match.group(0).rstrip())
        spans.append((start, end))
        start = match.end()
    if paragraph[start:].strip():
        spans.append((start, len(paragraph.rstrip())))
    return spans


def _units(lines: list[str]) -> list[tuple[str, int, int]]:
    """A paragraph's lines grouped as ("heading" | "skip" | "item" | "text", first, last+1)."""
    from tracker.extract.reading import is_date_line

    units: list[tuple[str, int, int]] = []
    widest = max(len(line.rstrip()) for line in lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        after_break = (
            index == 0
            or lines[index - 1].rstrip().endswith(_ENDS_A_SENTENCE)
            or units[-1][0] in ("heading", "skip", "item")
        )
        if _is_marked_heading(line) or (after_break and _is_plain_heading(lines, index)):
            # A date line or a byline (under the title) is metadata: no section, no sentence.
            metadata = is_date_line(line) or (
                _BYLINE.match(line) is not None and len(line.split()) <= 8
            )
            units.append(("skip" if metadata else "heading", index, index + 1))
            index += 1
            continue
        if after_break and _BULLET.match(line):
            end = index + 1
            while end < len(lines):
                nxt = lines[end]
                if _BULLET.match(nxt) or _is_marked_heading(nxt) or _is_plain_heading(lines, end):
                    break
                before = lines[end - 1].rstrip()
                long_enough = len(before) >= max(50, widest * _HEADING_RATIO)
                wrapped = long_enough and not before.endswith(_ENDS_A_SENTENCE)
                if not (nxt[:1] in (" ", "\t") or nxt.lstrip()[:1].islower() or wrapped):
                    break  # a paragraph after the list, without a blank line
                end += 1
            units.append(("item", index, end))
            index = end
            continue
        end = index + 1
        while end < len(lines):
            nxt = lines[end]
            ended = lines[end - 1].rstrip().endswith(_ENDS_A_SENTENCE)
            if _is_marked_heading(nxt) or (
                ended and (_BULLET.match(nxt) or _is_plain_heading(lines, end))
            ):
                break
            end += 1
        units.append(("text", index, end))
        index = end
    return units


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence of the text in order, with its paragraph and the heading above it.

    Paragraphs are separated by blank lines. A heading names the section of what follows and
    is not a sentence: a Markdown heading (`## Outlook`), a line all in bold, or a short line
    without final punctuation, alone or directly above its paragraph (much shorter than the
    paragraph's lines). A list item (`-`, `*`, `•`, `1.`, `a)`, with its continuation lines)
    is a unit of its own, also when the list follows a line ending with ':' without a blank
    line. A dateline opening the first paragraph ("WASHINGTON, March 20, 2024 —") is not part
    of its first sentence, and date lines and bylines are neither headings nor sentences.
    Offsets index the text exactly as given: `sentence.text == text[start:end]`.
    """
    from tracker.extract.reading import dateline_end

    sentences: list[Sentence] = []
    section: str | None = None
    position = 0
    paragraph_number = 0
    boundaries = [m.start() for m in _BLANK.finditer(text)] + [len(text)]
    for boundary in boundaries:
        chunk = text[position:boundary]
        offset = position
        position = boundary
        lead = len(chunk) - len(chunk.lstrip())
        chunk, offset = chunk.strip(), offset + lead
        if not chunk:
            continue
        paragraph_number += 1
        if _is_block_of_labels(chunk):
            continue  # a byline or an address: names, not sentences
        lines = chunk.split("\n")
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        units = _units(lines)
        for number, (kind, first, last) in enumerate(units):
            begin = offset + starts[first]
            finish = offset + starts[last - 1] + len(lines[last - 1])
            if kind == "heading":
                section = _section_name(lines[first])
                if number + 1 < len(units):
                    paragraph_number += 1
            elif kind == "item":
                bullet = _BULLET.match(lines[first])
                assert bullet is not None
                begin += bullet.end()
                body = text[begin:finish].rstrip()
                if len(body.split()) >= 3:
                    sentences.append(
                        Sentence(body, begin, begin + len(body), paragraph_number, section)
                    )
            elif kind == "text":
                if not sentences:
                    begin += dateline_end(text[begin:finish])
                passage = text[begin:finish]
                for start, end in _splits(passage):
                    raw = passage[start:end]
                    trimmed = raw.strip()
                    if not trimmed:
                        continue
                    at = begin + start + (len(raw) - len(raw.lstrip()))
                    sentences.append(
                        Sentence(trimmed, at, at + len(trimmed), paragraph_number, section)
                    )
    return sentences
