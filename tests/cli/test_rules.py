"""One set of rules, whatever the way in: the commands and `tracker import` refuse the same
values for the same reason (both check them in tracker/domain/fields.py), and write nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

Tracker = Callable[..., Run]

QUESTION = {
    "type": "question",
    "id": "q",
    "title": "Talks resume",
    "kind": "binary",
    "deadline": "2021-12-31",
    "opened_on": "2021-11-29",
    "criteria": "Both delegations meet.",
}
CHOICE = {
    **QUESTION,
    "kind": "multiple_choice",
    "options": ["trilateral", "bilateral", "none"],
}
ADD = ("add", "Talks resume", "-c", "Both delegations meet.", "-d", "2021-12-31")


def _forecast(**changes: Any) -> dict[str, Any]:
    return {
        "type": "forecast",
        "question": "q",
        "forecaster": "bo",
        "made_at": "2021-11-29T10:00:00+00:00",
        "probabilities": {"yes": 0.6, "no": 0.4},
        **changes,
    }


# (name, commands (the last one is refused), the file's records, the reason both give)
CASES: list[tuple[str, list[tuple[str, ...]], list[dict[str, Any]], str]] = [
    (
        "reserved forecaster name",
        [(*ADD, "--as", "Team (Median)")],
        [QUESTION, _forecast(forecaster="Team (Median)")],
        "'Team (Median)' is reserved: team (...) names the team aggregates, never a person.",
    ),
    (
        "zero-width character in a title",
        [("add", "Talks\u200b resume", "-c", "C", "-d", "2021-12-31")],
        [{**QUESTION, "title": "Talks\u200b resume"}],
        "contains the zero-width character U+200B; remove it and try again.",
    ),
    (
        "bidi override in a rationale",
        [ADD, ("forecast", "1", "60%", "-r", "see \u202eevidence")],
        [QUESTION, _forecast(rationale="see \u202eevidence")],
        "contains the bidirectional control U+202E; remove it and try again.",
    ),
    (
        "escape in a tag",
        [(*ADD, "--tag", "border\x1b[2J")],
        [{**QUESTION, "tags": ["border\x1b[2J"]}],
        "The tag contains the control character U+001B; remove it and try again.",
    ),
    (
        "title over the limit",
        [("add", "x" * 1001, "-c", "C", "-d", "2021-12-31")],
        [{**QUESTION, "title": "x" * 1001}],
        "is 1,001 characters long; the limit is 1,000.",
    ),
    (
        "rationale over the limit",
        [ADD, ("forecast", "1", "60%", "-r", "y" * 20_001)],
        [QUESTION, _forecast(rationale="y" * 20_001)],
        "is 20,001 characters long; the limit is 20,000.",
    ),
    (
        "time-zone offset beyond +14:00",
        [ADD, ("forecast", "1", "60%", "--made-at", "2021-11-29T10:00+14:30")],
        [QUESTION, _forecast(made_at="2021-11-29T10:00:00+14:30")],
        "has the time-zone offset +14:30; real offsets run from -12:00 to +14:00.",
    ),
    (
        "options equal but for case and width",
        [
            (
                *ADD,
                "-k",
                "multiple_choice",
                "-o",
                "Trilateral",
                "-o",
                "ＴＲＩＬＡＴＥＲＡＬ",
            )
        ],
        [{**CHOICE, "options": ["Trilateral", "ＴＲＩＬＡＴＥＲＡＬ"]}],
        "Option 'ＴＲＩＬＡＴＥＲＡＬ' is given twice (as 'Trilateral').",
    ),
    (
        "a probability the grid would store as 0% or 100%",
        [ADD, ("forecast", "1", "99.99999999%")],
        [QUESTION, _forecast(probabilities={"yes": 0.9999999999, "no": 0.0000000001})],
        "on tracker's grid of 0.0001% a probability runs from 0.0001% to 99.9999%.",
    ),
    (
        "a forecast on a resolved question",
        [ADD, ("resolve", "1", "yes"), ("forecast", "1", "60%")],
        [
            QUESTION,
            {"type": "resolution", "question": "q", "outcome": "yes", "occurred_on": "2021-11-29"},
            _forecast(),
        ],
        "forecasts on it are closed.",
    ),
    (
        "an outcome that has not happened yet",
        [ADD, ("resolve", "1", "yes", "--on", "2021-12-05")],
        [
            QUESTION,
            {"type": "resolution", "question": "q", "outcome": "yes", "occurred_on": "2021-12-05"},
        ],
        "2021-12-05 is in the future",
    ),
    (
        "a forecast made in the future",
        [ADD, ("forecast", "1", "60%", "--made-at", "2021-11-29T13:00+00:00")],
        [QUESTION, _forecast(made_at="2021-11-29T13:00:00+00:00")],
        "The forecast time 2021-11-29T13:00:00+00:00 is in the future.",
    ),
]


@pytest.mark.parametrize(
    ("commands", "records", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_commands_and_import_refuse_the_same_value_for_the_same_reason(
    tracker: Tracker,
    tmp_path: Path,
    commands: list[tuple[str, ...]],
    records: list[dict[str, Any]],
    reason: str,
) -> None:
    *setup, refused = commands
    for command in setup:
        assert tracker(*command).exit_code == 0
    before = tracker("export").stdout
    by_command = tracker(*refused)
    assert by_command.exit_code == 1
    assert reason in by_command.stderr
    assert len(by_command.stderr.strip().splitlines()) == 1
    assert tracker("export").stdout == before  # nothing written

    other = tmp_path / "imported.db"
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    by_import = tracker("--db", str(other), "import", str(path))
    assert by_import.exit_code == 1
    assert reason in by_import.stderr
    assert by_import.stderr.startswith(f"error: line {len(records)}: ")
    assert len(by_import.stderr.strip().splitlines()) == 1
    assert not other.exists() or tracker("--db", str(other), "export").stdout == ""


def test_reserved_names_are_refused_from_tracker_user_and_for_a_report(tracker: Tracker) -> None:
    result = tracker(*ADD, env={"TRACKER_USER": "team (geo-odds)"})
    assert result.exit_code == 1
    assert "'team (geo-odds)' is reserved" in result.stderr
    source = tracker(
        "source",
        "add",
        "--url",
        "https://example.org/r",
        "--title",
        "R",
        "--forecaster",
        "TEAM (median)",
    )
    assert source.exit_code == 1
    assert "'TEAM (median)' is reserved" in source.stderr
    assert "(--forecaster NAME)" in source.stderr


def test_a_report_that_names_a_team_forecaster_is_refused_on_import(
    tracker: Tracker, tmp_path: Path
) -> None:
    path = tmp_path / "s.jsonl"
    record = {
        "type": "source",
        "id": "s",
        "title": "R",
        "url": "https://e.org",
        "forecaster": "team (median)",
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = tracker("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: line 1: The 'forecaster' 'team (median)' is reserved")


def test_a_year_one_time_east_of_utc_gets_a_clear_line(tracker: Tracker, tmp_path: Path) -> None:
    tracker(*ADD)
    result = tracker("forecast", "1", "60%", "--made-at", "0001-01-01T00:00+14:00")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: The time '0001-01-01T00:00+14:00' falls outside the calendar (years 1 to 9999) "
        "once in UTC: give a later or an earlier time.\n"
    )
    path = tmp_path / "late.jsonl"
    path.write_text(
        json.dumps(QUESTION)
        + "\n"
        + json.dumps(_forecast(made_at="9999-12-31T23:00:00-12:00"))
        + "\n",
        encoding="utf-8",
    )
    result = tracker("import", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: line 2: The 'made_at' 9999-12-31T23:00:00-12:00 falls outside the calendar "
        "(years 1 to 9999) once in UTC: give a later or an earlier time.\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "question", "id": "q", "id": "r"}', "the key 'id' appears twice in one object"),
        ("[" * 100_000 + "]" * 100_000, "the JSON nests too deeply"),
        ('{"type": "question", "number": ' + "9" * 5000 + "}", "has too many digits to read"),
        ('{"type": "forecast", "probabilities": {"yes": NaN}}', "NaN is not a number JSON allows"),
    ],
    ids=["duplicate key", "deep nesting", "long integer", "NaN"],
)
def test_strict_json_is_refused_with_one_line(
    tracker: Tracker, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(text + "\n", encoding="utf-8")
    result = tracker("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: line 1: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_endless_input_on_stdin_is_cut_off_at_the_stated_limit(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.services import interchange

    monkeypatch.setattr(interchange, "MAX_IMPORT_BYTES", 1000)
    result = tracker("import", "-", input="x" * 5000)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: The input is larger than 1,000 bytes, the most one import reads; split it into "
        "several files (a line may refer to records imported before).\n"
    )


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(
    tracker: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.services import interchange

    monkeypatch.setattr(interchange, "MAX_IMPORT_BYTES", 1000)
    big = tmp_path / "big.jsonl"
    big.write_text((json.dumps(QUESTION) + "\n") * 20, encoding="utf-8")
    result = tracker("import", str(big))
    assert result.exit_code == 1
    assert f"{big} is larger than" in result.stderr
    assert "the most one import reads" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="no /dev/zero")
def test_an_endless_device_is_refused_not_read_to_the_end(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.services import interchange

    monkeypatch.setattr(interchange, "MAX_IMPORT_BYTES", 1 << 16)
    result = tracker("import", "/dev/zero")
    assert result.exit_code == 1
    assert "/dev/zero is larger than" in result.stderr
