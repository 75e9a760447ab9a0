"""Importing retractions: the rules of `tracker retract` hold for a line of a file too, a
retraction whose forecast is already in the ledger is added all the same, and importing the
same file again adds nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW
from tracker.errors import ConflictError, InputError
from tracker.services.interchange import ImportResult, export_lines, import_file
from tracker.services.workspace import unit_of_work

QUESTION = {
    "type": "question",
    "id": "talks",
    "title": "Talks resume",
    "kind": "binary",
    "options": ["yes", "no"],
    "deadline": "2021-12-31",
    "opened_on": "2021-11-01",
    "criteria": "Both sides meet",
    "created_at": "2021-11-01T09:00:00+00:00",
}
FIRST = {
    "type": "forecast",
    "question": "talks",
    "forecaster": "ani",
    "made_at": "2021-11-02T09:00:00+00:00",
    "recorded_at": "2021-11-02T09:00:00+00:00",
    "probabilities": {"yes": 0.6, "no": 0.4},
}
SLIP = {
    **FIRST,
    "made_at": "2021-11-03T09:00:00+00:00",
    "recorded_at": "2021-11-03T09:00:00+00:00",
    "probabilities": {"yes": 0.07, "no": 0.93},
    "rationale": "in a hurry",
}


def _retraction(recorded_at: str = "2021-11-03T10:00:00+00:00", **extra: Any) -> dict[str, Any]:
    forecast = {k: v for k, v in SLIP.items() if k != "type"}
    return {
        "type": "retraction",
        "forecast": forecast,
        "reason": "typed 7% for 70%",
        "recorded_by": "ani",
        "recorded_at": recorded_at,
        **extra,
    }


def _file(tmp_path: Path, *records: dict[str, Any], name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _import(url: str, path: Path) -> ImportResult:
    return import_file(url=url, path=path, importer="ani", now=NOW)


def _export(url: str) -> list[str]:
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []  # a refused import into a new file leaves no file
    with unit_of_work(url, write=False, now=NOW) as session:
        return list(export_lines(session=session))


def _retracted(url: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _export(url) if json.loads(line)["type"] == "retraction"]


def test_a_retraction_is_imported_and_the_same_file_again_adds_nothing(
    tmp_path: Path, any_url: str
) -> None:
    path = _file(tmp_path, QUESTION, FIRST, SLIP, _retraction())
    first = _import(any_url, path)
    assert (first.forecasts, first.retractions) == (2, 1)
    before = _export(any_url)
    again = _import(any_url, path)
    assert again.added == 0 and again.unchanged == 4
    assert _export(any_url) == before


def test_export_import_export_is_byte_identical(tmp_path: Path, db_url: str) -> None:
    _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, _retraction()))
    first = _export(db_url)
    exported = tmp_path / "export.jsonl"
    exported.write_text("".join(line + "\n" for line in first), encoding="utf-8")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    _import(other, exported)
    assert _export(other) == first


def test_a_retraction_whose_forecast_is_already_there_is_still_added(
    tmp_path: Path, any_url: str
) -> None:
    _import(any_url, _file(tmp_path, QUESTION, FIRST, SLIP, name="before.jsonl"))
    result = _import(any_url, _file(tmp_path, QUESTION, FIRST, SLIP, _retraction()))
    assert (result.forecasts, result.retractions, result.unchanged) == (0, 1, 3)
    assert [r["reason"] for r in _retracted(any_url)] == ["typed 7% for 70%"]


def test_a_retraction_whose_forecast_is_already_there_obeys_the_24_hour_rule(
    tmp_path: Path, db_url: str
) -> None:
    _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, name="before.jsonl"))
    late = _retraction("2021-11-04T09:00:01+00:00")
    with pytest.raises(ConflictError, match=r"^line 4: the retraction is recorded at .* more than"):
        _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, late))
    assert _retracted(db_url) == []


def test_a_retraction_more_than_24_hours_after_its_forecast_is_refused(
    tmp_path: Path, db_url: str
) -> None:
    late = _retraction("2021-11-04T09:00:01+00:00")
    with pytest.raises(
        ConflictError,
        match=r"^line 4: the retraction is recorded at 2021-11-04T09:00:01\+00:00, more than 24 "
        r"hours after its forecast \(2021-11-03T09:00:00\+00:00\); after that a new forecast",
    ):
        _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, late))
    assert _export(db_url) == []


def test_a_retraction_recorded_after_the_resolution_is_refused(tmp_path: Path, db_url: str) -> None:
    resolution = {
        "type": "resolution",
        "question": "talks",
        "outcome": "yes",
        "occurred_on": "2021-11-03",
        "recorded_at": "2021-11-03T09:30:00+00:00",
    }
    with pytest.raises(
        ConflictError,
        match=r"^line 4: question 'talks' was resolved at 2021-11-03T09:30:00\+00:00 before the "
        "retraction",
    ):
        _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, _retraction(), resolution))
    assert _export(db_url) == []


def test_a_retraction_before_the_resolution_is_imported(tmp_path: Path, db_url: str) -> None:
    resolution = {
        "type": "resolution",
        "question": "talks",
        "outcome": "yes",
        "occurred_on": "2021-11-03",
        "recorded_at": "2021-11-03T11:00:00+00:00",
    }
    result = _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, _retraction(), resolution))
    assert (result.retractions, result.resolutions) == (1, 1)


def test_a_retraction_without_its_forecast_is_refused(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(InputError, match=r"^line 3: there is no forecast by ani on 'talks'"):
        _import(db_url, _file(tmp_path, QUESTION, FIRST, _retraction()))


def test_retracting_twice_is_refused(tmp_path: Path, db_url: str) -> None:
    twice = _retraction(reason="again")
    with pytest.raises(ConflictError, match=r"^line 5: .* is retracted already"):
        _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, _retraction(), twice))


def test_retracting_someone_elses_forecast_is_refused(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(InputError, match=r"^line 4: .* may be retracted only by ani, not by bob"):
        _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, _retraction(recorded_by="bob")))


def test_only_the_latest_forecast_is_retracted(tmp_path: Path, db_url: str) -> None:
    newer = {**FIRST, "made_at": "2021-11-03T09:30:00+00:00"}
    newer["recorded_at"] = newer["made_at"]
    with pytest.raises(ConflictError, match=r"^line 5: ani recorded a later forecast on 'talks'"):
        _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, newer, _retraction()))


def test_a_reason_on_several_lines_is_refused(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(InputError, match=r"^line 4: .*write it on one line"):
        _import(db_url, _file(tmp_path, QUESTION, FIRST, SLIP, _retraction(reason="a\nb")))
