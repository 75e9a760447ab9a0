"""Tracker's HTML documents in headless Chromium: building them from the example, opening them
offline, and measuring what a reader sees (page width, chart text, sections, charts).

Used by the browser tests and by `make screenshot` (python -m tests.browser.screenshot).
Chromium is Debian's package, driven by Playwright; Playwright never downloads a browser here
(`executable_path` is always given) and every request that would leave the machine is blocked
and recorded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import AFTER_EXAMPLE, REPO, own_example

#: Where the tests leave their screenshots for a reviewer (build/ is not committed).
SCREENSHOTS = REPO / "build" / "screenshots"

#: Viewport widths (CSS px): a small laptop and a phone.
WIDTHS = (1024, 390)
VIEWPORT_HEIGHT = 900
#: The smallest chart text a reader should have to read (CSS px).
SMALLEST_CHART_TEXT = 10.0
#: A4 minus the print style's side margins (14 mm each): 182 mm at 96 px per inch.
A4_CONTENT_WIDTH = round(182 / 25.4 * 96)

#: The documents the tests open: name -> the command that writes it (after `--out FILE`).
DOCUMENTS = {
    "review": ["report", "--period", "2022Q2"],
    "retro": ["retro"],
}


def chromium_executable() -> str | None:
    """The browser to drive: $TRACKER_TEST_CHROMIUM (scripts/with-chromium sets it), else a
    `chromium` on the PATH; None when there is none."""
    named = os.environ.get("TRACKER_TEST_CHROMIUM")
    if named:
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


def build_documents(folder: Path) -> dict[str, Path]:
    """Import the example into a ledger in `folder` and write the review of 2022Q2 and the
    retrospective there as HTML, with the clock pinned; returns name -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    db = own_example(folder / "example.db")
    env = {
        **os.environ,
        "TRACKER_NOW": AFTER_EXAMPLE.isoformat(),
        "TRACKER_USER": "ani",
        # This checkout's tracker, not whichever one is installed.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    written = {}
    for name, command in DOCUMENTS.items():
        out = folder / f"{name}.html"
        subprocess.run(
            [sys.executable, "-m", "tracker", "--db", str(db), *command, "--out", str(out)],
            check=True,
            capture_output=True,
            env=env,
            cwd=folder,
        )
        written[name] = out
        # The same document as JSON, for what the page must show (e.g. one chart per question).
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tracker",
                "--db",
                str(db),
                *command,
                "--out",
                str(out.with_suffix(".json")),
            ],
            check=True,
            capture_output=True,
            env=env,
            cwd=folder,
        )
    return written


@dataclass
class Visit:
    """An open page, and what went wrong while it loaded and ran."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    #: Requests for anything but a local file: blocked, and listed here.
    blocked: list[str] = field(default_factory=list)


@contextmanager
def visit(browser: Any, document: Path, *, width: int, media: str = "screen") -> Iterator[Visit]:
    """Open `document` in a fresh browser context `width` CSS px wide, offline."""
    context = browser.new_context(
        viewport={"width": width, "height": VIEWPORT_HEIGHT}, device_scale_factor=1
    )
    opened = Visit(page=None)

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            opened.blocked.append(url)
            route.abort()

    try:
        context.route("**/*", only_local)
        page = context.new_page()
        opened.page = page
        page.on(
            "console",
            lambda message: (
                opened.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: opened.page_errors.append(str(error)))
        page.emulate_media(media=media)
        page.goto(document.resolve().as_uri(), wait_until="load")
        yield opened
    finally:
        context.close()


# --- what a reader sees ---------------------------------------------------------------------------

_WIDTHS_JS = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
  innerWidth: window.innerWidth,
})"""

#: Each chart text's rendered size: its font size in the SVG's user units times the scale from
#: those units to CSS px (the screen CTM takes in the viewBox, every transform and rotation).
_CHART_TEXT_JS = """() => Array.from(document.querySelectorAll('svg text'))
  .filter(t => t.textContent.trim() !== '' && t.getScreenCTM() !== null)
  .map(t => {
    const m = t.getScreenCTM();
    return [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)];
  })"""

