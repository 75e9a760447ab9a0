"""An HTML report reduced to plain text: paragraphs and `*emphasis*` kept, the rest dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements whose end closes a paragraph.
_BLOCKS = frozenset(
    {
        *("p", "div", "section", "article", "header", "footer", "main", "aside", "blockquote"),
        *("li", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre"),
        *("figure", "figcaption", "dd", "dt", "dl", "address"),
    }
)
#: Elements whose content is not part of the report's text.
_SKIPPED = frozenset({"script", "style", "head", "noscript", "template", "svg", "nav"})
_EMPHASIS = frozenset({"em", "i", "strong", "b"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIPPED:
            self.skipping += 1
        elif not self.skipping:
            if tag in _BLOCKS:
                self.parts.append("\n\n")
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
            if tag in _BLOCKS:
                self.parts.append("\n\n")
            elif tag in _EMPHASIS:
                self.parts.append("*")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str | None]:
    """The text of an HTML document, and its `<title>` if it has one.

    Block elements become paragraphs (separated by a blank line), `<br>` a line break, and
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
        text = "\n".join(line for line in lines if line)
        text = text.replace("**", "")  # an emphasis element with nothing in it
        if text.strip("* "):
            paragraphs.append(text)
    title = " ".join("".join(parser.title).split()) or None
    return "\n\n".join(paragraphs) + ("\n" if paragraphs else ""), title
