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
_BULLET = re.compile(r"^\s*(?:[-*•‣▪]|\d+[.)])\s+")


def _is_heading(paragraph: str) -> bool:
    """A short single line without a sentence's final punctuation: a heading or a byline."""
    lines = [line for line in paragraph.splitlines() if line.strip()]
    stripped = paragraph.strip()
    return (
        len(lines) == 1
        and len(stripped.split()) <= 12
        and not stripped.endswith((".", "!", "?", ":", ";", ",", "”", '"'))
        and not _BULLET.match(stripped)
    )


def _is_list(paragraph: str) -> bool:
    """Every line is a list item (`- `, `* `, `1. `): each item is a sentence of its own."""
    lines = [line for line in paragraph.splitlines() if line.strip()]
    return bool(lines) and all(_BULLET.match(line) for line in lines)


def _is_block_of_labels(paragraph: str) -> bool:
    """Several short lines, none ending like a sentence (a byline, an address, a list of names)."""
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    return len(lines) > 1 and all(
        len(line.split()) <= 8 and not line.endswith((".", "!", "?", ";", ":")) for line in lines
    )


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


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence of the text in order, with its paragraph and the heading above it.

    Paragraphs are separated by blank lines; a short one-line paragraph without final
    punctuation is a heading (it names the section of what follows) and is not a sentence.
    Offsets index the text exactly as given.
    """
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
        if _is_heading(chunk):
            section = " ".join(chunk.lstrip("#").split())
            continue
        if _is_list(chunk):
            at = 0
            for line in chunk.splitlines(keepends=True):
                item = line.strip()
                bullet = _BULLET.match(line)
                if item and bullet:
                    begin = offset + at + bullet.end()
                    body = line[bullet.end() :].rstrip()
                    if len(body.split()) >= 3:
                        sentences.append(
                            Sentence(body, begin, begin + len(body), paragraph_number, section)
                        )
                at += len(line)
            continue
        if _is_block_of_labels(chunk):
            continue  # a byline or an address: names, not sentences
        for start, end in _splits(chunk):
            raw = chunk[start:end]
            trimmed = raw.strip()
            if not trimmed:
                continue
            begin = offset + start + (len(raw) - len(raw.lstrip()))
            sentences.append(
                Sentence(trimmed, begin, begin + len(trimmed), paragraph_number, section)
            )
    return sentences
