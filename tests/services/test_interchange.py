"""JSON Lines export and import: lossless round trip, idempotent, all or nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE, EXAMPLE, NOW, REPO
from tracker.errors import InputError
from tracker.services.interchange import export_lines, import_file
from tracker.services.ledger import add_question, record_forecast, resolve_question
from tracker.services.workspace import unit_of_work
from tracker.storage.database import HEAD, schema_state


def _export(url: str) -> list[str]:
    with unit_of_work(url, write=False, now=NOW) as session:
        return list(export_lines(session=session))


def _import(url: str, path: Path, *, dry_run: bool = False) -> object:
    return import_file(url=url, path=path, importer="ani", now=AFTER_EXAMPLE, dry_run=dry_run)


def test_export_import_export_is_byte_identical(tmp_path: Path, db_url: str) -> None:
    _import(db_url, EXAMPLE)
    first = _export(db_url)
    exported = tmp_path / "export.jsonl"
    exported.write_text("".join(line + "\n" for line in first), encoding="utf-8")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    _import(other, exported)
    assert _export(other) == first


def test_importing_the_same_file_twice_adds_nothing(db_url: str) -> None:
    first = _import(db_url, EXAMPLE)
    before = _export(db_url)
    second = _import(db_url, EXAMPLE)
    assert (first.questions, first.forecasts, first.resolutions) == (6, 49, 5)  # type: ignore[attr-defined]
    assert second.added == 0  # type: ignore[attr-defined]
    assert second.unchanged == len(before)  # type: ignore[attr-defined]
    assert _export(db_url) == before


def test_a_bad_line_writes_nothing(tmp_path: Path, db_url: str) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[-1])
    broken["outcome"] = "perhaps"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[:-1], json.dumps(broken)]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"line {len(lines)}: outcome 'perhaps' is not an option"):
        _import(db_url, bad)
    assert not (tmp_path / "forecasts.db").exists() or _export(db_url) == []


def test_a_malformed_line_is_named(tmp_path: Path, db_url: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "question", "id": "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 1: not valid JSON"):
        _import(db_url, bad)


def test_probabilities_that_do_not_cover_the_options_are_refused(
    tmp_path: Path, db_url: str
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if '"type": "forecast"' in line)
    forecast = json.loads(lines[index])
    forecast["probabilities"] = {"maybe": 0.5, "no": 0.5}
    lines[index] = json.dumps(forecast)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"line {index + 1}: the probabilities must cover"):
        _import(db_url, bad)


def test_dry_run_writes_nothing_and_creates_no_file(isolated_database: Path, db_url: str) -> None:
    result = _import(db_url, EXAMPLE, dry_run=True)
    assert result.forecasts == 49  # type: ignore[attr-defined]
    assert not isolated_database.exists()


def test_bundled_example_database_matches_its_source_and_is_current(tmp_path: Path) -> None:
    copy = tmp_path / "committed.db"
    shutil.copyfile(REPO / "forecasts.db", copy)  # never open the repository's own file
    committed = f"sqlite:///{copy}"
    assert schema_state(committed).revision == HEAD
    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    _import(rebuilt, EXAMPLE)
    assert _export(committed) == _export(rebuilt)


def test_a_source_without_text_or_slug_is_imported_once(tmp_path: Path, db_url: str) -> None:
    lines = [
        {"type": "source", "id": "1", "title": "Briefing", "url": "https://example.org/b"},
        {
            "type": "question",
            "id": "talks",
            "title": "Talks resume",
            "kind": "binary",
            "options": ["yes", "no"],
            "deadline": "2022-01-31",
            "opened_on": "2021-11-01",
            "criteria": "Both delegations meet.",
            "source": "1",
        },
        {
            "type": "resolution",
            "question": "talks",
            "outcome": "Yes",
            "occurred_on": "2021-12-01",
        },
    ]
    path = tmp_path / "one.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    _import(db_url, path)
    again = _import(db_url, path)
    assert again.added == 0  # type: ignore[attr-defined]
    exported = [json.loads(line) for line in _export(db_url)]
    assert [r["type"] for r in exported] == ["source", "question", "resolution"]
    assert exported[-1]["outcome"] == "yes"


def _round_trip(db_url: str, tmp_path: Path) -> tuple[list[str], list[str]]:
    first = _export(db_url)
    exported = tmp_path / "export.jsonl"
    exported.write_text("".join(line + "\n" for line in first), encoding="utf-8")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    _import(other, exported)
    _import(other, exported)  # and a second time adds nothing
    return first, _export(other)


def test_an_amendment_trail_that_returns_to_the_first_outcome_survives(
    tmp_path: Path, db_url: str
) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="a", now=NOW
        )
        for outcome, amend in (("yes", False), ("no", True), ("yes", True)):
            resolve_question(
                session=session,
                question="1",
                outcome=outcome,
                resolver="a",
                now=NOW,
                evidence=f"E {outcome}" if amend else "E",
                amend=amend,
            )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert [json.loads(line)["outcome"] for line in second if '"resolution"' in line] == [
        "yes",
        "no",
        "yes",
    ]


def test_identical_questions_without_slugs_stay_apart(tmp_path: Path, db_url: str) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        for who in ("ani", "tom"):
            add_question(
                session=session,
                title="Same",
                criteria="C",
                deadline="+1m",
                created_by=who,
                now=NOW,
                forecast=["60%"],
            )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert sum('"type": "question"' in line for line in second) == 2


def test_text_with_unicode_line_separators_round_trips(tmp_path: Path, db_url: str) -> None:
    criteria = "Talks\u2028resume\u2029soon\r\n\tor not?"
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria=criteria, deadline="+1m", created_by="a", now=NOW
        )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert json.loads(second[0])["criteria"] == criteria


def test_forecasts_differing_only_in_rationale_are_both_kept(tmp_path: Path, db_url: str) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="a", now=NOW
        )
        for why in ("first reason", "second reason"):
            record_forecast(
                session=session,
                question="1",
                probability=["60%"],
                forecaster="ani",
                now=NOW,
                rationale=why,
            )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert sum('"type": "forecast"' in line for line in second) == 2


def test_a_file_with_a_byte_order_mark_is_read(tmp_path: Path, db_url: str) -> None:
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    assert _import(db_url, bom).questions == 6  # type: ignore[attr-defined]


def test_an_empty_file_is_refused_and_creates_nothing(
    tmp_path: Path, db_url: str, isolated_database: Path
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(InputError, match="holds no records"):
        _import(db_url, empty)
    assert not isolated_database.exists()


@pytest.mark.parametrize(
    ("index", "changes", "message"),
    [
        (
            1,
            {"opened_on": "2098-01-01", "deadline": "2099-01-01"},
            "line 2: The 'opened_on' 2098-01-01 had not begun anywhere when it was recorded",
        ),
        (
            7,
            {"made_at": "2030-01-01T00:00:00+00:00"},
            "line 8: The forecast was recorded (2021-11-29T11:00:00+00:00) before it was made "
            "(2030-01-01T00:00:00+00:00).",
        ),
        (
            7,
            {"made_at": "2030-01-01T00:00:00+00:00", "recorded_at": None},
            "line 8: The forecast time 2030-01-01T00:00:00+00:00 is in the future.",
        ),
        (
            7,
            {"recorded_at": "2030-01-01T00:00:00+00:00"},
            "line 8: The 'recorded_at' 2030-01-01T00:00:00+00:00 is in the future.",
        ),
        (
            60,
            {"occurred_on": "2099-01-01"},
            "line 61: The 'occurred_on' 2099-01-01 had not begun anywhere when it was recorded",
        ),
        (1, {"number": 10**30}, "line 2: 'number' must be a whole number from 1 to"),
        (2, {"id": "nakhichevan-road-rail"}, "line 3: question id 'nakhichevan-road-rail' appears"),
    ],
)
def test_import_refuses_what_the_commands_refuse(
    tmp_path: Path, db_url: str, index: int, changes: dict[str, object], message: str
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[index])
    record.update(changes)
    lines[index] = json.dumps(record)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        _import(db_url, bad)
