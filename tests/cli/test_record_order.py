"""Scores do not depend on the order the record was written in: the same records imported in
shuffled line orders give the same `score --json`, `report --format json` and `retro --format
json` (a property test), forecasts made at the same moment included."""

from __future__ import annotations

import json
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tracker.cli import app

START = datetime(2021, 3, 1, tzinfo=UTC)
NOW = datetime(2021, 6, 1, 12, 0, tzinfo=UTC)
#: Options and a few distributions on them, so that forecasts often say the same thing.
KINDS: dict[str, tuple[tuple[str, ...], list[tuple[float, ...]]]] = {
    "binary": (("yes", "no"), [(0.2, 0.8), (0.35, 0.65), (0.5, 0.5), (0.8, 0.2)]),
    "multiple_choice": (("a", "b", "c"), [(0.5, 0.3, 0.2), (0.2, 0.3, 0.5), (0.34, 0.33, 0.33)]),
    "ordered": (("low", "mid", "high"), [(0.6, 0.3, 0.1), (0.1, 0.3, 0.6), (0.2, 0.6, 0.2)]),
}
#: "voice" speaks for the report: scored, but left out of the team aggregates.
FORECASTERS = ["ani", "tom", "lena", "voice"]


def _moment(value: datetime) -> str:
    return value.isoformat()


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A small ledger as JSON Lines records, in an order the format allows."""
    lines: list[dict[str, Any]] = [
        {
            "type": "source",
            "id": "report",
            "number": 1,
            "title": "A report",
            "forecaster": "voice",
            "added_at": _moment(START),
        }
    ]
    for number in range(1, draw(st.integers(2, 4)) + 1):
        kind = draw(st.sampled_from(sorted(KINDS)))
        options, distributions = KINDS[kind]
        key = f"q{number}"
        lines.append(
            {
                "type": "question",
                "id": key,
                "number": number,
                "title": f"Question {number}",
                "kind": kind,
                "options": list(options),
                "deadline": "2021-03-25",
                "opened_on": "2021-03-01",
                "criteria": "C",
                "source": "report" if draw(st.booleans()) else None,
                "created_at": _moment(START + timedelta(hours=1)),
            }
        )
        # Few distinct moments, so that one forecaster often has two forecasts at one
        # made_at, recorded at one moment or not.
        for _ in range(draw(st.integers(1, 8))):
            made = START + timedelta(
                days=draw(st.integers(0, 14)), hours=draw(st.sampled_from([9, 9, 15]))
            )
            late = draw(st.sampled_from([0, 0, 0, 2, 50]))  # hours; 50: backfilled
            values = draw(st.sampled_from(distributions))
            lines.append(
                {
                    "type": "forecast",
                    "question": key,
                    "forecaster": draw(st.sampled_from(FORECASTERS)),
                    "made_at": _moment(made),
                    "recorded_at": _moment(made + timedelta(hours=late)),
                    "probabilities": dict(zip(options, values, strict=True)),
                    "rationale": draw(st.sampled_from([None, "because", "other"])),
                }
            )
        # Resolutions come after every forecast was recorded; an amendment may follow.
        trail = draw(st.integers(0, 2))
        for place in range(trail):
            lines.append(
                {
                    "type": "resolution",
                    "question": key,
                    "outcome": draw(st.sampled_from([*options, *(["annulled"] if place else [])])),
                    "occurred_on": f"2021-03-{draw(st.integers(5, 24)):02d}",
                    "recorded_at": _moment(START + timedelta(days=40 + place, minutes=number)),
                    "amends": place > 0,
                }
            )
    return lines


def _needs(line: dict[str, Any], earlier: list[dict[str, Any]]) -> bool:
    """True if every record `line` refers to is among `earlier` (the rule of the format; the
    n-th resolution of a question is its n-th in the file)."""
    kind = line["type"]
    if kind == "source":
        return True
    if kind == "question":
        return line["source"] is None or any(e["type"] == "source" for e in earlier)
    has_question = any(e["type"] == "question" and e["id"] == line["question"] for e in earlier)
    if kind == "resolution" and line["amends"]:
        return has_question and any(
            e["type"] == "resolution" and e["question"] == line["question"] for e in earlier
        )
    return has_question


def shuffled(lines: list[dict[str, Any]], chance: random.Random) -> list[dict[str, Any]]:
    """A random order of `lines` that the format allows (a random topological order)."""
    waiting, placed = list(lines), []
    while waiting:
        ready = [i for i, line in enumerate(waiting) if _needs(line, placed)]
        placed.append(waiting.pop(chance.choice(ready)))
    return placed


def _documents(runner: CliRunner, database: Path, lines: list[dict[str, Any]]) -> list[Any]:
    env = {"TRACKER_USER": "ani", "TRACKER_NOW": _moment(NOW)}
    source = database.with_suffix(".jsonl")
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    documents = []
    for args in (
        ["import", str(source)],
        ["score", "--json"],
        ["score", "--json", "--live-only"],
        ["report", "--period", "2021Q1", "--format", "json"],
        ["retro", "--format", "json"],
    ):
        result = runner.invoke(app, ["--db", str(database), *args], env=env, prog_name="tracker")
        assert result.exit_code == 0, result.stderr
        if args[0] == "import":
            continue
        document = json.loads(result.stdout)
        # The head of the record's hash chain is a fingerprint of the record as it was written,
        # order included: the one figure that must differ.
        document.pop("record_head")
        documents.append(document)
    return documents


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(records(), st.randoms(use_true_random=False))
def test_the_same_records_in_any_order_score_the_same(
    lines: list[dict[str, Any]], chance: random.Random
) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        written = _documents(runner, base / "written.db", lines)
        again = _documents(runner, base / "shuffled.db", shuffled(lines, chance))
        assert again == written
