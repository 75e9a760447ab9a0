"""In a narrow terminal no command cuts a number or a name: tables fit, or are stacked."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, Run, own_example
from tracker.domain.units import POINTS

Tracker = Callable[..., Run]

#: Every read command, on the example, with the variants that change its tables.
READ_COMMANDS = [
    ("overview",),
    ("list", "--all"),
    ("list", "--open"),
    ("show", "brussels-meeting"),
    ("show", "border-demarcation-mechanism"),
    ("show", "released-detainees-count"),
    ("due", "--within", "365"),
    ("score",),
    ("score", "--by-question"),
    ("score", "--by", "source"),
    ("score", "--by", "author"),
    ("score", "--forecaster", "ani"),
    ("score", "--brier", "two-sided"),
    ("score", "--live-only"),
    ("score", "--as-of", "2022-03-01", "--as-recorded"),
    ("score", "--question", "border-demarcation-mechanism", "--by-question"),
    ("report", "--period", "2022Q2"),
    ("retro",),
    ("source", "list"),
    ("source", "show", "sochi-sitrep"),
    ("source", "yardstick", "sochi-sitrep"),
    ("source", "scan", "sochi-sitrep", "--all"),
    ("db", "status"),
    ("db", "verify"),
    ("db", "yardstick"),
]
#: Box-drawing characters of rich's tables, panels and rules: not part of any word.
BOX = "│┃┏┓┗┛━─┳┻╇┡┩┼╋┣┫┠┨┯┷┿╂└┘┌┐├┤┬┴╭╮╰╯═║"
#: Wide enough that rich cuts nothing: the reference every narrow run is held to.
WIDE = "1000"


@pytest.fixture
def example(tracker: Tracker, isolated_database: Path) -> Tracker:
    own_example(isolated_database)
    return tracker


def words(text: str) -> set[str]:
    """The whitespace-separated words of terminal output, without box drawing and the
    punctuation around them (`(80-95%),` -> `80-95%`, `#3` -> `3`)."""
    found = set()
    for line in text.splitlines():
        for char in BOX:
            line = line.replace(char, " ")
        found.update(w.strip(",.;:()[]“”\"'?#") for w in line.split())
    return found - {""}


def marks(text: str) -> int:
    return text.count("…") + text.count("...")


def _names(example: Tracker) -> set[str]:
    """The words of every name in the example: question ids, forecasters, the source."""
    env = {**AFTER_EXAMPLE_ENV, "COLUMNS": WIDE}
    questions = json.loads(example("list", "--all", "--json", env=env).stdout)
    scores = json.loads(example("score", "--json", env=env).stdout)
    names = {q["slug"] for q in questions} | {"sochi-sitrep"}
    for f in scores["forecasters"]:
        names.update(f["forecaster"].split())
    return {n.strip("()") for n in names}


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_no_command_cuts_a_number_or_a_name(
    example: Tracker, command: tuple[str, ...], columns: int
) -> None:
    wide = example(*command, env={**AFTER_EXAMPLE_ENV, "COLUMNS": WIDE})
    narrow = example(*command, env={**AFTER_EXAMPLE_ENV, "COLUMNS": str(columns)})
    assert wide.exit_code == narrow.exit_code == 0
    # No ellipsis that the wide output does not have ("... and 3 more" is the report's own).
    assert marks(narrow.stdout) == marks(wide.stdout)
    # Every number (a word with a digit) and every name shown whole when there is room is shown
    # whole in the narrow terminal: nothing wrapped inside a word or cut short. A word longer
    # than a line (a content hash in a panel at 60 columns) has to break.
    names = _names(example)
    wanted = {
        w
        for w in words(wide.stdout)
        if (any(c.isdigit() for c in w) or w in names) and len(w) <= columns - 4
    }
    assert wanted - words(narrow.stdout) == set()


@pytest.mark.parametrize("columns", [80, 60])
def test_score_shows_every_key_figure_of_its_json_whole(example: Tracker, columns: int) -> None:
    env = {**AFTER_EXAMPLE_ENV, "COLUMNS": str(columns)}
    data = json.loads(example("score", "--json", env=env).stdout)
    shown = words(example("score", env=env).stdout)
    for f in data["forecasters"]:
        assert {w.strip("()") for w in f["forecaster"].split()} <= shown
        assert f"{f['brier']:.3f}" in shown
        assert f"{f['time_weighted_brier']:.3f}" in shown
        assert f"{f['relative_brier']:+.3f}" in shown
        # Overconfidence is written in points, as everywhere (tracker/domain/units.py).
        assert POINTS.text(f["overconfidence"]).split()[0] in shown
        assert f"{round(f['coverage'] * 100)}%" in shown


def test_score_stays_a_table_at_80_columns_with_its_units_said_once(example: Tracker) -> None:
    shown = example("score", env={**AFTER_EXAMPLE_ENV, "COLUMNS": "80"}).stdout
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 80
    row = next(line for line in lines if line.startswith("ani ") and "│" in line)
    assert row.split("│")[1:4] == [" 5 ", " 0.006 ", " 0.086 "]
    caption = " ".join(shown.split())
    assert "(below 0 better)" in caption
    assert "(higher is better)" in caption


def test_list_is_stacked_when_its_table_does_not_fit(example: Tracker) -> None:
    shown = example("list", "--all", env={**AFTER_EXAMPLE_ENV, "COLUMNS": "80"}).stdout
    lines = [line.rstrip() for line in shown.splitlines()]
    assert lines[:2] == ["#3", "question:"]
    assert "deadline: 2021-12-16" in lines
    assert "status: resolved" in lines
    assert "  border-demarcation-mechanism · multiple choice, 4 options" in lines
    assert max(len(line) for line in lines) <= 80
    # At 200 columns it is a table.
    wide = example("list", "--all", env={**AFTER_EXAMPLE_ENV, "COLUMNS": "200"}).stdout
    assert "deadline: 2021-12-16" not in wide
    assert "┃ # ┃ question" in wide
