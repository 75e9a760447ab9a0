"""`tracker import --from TOOL` and `tracker export --format csv` from the command line."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, REPO, Run

Tracker = Callable[..., Run]
FIXTURES = REPO / "tests" / "fixtures" / "import"
LATER = {"TRACKER_NOW": "2026-06-01T12:00:00+00:00"}


@pytest.mark.parametrize(
    ("tool", "name", "added"),
    [
        ("fatebook", "fatebook.csv", "3 questions, 4 forecasts, 2 resolutions from 4 rows"),
        ("augur", "augur-export.json", "8 questions, 8 forecasts, 6 resolutions from 8 rows"),
        ("augur", "augur-export.csv", "8 questions, 8 forecasts, 6 resolutions from 8 rows"),
        (
            "predictionbook",
            "predictionbook.json",
            "5 questions, 7 forecasts, 4 resolutions from 5 rows",
        ),
        (
            "predictionbook",
            "predictionbook-mine.csv",
            "5 questions, 0 forecasts, 4 resolutions from 5 rows",
        ),
        ("csv", "simple.csv", "2 questions, 3 forecasts, 1 resolution from 3 rows"),
    ],
)
def test_importing_an_export_twice_adds_nothing_the_second_time(
    tracker: Tracker, tool: str, name: str, added: str
) -> None:
    path = str(FIXTURES / name)
    dry = tracker("import", "--from", tool, path, "--dry-run", env=LATER)
    assert dry.exit_code == 0 and dry.stdout.startswith(f"Would add {added}")
    assert not Path(os.environ["TRACKER_DB"]).exists()  # a dry run creates nothing
    first = tracker("import", "--from", tool, path, env=LATER)
    assert first.stdout.startswith(f"Added {added}"), first.stderr
    again = tracker("import", "--from", tool, path, env=LATER)
    assert again.stdout.startswith("Added 0 questions, 0 forecasts, 0 resolutions")


def test_imported_forecasts_keep_their_times_and_where_they_came_from(tracker: Tracker) -> None:
    tracker("import", "--from", "fatebook", str(FIXTURES / "fatebook.csv"), env=LATER)
    questions = json.loads(tracker("list", "--json", env=LATER).stdout)
    rain = next(q for q in questions if q["title"].startswith("Will it rain"))
    shown = json.loads(tracker("show", rain["id"], "--json", env=LATER).stdout)
    first = shown["forecasts"][0]
    assert first["made_at"] == "2024-03-05T14:07:05+00:00"
    assert first["backfilled"] is True
    assert first["input"] == "fatebook row 2: 0.7"
    assert shown["criteria"].startswith(
        "Imported from Fatebook, which keeps no resolution criteria"
    )


def test_problems_stop_the_import_with_one_line_and_a_table(
    tracker: Tracker, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "question,forecast,made_on,deadline\nFine?,70%,2022-01-10,2022-03-31\nToo sure?,150%,2022-01-10,2022-03-31\n"
    )
    result = tracker("import", "--from", "csv", str(bad), env=LATER)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: 1 row of 2 has problems (listed above); nothing was imported. Fix them, or "
        "pass --skip-invalid to leave them out."
    )
    assert "150%" in result.stderr and "forecast" in result.stderr
    assert (
        not (tmp_path.parent / "tracker.db").exists()
        or tracker("list", "--json", env=LATER).stdout.strip() == "[]"
    )
    skipped = tracker("import", "--from", "csv", str(bad), "--skip-invalid", env=LATER)
    assert skipped.exit_code == 0
    assert "Skipped row 3." in skipped.stderr
    assert skipped.stdout.startswith("Added 1 question, 1 forecast, 0 resolutions from 2 rows")


def test_skip_invalid_goes_with_from(tracker: Tracker) -> None:
    result = tracker("import", str(EXAMPLE), "--skip-invalid", env=AFTER_EXAMPLE_ENV)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --skip-invalid goes with --from")


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_has_a_row_per_forecast_with_its_score(tracker: Tracker) -> None:
    tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    rows = _csv(tracker("export", "--format", "csv", env=AFTER_EXAMPLE_ENV).stdout)
    assert len(rows) == 49
    tom = next(
        r for r in rows if r["forecaster"] == "tom" and r["question_id"] == "nakhichevan-road-rail"
    )
    assert (tom["probability"], tom["outcome"], tom["score"]) == ("0.9", "no", "0.81")
    open_question = next(r for r in rows if r["question_id"] == "released-detainees-count")
    assert open_question["score"] == "" and open_question["outcome"] == ""


def test_csv_export_neutralises_formulas(tracker: Tracker) -> None:
    env = {"TRACKER_NOW": "2022-01-01T12:00:00+00:00"}
    tracker("add", "=HYPERLINK(\"http://evil\")", "-c", "+1 criteria", "-d", "2022-06-30", "-p", "60%",
            "-r", "@SUM(A1)", "--as", "-ani", env=env)  # fmt: skip
    (row,) = _csv(tracker("export", "--format", "csv", env=env).stdout)
    assert row["title"] == '\'=HYPERLINK("http://evil")'
    assert row["rationale"] == "'@SUM(A1)"
    assert row["forecaster"] == "'-ani"


def test_export_filters_select_forecasts_and_their_questions(
    tracker: Tracker, tmp_path: Path
) -> None:
    tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    rows = _csv(
        tracker(
            "export",
            "--format",
            "csv",
            "--forecaster",
            "lena",
            "--since",
            "2021-12-01",
            env=AFTER_EXAMPLE_ENV,
        ).stdout
    )
    assert rows and {r["forecaster"] for r in rows} == {"lena"}
    assert min(r["made_at"] for r in rows) >= "2021-12-01"
    tagged = tracker(
        "export", "--tag", "prisoners", "--out", str(tmp_path / "p.jsonl"), env=AFTER_EXAMPLE_ENV
    )
    assert tagged.exit_code == 0
    lines = [json.loads(x) for x in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert {x["id"] for x in lines if x["type"] == "question"} == {
        "prisoner-releases",
        "released-detainees-count",
    }
    # The part is a valid file of its own.
    fresh = tracker(
        "--db",
        str(tmp_path / "fresh.db"),
        "import",
        str(tmp_path / "p.jsonl"),
        env=AFTER_EXAMPLE_ENV,
    )
    assert fresh.exit_code == 0, fresh.stderr
    refused = tracker("export", "--forecaster", "nobody", env=AFTER_EXAMPLE_ENV)
    assert refused.exit_code == 1 and refused.stderr.startswith("error: No forecaster 'nobody'")
    assert tracker("export", "--format", "xlsx", env=AFTER_EXAMPLE_ENV).stderr.startswith(
        "error: --format 'xlsx'"
    )


def test_a_reordered_or_longer_export_adds_only_what_is_new(
    tracker: Tracker, tmp_path: Path
) -> None:
    lines = (FIXTURES / "fatebook.csv").read_text(encoding="utf-8").split("\n")
    tracker("import", "--from", "fatebook", str(FIXTURES / "fatebook.csv"), env=LATER)
    reordered = tmp_path / "reordered.csv"
    reordered.write_text("\n".join([lines[0], *reversed(lines[1:])]), encoding="utf-8")
    again = tracker("import", "--from", "fatebook", str(reordered), env=LATER)
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("Added 0 questions, 0 forecasts, 0 resolutions")
    longer = tmp_path / "longer.csv"
    extra = lines[3].replace("0.4,2024-04-01 10:00:9", "0.45,2024-04-02 18:00:0")
    longer.write_text("\n".join([lines[0], extra, *lines[1:]]), encoding="utf-8")
    more = tracker("import", "--from", "fatebook", str(longer), env=LATER)
    assert more.exit_code == 0, more.stderr
    assert more.stdout.startswith("Added 0 questions, 1 forecast, 0 resolutions")


def test_a_longer_export_cannot_add_a_forecast_to_a_question_resolved_before(
    tracker: Tracker, tmp_path: Path
) -> None:
    lines = (FIXTURES / "fatebook.csv").read_text(encoding="utf-8").split("\n")
    tracker("import", "--from", "fatebook", str(FIXTURES / "fatebook.csv"), env=LATER)
    longer = tmp_path / "longer.csv"
    extra = lines[1].replace("0.7,2024-03-05 14:07:5", "0.75,2024-03-05 18:00:0")
    longer.write_text("\n".join([lines[0], extra, *lines[1:]]), encoding="utf-8")
    more = tracker("import", "--from", "fatebook", str(longer), env=LATER)
    assert more.exit_code == 1
    assert "was already resolved when this forecast was recorded" in more.stderr
    assert "forecasts on it are closed" in more.stderr


def test_odd_rows_are_problems_not_crashes(tracker: Tracker, tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text(
        "question,forecast,made_on,deadline,outcome,resolved_on\n"
        "Old?,70%,0999-06-01,2022-02-01,,\n"
        "Future outcome?,70%,2026-05-01,2026-12-31,yes,2026-12-31\n"
        "Later today?,70%,2026-06-01 23:00,2026-12-31,,\n",
        encoding="utf-8",
    )
    result = tracker(
        "import", "--from", "csv", str(odd), "--dry-run", env={**LATER, "COLUMNS": "200"}
    )
    assert result.exit_code == 1
    assert "'0999-06-01' is not a date and time" in result.stderr
    assert "the outcome day 2026-12-31 is in the future" in result.stderr
    assert "2026-06-01 23:00 is in the future" in result.stderr
    header_only = tmp_path / "empty.csv"
    header_only.write_text("question,forecast,made_on,deadline\n", encoding="utf-8")
    empty = tracker("import", "--from", "csv", str(header_only), env=LATER)
    assert (
        empty.stderr.strip() == "error: The file has a header row but no rows; nothing to import."
    )


def test_a_forecast_after_the_deadline_has_no_score_in_the_csv(
    tracker: Tracker, tmp_path: Path
) -> None:
    ledger = tmp_path / "late.jsonl"
    ledger.write_text(
        "\n".join(
            json.dumps(x)
            for x in (
                {
                    "type": "question",
                    "id": "q",
                    "title": "Q",
                    "kind": "binary",
                    "options": ["yes", "no"],
                    "deadline": "2022-01-10",
                    "opened_on": "2022-01-01",
                    "criteria": "C",
                },
                {
                    "type": "forecast",
                    "question": "q",
                    "forecaster": "ani",
                    "made_at": "2022-01-02T12:00:00+00:00",
                    "probabilities": {"yes": 0.6, "no": 0.4},
                },
                {
                    "type": "forecast",
                    "question": "q",
                    "forecaster": "ani",
                    "made_at": "2022-01-12T12:00:00+00:00",
                    "probabilities": {"yes": 0.9, "no": 0.1},
                },
                {
                    "type": "resolution",
                    "question": "q",
                    "outcome": "yes",
                    "occurred_on": "2022-01-15",
                },
            )
        )
        + "\n",
        encoding="utf-8",
    )
    env = {"TRACKER_NOW": "2022-01-20T12:00:00+00:00"}
    imported = tracker("import", str(ledger), env=env)
    assert imported.exit_code == 0, imported.stderr
    assert imported.stdout.splitlines()[1] == (
        "1 forecast was made after its question's outcome or deadline: it is kept and shown, "
        "never scored (docs/scoring.md)."
    )
    rows = _csv(tracker("export", "--format", "csv", env=env).stdout)
    assert [r["score"] for r in rows] == ["0.16", ""]
    future = tracker("export", "--since", "2030-01-01", env=env)
    assert future.exit_code == 1 and "--since 2030-01-01 is in the future" in future.stderr


def test_a_year_before_1000_is_stored_so_that_it_reads_back(
    tracker: Tracker, tmp_path: Path
) -> None:
    ledger = tmp_path / "old.jsonl"
    ledger.write_text(
        json.dumps({"type": "question", "id": "q", "title": "Q", "kind": "binary", "options": ["yes", "no"],
                    "deadline": "1000-01-10", "opened_on": "0999-01-01", "criteria": "C"}) + "\n"
        + json.dumps({"type": "forecast", "question": "q", "forecaster": "ani",
                      "made_at": "0999-06-01T12:00:00+00:00", "probabilities": {"yes": 0.6, "no": 0.4}}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    assert tracker("import", str(ledger), env=LATER).exit_code == 0
    shown = json.loads(tracker("show", "q", "--json", env=LATER).stdout)
    assert shown["forecasts"][0]["made_at"] == "0999-06-01T12:00:00+00:00"
