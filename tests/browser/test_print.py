"""Printing the review and the retrospective from the browser gives clean A4 pages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import (
    A4_CONTENT_WIDTH,
    DOCUMENTS,
    SCREENSHOTS,
    page_widths,
    scrolling_tables,
    too_wide,
    visit,
)

#: A4 in PostScript points (210 x 297 mm).
A4_POINTS = (595.28, 841.89)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_printing_gives_a4_pages(browser: Any, documents: dict[str, Path], name: str) -> None:
    from pypdf import PdfReader

    with visit(browser, documents[name], width=1024) as opened:
        pdf = opened.page.pdf(format="A4", prefer_css_page_size=True)
        assert opened.console_errors == [] and opened.page_errors == [] and opened.blocked == []
    assert pdf.startswith(b"%PDF-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    for page in pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=1), size


@pytest.mark.parametrize("name", DOCUMENTS)
def test_in_print_everything_fits_the_width_of_an_a4_page(
    browser: Any, documents: dict[str, Path], name: str
) -> None:
    # Paper cannot scroll: at the printable width of A4, neither the page nor any table may
    # be wider than the paper (the print style makes tables smaller, not scrollable).
    with visit(browser, documents[name], width=A4_CONTENT_WIDTH, media="print") as opened:
        page = opened.page
        widths = page_widths(page)
        assert widths["scrollWidth"] <= widths["clientWidth"], (widths, too_wide(page))
        assert scrolling_tables(page) == []
