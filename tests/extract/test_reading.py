"""What a report says about itself: its publication date (datelines) and its format."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.extract.reading import find_published, sniff_format

TODAY = date(2025, 7, 1)


@pytest.mark.parametrize(
    ("text", "day", "phrase"),
    [
        (
            "Federal Reserve issues FOMC statement\n\nWASHINGTON, March 20, 2024 — Recent "
            "indicators suggest that economic activity has been expanding at a solid pace.",
            date(2024, 3, 20),
            "WASHINGTON, March 20, 2024",
        ),
        ("London, 5 June 2025: The committee voted to hold rates.", date(2025, 6, 5),
         "London, 5 June 2025"),
        ("Monetary policy decisions\n\nFrankfurt am Main, 14 September 2023 – The Governing "
         "Council today decided to raise the three key rates.", date(2023, 9, 14),
         "Frankfurt am Main, 14 September 2023"),
        ("NEW YORK, Jan. 5, 2024 /PRNewswire/ -- Acme Corp. said on Friday it expects growth.",
         date(2024, 1, 5), "NEW YORK, Jan. 5, 2024"),
        ("BRUSSELS (Reuters), 12 May 2024 - EU ministers are likely to agree.", date(2024, 5, 12),
         "BRUSSELS (Reuters), 12 May 2024"),
        ("Weekly brief\nPublished: 20 March 2024 14:30 GMT\n\nTalks will resume.",
         date(2024, 3, 20), "Published: 20 March 2024"),
        ("# Weekly brief: Western Balkans\n\nPublished 3 March 2022.\n\n## Background\n",
         date(2022, 3, 3), "Published 3 March 2022"),
        ("MEMO\nDate: 2 June 2025\nTo: the board\n", date(2025, 6, 2), "Date: 2 June 2025"),
        ("Situation report No. 12\nIssued on Sept. 5, 2024\n", date(2024, 9, 5),
         "Issued on Sept. 5, 2024"),
        ("Press release\n\nWednesday, 20th March 2024\n\nThe bank said.", date(2024, 3, 20),
         "Wednesday, 20th March 2024"),
        ("Statement\n\n2024-03-20\n\nThe bank said.", date(2024, 3, 20), "2024-03-20"),
    ],
)  # fmt: skip
def test_a_dateline_or_a_published_line_gives_the_publication_date(
    text: str, day: date, phrase: str
) -> None:
    assert find_published(text, today=TODAY) == (day, phrase)


def test_an_updated_line_counts_only_when_nothing_else_does() -> None:
    both = "Brief\nUpdated: 5 June 2025\nPublished: 2 June 2025\n\nText."
    assert find_published(both, today=TODAY) == (date(2025, 6, 2), "Published: 2 June 2025")
    alone = "Brief\nLast updated on 5 June 2025\n\nText."
    assert find_published(alone, today=TODAY) == (date(2025, 6, 5), "Last updated on 5 June 2025")


@pytest.mark.parametrize(
    "text",
    [
        # Dates in the body are what the report is about, not when it was published.
        "Outlook\n\nThe next policy meeting is on 26 October 2024. A cut is unlikely.\n",
        "Outlook\n\nOn 14 September 2023, the bank raised its rate; it will meet again.\n",
        "Outlook\n\nTalks resumed in Brussels on 15 February 2022 - and stalled again.\n",
        # A month without a day is not a publication date.
        "Quarterly outlook\nPublished: March 2024\n",
        # A dateline far below the top of the report.
        "Title\n\n" + "A background sentence that goes on.\n" * 40 + "London, 5 June 2025: X.\n",
        "",
    ],
)
def test_no_publication_date_is_read_from_the_body(text: str) -> None:
    assert find_published(text, today=TODAY) is None


def test_a_date_after_today_is_never_the_publication_date() -> None:
    text = "Paris, 5 June 2030: The summit will open.\n\nPublished: 1 May 2025\n"
    assert find_published(text, today=TODAY) == (date(2025, 5, 1), "Published: 1 May 2025")
    assert find_published("Paris, 2 July 2025: Talks.", today=TODAY) is None


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
        (b"\n  %PDF-1.4", "pdf"),
        (b"<!DOCTYPE html><html><body><p>Hi</p>", "html"),
        (b"\xef\xbb\xbf<html lang='en'><p>Hi</p>", "html"),
        (b"<p>Talks will resume.</p>", "html"),
        (b"Talks will resume if a < b.\n", "text"),
        (b"<b>not a page</b> but text", "text"),
        (b"# Brief\n\n<p> in a code sample", "text"),
    ],
)
def test_the_format_of_piped_input_is_sniffed(data: bytes, kind: str) -> None:
    assert sniff_format(data) == kind
