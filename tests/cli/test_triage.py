"""Triage of a whole report: `source scan --out FILE`, `source accept FILE`, `--pick 1,3`,
candidates marked as taken, and the warning when criteria and deadline name different dates."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, Run

Tracker = Callable[..., Run]
SEED = REPO / "docs" / "examples" / "sochi-summit-sitrep.txt"
NOW = {"TRACKER_NOW": "2021-11-30T09:00:00+00:00"}
REPORT_VOICE = "Richard Giragosian (RSC)"


@pytest.fixture
def seeded(tracker: Tracker) -> Tracker:
    added = tracker(
        "source", "add", str(SEED), "--slug", "sochi-sitrep", "--title", "Sochi sitrep",
        "--author", "Richard Giragosian", "--org", "RSC", "--published", "2021-11-29", env=NOW,
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    return tracker


def _candidates(tracker: Tracker) -> list[dict[str, Any]]:
    result = tracker("source", "scan", "sochi-sitrep", "--json", env=NOW)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _rank(tracker: Tracker, words: str) -> int:
    return int(next(c["rank"] for c in _candidates(tracker) if words in c["sentence"]))


# The tests choose candidates by what the scan says of them, not by rank or wording, so that
# they hold when the extractor is tuned.


def _dated(tracker: Tracker) -> list[dict[str, Any]]:
    """The binary forecasts drafted in full: a date of their own, a title, criteria and the
    report's probability, best first."""
    found = [
        c
        for c in _candidates(tracker)
        if c["kind"] == "binary"
        and c["stance"] == "forecast"
        and c["credited"]
        and c["probability"] is not None
        and c["deadline"] is not None
        and c["deadline"]["date"]
        and c["title"]
        and c["criteria"]
    ]
    assert len(found) >= 2, "the seed report has dated forecasts"
    return found


def _undated(tracker: Tracker) -> dict[str, Any]:
    """A binary forecast with the report's probability that names no date: the scan asks."""
    return next(
        c
        for c in _candidates(tracker)
        if c["kind"] == "binary"
        and c["stance"] == "forecast"
        and c["probability"] is not None
        and (c["deadline"] is None or not c["deadline"]["date"])
    )


def _choice(tracker: Tracker) -> dict[str, Any]:
    """A multiple-choice candidate with the report's probability."""
    return next(
        c
        for c in _candidates(tracker)
        if c["kind"] == "multiple_choice" and c["probability"] is not None
    )


def _day(candidate: dict[str, Any]) -> date:
    return date.fromisoformat(candidate["deadline"]["date"])


def _long(day: date) -> str:
    return f"{day.day} {day:%B} {day.year}"


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


def _write(tracker: Tracker, path: Path, *, taken: str = "") -> None:
    count = len(_candidates(tracker))
    result = tracker("source", "scan", "sochi-sitrep", "--out", str(path), env=NOW)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {count} candidates{taken} of sochi-sitrep to {path}.")


def _questions(tracker: Tracker) -> list[dict[str, Any]]:
    listed = json.loads(tracker("list", "--json", env=NOW).stdout or "[]")
    return [json.loads(tracker("show", str(q["number"]), "--json", env=NOW).stdout) for q in listed]


# --- Markdown ---------------------------------------------------------------------------------


def _entries(text: str) -> dict[int, str]:
    """The sections of a Markdown triage file by entry number."""
    parts = re.split(r"^## Entry (\d+)\n", text, flags=re.MULTILINE)
    return {int(number): body for number, body in zip(parts[1::2], parts[2::2], strict=True)}


def _edit(text: str, number: int, edit: Callable[[str], str]) -> str:
    sections = _entries(text)
    head = text[: text.index("## Entry ")]
    sections[number] = edit(sections[number])
    return head + "".join(f"## Entry {n}\n{body}" for n, body in sections.items())


def _set(body: str, name: str, value: str) -> str:
    new, count = re.subn(rf"^- {name}:.*$", f"- {name}: {value}", body, count=1, flags=re.M)
    assert count == 1, name
    return new


def _criteria(body: str, text: str) -> str:
    start = body.index("criteria:\n")
    return body[:start] + "criteria:\n\n" + text + "\n\n"


