"""Reading a report's layout: headings in every format, list items as units, exact offsets."""

from __future__ import annotations

import pytest

from tracker.domain.expectations import Sentence
from tracker.extract.html import html_to_text
from tracker.extract.pdf import paragraphs_of_lines
from tracker.extract.sentences import split_sentences


def _read(text: str) -> list[tuple[str | None, str]]:
    """(section, text) of each sentence, after checking its offsets."""
    sentences = split_sentences(text)
    _assert_offsets(text, sentences)
    return [(s.section, s.text) for s in sentences]


def _assert_offsets(text: str, sentences: list[Sentence]) -> None:
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text


@pytest.mark.parametrize(
    "text",
    [
        "Outlook\nTalks will resume in May. A deal is likely.\n",  # plain, a single newline
        "Outlook\n\nTalks will resume in May. A deal is likely.\n",  # plain, a blank line
        "# Outlook\nTalks will resume in May. A deal is likely.\n",  # Markdown heading
        "**Outlook**\nTalks will resume in May. A deal is likely.\n",  # a bold line
        "OUTLOOK\nTalks will resume in May. A deal is likely.\n",  # capitals
    ],
)
def test_a_heading_directly_above_its_paragraph_names_the_section(text: str) -> None:
    name = "OUTLOOK" if "OUTLOOK" in text else "Outlook"
    assert _read(text) == [(name, "Talks will resume in May."), (name, "A deal is likely.")]


def test_a_markdown_heading_that_ends_like_a_sentence_is_still_a_heading() -> None:
    assert _read("## What happens next?\nTalks will resume.\n") == [
        ("What happens next?", "Talks will resume.")
    ]


def test_headings_between_paragraphs_without_blank_lines_each_start_a_section() -> None:
    text = (
        "ELECTION NOTE\nThe election will be held on 12 June.\n"
        "What comes next\nThe opposition is likely to win the most seats in the new chamber.\n"
    )
    sentences = split_sentences(text)
    _assert_offsets(text, sentences)
    assert [(s.section, s.text) for s in sentences] == [
        ("ELECTION NOTE", "The election will be held on 12 June."),
        ("What comes next", "The opposition is likely to win the most seats in the new chamber."),
    ]
    assert sentences[1].paragraph > sentences[0].paragraph


def test_a_hard_wrapped_paragraph_is_not_read_as_headings() -> None:
    text = (
        "The central bank raised its policy rate by 50 basis points on 14\n"
        "September, to 4.5 percent. Inflation was 7.1 percent in August, down\n"
        "from a peak of 8.3 percent in June. The next meeting is on 26 October\n"
        "and a further increase is likely.\n"
    )
    read = _read(text)
    assert {section for section, _ in read} == {None}
    assert [t.split()[0] for _, t in read] == ["The", "Inflation", "The"]


def test_a_short_wrapped_line_that_continues_its_sentence_is_not_a_heading() -> None:
    text = (
        "The bank raised rates.\nPrices fell sharply in\n"
        "the summer of that year, as it turned out in the end of all the talks.\n"
    )
    assert [s for s, _ in _read(text)] == [None, None]


def test_an_html_heading_is_a_heading_and_one_that_ends_like_a_sentence_is_marked() -> None:
    text, _ = html_to_text(
        "<h1>Outlook</h1><p>Talks will resume in May.</p>"
        "<h3>What happens <em>next</em>?</h3><p>A deal is likely.</p>"
    )
    assert text == (
        "Outlook\n\nTalks will resume in May.\n\n### What happens *next*?\n\nA deal is likely.\n"
    )
    assert _read(text) == [
        ("Outlook", "Talks will resume in May."),
        ("What happens next?", "A deal is likely."),
    ]


def test_html_list_items_are_lines_of_their_own_and_units() -> None:
    text, _ = html_to_text(
        "<p>We expect:</p><ul><li>Talks resume in May</li><li><p>A <b>deal</b> by June</p></li>"
        "<li></li></ul><ol><li>Rates rise this year</li><li>Wages follow next year</li></ol>"
        "<p>Nothing else.</p>"
    )
    assert text == (
        "We expect:\n\n- Talks resume in May\n- A *deal* by June\n\n"
        "1. Rates rise this year\n2. Wages follow next year\n\nNothing else.\n"
    )
    assert [t for _, t in _read(text)] == [
        "We expect:",
        "Talks resume in May",
        "A *deal* by June",
        "Rates rise this year",
        "Wages follow next year",
        "Nothing else.",
    ]


def test_pdf_lines_become_paragraphs_with_their_headings() -> None:
    lines = [
        "Gas Market Outlook",
        "Prices at the hub fell by a third in January as storage withdrawals slowed",
        "down. Storage stood at 38 percent on 1 February.",
        "Outlook for the Spring",
        "We expect storage to be at least 30 percent full on 1 April. Prices are expec-",
        "ted to rise again in the second quarter as refilling begins.",
        "12",
    ]
    text = paragraphs_of_lines(lines)
    assert text == (
        "Gas Market Outlook\n\n"
        "Prices at the hub fell by a third in January as storage withdrawals slowed down. "
        "Storage stood at 38 percent on 1 February.\n\n"
        "Outlook for the Spring\n\n"
        "We expect storage to be at least 30 percent full on 1 April. Prices are expected to "
        "rise again in the second quarter as refilling begins.\n"
    )
    read = _read(text)
    assert [section for section, _ in read] == ["Gas Market Outlook"] * 2 + [
        "Outlook for the Spring"
    ] * 2


@pytest.mark.parametrize("bullet", ["-", "*", "•", "1.", "2)", "a)", "(b)"])
def test_list_items_of_every_kind_are_units(bullet: str) -> None:
    text = f"{bullet} Talks will resume in May\n{bullet} A deal is likely by June\n"
    assert [t for _, t in _read(text)] == ["Talks will resume in May", "A deal is likely by June"]


def test_a_list_after_a_line_ending_with_a_colon_is_read_item_by_item() -> None:
    text = (
        "Key judgements\n"
        "We expect three things over the coming months:\n"
        "- Talks will resume in May\n"
        "- A deal is likely by June\n"
        "  if both sides agree\n"
        "1. Rates will rise this year\n"
        "The rest of the report is background.\n"
    )
    assert _read(text) == [
        ("Key judgements", "We expect three things over the coming months:"),
        ("Key judgements", "Talks will resume in May"),
        ("Key judgements", "A deal is likely by June\n  if both sides agree"),
        ("Key judgements", "Rates will rise this year"),
        ("Key judgements", "The rest of the report is background."),
    ]


def test_a_number_that_wraps_to_the_start_of_a_line_is_not_a_list_item() -> None:
    text = "Elections are due in\n2024. The opposition is likely to win them by a clear margin.\n"
    assert len(_read(text)) == 2


def test_a_dateline_is_not_part_of_the_first_sentence_and_date_lines_are_not_headings() -> None:
    text = (
        "Federal Reserve statement\n\n"
        "Published: 20 March 2024\n\n"
        "WASHINGTON, March 20, 2024 — Recent indicators suggest growth. Inflation has eased.\n"
    )
    assert _read(text) == [
        ("Federal Reserve statement", "Recent indicators suggest growth."),
        ("Federal Reserve statement", "Inflation has eased."),
    ]
