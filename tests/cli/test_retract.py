"""`tracker retract`: one's latest forecast marked as a mistake stays in the record, shown as
retracted, and is left out of every score; the earlier forecast stands again. Refused once the
question is resolved, after 24 hours, twice, for someone else's forecast and without a reason;
a refusal is one line, exit 1, and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW, Run

Tracker = Callable[..., Run]

DAY0 = NOW.isoformat()  # 2021-11-29 12:00 UTC
SLIP = "2021-11-29T13:00:00+00:00"  # the slip, an hour after the first forecast
LATER = "2021-11-29T18:00:00+00:00"  # five hours on
NEXT_DAY = "2021-11-30T13:00:00+00:00"  # exactly 24 hours on
TOO_LATE = "2021-11-30T13:00:01+00:00"  # a second more than 24 hours on
AFTER = "2021-12-02T12:00:00+00:00"  # scored as of then


def _ok(result: Run) -> Run:
    assert result.exit_code == 0, result.stderr
    return result


def _at(moment: str) -> dict[str, str]:
    return {"TRACKER_NOW": moment}


def _question(tracker: Tracker) -> None:
    """#1, opened today, with ani's first forecast of 60%, then ani's slip of 7%."""
    _ok(tracker("add", "Talks resume", "-c", "Both sides meet", "-d", "2022-01-31", "-p", "60%"))
    _ok(tracker("forecast", "1", "7%", "-r", "typed in a hurry", env=_at(SLIP)))


def _show(tracker: Tracker) -> dict[str, Any]:
    return json.loads(_ok(tracker("show", "1", "--json")).stdout)


def _export(tracker: Tracker) -> str:
    return _ok(tracker("export")).stdout


def _refused(result: Run, message: str) -> None:
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr, result.stderr


# --- what a retraction does ----------------------------------------------------------------------


def test_retracting_the_latest_forecast_lets_the_earlier_one_stand_again(
    tracker: Tracker,
) -> None:
    _question(tracker)
    done = _ok(tracker("retract", "1", "--reason", "typed 7% for 70%", env=_at(LATER)))
    assert done.stdout.splitlines() == [
        "Retracted 7% by ani on #1 Talks resume (made 2021-11-29 13:00 UTC): typed 7% for 70%",
        "  It stays in the record, marked retracted, and is never scored.",
        "  Your earlier forecast of 2021-11-29 (60%) stands again.",
    ]
    listed = json.loads(_ok(tracker("list", "--json")).stdout)
    assert listed[0]["standing"]["ani"]["probabilities"] == {"yes": 0.6, "no": 0.4}
    assert listed[0]["forecast_count"] == 1


def test_show_json_keeps_the_retracted_forecast_with_its_reason_and_time(
    tracker: Tracker,
) -> None:
    _question(tracker)
    _ok(tracker("retract", "1", "--reason", "typed 7% for 70%", env=_at(LATER)))
    forecasts = {f["probabilities"]["yes"]: f for f in _show(tracker)["forecasts"]}
    assert forecasts[0.07]["retraction"] == {
        "id": 1,
        "reason": "typed 7% for 70%",
        "recorded_by": "ani",
        "recorded_at": LATER,
    }
    assert forecasts[0.07]["rationale"] == "typed in a hurry"
    assert forecasts[0.6]["retraction"] is None


def test_show_marks_the_retracted_forecast_in_words(tracker: Tracker) -> None:
    _question(tracker)
    _ok(tracker("retract", "1", "--reason", "typed 7% for 70%", env=_at(LATER)))
    shown = _ok(tracker("show", "1", env={"COLUMNS": "160", **_at(LATER)})).stdout
    assert "retracted 2021-11-29" in shown
    assert "RETRACTED by ani: typed 7% for 70%" in shown


def test_retract_json_names_the_retracted_and_the_standing_forecast(tracker: Tracker) -> None:
    _question(tracker)
    data = json.loads(
        _ok(tracker("retract", "1", "--reason", "slip", "--json", env=_at(LATER))).stdout
    )
    assert data["retracted"]["probabilities"]["yes"] == 0.07
    assert data["retracted"]["retraction"]["reason"] == "slip"
    assert data["standing"]["probabilities"]["yes"] == 0.6
    assert data["reentered"] is None


