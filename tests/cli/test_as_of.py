"""`--as-of` on a history imported later: every command counts records by the time they claim,
`--as-recorded` gives the audit view, and each says what it counted or left out, and why."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run

Tracker = Callable[..., Run]
WIDE = {**AFTER_EXAMPLE_ENV, "COLUMNS": "400"}
#: The end of 2021: two questions of the example had their outcome by then (15 forecasts on
#: them), four were open (16 forecasts made by then).
END_OF_2021 = "2021-12-31"
COUNTED = (
    "Counted by the time they claim: 2 questions, 15 forecasts and 2 resolutions were recorded "
    "after 2021-12-31 23:59 UTC (imported or entered later) and count from when they say they "
    "happened; --as-recorded leaves them out."
)
LEFT_OUT = (
    "As recorded by 2021-12-31 23:59 UTC: left out 2 questions, 15 forecasts and 2 resolutions "
    "that claim an earlier time but were recorded later (imported or entered later); without "
    "--as-recorded they count from the time they claim."
)


@pytest.fixture
def imported_past(tracker: Tracker, tmp_path: Path) -> Tracker:
    """The example imported on 2022-06-15 as another tool exports it: with the days and times
    things happened, but no times of recording (so they are all the import's)."""
    lines = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for key in ("created_at", "recorded_at", "added_at"):
            record.pop(key, None)
        lines.append(json.dumps(record, ensure_ascii=False))
    path = tmp_path / "past.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert tracker("import", str(path), env=AFTER_EXAMPLE_ENV).exit_code == 0
    return tracker


def _json(run: Run) -> dict[str, object]:
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def test_score_as_of_an_imported_past_counts_it_by_the_times_it_claims(
    imported_past: Tracker,
) -> None:
    data = _json(imported_past("score", "--as-of", END_OF_2021, "--json", env=WIDE))
    assert data["as_of_rule"] == {
        "counted_by": "claimed time",
        "recorded_later": {"questions": 2, "forecasts": 15, "resolutions": 2},
    }
    scored = {q["question"] for q in data["questions"]}  # type: ignore[attr-defined]
    assert scored == {"brussels-meeting", "prisoner-releases"}
    shown = imported_past("score", "--as-of", END_OF_2021, env=WIDE)
    assert shown.stdout.splitlines()[0] == COUNTED


def test_score_as_recorded_leaves_out_what_was_recorded_later_and_says_so(
    imported_past: Tracker,
) -> None:
    args = ("score", "--as-of", END_OF_2021, "--as-recorded")
    data = _json(imported_past(*args, "--json", env=WIDE))
    assert data["questions"] == []
    assert data["as_of_rule"] == {
        "counted_by": "recorded time",
        "recorded_later": {"questions": 2, "forecasts": 15, "resolutions": 2},
    }
    shown = imported_past(*args, env=WIDE)
    assert shown.stdout.splitlines()[:2] == [
        LEFT_OUT,
        "Nothing to score yet: no resolved question has forecasts that count.",
    ]
    by_source = _json(imported_past(*args, "--by", "source", "--json", env=WIDE))
    assert by_source["rows"] == [] and by_source["as_of_rule"] == data["as_of_rule"]


def test_score_json_streamed_to_a_pipe_carries_the_rule(imported_past: Tracker) -> None:
    from datetime import UTC, datetime

    from tracker.reports.scores import score_json, score_json_chunks
    from tracker.services.scoring import score_ledger
    from tracker.services.workspace import unit_of_work

    url = f"sqlite:///{_db_path()}"
    moment = datetime(2021, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    with unit_of_work(url, write=False, now=datetime(2022, 6, 15, tzinfo=UTC)) as session:
        report = score_ledger(session=session, as_of=moment)
    streamed = json.loads("".join(score_json_chunks(report)))
    assert streamed == json.loads(json.dumps(score_json(report)))
    assert streamed["as_of_rule"]["recorded_later"]["forecasts"] == 15


def _db_path() -> str:
    import os

    return os.environ["TRACKER_DB"]


def test_backfilled_forecasts_stay_flagged_and_live_only_leaves_them_out(
    imported_past: Tracker,
) -> None:
    data = _json(imported_past("score", "--as-of", END_OF_2021, "--json", env=WIDE))
    people = [q for q in data["questions"] if not q["forecaster"].startswith("team")]  # type: ignore[attr-defined]
    assert people and all(q["backfilled"] for q in people)
    live = _json(imported_past("score", "--as-of", END_OF_2021, "--live-only", "--json", env=WIDE))
    assert live["questions"] == []
    assert live["excluded"]["backfilled"] == 15  # type: ignore[index]


def test_report_as_of_an_imported_past_reviews_it_and_says_what_it_counted(
    imported_past: Tracker, tmp_path: Path
) -> None:
    args = ("report", "--period", "2021Q4", "--as-of", END_OF_2021)
    data = _json(imported_past(*args, "--format", "json", env=WIDE))
    # The period's two questions and, in the follow-up, the four still open then (with the 16
    # forecasts made on them by then).
    assert data["as_of_rule"] == {
        "counted_by": "claimed time",
        "recorded_later": {"questions": 6, "forecasts": 31, "resolutions": 2},
    }
    assert [q["question"] for q in data["questions"]] == [  # type: ignore[attr-defined]
        "brussels-meeting",
        "prisoner-releases",
    ]
    open_then = data["follow_up"]["due_soon"] + data["follow_up"]["stale"]  # type: ignore[index]
    assert open_then
    # The report's forecaster was named on import, after the moment: it speaks for the report
    # all the same (naming claims no time), so the team aggregates leave it out.
    roles = {f["forecaster"]: f["report"] for f in data["forecasters"]}  # type: ignore[attr-defined]
    assert roles["RSC sitrep (Giragosian)"] is True
    terminal = imported_past(*args, env=WIDE).stdout.splitlines()
    assert terminal[1].startswith("As of 2021-12-31 23:59 UTC")
    assert terminal[2].startswith("Counted by the time they claim: 6 questions, 31 forecasts")
    for suffix in ("md", "html"):
        out = tmp_path / f"review.{suffix}"
        assert imported_past(*args, "--out", str(out), env=WIDE).exit_code == 0
        text = out.read_text(encoding="utf-8")
        conventions = text[text.index("Conventions and exclusions") :]
        assert "Counted by the time they claim: 6 questions, 31 forecasts and 2 resolutions" in (
            conventions
        )


def test_report_and_retro_as_recorded_are_empty_and_say_why(imported_past: Tracker) -> None:
    args = ("report", "--period", "2021Q4", "--as-of", END_OF_2021, "--as-recorded")
    review = _json(imported_past(*args, "--format", "json", env=WIDE))
    assert review["questions"] == []
    assert review["filters"]["as_recorded"] is True  # type: ignore[index]
    assert review["as_of_rule"] == {
        "counted_by": "recorded time",
        "recorded_later": {"questions": 6, "forecasts": 31, "resolutions": 2},
    }
    retro = imported_past("retro", "--as-of", END_OF_2021, "--as-recorded", env=WIDE)
    assert retro.exit_code == 0, retro.stderr
    lines = retro.stdout.splitlines()
    assert lines[1] == "As of 2021-12-31 23:59 UTC. 0 questions scored (analysts or reports)."
    assert lines[2] == LEFT_OUT
    counted = _json(imported_past("retro", "--as-of", END_OF_2021, "--format", "json", env=WIDE))
    assert counted["questions"] == 2
    assert counted["as_of_rule"]["recorded_later"] == {  # type: ignore[index]
        "questions": 2,
        "forecasts": 15,
        "resolutions": 2,
    }


def test_a_record_kept_as_it_happened_reads_the_same_either_way(tracker: Tracker) -> None:
    assert tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0
    claimed = _json(tracker("score", "--as-of", END_OF_2021, "--json", env=WIDE))
    recorded = _json(tracker("score", "--as-of", END_OF_2021, "--as-recorded", "--json", env=WIDE))
    assert claimed["questions"] == recorded["questions"]
    assert claimed["as_of_rule"]["recorded_later"] == {  # type: ignore[index]
        "questions": 0,
        "forecasts": 0,
        "resolutions": 0,
    }
    shown = tracker("score", "--as-of", END_OF_2021, env=WIDE).stdout
    assert "Counted by the time" not in shown  # nothing to say


def _unsourced_past(tmp_path: Path) -> Path:
    """A question taken from no report, opened, forecast and resolved in 2021, all of it
    recorded on import (so after the end of 2021)."""
    records = [
        {
            "type": "question",
            "id": "unsourced",
            "title": "Will the unsourced thing happen by 20 December 2021?",
            "kind": "binary",
            "options": ["yes", "no"],
            "deadline": "2021-12-20",
            "opened_on": "2021-12-01",
            "criteria": "Resolves yes if it happens by 2021-12-20.",
        },
        {
            "type": "forecast",
            "question": "unsourced",
            "forecaster": "ani",
            "made_at": "2021-12-02T09:00:00+00:00",
            "probabilities": {"yes": 0.3, "no": 0.7},
        },
        {
            "type": "resolution",
            "question": "unsourced",
            "outcome": "no",
            "occurred_on": "2021-12-20",
            "resolved_by": "ani",
        },
    ]
    path = tmp_path / "unsourced.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_score_by_source_counts_only_the_questions_taken_from_reports(
    imported_past: Tracker, tmp_path: Path
) -> None:
    extra = _unsourced_past(tmp_path)
    assert imported_past("import", str(extra), env=AFTER_EXAMPLE_ENV).exit_code == 0
    everything = _json(imported_past("score", "--as-of", END_OF_2021, "--json", env=WIDE))
    assert everything["as_of_rule"]["recorded_later"] == {  # type: ignore[index]
        "questions": 3,
        "forecasts": 16,
        "resolutions": 3,
    }
    by_source = _json(
        imported_past("score", "--by", "source", "--as-of", END_OF_2021, "--json", env=WIDE)
    )
    from_report = _json(
        imported_past(
            "score", "--source", "sochi-sitrep", "--as-of", END_OF_2021, "--json", env=WIDE
        )
    )
    assert by_source["as_of_rule"] == from_report["as_of_rule"]
    assert by_source["as_of_rule"]["recorded_later"] == {  # type: ignore[index]
        "questions": 2,
        "forecasts": 15,
        "resolutions": 2,
    }


def test_live_only_does_not_count_backfilled_forecasts_as_counted(
    imported_past: Tracker,
) -> None:
    args = ("score", "--as-of", END_OF_2021, "--live-only")
    data = _json(imported_past(*args, "--json", env=WIDE))
    # Every imported forecast is backfilled: --live-only leaves them out and counts them there.
    assert data["excluded"]["backfilled"] == 15  # type: ignore[index]
    assert data["as_of_rule"]["recorded_later"] == {  # type: ignore[index]
        "questions": 2,
        "forecasts": 0,
        "resolutions": 2,
    }
    first = imported_past(*args, env=WIDE).stdout.splitlines()[0]
    assert first.startswith("Counted by the time they claim: 2 questions and 2 resolutions were")
    # As recorded, the forecasts are left out whatever --live-only says: they are counted.
    recorded = _json(imported_past(*args, "--as-recorded", "--json", env=WIDE))
    assert recorded["as_of_rule"]["recorded_later"]["forecasts"] == 15  # type: ignore[index]


def test_score_refuses_a_period_that_starts_after_the_as_of_day(imported_past: Tracker) -> None:
    run = imported_past("score", "--as-of", END_OF_2021, "--since", "2022-01-01", env=WIDE)
    assert run.exit_code == 1
    assert run.stderr.strip() == (
        "error: --since 2022-01-01 is after the day scored as of, 2021-12-31."
    )
    assert run.stdout == ""


def test_moments_at_the_start_of_the_calendar_keep_four_digit_years(tracker: Tracker) -> None:
    assert tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0
    retro = tracker("retro", "--as-of", "0001-01-01", env=WIDE)
    assert retro.exit_code == 0, retro.stderr
    assert retro.stdout.splitlines()[1].startswith("As of 0001-01-01 23:59 UTC.")
    nobody = tracker("score", "--by", "author", "--as-of", "2021-11-01", env=WIDE)
    assert "No resolved question comes from an author yet." in nobody.stdout
