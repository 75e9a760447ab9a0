"""`tracker source add`: PDF files, standard input (-), and the publication date read from the
report's dateline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.extract.pdfs import blank_pdf, text_pdf

Tracker = Callable[..., Run]
NOW = {"TRACKER_NOW": "2024-03-21T09:00:00+00:00"}
STATEMENT = (
    "Federal Reserve issues FOMC statement\n\n"
    "WASHINGTON, March 20, 2024 \u2014 Recent indicators suggest that economic activity has "
    "been expanding at a solid pace. The Committee expects to cut rates by the end of the "
    "year.\n"
)


def _nothing_added(tracker: Tracker) -> None:
    listed = tracker("source", "list", "--json", env=NOW)
    assert listed.stderr.startswith("error: No database at")  # not even the database is made


def test_a_report_piped_to_standard_input_is_added_with_its_dateline(tracker: Tracker) -> None:
    added = tracker("source", "add", "-", input=STATEMENT, env=NOW)
    assert added.exit_code == 0, added.stderr
    assert added.stdout == (
        "Added source 1: Federal Reserve issues FOMC statement.\n"
        "Published 2024-03-20 (read from the report: \u201cWASHINGTON, March 20, 2024\u201d).\n"
    )
    assert "--published DATE overrides the date read from the report" in added.stderr
    assert "the title was taken from the first line" in added.stderr
    shown = json.loads(tracker("source", "show", "1", "--json", env=NOW).stdout)
    assert shown["published_on"] == "2024-03-20" and shown["file"] is None
    assert shown["text"] == STATEMENT


def test_json_says_where_the_publication_date_was_read(tracker: Tracker) -> None:
    added = tracker("source", "add", "-", "--title", "FOMC", "--json", input=STATEMENT, env=NOW)
    data = json.loads(added.stdout)
    assert (data["title"], data["published_on"]) == ("FOMC", "2024-03-20")
    assert data["published_read_from"] == "WASHINGTON, March 20, 2024"


def test_published_given_wins_over_the_dateline(tracker: Tracker) -> None:
    added = tracker(
        "source", "add", "-", "--published", "2024-03-19", "--json", input=STATEMENT, env=NOW
    )
    data = json.loads(added.stdout)
    assert (data["published_on"], data["published_read_from"]) == ("2024-03-19", None)
    assert "Published" not in tracker("source", "add", "-", input=STATEMENT + " ", env=NOW).stderr


def test_a_report_without_a_dateline_has_no_publication_date(tracker: Tracker) -> None:
    added = tracker(
        "source", "add", "-", "--json", input="Brief\n\nTalks will resume on 4 April 2024.\n"
    )
    data = json.loads(added.stdout)
    assert (data["published_on"], data["published_read_from"]) == (None, None)


def test_piped_html_is_reduced_to_its_text_and_titled(tracker: Tracker) -> None:
    page = (
        "<!doctype html><html><head><title>Rates &amp; outlook</title></head><body>"
        "<p>London, 5 March 2024: We <em>expect</em> a cut by June.</p></body></html>"
    )
    data = json.loads(tracker("source", "add", "-", "--json", input=page, env=NOW).stdout)
    assert data["title"] == "Rates & outlook"
    assert data["text"] == "London, 5 March 2024: We *expect* a cut by June.\n"
    assert data["published_on"] == "2024-03-05"


def test_a_pdf_is_added_by_file_and_from_standard_input(tracker: Tracker, tmp_path: Path) -> None:
    lines = [
        "Gas Market Outlook",
        "London, 5 March 2024: Prices at the hub fell by a third in January as storage",
        "withdrawals slowed. Storage stood at 38 percent on 1 February.",
        "Outlook",
        "We expect storage to be at least 30 percent full on 1 April.",
    ]
    report = tmp_path / "outlook.pdf"
    report.write_bytes(text_pdf(lines))
    added = json.loads(tracker("source", "add", str(report), "--json", env=NOW).stdout)
    assert (added["title"], added["file"]) == ("Gas Market Outlook", "outlook.pdf")
    assert added["published_on"] == "2024-03-05"
    assert added["text"].startswith("Gas Market Outlook\n\nLondon, 5 March 2024: Prices")
    scanned = json.loads(tracker("source", "scan", "1", "--json", env=NOW).stdout)
    assert scanned[0]["sentence"].startswith("We expect storage")
    piped = tracker("source", "add", "-", input=text_pdf([*lines, "A last line."]), env=NOW)
    assert piped.exit_code == 0, piped.stderr
    assert piped.stdout.startswith("Added source 2: Gas Market Outlook.\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "error: standard input is empty; pipe the report in "
         "(tracker source add - < report.txt).\n"),
        (b" \n\t\n", "error: standard input is empty; pipe the report in "
         "(tracker source add - < report.txt).\n"),
        (bytes(range(128, 256)) * 3, "error: standard input is not UTF-8 text, HTML or a PDF; "
         "save it as UTF-8 and try again.\n"),
        (b"%PDF-1.4\n" + bytes(range(256)) * 4, "error: standard input is not a readable PDF "
         "(damaged or incomplete); open and re-save it, or add its text.\n"),
    ],
)  # fmt: skip
def test_bad_standard_input_is_one_line_and_adds_nothing(
    tracker: Tracker, data: bytes, message: str
) -> None:
    refused = tracker("source", "add", "-", input=data, env=NOW)
    assert (refused.exit_code, refused.stderr) == (1, message)
    _nothing_added(tracker)


def test_a_scanned_pdf_is_refused_in_one_line(tracker: Tracker, tmp_path: Path) -> None:
    report = tmp_path / "scan.pdf"
    report.write_bytes(blank_pdf())
    refused = tracker("source", "add", str(report), env=NOW)
    assert (refused.exit_code, refused.stderr) == (
        1,
        f"error: {report} has no text to read (a scanned PDF?): run it through OCR, or add its "
        "text as a .txt file.\n",
    )
    _nothing_added(tracker)


def test_a_file_with_another_suffix_is_refused(tracker: Tracker, tmp_path: Path) -> None:
    report = tmp_path / "brief.docx"
    report.write_bytes(b"PK\x03\x04")
    refused = tracker("source", "add", str(report), env=NOW)
    assert refused.stderr == (
        "error: brief.docx: only plain text, Markdown, HTML and PDF reports can be added "
        "(.txt, .md, .html, .pdf).\n"
    )


def test_a_markdown_heading_as_first_line_is_the_title_without_its_marks(
    tmp_path: Path, tracker: Tracker
) -> None:
    report = tmp_path / "brief.md"
    report.write_text("# Global Trends: out to 2055\n\nPrices will rise.\n", encoding="utf-8")
    result = tracker("source", "add", str(report), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "Global Trends: out to 2055"


def test_a_dry_run_shows_the_date_read_and_writes_nothing(tracker: Tracker) -> None:
    shown = tracker("source", "add", "-", "--dry-run", input=STATEMENT, env=NOW)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout == (
        "Would add source Federal Reserve issues FOMC statement (dry run: nothing written).\n"
        "Published 2024-03-20 (read from the report: \u201cWASHINGTON, March 20, 2024\u201d); if "
        "that is wrong, add it with --published DATE.\n"
        "Yardstick: ICD 203. Candidate expectations: 1.\n"
    )
    _nothing_added(tracker)  # not even the database file
    assert tracker("source", "add", "-", "--title", "FOMC", input=STATEMENT, env=NOW).exit_code == 0
    other = STATEMENT.replace("solid pace", "moderate pace")
    data = json.loads(
        tracker(
            "source", "add", "-", "--dry-run", "--json", "--yardstick", "phia",
            "--published", "2024-03-21", input=other, env=NOW,
        ).stdout
    )  # fmt: skip
    assert (data["number"], data["published_on"], data["published_read_from"]) == (
        None,
        "2024-03-21",
        None,
    )
    assert (data["yardstick_in_force"], data["candidates"], data["dry_run"]) == ("PHIA", 1, True)
    listed = json.loads(tracker("source", "list", "--json", env=NOW).stdout)
    assert len(listed) == 1  # the dry run added nothing to an existing ledger either
    again = tracker("source", "add", "-", "--dry-run", input=STATEMENT, env=NOW)
    assert again.exit_code == 1 and again.stderr.startswith("error: This text is already source")