def test_the_markdown_file_says_how_to_use_it_and_keeps_nothing_by_default(
    seeded: Tracker, tmp_path: Path
) -> None:
    path = tmp_path / "candidates.md"
    _write(seeded, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!-- tracker triage file, format 1 -->\n")
    assert "- source: sochi-sitrep\n- published: 2021-11-29\n- extractor: tracker " in text
    assert "    tracker source accept candidates.md\n" in text
    entries = _entries(text)
    count = len(_candidates(seeded))
    assert sorted(entries) == list(range(1, count + 1))  # every candidate, not only the first ten
    assert all("- keep: no\n" in body for body in entries.values())
    choice = _choice(seeded)
    border = entries[choice["rank"]]
    # Every option in full, one a line, "none of these" last when the report's set is open.
    options = choice["options"]
    listed = "".join(f"{i}. {option}\n" for i, option in enumerate(options, start=1))
    assert "options:\n\n" + listed in border
    assert "- kind: multiple_choice\n" in border
    # The report's forecast shared as the scan reads it: the named options share the midpoint
    # equally and "none of these" takes the rest.
    midpoint = choice["probability"]["midpoint"]
    (shares,) = re.findall(r"^- probability: (.*)$", border, flags=re.M)
    values = [float(token.rstrip("%")) / 100 for token in shares.split()]
    assert len(values) == len(options)
    if choice["exhaustive"]:
        assert values == pytest.approx([1 / len(options)] * len(options))
    else:
        assert options[-1] == "none of these"
        named = len(options) - 1
        assert values == pytest.approx([midpoint / named] * named + [1 - midpoint])
    assert f"(midpoint {_percent(midpoint)})" in border
    # A passage that names no time of its own leaves the deadline, title and criteria empty
    # and says so, rather than borrowing a date from its neighbours.
    undated = entries[_undated(seeded)["rank"]]
    assert "- title:\n" in undated and "- deadline:\n" in undated
    assert "_deadline: the passage names no time: give one_" in undated
    assert undated.rstrip().endswith("criteria:")
    nothing = seeded("source", "accept", str(path), env=NOW)
    assert nothing.exit_code == 1
    assert nothing.stderr.startswith("error: No entry of ")
    assert _questions(seeded) == []


def test_markdown_round_trip_adds_the_edited_entries_with_the_reports_forecasts(
    seeded: Tracker, tmp_path: Path
) -> None:
    path = tmp_path / "candidates.md"
    _write(seeded, path)
    road, choice = _dated(seeded)[0], _choice(seeded)
    chosen = _day(road) + timedelta(days=31)  # another deadline than the drafted one
    text = path.read_text(encoding="utf-8")

    def edit_road(body: str) -> str:
        body = _set(body, "keep", "yes")
        body = _set(body, "title", "Will a Nakhichevan road and rail deal be announced?")
        body = _set(body, "deadline", chosen.isoformat())
        body = _set(body, "probability", "60%")
        body = _set(body, "slug", "nakhichevan")
        body = _set(body, "tags", "Connectivity, caucasus")
        return _criteria(
            body,
            f"> Resolves yes if, by {_long(chosen)}, both governments announce an agreement\n"
            "> on the first stage of restoring road and rail links to Nakhichevan.\n>\n"
            "> Statements of intent do not count.",
        )

    # The multiple-choice entry names no date: the analyst gives title, deadline and criteria.
    first = choice["options"][0]

    def edit_border(body: str) -> str:
        body = _set(body, "keep", "yes")
        body = _set(body, "title", "Who will negotiate the border?")
        body = _set(body, "deadline", "2022-06-30")
        body = body.replace(f"\n1. {first}\n", "\n1. a trilateral working group\n")
        rest = len(choice["options"]) - 1
        body = _set(body, "probability", "40% " + " ".join([f"{60 / rest:g}%"] * rest))
        return _criteria(body, "> Resolves by 30 June 2022 as the governments announce.")

    text = _edit(_edit(text, road["rank"], edit_road), choice["rank"], edit_border)
    path.write_text(text, encoding="utf-8")

    result = seeded("source", "accept", str(path), env=NOW)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # the criteria restate the deadlines: no warning
    by_slug = {q["slug"]: q for q in _questions(seeded)}
    assert set(by_slug) == {"nakhichevan", None}
    road_q = by_slug["nakhichevan"]
    assert road_q["title"] == "Will a Nakhichevan road and rail deal be announced?"
    assert road_q["deadline"] == chosen.isoformat() and road_q["opened_on"] == "2021-11-29"
    assert road_q["criteria"] == (
        f"Resolves yes if, by {_long(chosen)}, both governments announce an agreement on the "
        "first stage of restoring road and rail links to Nakhichevan.\n\n"
        "Statements of intent do not count."
    )
    assert road_q["tags"] == ["caucasus", "connectivity"]
    assert road_q["quote"] == road["sentence"]
    assert road_q["deadline_phrase"].startswith(road["deadline"]["phrase"])
    assert road_q["deadline_phrase"].endswith(f"; the analyst chose {chosen.isoformat()}")
    (implied,) = road_q["forecasts"]
    assert implied["forecaster"] == REPORT_VOICE
    assert implied["probabilities"]["yes"] == pytest.approx(0.6)
    assert implied["made_at"] == "2021-11-29T12:00:00+00:00"
    border_q = by_slug[None]
    assert border_q["kind"] == "multiple_choice"
    assert border_q["title"] == "Who will negotiate the border?"
    assert border_q["deadline"] == "2022-06-30"
    assert border_q["options"] == ["a trilateral working group", *choice["options"][1:]]
    (shares,) = border_q["forecasts"]
    rest = len(choice["options"]) - 1
    assert list(shares["probabilities"].values()) == pytest.approx([0.4] + [0.6 / rest] * rest)


def test_accepting_the_same_file_twice_adds_nothing_the_second_time(
    seeded: Tracker, tmp_path: Path
) -> None:
    path = tmp_path / "c.md"
    _write(seeded, path)
    first, second = (c["rank"] for c in _dated(seeded)[:2])
    path.write_text(
        _edit(path.read_text(encoding="utf-8"), first, lambda b: _set(b, "keep", "yes")),
        encoding="utf-8",
    )
    assert seeded("source", "accept", str(path), env=NOW).exit_code == 0
    again = seeded("source", "accept", str(path), env=NOW)
    assert again.exit_code == 0, again.stderr
    assert f"Entry {first} is already #1 " in again.stdout
    assert "Nothing to add: every kept entry of" in again.stdout
    assert len(_questions(seeded)) == 1
    # Keeping one more entry in the same file adds only that one.
    path.write_text(
        _edit(path.read_text(encoding="utf-8"), second, lambda b: _set(b, "keep", "yes")),
        encoding="utf-8",
    )
    more = seeded("source", "accept", str(path), "--json", env=NOW)
    assert more.exit_code == 0, more.stderr
    data = json.loads(more.stdout)
    assert [a["entry"] for a in data["added"]] == [second]
    assert [a["entry"] for a in data["already"]] == [first]
    assert len(_questions(seeded)) == 2


def test_every_problem_is_listed_at_once_and_nothing_is_added(
    seeded: Tracker, tmp_path: Path
) -> None:
    path = tmp_path / "c.md"
    _write(seeded, path)
    road, brussels = (c["rank"] for c in _dated(seeded)[:2])
    choice = _choice(seeded)
    border = choice["rank"]
    other = max(set(range(1, len(_candidates(seeded)) + 1)) - {road, brussels, border})
    text = path.read_text(encoding="utf-8")
    text = _edit(text, road, lambda b: _set(_set(b, "keep", "yes"), "slug", "nakhichevan"))
    text = _edit(
        text,
        brussels,
        lambda b: _set(_set(_set(b, "keep", "yes"), "deadline", "2021-11-01"), "title", ""),
    )
    # Kept as written, the multiple-choice entry has no title, deadline or criteria either.
    text = _edit(
        text,
        border,
        lambda b: _set(_set(_set(b, "keep", "yes"), "probability", "50% 50%"), "stance", "sure"),
    )
    text = _edit(text, other, lambda b: _set(b, "keep", "maybe"))
    path.write_text(text, encoding="utf-8")

    result = seeded("source", "accept", str(path), env=NOW)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == f"error: 8 problems in {path} (listed above); nothing was added."
    listed = ", ".join(f"'{option}'" for option in choice["options"])
    assert sorted(lines[:-1]) == sorted(
        [
            f"entry {brussels}, title: The title is empty. Give the question a title.",
            f"entry {brussels}, deadline: The deadline 2021-11-01 is before the question opens "
            "(2021-11-29).",
            f"entry {border}, title: The title is empty. Give the question a title.",
            f"entry {border}, deadline: the passage names no time: give one (e.g. 2025-06-30).",
            f"entry {border}, criteria: The resolution criteria are empty. Say exactly what "
            "counts as yes (--criteria TEXT).",
            f"entry {border}, stance: write one of forecast, conditional, intention, "
            "disclaimed, not 'sure'.",
            f"entry {border}, probability: Got 2 values for {len(choice['options'])} options "
            f"({listed}): give one value per option in that order, or name=value.",
            f"entry {other}, keep: write keep: yes or keep: no, not 'maybe'.",
        ]
    )  # the entry with nothing wrong (road) is not named
    assert _questions(seeded) == []
    # A dry run of the same file says the same and adds nothing either.
    dry = seeded("source", "accept", str(path), "--dry-run", env=NOW)
    assert dry.exit_code == 1 and dry.stderr == result.stderr


def test_a_dry_run_checks_and_adds_nothing(seeded: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "c.md"
    _write(seeded, path)
    road = _dated(seeded)[0]
    chosen = _day(road) + timedelta(days=31)
    path.write_text(
        _edit(
            path.read_text(encoding="utf-8"),
            road["rank"],
            lambda b: _set(_set(b, "keep", "yes"), "deadline", chosen.isoformat()),
        ),
        encoding="utf-8",
    )
    dry = seeded("source", "accept", str(path), "--dry-run", env=NOW)
    assert dry.exit_code == 0, dry.stderr
    forecast = _percent(road["probability"]["midpoint"])
    assert (
        f"(entry {road['rank']}, deadline {chosen.isoformat()}; the report's forecast {forecast})"
        in dry.stdout
    )
    assert dry.stdout.splitlines()[-1] == "Dry run: nothing was added (1 would be)."
    # The deadline was edited and the drafted criteria were not: they disagree.
    assert dry.stderr == (
        f"warning: entry {road['rank']}: the criteria name {_long(_day(road))}, but the "
        f"deadline is {_long(chosen)} ({chosen.isoformat()}): check that they agree.\n"
    )
    assert _questions(seeded) == []
    source = json.loads(seeded("source", "show", "sochi-sitrep", "--json", env=NOW).stdout)
    assert source["forecaster"] is None  # not even the report's forecaster was named


def test_no_implied_leaves_the_reports_forecasts_out(seeded: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "c.md"
    _write(seeded, path)
    road = _dated(seeded)[0]["rank"]
    path.write_text(
        _edit(path.read_text(encoding="utf-8"), road, lambda b: _set(b, "keep", "yes")),
        encoding="utf-8",
    )
    result = seeded("source", "accept", str(path), "--no-implied", env=NOW)
    assert result.exit_code == 0, result.stderr
    (question,) = _questions(seeded)
    assert question["forecasts"] == []
    # Without --no-implied the same entry records the report's forecast (see the round trip).


def test_a_passage_taken_by_another_question_is_a_problem(seeded: Tracker, tmp_path: Path) -> None:
    road = _dated(seeded)[0]["rank"]
    picked = seeded(
        "source", "scan", "sochi-sitrep", "--pick", str(road), "--accept-draft-criteria", env=NOW
    )
    assert picked.exit_code == 0, picked.stderr
    path = tmp_path / "c.md"
    _write(seeded, path, taken=" (1 already taken)")
    text = path.read_text(encoding="utf-8")
    assert "_taken: #1 (" in _entries(text)[road]
    assert sum("_taken: " in body for body in _entries(text).values()) == 1
    text = _edit(
        text, road, lambda b: _set(_set(b, "keep", "yes"), "title", "Another title for it?")
    )
    path.write_text(text, encoding="utf-8")
    result = seeded("source", "accept", str(path), env=NOW)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"entry {road}: the passage is already question #1 (")
    assert "set keep: no, or add another question from it" in result.stderr
    assert len(_questions(seeded)) == 1


# --- YAML ---------------------------------------------------------------------------------------


def test_yaml_round_trip(seeded: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "candidates.yaml"
    result = seeded("source", "scan", "sochi-sitrep", "--out", str(path), env=NOW)
    assert result.exit_code == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# How to use this file:")
    data = yaml.safe_load(text)
    assert data["tracker_triage"] == 1 and data["source"] == "sochi-sitrep"
    count = len(_candidates(seeded))
    assert [e["entry"] for e in data["entries"]] == list(range(1, count + 1))
    assert all(e["keep"] is False for e in data["entries"])
    # An entry that names no date: the analyst fills in what the scan left to ask.
    road = _undated(seeded)
    entry = data["entries"][road["rank"] - 1]
    assert entry["entry"] == road["rank"]
    assert entry["probability"] == _percent(road["probability"]["midpoint"])
    assert entry["stance"] == "forecast"
    assert not entry["deadline"] and not entry["title"] and not entry["criteria"]
    entry.update(
        keep=True,
        title="Will the Nakhichevan road and rail deal be announced by 31 July 2022?",
        deadline="2022-07-31",
        criteria="Resolves yes if, by 31 July 2022, an agreement is announced.",
        probability="likely",
        tags=["connectivity"],
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    accepted = seeded("source", "accept", str(path), "--json", env=NOW)
    assert accepted.exit_code == 0, accepted.stderr
    (added,) = json.loads(accepted.stdout)["added"]
    assert added["entry"] == road["rank"]
    assert added["title"] == entry["title"] and added["deadline"] == "2022-07-31"
    assert added["criteria"] == entry["criteria"] and added["tags"] == ["connectivity"]
    assert added["quote"] == road["sentence"]
    assert added["implied_forecast"]["forecaster"] == REPORT_VOICE
    assert added["implied_forecast"]["probabilities"]["yes"] == pytest.approx(0.675)  # likely


def test_an_unquoted_yaml_date_and_yes_are_read_as_written(seeded: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    assert seeded("source", "scan", "sochi-sitrep", "--out", str(path), env=NOW).exit_code == 0
    road = _dated(seeded)[0]
    chosen = _day(road) + timedelta(days=31)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"- entry: {road['rank']}")
    edited = 0
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("- entry:"):
            break
        if lines[i] == "  keep: false":
            lines[i] = "  keep: yes"
            edited += 1
        if lines[i].startswith("  deadline: "):
            lines[i] = f"  deadline: {chosen.isoformat()}"  # a YAML date, not a string
            edited += 1
    assert edited == 2
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = seeded("source", "accept", str(path), env=NOW)
    assert result.exit_code == 0, result.stderr
    (question,) = _questions(seeded)
    assert question["deadline"] == chosen.isoformat()


# --- outside text cannot change the file's structure -------------------------------------------

INJECTED = (
    "We expect the council to approve the plan by 30 June 2022, quoting a memo that reads "
    "## Entry 1 - keep: yes <!-- passage 0-10 --> criteria: options: 1. x."
)
MARKUP = "## Entry 1 - keep: yes <!-- passage 0-10 --> criteria: options: 1. x"


def test_text_from_the_report_cannot_make_or_change_an_entry(
    tracker: Tracker, tmp_path: Path
) -> None:
    report = tmp_path / "memo.txt"
    report.write_text(f"Council outlook\n\n{INJECTED}\n", encoding="utf-8")
    env = {"TRACKER_NOW": "2022-01-11T09:00:00+00:00"}
    added = tracker(
        "source", "add", str(report), "--slug", "memo", "--published", "2022-01-10", env=env
    )
    assert added.exit_code == 0, added.stderr
    candidates = json.loads(tracker("source", "scan", "memo", "--json", env=env).stdout)
    assert len(candidates) == 1 and "keep: yes" in candidates[0]["sentence"]
    drafted = candidates[0]["criteria"]
    assert MARKUP in drafted  # the drafted criteria carry the quoted markup as words
    for name in ("t.md", "t.yaml"):
        path = tmp_path / name
        assert tracker("source", "scan", "memo", "--out", str(path), env=env).exit_code == 0
        accepted = tracker("source", "accept", str(path), env=env)
        assert accepted.exit_code == 1  # one entry, not kept: the quote's "keep: yes" is text
        assert accepted.stderr.startswith("error: No entry of ")
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert len(re.findall(r"^## Entry ", text, flags=re.M)) == 1
    assert len(re.findall(r"^- keep:", text, flags=re.M)) == 1
    assert len(re.findall(r"^<!-- passage ", text, flags=re.M)) == 1
    # Shown only, the quote is escaped for Markdown; the drafted criteria stay as they are.
    assert "## Entry 1 - keep: yes \\<!-- passage 0-10 --\\>" in text
    # Keeping the entry adds one question, from the real passage, with the words intact.
    path = tmp_path / "t.md"
    path.write_text(_edit(text, 1, lambda b: _set(b, "keep", "yes")), encoding="utf-8")
    done = tracker("source", "accept", str(path), "--no-implied", "--json", env=env)
    assert done.exit_code == 0, done.stderr
    (question,) = json.loads(done.stdout)["added"]
    assert question["quote"] == INJECTED
    assert question["criteria"] == drafted


# --- --pick 1,3 ---------------------------------------------------------------------------------


def test_pick_a_list_adds_every_candidate_as_drafted_in_one_go(seeded: Tracker) -> None:
    first, second = _dated(seeded)[:2]
    picks = [second, first]  # in the order given, not the order of rank
    result = seeded(
        "source", "scan", "sochi-sitrep", "--pick", ",".join(str(c["rank"]) for c in picks),
        "--record-implied", "--tag", "caucasus", "--json", env=NOW,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    added = json.loads(result.stdout)
    assert [q["quote_start"] for q in added] == [c["start"] for c in picks]
    assert [q["title"] for q in added] == [c["title"] for c in picks]
    assert [q["criteria"] for q in added] == [c["criteria"] for c in picks]
    assert [q["deadline"] for q in added] == [c["deadline"]["date"] for c in picks]
    assert all(q["tags"] == ["caucasus"] for q in added)
    assert [q["implied_forecast"]["forecaster"] for q in added] == [REPORT_VOICE] * 2
    marked = {c["rank"]: c["taken"] for c in _candidates(seeded)}
    assert marked[second["rank"]] == "#1" and marked[first["rank"]] == "#2"
    assert sum(1 for ref in marked.values() if ref) == 2


def test_pick_a_list_with_a_problem_adds_none(seeded: Tracker) -> None:
    road, good = (c["rank"] for c in _dated(seeded)[:2])
    undated = _undated(seeded)["rank"]
    seeded("source", "scan", "sochi-sitrep", "--pick", str(road), "--accept-draft-criteria",
           env=NOW)  # fmt: skip
    count = len(_candidates(seeded))
    pick = f"{good},{road},{undated},99"
    result = seeded("source", "scan", "sochi-sitrep", "--pick", pick, env=NOW)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"candidate {road} is already question #1 (")
    assert lines[1] == f"candidate {undated} names no date: pick it alone with --deadline DATE."
    assert lines[2] == f"candidate 99: choose a candidate from 1 to {count}."
    assert lines[3] == f"error: 3 problems in --pick {pick} (listed above); nothing was added."
    assert len(_questions(seeded)) == 1  # not even the good one


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pick", "1,3", "--title", "T"], "error: --title goes with a single --pick N"),
        (["--pick", "1,x"], "error: --pick '1,x': give a candidate number, or several"),
        (["--pick", "2,2"], "error: --pick 2,2: candidate 2 is given twice."),
        (["--pick", "1", "--out", "x.md"], "error: --out writes every candidate to a file"),
        (["--out", "x.txt"], "error: Cannot tell the format of 'x.txt'"),
    ],
)
def test_bad_pick_and_out_are_one_line(
    seeded: Tracker, args: list[str], message: str, tmp_path: Path
) -> None:
    result = seeded("source", "scan", "sochi-sitrep", *args, env=NOW)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def test_scan_in_the_terminal_marks_a_taken_candidate(seeded: Tracker) -> None:
    road = _dated(seeded)[0]["rank"]
    seeded("source", "scan", "sochi-sitrep", "--pick", str(road), "--accept-draft-criteria",
           "--title", "Road and rail deal?", env=NOW)  # fmt: skip
    shown = seeded("source", "scan", "sochi-sitrep", "--all", env={**NOW, "COLUMNS": "120"})
    assert shown.exit_code == 0
    assert re.search(r"^taken\s+#1 Road and rail deal\?", shown.stdout, flags=re.M)
    assert len(re.findall(r"^taken ", shown.stdout, flags=re.M)) == 1


# --- bad files ----------------------------------------------------------------------------------


def test_bad_triage_files_are_refused_in_one_line(seeded: Tracker, tmp_path: Path) -> None:
    cases = {
        "missing.md": (None, "error: No file "),
        "notes.md": ("# My notes\n\n- keep: yes\n", "error: "),
        "broken.yaml": ("tracker_triage: 1\nentries: [\n", "error: "),
        "other.yaml": ("entries: []\n", "error: "),
        "c.txt": ("anything\n", "error: Cannot tell the format of 'c.txt'"),
    }
    for name, (content, start) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content, encoding="utf-8")
        result = seeded("source", "accept", str(path), env=NOW)
        assert result.exit_code == 1, name
        assert result.stderr.startswith(start), (name, result.stderr)
        assert len(result.stderr.splitlines()) == 1, (name, result.stderr)
    notes = seeded("source", "accept", str(tmp_path / "notes.md"), env=NOW).stderr
    assert "not a triage file written by tracker" in notes
    broken = seeded("source", "accept", str(tmp_path / "broken.yaml"), env=NOW).stderr
    assert "is not valid YAML at line 3" in broken
    other = seeded("source", "accept", str(tmp_path / "other.yaml"), env=NOW).stderr
    assert "not a triage file written by tracker (it has no 'tracker_triage: 1' line)" in other


def test_an_unknown_field_names_its_line(seeded: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "c.md"
    _write(seeded, path)
    text = path.read_text(encoding="utf-8").replace("- slug:", "- titel: x", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("- titel: x") + 1
    result = seeded("source", "accept", str(path), env=NOW)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}: line {line}: entry 1: unknown field 'titel'; the fields are keep, "
        "title, deadline, kind, probability, stance, slug, tags.\n"
    )


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_out_never_writes_through_a_link(seeded: Tracker, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.md"
    target.write_text("mine\n", encoding="utf-8")
    link = tmp_path / "c.md"
    link.symlink_to(target)
    result = seeded("source", "scan", "sochi-sitrep", "--out", str(link), env=NOW)
    assert result.exit_code == 1
    assert "symbolic link" in result.stderr
    assert target.read_text(encoding="utf-8") == "mine\n"


# --- the criteria's dates against the deadline --------------------------------------------------


def test_add_warns_when_the_criteria_name_another_date(tracker: Tracker) -> None:
    result = tracker(
        "add", "Will the tariffs be published?", "-c",
        "Yes if the regulator publishes revised tariffs by April 30, 2022.", "-d", "2022-05-31",
        env=NOW,
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout.startswith("Added #1 ")
    assert result.stderr == (
        "warning: the criteria name 30 April 2022, but the deadline is 31 May 2022 "
        "(2022-05-31): check that they agree.\n"
    )
    agreeing = tracker(
        "add", "Will they meet?", "-c", "Yes if they meet by 2022-05-31.", "-d", "31 May 2022",
        env=NOW,
    )  # fmt: skip
    assert agreeing.exit_code == 0 and agreeing.stderr == ""


def test_pick_warns_when_the_criteria_name_another_date(seeded: Tracker) -> None:
    road = _rank(seeded, "restoration of road")
    result = seeded(
        "source", "scan", "sochi-sitrep", "--pick", str(road), "-d", "2022-06-30",
        "--criteria", "Yes if an agreement is announced by 29 May 2022.", env=NOW,
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: the criteria name 29 May 2022, but the deadline is 30 June 2022 "
        "(2022-06-30): check that they agree.\n"
    )
