"""The yardstick of estimative words, chosen per ledger or per source: how typed words are read,
the words written beside numbers, the choice as an event of the chain, export and import."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import NOW, Run
from tracker.services.workspace import unit_of_work
from tracker.services.yardsticks import yardstick_for_source
from tracker.storage import ledger as store

Tracker = Callable[..., Run]


def _question(tracker: Tracker) -> None:
    result = tracker("add", "Talks resume", "-c", "Both sides meet.", "-d", "+6m", "--slug", "t")
    assert result.exit_code == 0, result.stderr


def _events(tracker: Tracker) -> int:
    result = tracker("db", "verify", "--json")
    assert result.exit_code == 0, result.stdout
    return int(json.loads(result.stdout)["events"])


def test_by_default_icd_203_reads_a_synonym_as_its_nearest_term_and_says_so(
    tracker: Tracker,
) -> None:
    _question(tracker)
    result = tracker("forecast", "t", "highly", "likely", "--json")
    assert json.loads(result.stdout)["probabilities"] == {"yes": 0.875, "no": 0.125}
    echo = tracker("forecast", "t", "Highly likely", "--as", "tom").stdout
    assert echo.startswith(
        'Recorded 87.5% (from "highly likely", read as ICD 203 very likely 80-95%) on #1'
    )


def test_with_phia_the_same_words_are_its_own_term_and_numbers_get_its_words(
    tracker: Tracker,
) -> None:
    _question(tracker)
    assert tracker("db", "yardstick", "phia").stdout == (
        "The ledger now reads estimative words by PHIA.\n"
    )
    recorded = json.loads(tracker("forecast", "t", "highly likely", "--json").stdout)
    assert recorded["probabilities"] == {"yes": 0.85, "no": 0.15}
    assert recorded["words"] == "highly likely (80-90%)"
    echo = tracker("forecast", "t", "70%", "--as", "tom").stdout
    assert echo.startswith("Recorded 70%, likely (55-75%), on #1 Talks resume")
    listed = json.loads(tracker("list", "--json").stdout)[0]["standing"]
    assert {name: f["words"] for name, f in listed.items()} == {
        "ani": "highly likely (80-90%)",
        "tom": "likely (55-75%)",
    }


def test_a_number_in_a_phia_gap_is_written_with_both_neighbours(tracker: Tracker) -> None:
    _question(tracker)
    assert tracker("db", "yardstick", "PHIA").exit_code == 0
    echo = tracker("forecast", "t", "38%").stdout
    gap = "between unlikely (25-35%) and realistic possibility (40-50%)"
    assert echo.startswith(f"Recorded 38%, {gap}, on #1")
    shown = json.loads(tracker("show", "t", "--json").stdout)
    assert [f["words"] for f in shown["forecasts"]] == [gap]
    table = tracker("list", env={"COLUMNS": "400"}).stdout
    assert f"ani: 38%, {gap}" in table
    history = tracker("show", "t", env={"COLUMNS": "400"}).stdout
    assert "in words" in history and gap in history


def test_icd_203_writes_the_same_number_with_its_own_row(tracker: Tracker) -> None:
    _question(tracker)
    echo = tracker("forecast", "t", "38%").stdout
    assert echo.startswith("Recorded 38%, unlikely (20-45%), on #1")


def test_words_typed_are_not_written_twice_and_multiple_choice_gets_no_words(
    tracker: Tracker,
) -> None:
    _question(tracker)
    assert tracker("forecast", "t", "likely").stdout.startswith(
        'Recorded 67.5% (from "likely", ICD 203 55-80%) on #1'
    )
    added = tracker(
        "add", "Who", "-c", "C", "-d", "+6m", "-k", "multiple_choice", "-o", "a", "-o", "b"
    )
    assert added.exit_code == 0
    result = json.loads(tracker("forecast", "2", "a=70", "b=30", "--json").stdout)
    assert result["words"] is None


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "t", "fairly", "likely"],
        ["forecast", "t", "maybe"],
    ],
)
@pytest.mark.parametrize("yardstick", ["icd203", "phia"])
def test_words_neither_list_nor_synonym_are_refused_by_either(
    tracker: Tracker, args: list[str], yardstick: str
) -> None:
    _question(tracker)
    assert tracker("db", "yardstick", yardstick).exit_code == 0
    before = tracker("export").stdout
    result = tracker(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: Cannot read '{' '.join(args[2:])}'")
    assert len(result.stderr.splitlines()) == 1
    assert tracker("export").stdout == before


@pytest.mark.parametrize(
    "args",
    [
        ["db", "yardstick", "kent"],
        ["source", "yardstick", "r", "kent"],
        ["source", "add", "--url", "https://example.org/b", "--title", "B", "--yardstick", "kent"],
    ],
)
def test_an_unknown_yardstick_is_one_line_and_writes_nothing(
    tracker: Tracker, args: list[str]
) -> None:
    _question(tracker)
    added = tracker("source", "add", "--url", "https://e.org/r", "--title", "R", "--slug", "r")
    assert added.exit_code == 0
    before = tracker("export").stdout
    result = tracker(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "error: No yardstick 'kent': choose icd203 or phia.\n"
    assert tracker("export").stdout == before


def test_each_choice_is_an_event_of_the_chain_and_the_same_choice_again_writes_nothing(
    tracker: Tracker,
) -> None:
    _question(tracker)
    before = _events(tracker)
    assert tracker("db", "yardstick", "phia", "--as", "lead").exit_code == 0
    assert _events(tracker) == before + 1
    again = tracker("db", "yardstick", "phia")
    assert again.stdout == "The ledger already reads estimative words by PHIA.\n"
    assert _events(tracker) == before + 1
    assert tracker("db", "yardstick", "icd203").exit_code == 0
    assert _events(tracker) == before + 2  # the earlier choice stays in the record
    shown = json.loads(tracker("db", "yardstick", "--json").stdout)
    assert (shown["yardstick"], shown["origin"], shown["source"]) == ("icd203", "chosen", None)


def test_a_source_follows_the_ledger_until_it_chooses_its_own(
    tracker: Tracker, db_url: str
) -> None:
    added = tracker("source", "add", "--url", "https://e.org/r", "--title", "R", "--slug", "r")
    assert added.exit_code == 0
    assert json.loads(tracker("source", "show", "r", "--json").stdout)["yardstick"] is None
    assert tracker("db", "yardstick", "phia").exit_code == 0
    shown = json.loads(tracker("source", "yardstick", "r", "--json").stdout)
    assert (shown["yardstick"], shown["origin"]) == ("phia", "ledger")
    assert "PHIA (the ledger's)" in tracker("source", "show", "r").stdout
    chosen = tracker("source", "yardstick", "r", "icd203")
    assert chosen.stdout == "Source r now reads estimative words by ICD 203.\n"
    detail = json.loads(tracker("source", "show", "r", "--json").stdout)
    assert (detail["yardstick"], detail["yardstick_in_force"]) == ("icd203", "icd203")
    assert "ICD 203 (chosen for this source)" in tracker("source", "show", "r").stdout
    with unit_of_work(db_url, write=False, now=NOW) as session:
        source = store.get_source(session, "r")
        assert yardstick_for_source(session, source).key == "icd203"
    assert tracker("db", "verify").exit_code == 0


def test_yardstick_for_source_falls_back_to_the_ledger_then_icd_203(
    tracker: Tracker, db_url: str
) -> None:
    for slug, extra in (("a", []), ("b", ["--yardstick", "phia"])):
        args = ["source", "add", "--url", f"https://e.org/{slug}", "--title", slug.upper()]
        assert tracker(*args, "--slug", slug, *extra).exit_code == 0

    def keys() -> list[str]:
        with unit_of_work(db_url, write=False, now=NOW) as session:
            return [
                yardstick_for_source(session, store.get_source(session, slug)).key
                for slug in ("a", "b")
            ]

    assert keys() == ["icd203", "phia"]
    assert tracker("db", "yardstick", "phia").exit_code == 0
    assert tracker("source", "yardstick", "b", "icd203").exit_code == 0
    assert keys() == ["phia", "icd203"]


def test_export_carries_the_choices_and_imports_again_byte_for_byte(
    tracker: Tracker, tmp_path: Path
) -> None:
    _question(tracker)
    assert tracker("db", "yardstick", "phia").exit_code == 0
    args = ["source", "add", "--url", "https://e.org/r", "--title", "R", "--slug", "r"]
    assert tracker(*args, "--yardstick", "icd203").exit_code == 0
    exported = tracker("export").stdout
    lines = [json.loads(line) for line in exported.splitlines()]
    assert lines[0] == {"type": "ledger", "yardstick": "phia"}
    assert lines[1]["type"] == "source" and lines[1]["yardstick"] == "icd203"
    path = tmp_path / "export.jsonl"
    path.write_text(exported, encoding="utf-8")
    other = str(tmp_path / "other.db")
    assert tracker("--db", other, "import", str(path)).exit_code == 0
    assert tracker("--db", other, "export").stdout == exported
    assert tracker("--db", other, "db", "verify").exit_code == 0
    assert json.loads(tracker("--db", other, "db", "yardstick", "--json").stdout)["yardstick"] == (
        "phia"
    )


def test_an_import_keeps_the_yardstick_a_ledger_chose(tracker: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"type": "ledger", "yardstick": "phia"}\n', encoding="utf-8")
    assert tracker("db", "yardstick", "icd203").exit_code == 0
    assert tracker("import", str(path)).exit_code == 0
    assert json.loads(tracker("db", "yardstick", "--json").stdout)["yardstick"] == "icd203"


def test_an_import_naming_an_unknown_yardstick_names_the_line(
    tracker: Tracker, tmp_path: Path
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"type": "ledger", "yardstick": "kent"}\n', encoding="utf-8")
    result = tracker("import", str(path))
    assert result.exit_code == 1
    assert result.stderr == "error: line 1: No yardstick 'kent': choose icd203 or phia.\n"
