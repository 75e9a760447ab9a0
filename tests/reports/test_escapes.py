"""What outside text may show: visible escapes for a terminal, lossless escapes for JSON."""

from __future__ import annotations

import json
import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tracker.reports.escapes import has_hidden, json_escaped, visible

#: Unicode categories a terminal obeys or that hide text: controls, format characters (bidi,
#: zero-width), line and paragraph separators, lone surrogates.
HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Cs")


def _hidden_characters() -> list[str]:
    return [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in HIDDEN_CATEGORIES and chr(code) not in "\n\t"
    ]


def test_every_control_format_and_separator_character_is_made_visible() -> None:
    missed = [f"U+{ord(c):04X}" for c in _hidden_characters() if not has_hidden(c)]
    assert missed == []
    for char in _hidden_characters():
        shown = visible(f"a{char}b")
        assert shown.isascii() and shown.isprintable(), repr(shown)


def test_controls_are_shown_as_hex_escapes_and_format_characters_by_code_point() -> None:
    assert visible("\x1b]0;title\x07") == "\\x1b]0;title\\x07"
    assert visible("\x9b2J") == "\\x9b2J"
    assert visible("a\u202eb\u2066c\u200bd") == "a<U+202E>b<U+2066>c<U+200B>d"
    assert visible("tag\U000e0041") == "tag<U+E0041>"


def test_tab_and_newline_stay_except_on_one_line() -> None:
    assert visible("a\tb\nc") == "a\tb\nc"
    assert visible("a\tb\nc\r", one_line=True) == "a\tb\\nc\\x0d"


def test_text_of_many_scripts_and_emoji_is_shown_as_it_is() -> None:
    text = (
        "Nakhichevan Нахичевань Նախիջևան ნახჭევანი ناخچیوان נחיצ'ובאן 纳希切万 "
        "café ñ ß ½ “quotes” — ... 🙂 \u00a0nbsp"
    )
    assert not has_hidden(text)
    assert visible(text) == text


@given(st.text())
def test_json_escapes_read_back_to_the_same_text(text: str) -> None:
    escaped = json_escaped(json.dumps({"title": text}, ensure_ascii=False))
    assert json.loads(escaped) == {"title": text}
    assert not has_hidden(escaped)


@given(st.text())
def test_visible_text_holds_nothing_a_terminal_would_obey(text: str) -> None:
    shown = visible(text)
    assert all(c in "\n\t" or unicodedata.category(c) not in HIDDEN_CATEGORIES for c in shown), (
        repr(shown)
    )
