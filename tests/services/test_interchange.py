"""JSON Lines export and import: lossless round trip, idempotent, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, NOW, REPO
from tracker.errors import InputError
from tracker.services.interchange import export_lines, import_file
from tracker.services.workspace import unit_of_work
from tracker.storage.database import HEAD, schema_state


def _export(url: str) -> list[str]:
    with unit_of_work(url, write=False, now=NOW) as session:
        return list(export_lines(session=session))


def _import(url: str, path: Path, *, dry_run: bool = False) -> object:
    return import_file(url=url, path=path, importer="ani", now=NOW, dry_run=dry_run)


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
    committed = f"sqlite:///{REPO / 'forecasts.db'}"
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
