"""Outside text made safe to show: visible escapes for a terminal, `\\u` escapes for JSON.

Text that came from outside (a report, a title, a name, an error that echoes input) is stored
verbatim; only what is shown is changed. A terminal obeys control characters (ESC and CSI start
sequences that set window titles, clear the screen or make hyperlinks; BEL, backspace and
carriage return overwrite what was shown) and reorders or hides text around Unicode format
characters (bidi overrides and isolates, zero-width spaces and joiners). None of them reaches a
terminal raw: on the terminal each is shown as a visible escape (`\\x1b`, `<U+202E>`), and in
JSON as a `\\uXXXX` escape, which any JSON reader turns back into the same character.
"""

from __future__ import annotations

import re

# The characters that never reach a terminal raw, as one pattern (a regular expression scans in
# C: a million-row export goes through it):
# - C0 controls except tab and newline, DEL, and the C1 controls (Unicode category Cc);
# - format characters (Cf): soft hyphen, bidi marks, embeddings, overrides and isolates,
#   zero-width space, joiners, word joiner, BOM, interlinear annotations, tag characters;
# - the line and paragraph separators U+2028 and U+2029 (Zl, Zp);
# - lone surrogates (Cs), which cannot even be written as UTF-8.
# tests/reports/test_escapes.py checks the list against Python's Unicode database.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
# The format characters beyond the BMP. The patterns match the whole stretch from the first to
# the last of them (one range test a character keeps the scan fast: a class of many ranges
# beyond the BMP is tested range by range), and what lies between them is left as it is.
_FORMAT_BEYOND_BMP = (
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_STRETCH = "\U000110bd-\U000e007f"
_OTHERS = f"\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}\u2028\u2029\ud800-\udfff{_STRETCH}"
_HIDDEN = re.compile(f"[{_OTHERS}]")
_HIDDEN_OR_NEWLINE = re.compile(f"[\n{_OTHERS}]")
# In JSON the C0 controls are escaped already (by every JSON encoder); the rest is not.
_HIDDEN_IN_JSON = re.compile(f"[\x7f-\x9f{_FORMAT}\u2028\u2029\ud800-\udfff{_STRETCH}]")
_NOT_ASCII = re.compile("[^\x00-\x7f]")


def _is_hidden(char: str) -> bool:
    """Whether a character the patterns matched is one to replace (see _FORMAT_BEYOND_BMP)."""
    code = ord(char)
    return code < 0x10000 or any(low <= code <= high for low, high in _FORMAT_BEYOND_BMP)


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if not _is_hidden(char):
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"<U+{code:04X}>"


def _shown_one_line(match: re.Match[str]) -> str:
    return "\\n" if match.group() == "\n" else _shown(match)


def has_hidden(text: str) -> bool:
    """Whether `text` holds a character that `visible` would replace (tab and newline do not
    count)."""
    return any(_is_hidden(match.group()) for match in _HIDDEN.finditer(text))


def visible(text: str, *, one_line: bool = False) -> str:
    """`text` as it may reach a terminal: control characters as `\\x1b`, format characters
    (bidi, zero-width) and separators as `<U+202E>`; tab and newline stay (with `one_line`,
    a newline is shown as `\\n`, so that a message stays on its one line)."""
    if one_line:
        return _HIDDEN_OR_NEWLINE.sub(_shown_one_line, text)
    if _HIDDEN.search(text) is None:
        return text
    return _HIDDEN.sub(_shown, text)


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code > 0x7F and not _is_hidden(char) and match.re is _HIDDEN_IN_JSON:
        return char
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON writes a character beyond the BMP as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_escaped(json_text: str, *, ascii_only: bool = False) -> str:
    """Serialised JSON with the characters a terminal would obey written as `\\uXXXX` escapes
    (with `ascii_only`, every character beyond ASCII, for an output that cannot encode them).

    Lossless: the document reads back to the same values. It relies on what every JSON encoder
    writes: outside strings only ASCII, and C0 controls already escaped inside them.
    """
    if json_text.isascii():  # most lines of most ledgers: only DEL can be left
        return json_text.replace("\x7f", "\\u007f") if "\x7f" in json_text else json_text
    pattern = _NOT_ASCII if ascii_only else _HIDDEN_IN_JSON
    return pattern.sub(_json_escape, json_text)
