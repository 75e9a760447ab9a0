"""An HTML report reduced to plain text: paragraphs, list items and `*emphasis*` kept, the rest
dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tracker.extract.sentences import reads_as_heading

#: Elements whose end closes a paragraph.
_BLOCKS = frozenset(
    {
        *("p", "div", "section", "article", "header", "footer", "main", "aside", "blockquote"),
        *("ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre"),
        *("figure", "figcaption", "dd", "dt", "dl", "address"),
    }
)
#: Elements whose content is not part of the report's text.
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED = frozenset({"script", "style", "head", "noscript", "template", "svg", "nav"})
_EMPHASIS = frozenset({"em", "i", "strong", "b"})
#: A list item with nothing in it (or only an emphasis element with nothing in it).
_EMPTY_ITEM = re.compile(r"^(?:-|\d+\.)(?:\s|\*)*$")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title: list[str] = []
        self.in_title = False
        self.lists: list[int] = []  # the open lists: 0 for <ul>, else the next item's number
        self.in_item = 0  # how many <li> are open: blocks inside an item do not break it
        self.heading: tuple[int, int] | None = None  # an open <hN>: N and where its text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIPPED:
            self.skipping += 1
        elif not self.skipping:
            if tag in ("ul", "ol"):
                self.lists.append(1 if tag == "ol" else 0)
            if tag == "li":
                # A list item is a line of its own, marked as Markdown marks it ("- ", "1. ").
                number = self.lists[-1] if self.lists else 0
                if number:
                    self.lists[-1] += 1
                self.parts.append(f"\n{number}. " if number else "\n- ")
                self.in_item += 1
            elif tag in _BLOCKS:
                self.parts.append(" " if self.in_item and tag not in ("ul", "ol") else "\n\n")
                if tag in _HEADINGS and not self.in_item:
                    self.heading = (int(tag[1]), len(self.parts))
            elif tag == "br":
                self.parts.append("\n")
            elif tag in _EMPHASIS:
                self.parts.append("*")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif not self.skipping:
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            if tag == "li":
                self.in_item = max(0, self.in_item - 1)
            elif tag in _BLOCKS:
                if tag in _HEADINGS and self.heading is not None:
                    self._mark_heading(*self.heading)
                    self.heading = None
                self.parts.append(" " if self.in_item and tag not in ("ul", "ol") else "\n\n")
            elif tag in _EMPHASIS:
                self.parts.append("*")

    def _mark_heading(self, level: int, start: int) -> None:
        """A heading that would read as a sentence ("What happens next?") gets Markdown's mark
        ("## What happens next?"); a short one stays as it is ("Outlook")."""
        words = " ".join("".join(self.parts[start:]).replace("*", "").split())
        if words and not reads_as_heading(words):
            self.parts.insert(start, "#" * level + " ")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str | None]:
    """The text of an HTML document, and its `<title>` if it has one.

    Block elements become paragraphs (separated by a blank line), a list item a line of its own
    marked "- " (or "1. " in a numbered list), a heading a paragraph of its own (marked "## " if
    it ends like a sentence, so that it still reads as a heading), `<br>` a line break, and
    `<em>`, `<i>`, `<strong>` and `<b>` the `*...*` emphasis the extractor reads. Scripts,
    styles, the head and navigation are dropped; character references are decoded.
    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    raw = "".join(parser.parts)
    paragraphs = []
    for block in re.split(r"\n\s*\n", raw):
        lines = [" ".join(line.split()) for line in block.splitlines()]
        text = "\n".join(line for line in lines if line and not _EMPTY_ITEM.match(line))
        text = text.replace("**", "")  # an emphasis element with nothing in it
        if text.strip("* "):
            paragraphs.append(text)
    title = " ".join("".join(parser.title).split()) or None
    return "\n\n".join(paragraphs) + ("\n" if paragraphs else ""), title