def test_the_only_forecast_retracted_leaves_none_standing(tracker: Tracker) -> None:
    _ok(tracker("add", "Talks resume", "-c", "Both sides meet", "-d", "2022-01-31", "-p", "7%"))
    done = _ok(tracker("retract", "1", "--reason", "meant 70%"))
    assert "You have no other forecast on #1 now." in done.stdout
    assert json.loads(_ok(tracker("list", "--json")).stdout)[0]["standing"] == {}


def test_a_retraction_is_exactly_24_hours_late_at_most(tracker: Tracker) -> None:
    _question(tracker)
    _ok(tracker("retract", "1", "--reason", "slip", env=_at(NEXT_DAY)))


def test_the_retraction_is_in_the_chain(tracker: Tracker) -> None:
    _question(tracker)
    _ok(tracker("retract", "1", "--reason", "slip", env=_at(LATER)))
    verified = _ok(tracker("db", "verify", env=_at(LATER)))
    assert "Chain intact: 5 events" in verified.stdout  # question, forecaster, 2 forecasts, 1


# --- scores --------------------------------------------------------------------------------------


def _resolve_yes(tracker: Tracker) -> None:
    _ok(tracker("resolve", "1", "yes", "--on", "2021-11-30", env=_at(NEXT_DAY)))


def test_score_leaves_the_retracted_forecast_out(tracker: Tracker) -> None:
    _question(tracker)
    _ok(tracker("retract", "1", "--reason", "typed 7% for 70%", env=_at(LATER)))
    _resolve_yes(tracker)
    scores = json.loads(_ok(tracker("score", "--json", env=_at(AFTER))).stdout)
    ani = next(f for f in scores["forecasters"] if f["forecaster"] == "ani")
    assert ani["brier"] == pytest.approx(0.16)  # (1 - 0.6)^2: the 7% is not scored
    assert ani["time_weighted_brier"] == pytest.approx(0.16)
    team = next(f for f in scores["forecasters"] if f["forecaster"] == "team (median)")
    assert team["brier"] == pytest.approx(0.16)


def test_without_the_retraction_the_slip_is_scored(tracker: Tracker) -> None:
    _question(tracker)
    _resolve_yes(tracker)
    scores = json.loads(_ok(tracker("score", "--json", env=_at(AFTER))).stdout)
    ani = next(f for f in scores["forecasters"] if f["forecaster"] == "ani")
    assert ani["brier"] == pytest.approx(0.93**2)


def _report(tracker: Tracker) -> dict[str, Any]:
    data = json.loads(
        _ok(tracker("report", "--format", "json", "--period", "2021", env=_at(AFTER))).stdout
    )
    data.pop("record_head")
    return data


def test_the_report_is_as_if_the_retracted_forecast_had_never_been_made(
    tracker: Tracker, tmp_path: Path
) -> None:
    _question(tracker)
    _ok(tracker("retract", "1", "--reason", "typed 7% for 70%", env=_at(LATER)))
    _resolve_yes(tracker)
    retracted = _report(tracker)
    other = {"TRACKER_DB": str(tmp_path / "other.db")}
    _ok(
        tracker(
            "add",
            "Talks resume",
            "-c",
            "Both sides meet",
            "-d",
            "2022-01-31",
            "-p",
            "60%",
            env=other,
        )
    )
    _ok(tracker("resolve", "1", "yes", "--on", "2021-11-30", env={**other, **_at(NEXT_DAY)}))
    never = json.loads(
        _ok(
            tracker(
                "report",
                "--format",
                "json",
                "--period",
                "2021",
                env={**other, **_at(AFTER)},
            )
        ).stdout
    )
    never.pop("record_head")
    assert retracted == never
    assert retracted["questions"][0]["scores"][0]["final_probabilities"] == [0.6, 0.4]


def test_follow_up_and_overview_do_not_count_a_retracted_forecast(tracker: Tracker) -> None:
    _ok(tracker("add", "Talks resume", "-c", "Both sides meet", "-d", "2022-01-31", "-p", "7%"))
    _ok(tracker("retract", "1", "--reason", "meant 70%"))
    overview = json.loads(_ok(tracker("overview", "--json")).stdout)
    assert overview["questions"][0]["standing"] == {}
    assert overview["questions"][0]["forecast_count"] == 0
    report = json.loads(_ok(tracker("report", "--format", "json", "--period", "2021")).stdout)
    follow_up = report["follow_up"]
    stale = [q for q in follow_up["stale"] if q["number"] == 1]
    assert stale and stale[0]["forecasts"] == 0 and stale[0]["last_forecast_on"] is None


