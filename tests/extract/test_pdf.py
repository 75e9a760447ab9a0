"""PDF reports read through pypdf: their text, and one clear line for what cannot be read."""

from __future__ import annotations

import pytest

from tests.extract.pdfs import blank_pdf, encrypted_pdf, text_pdf
from tracker.errors import InputError
from tracker.extract.pdf import pdf_to_text
from tracker.extract.sentences import split_sentences

LINES = [
    "Gas Market Outlook",
    "",
    "London, 5 June 2025: Prices at the hub fell by a third in January as storage",
    "withdrawals slowed. Storage stood at 38 percent on 1 February.",
    "Outlook",
    "We expect storage to be at least 30 percent full on 1 April. Prices are likely",
    "to rise again in the second quarter as refilling begins.",
    "- A new supply contract is expected to be signed by the summer",
    "- The pipeline extension is very unlikely to be approved this year",
]


def test_a_pdf_is_read_as_paragraphs_headings_and_list_items_across_pages() -> None:
    text = pdf_to_text(text_pdf(LINES, per_page=5), name="outlook.pdf")
    assert text == (
        "Gas Market Outlook\n\n"
        "London, 5 June 2025: Prices at the hub fell by a third in January as storage "
        "withdrawals slowed. Storage stood at 38 percent on 1 February.\n\n"
        "Outlook\n\n"
        "We expect storage to be at least 30 percent full on 1 April. Prices are likely to "
        "rise again in the second quarter as refilling begins.\n"
        "- A new supply contract is expected to be signed by the summer\n"
        "- The pipeline extension is very unlikely to be approved this year\n"
    )
    sentences = split_sentences(text)
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert [s.section for s in sentences].count("Outlook") == 4
    assert sentences[-1].text == "The pipeline extension is very unlikely to be approved this year"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda: blank_pdf(), "scan.pdf has no text to read (a scanned PDF?): run it through OCR, "
         "or add its text as a .txt file."),
        (lambda: encrypted_pdf(LINES), "scan.pdf is an encrypted PDF; save an unencrypted copy "
         "(or its text) and add that."),
        (lambda: text_pdf(LINES)[:400], "scan.pdf is not a readable PDF (damaged or incomplete); "
         "open and re-save it, or add its text."),
        (lambda: b"%PDF-1.4\n" + bytes(range(256)) * 4, "scan.pdf is not a readable PDF "
         "(damaged or incomplete); open and re-save it, or add its text."),
    ],
)  # fmt: skip
def test_a_pdf_that_cannot_be_read_is_one_clear_line(
    data: object, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InputError) as refused:
        pdf_to_text(data(), name="scan.pdf")  # type: ignore[operator]
    assert str(refused.value) == message
    assert capsys.readouterr().err == ""  # pypdf's own warnings are not shown
