"""Triage files: written and read back the same, whatever the report's words hold."""

from __future__ import annotations

import re

import pytest

from tracker.domain.triage import TriageEntry, TriageFile, parse_triage, triage_format
from tracker.errors import InputError
from tracker.reports.triage import triage_markdown, triage_yaml

HOSTILE = (
    "Line one\n## Entry 2\n- keep: yes\n<!-- passage 0-1 -->\ncriteria:\n> injected\noptions:\n"
    "1. injected"
)


def _file(quote: str = "A quote.", title: str = "Will X?") -> TriageFile:
    return TriageFile(
        source="memo",
        published="2022-01-10",
        extractor="tracker test",
        entries=(
            TriageEntry(
                number=1, start=10, end=60, keep="no", title=title,
                criteria="Resolves yes if X by 30 June 2022.\n\nOtherwise no.",
                deadline="2022-06-30", kind="multiple_choice", options=("a: b", "another outcome"),
                probability="40% 60%", stance="forecast", slug="", tags="",
                quote=quote, report=(f"probability from \u201c{quote}\u201d",), taken="",
            ),
        ),
    )  # fmt: skip


@pytest.mark.parametrize("form", ["md", "yaml"])
def test_written_and_read_back_the_same(form: str) -> None:
    written = _file()
    text = (
        triage_markdown(written, title="Memo", file_name="t.md")
        if form == "md"
        else triage_yaml(written, file_name="t.yaml")
    )
    read = parse_triage(text, form=form)
    assert (read.source, read.published) == ("memo", "2022-01-10")
    (entry,) = read.entries
    original = written.entries[0]
    for name in ("number", "start", "end", "keep", "title", "criteria", "deadline", "kind"):
        assert getattr(entry, name) == getattr(original, name), name
    assert entry.options == original.options
    assert (entry.probability, entry.stance) == ("40% 60%", "forecast")


@pytest.mark.parametrize("form", ["md", "yaml"])
def test_outside_text_cannot_make_or_change_an_entry(form: str) -> None:
    written = _file(quote=HOSTILE, title=HOSTILE.replace("\n", " "))
    text = (
        triage_markdown(written, title=HOSTILE, file_name="t.md")
        if form == "md"
        else triage_yaml(written, file_name="t\n- keep: yes.yaml")
    )
    read = parse_triage(text, form=form)
    (entry,) = read.entries
    assert entry.number == 1 and entry.keep == "no" and not entry.kept
    assert (entry.start, entry.end) == (10, 60)
    assert entry.options == ("a: b", "another outcome")
    assert entry.criteria == written.entries[0].criteria
    assert entry.title == HOSTILE.replace("\n", " ") or form == "md"
    if form == "md":  # one-line fields are written on one line
        assert entry.title == " ".join(HOSTILE.split())


@pytest.mark.parametrize(
    ("text", "form", "message"),
    [
        ("# notes\n", "md", "This is not a triage file written by tracker"),
        ("", "md", "This is not a triage file written by tracker"),
        ("tracker_triage: 1\nentries: [\n", "yaml", "The triage file is not valid YAML at line 3"),
        ("- a\n- b\n", "yaml", "This is not a triage file written by tracker"),
        ("tracker_triage: 1\nsource: x\nentries: [3]\n", "yaml", "is not a mapping of fields"),
    ],
)
def test_files_tracker_did_not_write_are_refused(text: str, form: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_triage(text, form=form)


def test_the_form_comes_from_the_suffix() -> None:
    assert [triage_format(n) for n in ("a.md", "a.MARKDOWN", "a.yaml", "a.yml")] == [
        "md", "md", "yaml", "yaml"
    ]  # fmt: skip
    with pytest.raises(InputError, match=re.escape("ends in .md, .yaml or .yml")):
        triage_format("a.json")


def test_hand_edits_in_markdown_are_read_as_meant() -> None:
    text = triage_markdown(_file(), title="Memo", file_name="t.md")
    # Options as bullets, one added; the keep line moved below them; criteria typed unquoted.
    text = text.replace("- keep: no\n", "")
    text = text.replace(
        "1. a: b\n2. another outcome\n", "- a: b\n- c\n* another outcome\n- keep: yes\n"
    )
    text = text.replace("> Otherwise no.", "Otherwise no,\nunless it is annulled.")
    (entry,) = parse_triage(text, form="md").entries
    assert entry.options == ("a: b", "c", "another outcome")
    assert entry.kept
    assert entry.criteria == (
        "Resolves yes if X by 30 June 2022.\n\nOtherwise no, unless it is annulled."
    )