# --- refusals: one line, exit 1, nothing written -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reason", ""], "The reason is empty"),
        (["--reason", "   "], "The reason is empty"),
        (["--reason", "first line\nsecond line"], "write it on one line"),
        (["--reason", "slip", "--as", "bob"], "bob has no forecast on #1 to retract"),
        (["--reason", "slip", "--reenter-as", "ani"], "the name the forecast is under already"),
        (["--reason", "slip", "--reenter-as", "team (median)"], "is reserved"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    tracker: Tracker, args: list[str], message: str
) -> None:
    _question(tracker)
    before = _export(tracker)
    _refused(tracker("retract", "1", *args, env=_at(LATER)), message)
    assert _export(tracker) == before


def test_retracting_twice_is_refused_and_never_reaches_the_earlier_forecast(
    tracker: Tracker,
) -> None:
    _question(tracker)
    _ok(tracker("retract", "1", "--reason", "slip", env=_at(LATER)))
    before = _export(tracker)
    _refused(
        tracker("retract", "1", "--reason", "the 60% too", env=_at(LATER)),
        "is retracted already: retracting twice is refused",
    )
    assert _export(tracker) == before
    standing = json.loads(_ok(tracker("list", "--json")).stdout)[0]["standing"]
    assert standing["ani"]["probabilities"]["yes"] == 0.6


def test_a_retraction_more_than_24_hours_on_is_refused(tracker: Tracker) -> None:
    _question(tracker)
    before = _export(tracker)
    _refused(
        tracker("retract", "1", "--reason", "slip", env=_at(TOO_LATE)),
        "more than 24 hours ago: it can no longer be retracted. Record a new forecast instead",
    )
    assert _export(tracker) == before


def test_retracting_on_a_resolved_question_is_refused(tracker: Tracker) -> None:
    _question(tracker)
    _ok(tracker("resolve", "1", "no", "--on", "2021-11-29", env=_at(LATER)))
    before = _export(tracker)
    _refused(
        tracker("retract", "1", "--reason", "slip", env=_at(LATER)),
        "Question #1 is resolved (no, 2021-11-29): its forecasts can no longer be retracted",
    )
    assert _export(tracker) == before


def test_retracting_without_a_forecast_is_refused(tracker: Tracker) -> None:
    _ok(tracker("add", "Talks resume", "-c", "Both sides meet", "-d", "2022-01-31"))
    _refused(
        tracker("retract", "1", "--reason", "slip"),
        "error: ani has no forecast on #1 to retract",
    )


def test_retracting_someone_elses_forecast_is_refused(tracker: Tracker) -> None:
    """Only one's own forecasts: bob's latest is not ani's to retract (and ani's earlier one
    is not retracted in its place)."""
    _question(tracker)
    _ok(tracker("forecast", "1", "90%", "--as", "bob"))
    _ok(tracker("retract", "1", "--reason", "slip", env=_at(LATER)))  # ani's own 7%
    before = _export(tracker)
    _refused(
        tracker("retract", "1", "--reason", "slip", "--as", "carl", env=_at(LATER)),
        "carl has no forecast on #1 to retract. You can only retract forecasts under your own",
    )
    assert _export(tracker) == before
    forecasts = _show(tracker)["forecasts"]
    assert [f["forecaster"] for f in forecasts if f["retraction"]] == ["ani"]


def test_an_unknown_question_is_refused(tracker: Tracker) -> None:
    _refused(tracker("retract", "9", "--reason", "slip"), "No question #9")


def test_the_reason_is_required(tracker: Tracker) -> None:
    result = tracker("retract", "1")
    assert result.exit_code == 2
    assert "--reason" in result.stderr


# --- the wrong name ------------------------------------------------------------------------------