_TOO_WIDE_JS = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = e => e.getBoundingClientRect().right > limit + 0.5;
  return Array.from(document.body.querySelectorAll('*'))
    .filter(e => !e.ownerSVGElement && !e.closest('.table-wrap'))  // an SVG clips its own content
    .filter(e => wide(e) && !(e.parentElement && wide(e.parentElement)))
    .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} right edge at ${Math.round(e.getBoundingClientRect().right)} px`);
}"""

_UNWRAPPED_TABLES_JS = """() => Array.from(document.querySelectorAll('table'))
  .filter(t => !(t.parentElement && t.parentElement.classList.contains('table-wrap')))
  .map(t => (t.querySelector('th') || t).textContent.trim().slice(0, 40))"""

_SCROLLING_TABLES_JS = """() => Array.from(document.querySelectorAll('.table-wrap'))
  .filter(w => w.scrollWidth > w.clientWidth + 0.5)
  .map(w => (w.querySelector('th') || w).textContent.trim().slice(0, 40))"""

_SECTIONS_JS = """() => Array.from(document.querySelectorAll('h2'))
  .map(h => [h.id || (h.closest('section[id]') || {}).id || '', h.textContent.trim()])"""

_HISTORY_CHARTS_JS = """() => Array.from(document.querySelectorAll('.history-chart'))
  .filter(e => !e.parentElement.closest('.history-chart')).length"""


def page_widths(page: Any) -> dict[str, int]:
    """The document's scroll width beside the viewport's (`innerWidth`, with any scrollbar)
    and the root's client width (without it)."""
    widths: dict[str, int] = page.evaluate(_WIDTHS_JS)
    return widths


def chart_texts(page: Any) -> list[tuple[str, float]]:
    """Every non-empty text of every chart (inline SVG) and the size it renders at, in CSS px."""
    return [(text, size) for text, size in page.evaluate(_CHART_TEXT_JS)]


def too_wide(page: Any) -> list[str]:
    """The outermost elements reaching past the right edge of the page (outside the tables'
    own scrolling boxes): what makes the page scroll sideways."""
    found: list[str] = page.evaluate(_TOO_WIDE_JS)
    return found


def unwrapped_tables(page: Any) -> list[str]:
    """Tables not in a `.table-wrap` box of their own (which lets a wide table scroll)."""
    found: list[str] = page.evaluate(_UNWRAPPED_TABLES_JS)
    return found


def scrolling_tables(page: Any) -> list[str]:
    """Tables wider than their box (they scroll inside it), by their first header."""
    found: list[str] = page.evaluate(_SCROLLING_TABLES_JS)
    return found


def sections(page: Any) -> list[tuple[str, str]]:
    """The document's sections in order: (id, heading) of each h2."""
    return [(section_id, heading) for section_id, heading in page.evaluate(_SECTIONS_JS)]


def section_ids(page: Any) -> list[str]:
    """The ids of the document's sections (h2), in order."""
    return [section_id for section_id, _ in sections(page)]


def history_charts(page: Any) -> int:
    """How many history charts (elements of class `history-chart`, not nested) the page has."""
    count: int = page.evaluate(_HISTORY_CHARTS_JS)
    return count


@dataclass
class Measured:
    """One document at one width, as the tests check it."""

    name: str
    width: int
    widths: dict[str, int]
    chart_texts: list[tuple[str, float]]
    too_wide: list[str]
    unwrapped_tables: list[str]
    sections: list[tuple[str, str]]
    history_charts: int
    console_errors: list[str]
    page_errors: list[str]
    blocked: list[str]
    screenshot: Path

    @property
    def smallest_chart_text(self) -> float:
        return min((size for _, size in self.chart_texts), default=float("inf"))


def measure(browser: Any, name: str, document: Path, *, width: int, shots: Path) -> Measured:
    """Open a document at `width`, measure it, and save a full-page screenshot
    `{shots}/{name}-{width}.png`."""
    with visit(browser, document, width=width) as opened:
        page = opened.page
        shots.mkdir(parents=True, exist_ok=True)
        screenshot = shots / f"{name}-{width}.png"
        page.screenshot(path=str(screenshot), full_page=True)
        return Measured(
            name=name,
            width=width,
            widths=page_widths(page),
            chart_texts=chart_texts(page),
            too_wide=too_wide(page),
            unwrapped_tables=unwrapped_tables(page),
            sections=sections(page),
            history_charts=history_charts(page),
            console_errors=list(opened.console_errors),
            page_errors=list(opened.page_errors),
            blocked=list(opened.blocked),
            screenshot=screenshot,
        )
