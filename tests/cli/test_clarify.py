"""`tracker clarify`: a new version of a question, appended with a reason; every command reads
the latest version, each forecast keeps the version it was made under, and the export carries
the whole trail (docs/cli.md, docs/data-format.md, docs/scoring.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Run

Tracker = Callable[..., Run]

# The clock of the tests is 2021-11-29 12:00 UTC (tests/conftest.py).
LATER = {"TRACKER_NOW": "2021-12-05T12:00:00+00:00"}
MUCH_LATER = {"TRACKER_NOW": "2022-03-01T12:00:00+00:00"}


def _ok(run: Run) -> Run:
    assert run.exit_code == 0, run.stderr
    return run


def _question(tracker: Tracker, *extra: str) -> None:
    _ok(tracker("add", "Talks resume", "-c", "Both delegations meet.", "-d", "2021-12-31", *extra))


def _show(tracker: Tracker, question: str = "1", env: dict[str, str] | None = None) -> Any:
    return json.loads(_ok(tracker("show", question, "--json", env=env)).stdout)


def _export(tracker: Tracker) -> str:
    return _ok(tracker("export")).stdout


def test_clarify_appends_a_version_that_show_lists_with_its_reason(tracker: Tracker) -> None:
    _question(tracker)
    _ok(tracker("forecast", "1", "60%", "--as", "bo"))
    done = _ok(
        tracker(
            "clarify",
            "1",
            "-c",
            "Both delegations meet in person.",
            "--reason",
            "a video call does not count",
            env=LATER,
        )
    )
    assert done.stdout.splitlines() == [
        "Clarified #1 Talks resume: version 2 by ani.",
        "  criteria: Both delegations meet in person.",
        "  reason: a video call does not count",
        "  Version 1 stays in the record: tracker show 1",
    ]
    _ok(tracker("forecast", "1", "70%", "--as", "bo", env=LATER))
    data = _show(tracker, env=LATER)
    assert data["version"] == 2
    assert data["criteria"] == "Both delegations meet in person."
    assert [
        (v["version"], v["criteria"], v["reason"], v["author"], v["recorded_at"])
        for v in data["versions"]
    ] == [
        (1, "Both delegations meet.", None, "ani", "2021-11-29T12:00:00+00:00"),
        (
            2,
            "Both delegations meet in person.",
            "a video call does not count",
            "ani",
            "2021-12-05T12:00:00+00:00",
        ),
    ]
    assert [f["question_version"] for f in data["forecasts"]] == [1, 2]
    shown = _ok(tracker("show", "1", env=LATER)).stdout
    assert "Versions (clarifications; the latest is in force)" in shown
    assert "a video" in shown
    assert "version 1" in shown and "version 2" in shown


def test_a_question_never_clarified_shows_as_before(tracker: Tracker) -> None:
    _question(tracker)
    _ok(tracker("forecast", "1", "60%"))
    data = _show(tracker)
    assert data["version"] == 1
    assert [v["version"] for v in data["versions"]] == [1]
    assert data["forecasts"][0]["question_version"] == 1
    assert "Versions" not in _ok(tracker("show", "1")).stdout
    assert "question_version" not in _export(tracker)


def test_clarify_json_gives_the_new_version_and_what_changed(tracker: Tracker) -> None:
    _question(tracker)
    data = json.loads(
        _ok(
            tracker(
                "clarify",
                "1",
                "--title",
                "Talks resume in Brussels",
                "-d",
                "2022-01-31",
                "--reason",
                "the venue is settled",
                "--json",
                env=LATER,
            )
        ).stdout
    )
    assert data["version"] == 2
    assert data["changed"] == ["title", "deadline"]
    assert data["deadline"] == "2022-01-31"
    assert data["question"]["title"] == "Talks resume in Brussels"
    assert data["question"]["version"] == 2


def test_every_read_uses_the_latest_version(tracker: Tracker) -> None:
    _question(tracker)
    _ok(
        tracker(
            "clarify",
            "1",
            "--title",
            "Talks resume in Brussels",
            "-c",
            "In Brussels.",
            "-d",
            "2022-02-28",
            "--reason",
            "venue and date settled",
            env=LATER,
        )
    )
    listed = json.loads(_ok(tracker("list", "--json", env=LATER)).stdout)
    assert [(q["title"], q["criteria"], q["deadline"]) for q in listed] == [
        ("Talks resume in Brussels", "In Brussels.", "2022-02-28")
    ]
    # The original deadline (2021-12-31) has passed by 2022-01-15; the clarified one has not.
    env = {"TRACKER_NOW": "2022-01-15T12:00:00+00:00"}
    due = json.loads(_ok(tracker("due", "--within", "60", "--json", env=env)).stdout)
    assert due["overdue"] == []
    assert [q["deadline"] for q in due["upcoming"]] == ["2022-02-28"]
    assert json.loads(_ok(tracker("list", "--overdue", "--json", env=env)).stdout) == []
    overview = json.loads(_ok(tracker("overview", "--json", env=env)).stdout)
    assert overview["questions"][0]["title"] == "Talks resume in Brussels"
    # A forecast after the original deadline is taken: the question is open until 2022-02-28.
    _ok(tracker("forecast", "1", "40%", env=env))
    csv_rows = _ok(tracker("export", "--format", "csv", env=env)).stdout.splitlines()
    assert "Talks resume in Brussels" in csv_rows[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("-c", "Both delegations meet.", "--reason", "same"),
            "The clarification changes nothing: #1 already has that title, criteria and "
            "deadline (version 1). Give a different --criteria, --title or --deadline.",
        ),
        (
            ("-c", "New.", "--reason", "   "),
            "Say why the question is clarified: --reason TEXT (one line, e.g. 'the ministry, "
            "not the cabinet, signs the agreement').",
        ),
        (
            ("-c", "New."),
            "Say why the question is clarified: --reason TEXT (one line, e.g. 'the ministry, "
            "not the cabinet, signs the agreement').",
        ),
        (
            ("-c", "New.", "--reason", "first line\nsecond line"),
            "The reason must be one line: put the detail in the criteria, and a one-line "
            "summary in --reason.",
        ),
        (
            ("--reason", "why"),
            "Say what changes on #1: --criteria TEXT, --title TEXT or --deadline DATE (with "
            "--reason TEXT).",
        ),
        (
            ("-d", "someday soon", "--reason", "why"),
            "Cannot read 'someday soon' as a date: use 2022-03-31, 31 March 2022, +3m, in 6 "
            "weeks or end of Q1 2022.",
        ),
        (
            ("-d", "2021-11-01", "--reason", "why"),
            "The deadline 2021-11-01 is before #1 opened (2021-11-29).",
        ),
        (("-c", "", "--reason", "why"), "The resolution criteria are empty."),
    ],
)
def test_a_bad_clarification_is_refused_in_one_line_and_writes_nothing(
    tracker: Tracker, args: tuple[str, ...], message: str
) -> None:
    _question(tracker)
    before = _export(tracker)
    refused = tracker("clarify", "1", *args)
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"error: {message}")
    assert len(refused.stderr.strip().splitlines()) == 1
    assert refused.stdout == ""
    assert _export(tracker) == before


def test_clarifying_a_resolved_question_is_refused(tracker: Tracker) -> None:
    _question(tracker)
    _ok(tracker("resolve", "1", "yes", "-e", "met", env=LATER))
    before = _export(tracker)
    refused = tracker("clarify", "1", "-c", "New.", "--reason", "why", env=LATER)
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: Question #1 is resolved (yes, 2021-12-05); it can no longer be clarified. "
        "Add a new question if the criteria were wrong.\n"
    )
    assert _export(tracker) == before


def test_clarifying_an_unknown_question_is_refused(tracker: Tracker) -> None:
    refused = tracker("clarify", "7", "-c", "New.", "--reason", "why")
    assert refused.exit_code == 1
    assert refused.stderr == "error: No question #7. List them with: tracker list\n"


def test_clarify_without_a_question_is_a_usage_error(tracker: Tracker) -> None:
    assert tracker("clarify").exit_code == 2


def test_a_backfilled_forecast_made_before_a_clarification_saw_version_1(
    tracker: Tracker,
) -> None:
    _question(tracker)
    _ok(tracker("clarify", "1", "-c", "In person.", "--reason", "sharper", env=LATER))
    _ok(tracker("forecast", "1", "55%", "--as", "bo", "--made-at", "2021-11-30 09:00", env=LATER))
    _ok(tracker("forecast", "1", "65%", "--as", "bo", env=LATER))
    assert [f["question_version"] for f in _show(tracker, env=LATER)["forecasts"]] == [1, 2]


def test_the_chain_covers_clarifications(tracker: Tracker, isolated_database: Path) -> None:
    _question(tracker)
    _ok(tracker("forecast", "1", "60%"))
    _ok(tracker("clarify", "1", "-c", "In person.", "--reason", "sharper", env=LATER))
    _ok(tracker("forecast", "1", "70%", env=LATER))
    verified = _ok(tracker("db", "verify", env=LATER))
    assert "Chain intact: 5 events" in verified.stdout
    engine = sa.create_engine(f"sqlite:///{isolated_database}")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER question_version_no_update")
        connection.exec_driver_sql("UPDATE question_version SET criteria = 'Anything goes.'")
    engine.dispose()
    broken = tracker("db", "verify", env=LATER)
    assert broken.exit_code == 1
    assert "question_version #1, was changed after it was recorded" in broken.stdout + (
        broken.stderr
    )


def test_the_version_a_forecast_was_made_under_is_part_of_its_hash(
    tracker: Tracker, isolated_database: Path
) -> None:
    _question(tracker)
    _ok(tracker("clarify", "1", "-c", "In person.", "--reason", "sharper", env=LATER))
    _ok(tracker("forecast", "1", "70%", env=LATER))
    engine = sa.create_engine(f"sqlite:///{isolated_database}")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER forecast_no_update")
        connection.exec_driver_sql("UPDATE forecast SET question_version = NULL")
    engine.dispose()
    broken = tracker("db", "verify", env=LATER)
    assert broken.exit_code == 1
    assert "forecast #1, was changed after it was recorded" in broken.stdout + broken.stderr


# --- export and import ------------------------------------------------------------------------


def _clarified_ledger(tracker: Tracker) -> None:
    _question(tracker, "--slug", "talks")
    _ok(tracker("forecast", "talks", "60%", "--as", "bo"))
    _ok(tracker("clarify", "talks", "-c", "In person.", "--reason", "sharper", env=LATER))
    _ok(tracker("forecast", "talks", "70%", "--as", "bo", env=LATER))
    _ok(
        tracker(
            "clarify", "talks", "-d", "2022-01-31", "--reason", "moved", "--as", "cy", env=LATER
        )
    )
    _ok(tracker("forecast", "talks", "75%", "--as", "cy", env=LATER))


def test_the_export_carries_the_versions_and_forecasts_their_version(tracker: Tracker) -> None:
    _clarified_ledger(tracker)
    lines = [json.loads(line) for line in _export(tracker).splitlines()]
    assert [x["type"] for x in lines] == [
        "question",
        "clarification",
        "clarification",
        "forecast",
        "forecast",
        "forecast",
    ]
    assert (lines[0]["criteria"], lines[0]["deadline"]) == ("Both delegations meet.", "2021-12-31")
    assert lines[1] == {
        "type": "clarification",
        "question": "talks",
        "version": 2,
        "title": "Talks resume",
        "criteria": "In person.",
        "deadline": "2021-12-31",
        "reason": "sharper",
        "author": "ani",
        "recorded_at": "2021-12-05T12:00:00+00:00",
    }
    assert (lines[2]["version"], lines[2]["deadline"], lines[2]["author"]) == (
        3,
        "2022-01-31",
        "cy",
    )
    assert [x.get("question_version") for x in lines[3:]] == [None, 2, 3]


def test_export_import_export_is_byte_identical_and_a_second_import_adds_nothing(
    tracker: Tracker, tmp_path: Path
) -> None:
    _clarified_ledger(tracker)
    first = _export(tracker)
    path = tmp_path / "ledger.jsonl"
    path.write_text(first, encoding="utf-8")
    other = {"TRACKER_DB": str(tmp_path / "other.db"), **LATER}
    added = _ok(tracker("import", str(path), env=other))
    assert added.stdout.startswith(
        "Added 0 sources, 1 question, 2 clarifications, 3 forecasts, 0 resolutions;"
    )
    assert _ok(tracker("export", env=other)).stdout == first
    again = _ok(tracker("import", str(path), env=other))
    assert again.stdout.startswith("Added 0 sources, 0 questions, 0 forecasts, 0 resolutions;")
    assert "6 already there" in again.stdout
    assert _ok(tracker("export", env=other)).stdout == first
    assert _ok(tracker("db", "verify", env=other)).exit_code == 0
    # The ledger it came from: importing its own export adds nothing either.
    assert "6 already there" in _ok(tracker("import", str(path))).stdout


def _import(tracker: Tracker, tmp_path: Path, records: list[dict[str, Any]]) -> Run:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return tracker("import", str(path), env=LATER)


QUESTION = {
    "type": "question",
    "id": "q",
    "title": "Talks resume",
    "kind": "binary",
    "deadline": "2021-12-31",
    "opened_on": "2021-11-29",
    "criteria": "Both delegations meet.",
    "created_at": "2021-11-29T10:00:00+00:00",
}


def _clarification(**changes: Any) -> dict[str, Any]:
    return {
        "type": "clarification",
        "question": "q",
        "version": 2,
        "title": "Talks resume",
        "criteria": "In person.",
        "deadline": "2021-12-31",
        "reason": "sharper",
        "recorded_at": "2021-12-01T10:00:00+00:00",
        **changes,
    }


RESOLUTION = {
    "type": "resolution",
    "question": "q",
    "outcome": "yes",
    "occurred_on": "2021-11-30",
    "recorded_at": "2021-11-30T10:00:00+00:00",
}


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (
            [QUESTION, _clarification(criteria="Both delegations meet.")],
            "line 2: The clarification changes nothing: #1 already has that title, criteria "
            "and deadline (version 1).",
        ),
        (
            [QUESTION, _clarification(version=3)],
            "line 2: the versions of 'q' must be consecutive: the next is version 2, not 3.",
        ),
        (
            [QUESTION, _clarification(reason="one\ntwo")],
            "line 2: The reason must be one line",
        ),
        ([QUESTION, _clarification(reason="")], "line 2: Say why the question is clarified"),
        (
            [QUESTION, _clarification(version=1)],
            "line 2: 'version' must be a whole number from 2",
        ),
        (
            [QUESTION, _clarification(deadline="2021-11-01")],
            "line 2: The deadline 2021-11-01 is before #1 opened (2021-11-29).",
        ),
        (
            [QUESTION, _clarification(recorded_at="2021-11-29T09:00:00+00:00")],
            "line 2: Version 1 of #1 was recorded at 2021-11-29T10:00:00+00:00, after now",
        ),
        (
            [QUESTION, _clarification(), RESOLUTION],
            "line 2: question 'q' was already resolved when this clarification was recorded",
        ),
        (
            [
                QUESTION,
                _clarification(),
                {
                    "type": "forecast",
                    "question": "q",
                    "forecaster": "bo",
                    "made_at": "2021-12-02T10:00:00+00:00",
                    "probabilities": {"yes": 0.6, "no": 0.4},
                    "question_version": 1,
                },
            ],
            "line 3: this forecast was made under version 2 of 'q' (the one in force at "
            "2021-12-02T10:00:00+00:00), not version 1.",
        ),
    ],
)
def test_import_refuses_what_clarify_refuses(
    tracker: Tracker, tmp_path: Path, records: list[dict[str, Any]], message: str
) -> None:
    refused = _import(tracker, tmp_path, records)
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"error: {message}"), refused.stderr
    assert tracker("export").stdout == ""  # nothing written


def test_import_refuses_a_version_that_differs_from_the_one_in_the_database(
    tracker: Tracker, tmp_path: Path
) -> None:
    _ok(_import(tracker, tmp_path, [QUESTION, _clarification()]))
    refused = _import(tracker, tmp_path, [QUESTION, _clarification(reason="other")])
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: line 2: version 2 of 'q' differs from the one in the database; clarify it "
        "again with the next version instead.\n"
    )


def test_a_forecast_line_without_a_version_gets_the_one_in_force(
    tracker: Tracker, tmp_path: Path
) -> None:
    forecast = {
        "type": "forecast",
        "question": "q",
        "forecaster": "bo",
        "probabilities": {"yes": 0.6, "no": 0.4},
    }
    records = [
        QUESTION,
        _clarification(),
        {**forecast, "made_at": "2021-11-30T10:00:00+00:00"},
        {**forecast, "made_at": "2021-12-02T10:00:00+00:00"},
    ]
    _ok(_import(tracker, tmp_path, records))
    assert [f["question_version"] for f in _show(tracker, "q", env=LATER)["forecasts"]] == [1, 2]


# --- scoring with a moved deadline (docs/scoring.md, "Moved deadlines") ----------------------


def _score(tracker: Tracker) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_ok(tracker("score", "--json", env=MUCH_LATER)).stdout)
    return data


def test_a_deadline_moved_later_extends_the_scoring_window(tracker: Tracker) -> None:
    _question(tracker)  # opened 2021-11-29, deadline 2021-12-31
    _ok(tracker("forecast", "1", "60%", "--as", "bo"))
    _ok(tracker("clarify", "1", "-d", "2022-01-31", "--reason", "talks postponed", env=LATER))
    after_first_deadline = {"TRACKER_NOW": "2022-01-10T12:00:00+00:00"}
    _ok(tracker("forecast", "1", "90%", "--as", "bo", env=after_first_deadline))
    _ok(tracker("resolve", "1", "yes", "--on", "2022-02-10", "-e", "met", env=MUCH_LATER))
    data = _score(tracker)
    (scored,) = [q for q in data["questions"] if q["forecaster"] == "bo"]
    # 2021-11-29 to 2022-01-31: 64 days; 60% for 42 days, then 90% from 2022-01-10 (22 days).
    assert scored["window_days"] == 64
    assert scored["final_score"] == pytest.approx(0.01, abs=1e-12)
    assert scored["time_weighted"] == pytest.approx((42 * 0.16 + 22 * 0.01) / 64, abs=1e-12)
    assert data["excluded"]["after_close"] == 0


def test_a_deadline_moved_earlier_leaves_later_forecasts_unscored(tracker: Tracker) -> None:
    _question(tracker)  # opened 2021-11-29, deadline 2021-12-31
    _ok(tracker("forecast", "1", "60%", "--as", "bo"))
    _ok(tracker("forecast", "1", "90%", "--as", "bo", env=LATER))  # made 2021-12-05
    _ok(tracker("clarify", "1", "-d", "2021-12-02", "--reason", "the summit ended", env=LATER))
    # It happened on the day of the last forecast: that forecast is not hindsight, only late.
    _ok(tracker("resolve", "1", "yes", "--on", "2021-12-05", "-e", "met", env=LATER))
    data = _score(tracker)
    (scored,) = [q for q in data["questions"] if q["forecaster"] == "bo"]
    assert scored["window_days"] == 4  # 2021-11-29 to 2021-12-02
    assert scored["final_score"] == pytest.approx(0.16, abs=1e-12)
    assert data["excluded"]["after_close"] == 1
    # The forecast stays in the record and in show.
    assert len(_show(tracker, env=LATER)["forecasts"]) == 2


# --- reviews ------------------------------------------------------------------------------------


def test_a_review_marks_criteria_changed_after_forecasts_and_the_versions_seen(
    tracker: Tracker,
) -> None:
    _question(tracker)
    _ok(tracker("forecast", "1", "60%", "--as", "bo"))
    _ok(tracker("clarify", "1", "-c", "In person.", "--reason", "sharper", env=LATER))
    _ok(tracker("forecast", "1", "70%", "--as", "bo", env=LATER))
    _ok(tracker("forecast", "1", "80%", "--as", "cy", env=LATER))
    _ok(tracker("resolve", "1", "yes", "--on", "2021-12-20", "-e", "met", env=MUCH_LATER))
    review = json.loads(
        _ok(tracker("report", "--period", "2021Q4", "--format", "json", env=MUCH_LATER)).stdout
    )
    (question,) = review["questions"]
    assert question["version"] == 2
    assert question["criteria_changed"] is True
    assert question["versions_seen"] == {"bo": [1, 2], "cy": [2]}
    markdown = _ok(tracker("report", "--period", "2021Q4", "--format", "md", env=MUCH_LATER)).stdout
    assert "the criteria changed after forecasts were made" in markdown
    assert "| bo (v1, v2) |" in markdown
    retro = json.loads(_ok(tracker("retro", "--format", "json", env=MUCH_LATER)).stdout)
    assert retro["criteria_changed"] == ["1"]


def test_a_review_of_a_question_clarified_before_any_forecast_marks_no_change(
    tracker: Tracker,
) -> None:
    _question(tracker)
    _ok(tracker("clarify", "1", "-c", "In person.", "--reason", "sharper"))
    _ok(tracker("forecast", "1", "70%", "--as", "bo", env=LATER))
    _ok(tracker("resolve", "1", "yes", "--on", "2021-12-20", "-e", "met", env=MUCH_LATER))
    review = json.loads(
        _ok(tracker("report", "--period", "2021Q4", "--format", "json", env=MUCH_LATER)).stdout
    )
    (question,) = review["questions"]
    assert (question["version"], question["criteria_changed"]) == (2, False)
    assert question["versions_seen"] == {"bo": [2]}
