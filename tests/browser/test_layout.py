"""The review and the retrospective in a real browser at 1024 and 390 px: the page never
scrolls sideways, chart text is readable, nothing fails or reaches the network; full-page
screenshots go to build/screenshots/ for a reviewer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import (
    DOCUMENTS,
    SCREENSHOTS,
    SMALLEST_CHART_TEXT,
    WIDTHS,
    Measured,
    measure,
)

VIEWS = [(name, width) for name in DOCUMENTS for width in WIDTHS]


@pytest.fixture(scope="module", params=VIEWS, ids=[f"{n}-{w}" for n, w in VIEWS])
def seen(request: pytest.FixtureRequest, browser: Any, documents: dict[str, Path]) -> Measured:
    """One document at one width, opened once, measured, and screenshotted."""
    name, width = request.param
    return measure(browser, name, documents[name], width=width, shots=SCREENSHOTS)


def test_the_page_does_not_scroll_sideways(seen: Measured) -> None:
    widths = seen.widths
    assert widths["scrollWidth"] <= widths["clientWidth"] <= widths["innerWidth"], (
        widths,
        seen.too_wide,
    )
    assert seen.too_wide == []


def test_every_table_is_in_a_box_of_its_own_that_can_scroll(seen: Measured) -> None:
    assert seen.unwrapped_tables == []


def test_chart_text_renders_at_10_px_or_more(seen: Measured) -> None:
    assert len(seen.chart_texts) > 20  # the calibration, horizon and quarterly charts' text
    small = [
        (text, round(size, 2)) for text, size in seen.chart_texts if size < SMALLEST_CHART_TEXT
    ]
    assert small == [], f"smallest {seen.smallest_chart_text:.2f} px"


def test_no_console_error_no_page_error_and_no_request_off_the_machine(seen: Measured) -> None:
    assert seen.console_errors == []
    assert seen.page_errors == []
    assert seen.blocked == []


def test_sections_come_in_the_documented_order(seen: Measured) -> None:
    # seen.sections is [(id, heading), ...] of the h2s in order, and seen.history_charts the
    # number of `.history-chart` elements: what checks of a first section or of one chart
    # per resolved question need.
    ids = [section_id for section_id, _ in seen.sections if section_id]
    assert ids[-1] == "conventions"
    assert len(set(ids)) == len(ids)  # a link to a section finds that section
    expected = {"review": ["questions", "calibration", "follow-up"], "retro": ["team", "analysts"]}
    assert [i for i in ids if i in expected[seen.name]] == expected[seen.name]


def test_one_history_chart_per_resolved_question(
    seen: Measured, documents: dict[str, Path]
) -> None:
    import json

    data = json.loads(documents[seen.name].with_suffix(".json").read_text(encoding="utf-8"))
    # The review charts each question resolved in the period, the retro each scored question.
    listed = data["questions"]
    resolved = len(listed) if isinstance(listed, list) else listed
    assert resolved > 0 and data["histories"]["omitted"] == 0
    assert seen.history_charts == resolved == len(data["histories"]["questions"])


def test_a_full_page_screenshot_is_saved_for_a_reviewer(seen: Measured) -> None:
    from PIL import Image

    assert seen.screenshot == SCREENSHOTS / f"{seen.name}-{seen.width}.png"
    with Image.open(seen.screenshot) as image:
        width, height = image.size
    assert width == seen.width  # the page, no wider than the window
    assert height > 2 * 900  # the whole page, not the first screen


LONG_WORD = "Nakhichevan" * 12  # 132 letters, no space
LONG_LINK = "https://example.org/" + "/".join(["sitrep-annex-" + str(n) for n in range(12)])
LONG_NAME = "Giragosian-Regional-Studies-Center-desk-officer-2"


def _ledger_of_long_words(tracker: Any) -> None:
    env = {"TRACKER_NOW": "2022-02-01T12:00:00+00:00"}

    def ok(*args: str) -> None:
        done = tracker(*args, env=env)
        assert done.exit_code == 0, done.stderr

    ok(
        "add",
        f"Will {LONG_WORD} agree by 31 January 2022? See {LONG_LINK}",
        "-c",
        f"An agreement is announced; see {LONG_LINK}",
        "-d",
        "2022-01-31",
        "--opened",
        "2022-01-01",
    )
    ok(
        "add",
        "Will the border commission meet by 31 January 2022?",
        "-c",
        "Both delegations confirm a meeting.",
        "-d",
        "2022-01-31",
        "--opened",
        "2022-01-01",
    )
    for question in ("1", "2"):
        ok("forecast", question, "70%", "--as", LONG_NAME, "--made-at", "2022-01-02")
        ok("forecast", question, "20%", "--as", "tom", "--made-at", "2022-01-02")
    ok("resolve", "1", "no", "--on", "2022-01-30", "--evidence", f"{LONG_LINK} {LONG_WORD}")
    ok("resolve", "2", "yes", "--on", "2022-01-29", "--evidence", LONG_LINK)


@pytest.mark.parametrize(
    "command", [["report", "--period", "2022Q1"], ["retro"]], ids=["review", "retro"]
)
def test_long_words_links_and_names_wrap_on_a_phone(
    browser: Any, tracker: Any, tmp_path: Path, command: list[str]
) -> None:
    _ledger_of_long_words(tracker)
    out = tmp_path / "page.html"
    done = tracker(*command, "--out", str(out), env={"TRACKER_NOW": "2022-02-01T12:00:00+00:00"})
    assert done.exit_code == 0, done.stderr
    seen = measure(browser, f"long-words-{command[0]}", out, width=390, shots=tmp_path)
    assert seen.widths["scrollWidth"] <= seen.widths["clientWidth"], seen.too_wide
    assert seen.unwrapped_tables == []
    assert [t for t in seen.chart_texts if t[1] < SMALLEST_CHART_TEXT] == []
    # Nothing of a long name is lost in a chart: it is broken into lines, not cut.
    assert "".join(text for text, _ in seen.chart_texts).count("Giragosian-Regional") >= 1
