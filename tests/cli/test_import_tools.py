"""`tracker import --from TOOL` on exports in each tool's real layout: the rules of the command
line, the problems table, --dry-run, --skip-invalid, several files, and what scoring makes of
history logged after the fact."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, Run

Tracker = Callable[..., Run]
FIXTURES = REPO / "tests" / "fixtures" / "import"
LATER = {"TRACKER_NOW": "2026-06-01T12:00:00+00:00", "COLUMNS": "200"}
NOTHING_NEW = "Added 0 questions, 0 forecasts, 0 resolutions"


def _database() -> Path:
    return Path(os.environ["TRACKER_DB"])


def _stored_probabilities() -> list[str]:
    """The probabilities column of every forecast, as the database holds its text."""
    with sqlite3.connect(_database()) as connection:
        rows = connection.execute("SELECT probabilities FROM forecast ORDER BY id").fetchall()
    return [text for (text,) in rows]


def _table_rows(stderr: str) -> list[list[str]]:
    """The cells of each row of the problems table (a long `why` wraps onto lines of its own,
    whose other cells are empty: those are left out)."""
    rows = [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in stderr.splitlines()
        if line.startswith("│")
    ]
    return [cells for cells in rows if any(cells[:-1])]


@pytest.mark.parametrize(
    ("tool", "name", "problems", "rows", "added", "skipped"),
    [
        (
            "fatebook",
            "fatebook-flawed.csv",
            [
                ("3", "Forecast created at"),  # a time-zone offset of +15:00
                ("4", "Forecast created by"),  # a reserved name
                ("5", "Forecast (scale = 0-1)"),  # certainty
                ("7", "Question resolve by"),  # an offset of -13:00
            ],
            6,
            "1 question, 1 forecast, 1 resolution",
            "rows 2, 3, 4, 5, 7",  # row 2 is the question of row 3
        ),
        (
            "augur",
            "augur-flawed.json",
            [("2", "probability"), ("3", "resolve_by"), ("4", "note")],
            5,
            "2 questions, 2 forecasts, 1 resolution",
            "rows 2, 3, 4",
        ),
        (
            "predictionbook",
            "predictionbook-flawed.csv",
            [("3", "description_with_group"), ("4", "creator_label"), ("5", "question")],
            5,
            "1 question, 0 forecasts, 0 resolutions",
            "rows 2, 3, 4, 5",  # row 5 is row 2's prediction, edited: both are left out
        ),
        (
            "predictionbook",
            "predictionbook-flawed.json",
            [("2", "response confidence"), ("3", "response confidence")],
            3,
            "1 question, 1 forecast, 0 resolutions",
            "rows 2, 3",
        ),
        (
            "csv",
            "simple-flawed.csv",
            [("3", "forecast"), ("4", "forecaster"), ("5", "outcome")],
            4,
            "1 question, 1 forecast, 1 resolution",
            "rows 3, 4, 5",
        ),
    ],
)
def test_each_importer_lists_problems_by_row_and_field_and_skips_them_only_when_asked(
    tracker: Tracker,
    tool: str,
    name: str,
    problems: list[tuple[str, str]],
    rows: int,
    added: str,
    skipped: str,
) -> None:
    path = str(FIXTURES / name)
    refused = tracker("import", "--from", tool, path, env=LATER)
    assert refused.exit_code == 1
    assert [tuple(cells[:2]) for cells in _table_rows(refused.stderr)] == problems
    assert refused.stderr.splitlines()[-1] == (
        f"error: {len(problems)} rows of {rows} have problems (listed above); nothing was "
        "imported. Fix them, or pass --skip-invalid to leave them out."
    )
    assert not _database().exists()  # nothing written

    dry = tracker("import", "--from", tool, path, "--dry-run", env=LATER)
    assert dry.exit_code == 1
    assert dry.stdout.startswith(
        f"Without the rows that have problems: would add {added}; 0 already there."
    )
    dry_skipping = tracker("import", "--from", tool, path, "--dry-run", "--skip-invalid", env=LATER)
    assert dry_skipping.exit_code == 0
    assert dry_skipping.stdout.startswith(f"Would add {added} from {rows} rows of {tool}")
    assert not _database().exists()

    skipping = tracker("import", "--from", tool, path, "--skip-invalid", env=LATER)
    assert skipping.exit_code == 0, skipping.stderr
    assert f"Skipped {skipped}." in skipping.stderr
    assert skipping.stdout.startswith(f"Added {added} from {rows} rows of {tool}; 0 already")
    again = tracker("import", "--from", tool, path, "--skip-invalid", env=LATER)
    assert again.stdout.startswith(NOTHING_NEW)


def test_augur_predictions_logged_after_the_fact_are_kept_shown_and_never_scored(
    tracker: Tracker,
) -> None:
    imported = tracker("import", "--from", "augur", str(FIXTURES / "augur-export.json"), env=LATER)
    assert imported.exit_code == 0, imported.stderr
    assert imported.stdout.splitlines() == [
        "Added 8 questions, 8 forecasts, 6 resolutions from 8 rows of augur; 0 already there.",
        "4 forecasts were made after their question's outcome or deadline: they are kept and "
        "shown, never scored (docs/scoring.md).",
    ]
    questions = {q["title"]: q for q in json.loads(tracker("list", "--json", env=LATER).stdout)}
    turnout = questions["Turnout in the Dutch general election exceeds 75%"]
    shown = json.loads(tracker("show", turnout["id"], "--json", env=LATER).stdout)
    assert [f["made_at"] for f in shown["forecasts"]] == ["2026-03-15T20:33:05+00:00"]
    assert [(r["outcome"], r["occurred_on"]) for r in shown["resolutions"]] == [
        ("yes", "2025-10-29")
    ]
    scored = json.loads(tracker("score", "--json", env=LATER).stdout)
    assert (scored["excluded"]["hindsight"], scored["excluded"]["annulled"]) == (2, 2)
    assert {q["question"] for q in scored["questions"]} == {
        questions["The ECB cuts its deposit rate at its December 2025 meeting"]["id"],
        questions["Ship v2 of the reporting pipeline by Friday"]["id"],
    }
    exported = list(csv.DictReader(io.StringIO(tracker("export", "--format", "csv").stdout)))
    late = next(r for r in exported if r["question_id"] == turnout["id"])
    assert (late["outcome"], late["score"]) == ("yes", "")
    again = tracker("import", "--from", "augur", str(FIXTURES / "augur-export.csv"), env=LATER)
    assert again.stdout.splitlines() == [
        "Added 0 questions, 0 forecasts, 0 resolutions from 8 rows of augur; 22 already there."
    ]  # augur's CSV export is the same predictions


@pytest.mark.parametrize(
    ("tool", "name", "stored"),
    [
        (
            "augur",
            "augur-export.json",
            {
                '{"yes":0.7,"no":0.3}',  # in floats, 1 - 0.7 is 0.30000000000000004
                '{"yes":0.2,"no":0.8}',
                '{"yes":0.3,"no":0.7}',
                '{"yes":0.8,"no":0.2}',  # in floats, 1 - 0.8 is 0.19999999999999996
                '{"yes":0.575,"no":0.425}',
                '{"yes":0.9,"no":0.1}',  # in floats, 1 - 0.9 is 0.09999999999999998
                '{"yes":0.1,"no":0.9}',
            },
        ),
        (
            "augur",
            "augur-export.csv",
            {
                '{"yes":0.7,"no":0.3}',
                '{"yes":0.2,"no":0.8}',
                '{"yes":0.3,"no":0.7}',
                '{"yes":0.8,"no":0.2}',
                '{"yes":0.575,"no":0.425}',
                '{"yes":0.9,"no":0.1}',
                '{"yes":0.1,"no":0.9}',
            },
        ),
        (
            "fatebook",
            "fatebook.csv",
            {
                '{"yes":0.7,"no":0.3}',
                '{"yes":0.85,"no":0.15}',
                '{"yes":0.4,"no":0.6}',
                '{"yes":0.55,"no":0.45}',
            },
        ),
        (
            "predictionbook",
            "predictionbook.json",
            {
                '{"yes":0.65,"no":0.35}',
                '{"yes":0.45,"no":0.55}',
                '{"yes":0.4,"no":0.6}',
                '{"yes":0.8,"no":0.2}',  # 80 of 100
                '{"yes":0.55,"no":0.45}',  # in floats, 1 - 0.55 is 0.44999999999999996
                '{"yes":0.9,"no":0.1}',
                '{"yes":0.2,"no":0.8}',
            },
        ),
        (
            "csv",
            "simple.csv",
            {'{"yes":0.7,"no":0.3}', '{"yes":0.675,"no":0.325}', '{"yes":0.4,"no":0.6}'},
        ),
    ],
)
def test_every_reader_stores_probabilities_as_clean_decimals(
    tracker: Tracker, tool: str, name: str, stored: set[str]
) -> None:
    result = tracker("import", "--from", tool, str(FIXTURES / name), env=LATER)
    assert result.exit_code == 0, result.stderr
    texts = _stored_probabilities()
    assert set(texts) == stored
    for text in texts:  # each on the grid of millionths, written as its short decimal
        for value in json.loads(text).values():
            assert re.fullmatch(r"0\.\d{1,6}", repr(value)), text


def test_predictionbook_pages_and_its_api_export_import_together(tracker: Tracker) -> None:
    pages = [
        str(FIXTURES / n) for n in ("predictionbook-mine.csv", "predictionbook-mine-page2.csv")
    ]
    api = str(FIXTURES / "predictionbook.json")
    result = tracker("import", "--from", "predictionbook", *pages, api, env=LATER)
    assert result.exit_code == 0, result.stderr
    first, note = result.stdout.splitlines()
    assert first == (
        "Added 7 questions, 7 forecasts, 5 resolutions from 12 rows of predictionbook "
        "(3 files); 0 already there."
    )
    assert "no forecasts" in note and "JSON API export (/api/my_predictions)" in note
    again = tracker("import", "--from", "predictionbook", api, *pages, env=LATER)
    assert again.stdout.startswith(NOTHING_NEW)
    questions = json.loads(tracker("list", "--json", env=LATER).stdout)
    assert not any("mean" in json.dumps(q) for q in questions)
    owners = {f["forecaster"] for q in questions for f in _forecasts(tracker, q["id"])}
    assert owners == {"analyst_a", "analyst_b"}  # from the responses, never from the CSV


def _forecasts(tracker: Tracker, question: str) -> list[dict[str, object]]:
    shown = json.loads(tracker("show", question, "--json", env=LATER).stdout)
    forecasts: list[dict[str, object]] = shown["forecasts"]
    return forecasts


def test_predictionbooks_csv_alone_says_where_the_forecasts_are(tracker: Tracker) -> None:
    result = tracker(
        "import", "--from", "predictionbook", str(FIXTURES / "predictionbook-mine.csv"), env=LATER
    )
    assert result.stdout.splitlines()[1].startswith(
        "PredictionBook's CSV holds questions and outcomes but no forecasts (its "
        "mean_confidence mixes everyone's responses, so it is nobody's forecast): the forecasts "
        "come from the JSON API export (/api/my_predictions)."
    )
    questions = json.loads(tracker("list", "--json", env=LATER).stdout)
    assert len(questions) == 5
    assert all(_forecasts(tracker, q["id"]) == [] for q in questions)


def test_predictionbooks_json_after_its_csv_is_refused_with_the_way_out(tracker: Tracker) -> None:
    tracker(
        "import", "--from", "predictionbook", str(FIXTURES / "predictionbook-mine.csv"), env=LATER
    )
    late = tracker(
        "import", "--from", "predictionbook", str(FIXTURES / "predictionbook.json"), env=LATER
    )
    assert late.exit_code == 1
    (line,) = late.stderr.splitlines()
    assert re.fullmatch(
        r"error: Row \d: question 'predictionbook-\w+' was already resolved when this forecast "
        r"was recorded \(.*\); forecasts on it are closed\. Import PredictionBook's JSON export "
        r"before its CSV, or both in one command \(docs/import\.md\)\.",
        line,
    )
    assert len(_stored_probabilities()) == 0


def test_predictionbooks_csv_after_its_json_adds_nothing(tracker: Tracker) -> None:
    api = str(FIXTURES / "predictionbook.json")
    assert tracker("import", "--from", "predictionbook", api, env=LATER).exit_code == 0
    csv_file = str(FIXTURES / "predictionbook-mine.csv")
    again = tracker("import", "--from", "predictionbook", csv_file, env=LATER)
    assert again.stdout.startswith(NOTHING_NEW)


def test_an_empty_predictionbook_export_is_one_clear_line(tracker: Tracker, tmp_path: Path) -> None:
    empty = tmp_path / "my_predictions.csv"
    empty.write_bytes(b"")
    result = tracker("import", "--from", "predictionbook", str(empty), env=LATER)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: The file is empty: PredictionBook exports an empty file (no header row) when "
        "there are no predictions to export; nothing to import.\n"
    )
    page = str(FIXTURES / "predictionbook-mine-page2.csv")
    with_page = tracker("import", "--from", "predictionbook", page, str(empty), env=LATER)
    assert with_page.exit_code == 0
    assert f"{empty} is empty (PredictionBook writes no header row" in with_page.stdout


def test_problems_in_several_files_name_the_file(tracker: Tracker) -> None:
    good, bad = str(FIXTURES / "simple.csv"), str(FIXTURES / "simple-flawed.csv")
    refused = tracker("import", "--from", "csv", good, bad, env=LATER)
    assert refused.exit_code == 1
    assert [cells[:3] for cells in _table_rows(refused.stderr)] == [
        [bad, "3", "forecast"],
        [bad, "4", "forecaster"],
        [bad, "5", "outcome"],
    ]
    assert "error: 3 rows of 7 have problems" in refused.stderr
    skipping = tracker("import", "--from", "csv", good, bad, "--skip-invalid", env=LATER)
    assert f"Skipped rows 4 of {good}; 3, 4, 5 of {bad}." in skipping.stderr
    assert skipping.stdout.startswith(
        "Added 1 question, 2 forecasts, 1 resolution from 7 rows of csv (2 files)"
    )  # the ceasefire's first forecast is in both files: it counts once


def test_a_row_the_database_refuses_is_named_by_its_file_and_row(
    tracker: Tracker, tmp_path: Path
) -> None:
    tracker("import", "--from", "fatebook", str(FIXTURES / "fatebook.csv"), env=LATER)
    lines = (FIXTURES / "fatebook.csv").read_text(encoding="utf-8").split("\n")
    later = tmp_path / "later.csv"
    later.write_text(
        "\n".join(
            [lines[0], lines[1].replace("0.7,2024-03-05 14:07:5", "0.75,2024-03-05 18:00:0")]
        ),
        encoding="utf-8",
    )
    other = tmp_path / "other.csv"
    other.write_text("\n".join(lines[:3]), encoding="utf-8")
    result = tracker("import", "--from", "fatebook", str(other), str(later), env=LATER)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: Row 2 of {later}: question 'fatebook-")
    assert "forecasts on it are closed." in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["a.jsonl", "b.jsonl"],
            "error: Give one JSON Lines file per import: its lines may refer to records of the "
            "files before it, so import them one at a time, in order.\n",
        ),
        (
            ["--from", "csv", "simple.csv", "simple.csv"],
            "error: {}/simple.csv is given twice; give each file once.\n",
        ),
        (["--from", "csv", "simple.csv", "missing.csv"], "error: No file {}/missing.csv.\n"),
        (
            ["--from", "csv", "simple.csv", "augur-export.json"],
            "error: {}/augur-export.json: This is not a CSV file tracker reads: no column "
            "'question', 'forecast', 'made_on', 'deadline'. See docs/import.md for the columns "
            "it reads.\n",
        ),
    ],
)
def test_several_files_are_checked_before_anything_is_read_into_the_record(
    tracker: Tracker, arguments: list[str], message: str
) -> None:
    paths = [str(FIXTURES / a) if "." in a else a for a in arguments]
    result = tracker("import", *paths, env=LATER)
    assert result.exit_code == 1
    assert result.stderr == message.format(FIXTURES)
    assert not _database().exists()


def test_a_problem_quoting_brackets_shows_them_as_written(tracker: Tracker, tmp_path: Path) -> None:
    file = tmp_path / "history.csv"
    file.write_text(
        "question,forecast,made_on,deadline\n[bold]Q[/bold],[red]70%,2022-01-01,2022-02-01\n",
        encoding="utf-8",
    )
    result = tracker("import", "--from", "csv", str(file), env=LATER)
    assert "Cannot read '[red]70%' as a probability" in result.stderr  # not read as markup
    assert result.stderr.splitlines()[-1].startswith("error: 1 row of 1 has problems")
