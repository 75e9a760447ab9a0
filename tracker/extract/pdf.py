"""A PDF report reduced to plain text: its lines joined into paragraphs, headings and list items
kept apart."""

from __future__ import annotations

import io
import logging
import re
import statistics

from tracker.errors import InputError

_BULLET = re.compile(r"^(?:[-*•‣▪–]|\d{1,3}[.)]|[a-zA-Z]\)|\([a-zA-Z0-9]{1,3}\))\s+")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)
_ENDS_SENTENCE = (".", "!", "?", ":", ";", "”", '"', ")")
#: Short words that stay lower case in a title-case heading.
_MINOR = frozenset(
    "a an and as at but by for from in into of on or the to vs with".split()  # noqa: SIM905
)


def pdf_to_text(data: bytes, *, name: str) -> str:
    """The text of a PDF (the bytes of the file): every page's text, its lines joined into
    paragraphs separated by a blank line; short headings and list items on lines of their own.

    Raises InputError (naming `name`) when the PDF is damaged, encrypted, or has no text layer
    (a scanned report: run it through OCR first).
    """
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a damaged file's warnings are summed up in one line
    try:
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise FileNotDecryptedError("needs a password")
            pages = [page.extract_text() or "" for page in reader.pages]
        except (FileNotDecryptedError, DependencyError):
            raise InputError(
                f"{name} is an encrypted PDF; save an unencrypted copy (or its text) and add that."
            ) from None
        except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError,
                AssertionError, RecursionError, ZeroDivisionError):  # fmt: skip
            # pypdf reports a damaged file through many exception types.
            raise InputError(
                f"{name} is not a readable PDF (damaged or incomplete); open and re-save it, "
                "or add its text."
            ) from None
    finally:
        quiet.setLevel(level)
    text = paragraphs_of_lines("\n".join(pages).splitlines())
    if not text.strip():
        raise InputError(
            f"{name} has no text to read (a scanned PDF?): run it through OCR, or add its text "
            "as a .txt file."
        )
    return text


def _is_title_case(line: str) -> bool:
    words: list[str] = re.findall(r"[^\W\d_][\w'’-]*", line)
    return bool(words) and all(
        w[0].isupper() or (i > 0 and w.lower() in _MINOR) for i, w in enumerate(words)
    )


def paragraphs_of_lines(raw_lines: list[str]) -> str:
    """Lines as a PDF's text layer gives them (one per printed line, no blank lines between
    paragraphs) joined into paragraphs. A line ends its paragraph when it ends a sentence and
    falls short of the usual line length; a short line without final punctuation after the end
    of a sentence is a heading (title case, or well short of the usual length); a list item
    starts a line of its own. Page numbers are dropped; a word hyphenated across lines is
    joined."""
    lines = [" ".join(line.split()) for line in raw_lines]
    lines = [line for line in lines if not _PAGE_NUMBER.match(line)]
    widths = [len(line) for line in lines if len(line.split()) > 3]
    usual = statistics.median(widths) if widths else 80.0
    blocks: list[list[str]] = []  # paragraphs, each a list of its lines (list items apart)
    current: list[str] = []  # the lines of the paragraph being read
    ended = True  # the previous line ended a sentence (or there was none)
    for index, line in enumerate(lines):
        if not line:
            if current:
                blocks.append(current)  # a blank line in the text layer ends a paragraph
            current, ended = [], True
            continue
        in_item = bool(current) and bool(_BULLET.match(current[-1]))
        following = next((x for x in lines[index + 1 :] if x), "")
        short = len(line) <= 0.6 * usual
        if (
            (ended or in_item)
            and not _BULLET.match(line)
            and len(line.split()) <= 12
            and not line.endswith((*_ENDS_SENTENCE, ","))
            and (not following or following[0].isupper() or bool(_BULLET.match(following)))
            and (short and _is_title_case(line) if in_item else _is_title_case(line) or short)
        ):
            if current:
                blocks.append(current)
            blocks.append([line])
            current, ended = [], True
            continue
        if _BULLET.match(line) or not current:
            current.append(line)
        elif in_item and ended and line[0].isupper():
            blocks.append(current)  # a paragraph after the list
            current = [line]
        else:
            last = current[-1]
            if last.endswith("-") and len(last) > 1 and last[-2].isalpha() and line[0].islower():
                current[-1] = last[:-1] + line  # a word hyphenated across lines
            else:
                current[-1] = f"{last} {line}"
        ended = line.endswith(_ENDS_SENTENCE)
        if ended and len(line) < 0.85 * usual and not _BULLET.match(current[-1]):
            blocks.append(current)  # a short line that ends a sentence ends its paragraph
            current = []
    if current:
        blocks.append(current)
    return "".join("\n".join(block) + "\n\n" for block in blocks).rstrip("\n") + (
        "\n" if blocks else ""
    )