def test_a_forecast_under_the_wrong_name_is_reentered_under_the_right_one(
    tracker: Tracker,
) -> None:
    _ok(
        tracker(
            "add",
            "Talks resume",
            "-c",
            "Both sides meet",
            "-d",
            "2022-01-31",
            "--opened",
            "2021-11-20",
        )
    )
    _ok(
        tracker(
            "forecast",
            "1",
            "70%",
            "-r",
            "after the call",
            "--as",
            "bob",
            "--made-at",
            "2021-11-27 09:00",
        )
    )
    done = _ok(
        tracker(
            "retract",
            "1",
            "--reason",
            "entered under bob by mistake",
            "--as",
            "bob",
            "--reenter-as",
            "ani",
            env=_at(LATER),
        )
    )
    assert done.stdout.splitlines()[-1] == (
        "  Re-entered under ani: made 2021-11-27 09:00 UTC as before, recorded now "
        "(backfilled: recorded over 24 hours after it was made)."
    )
    forecasts = {f["forecaster"]: f for f in _show(tracker)["forecasts"]}
    assert forecasts["bob"]["retraction"]["reason"] == "entered under bob by mistake"
    ani = forecasts["ani"]
    assert ani["retraction"] is None
    assert (ani["made_at"], ani["recorded_at"]) == ("2021-11-27T09:00:00+00:00", LATER)
    assert (ani["probabilities"], ani["rationale"], ani["input"]) == (
        {"yes": 0.7, "no": 0.3},
        "after the call",
        "70%",
    )
    assert ani["backfilled"] is True
    standing = json.loads(_ok(tracker("list", "--json")).stdout)[0]["standing"]
    assert list(standing) == ["ani"]
    _ok(tracker("db", "verify", env=_at(LATER)))


def test_a_reentered_forecast_made_hours_ago_keeps_its_time(tracker: Tracker) -> None:
    _ok(tracker("add", "Talks resume", "-c", "Both sides meet", "-d", "2022-01-31"))
    _ok(tracker("forecast", "1", "70%", "--as", "bob"))
    data = json.loads(
        _ok(
            tracker(
                "retract",
                "1",
                "--reason",
                "wrong name",
                "--as",
                "bob",
                "--reenter-as",
                "ani",
                "--json",
                env=_at(LATER),
            )
        ).stdout
    )
    assert data["reentered"]["forecaster"] == "ani"
    assert data["reentered"]["made_at"] == DAY0
    assert data["reentered"]["recorded_at"] == LATER
    assert data["standing"] is None  # bob has no forecast standing now


# --- export and import ---------------------------------------------------------------------------


def test_export_import_export_is_byte_identical_with_a_retraction(
    tracker: Tracker, tmp_path: Path
) -> None:
    _question(tracker)
    _ok(tracker("forecast", "1", "65%", "--as", "bob"))
    _ok(tracker("retract", "1", "--reason", "typed 7% for 70%", env=_at(LATER)))
    first = _export(tracker)
    lines = [json.loads(line) for line in first.splitlines()]
    assert [line["type"] for line in lines][-1] == "retraction"
    assert lines[-1] == {
        "type": "retraction",
        "forecast": {
            "question": "1",
            "forecaster": "ani",
            "made_at": SLIP,
            "recorded_at": SLIP,
            "probabilities": {"yes": 0.07, "no": 0.93},
            "rationale": "typed in a hurry",
            "input": "7%",
        },
        "reason": "typed 7% for 70%",
        "recorded_by": "ani",
        "recorded_at": LATER,
    }
    path = tmp_path / "ledger.jsonl"
    path.write_text(first, encoding="utf-8")
    other = {"TRACKER_DB": str(tmp_path / "other.db"), **_at(LATER)}
    imported = _ok(tracker("import", str(path), env=other))
    assert "1 retraction" in imported.stdout
    assert _ok(tracker("export", env=other)).stdout == first
    again = _ok(tracker("import", str(path), env=other))
    assert (
        again.stdout
        == "Added 0 sources, 0 questions, 0 forecasts, 0 resolutions; 5 already there.\n"
    )
    assert _ok(tracker("export", env=other)).stdout == first


def test_the_csv_export_keeps_the_retracted_forecast_without_a_score(tracker: Tracker) -> None:
    import csv
    import io

    _question(tracker)
    _ok(tracker("retract", "1", "--reason", "typed 7% for 70%", env=_at(LATER)))
    _resolve_yes(tracker)
    rows = list(csv.DictReader(io.StringIO(_ok(tracker("export", "--format", "csv")).stdout)))
    scores = {row["probability"]: row["score"] for row in rows}
    assert scores == {"0.6": "0.16", "0.07": ""}
