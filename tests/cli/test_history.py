"""How each question moved: history charts in reviews and retrospectives, and in `show`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run

Tracker = Callable[..., Run]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DOCUMENTS = [(["report", "--period", "2022Q2"], "review"), (["retro"], "retro")]


@pytest.fixture
def example(tracker: Tracker) -> Tracker:
    assert tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0
    return tracker


def _resolved_in_period(tracker: Tracker, command: list[str]) -> list[int]:
    """The numbers of the questions the document covers, from its JSON."""
    result = tracker(*command, "--format", "json", env=AFTER_EXAMPLE_ENV)
    data = json.loads(result.stdout)
    if data["kind"] == "review":
        return sorted(q["number"] for q in data["questions"])
    return sorted(h["number"] for h in data["histories"]["questions"])


@pytest.mark.parametrize(("command", "kind"), DOCUMENTS)
def test_html_has_one_history_chart_per_resolved_question(
    example: Tracker, tmp_path: Path, command: list[str], kind: str
) -> None:
    out = tmp_path / "page.html"
    assert example(*command, "--out", str(out), env=AFTER_EXAMPLE_ENV).exit_code == 0
    html = out.read_text(encoding="utf-8")
    numbers = _resolved_in_period(example, command)
    assert numbers
    charts = re.findall(
        r'<figure class="history-chart" id="history-(\d+)">(.*?)</figure>', html, re.S
    )
    assert sorted(int(n) for n, _ in charts) == numbers
    assert all("<svg" in body for _, body in charts)
    assert '<h2 id="history">How each question moved</h2>' in html
    ids = [i for _, body in charts for i in re.findall(r'\bid="([^"]+)"', body)]
    assert len(ids) == len(set(ids)), "the history charts' element ids are unique in the page"


@pytest.mark.parametrize(("command", "kind"), DOCUMENTS)
def test_markdown_has_one_history_png_per_resolved_question(
    example: Tracker, tmp_path: Path, command: list[str], kind: str
) -> None:
    out = tmp_path / "doc.md"
    assert example(*command, "--out", str(out), env=AFTER_EXAMPLE_ENV).exit_code == 0
    text = out.read_text(encoding="utf-8")
    numbers = _resolved_in_period(example, command)
    images = re.findall(r"!\[How #(\d+) moved\]\((doc-history-\d+\.png)\)", text)
    assert sorted(int(n) for n, _ in images) == numbers
    for _, name in images:
        assert (tmp_path / name).read_bytes().startswith(PNG_SIGNATURE)
    assert "## How each question moved" in text


def test_the_review_json_holds_the_step_series(example: Tracker) -> None:
    result = example("report", "--period", "2022Q2", "--format", "json", env=AFTER_EXAMPLE_ENV)
    histories = json.loads(result.stdout)["histories"]
    assert histories["omitted"] == 0 and histories["limit"] == 24
    border = next(
        h for h in histories["questions"] if h["question"] == "border-demarcation-mechanism"
    )
    assert border["drawn_option"] == border["outcome"] == "another arrangement"
    assert border["drawn_option_happened"] is True
    assert border["report_forecaster"] == "RSC sitrep (Giragosian)"
    ani = next(line for line in border["lines"] if line["forecaster"] == "ani")
    assert ani["role"] == "analyst"
    assert [s["probability"] for s in ani["steps"]] == [0.25, 0.6, 0.8]
    assert set(ani["steps"][0]) == {"at", "probability", "backfilled"}
    report = next(line for line in border["lines"] if line["role"] == "report")
    assert report["forecaster"] == "RSC sitrep (Giragosian)"
    assert border["team_median"]["steps"][-1]["at"] <= border["end"]


def test_beyond_the_limit_the_most_forecast_questions_are_drawn_and_the_rest_counted(
    example: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracker.services.history as history

    monkeypatch.setattr(history, "HISTORY_CHART_LIMIT", 1)
    out = tmp_path / "review.html"
    assert (
        example("report", "--period", "2022Q2", "--out", str(out), env=AFTER_EXAMPLE_ENV).exit_code
        == 0
    )
    html = out.read_text(encoding="utf-8")
    assert html.count('class="history-chart"') == 1
    assert "1 more question not drawn: a document draws the 1 with the most forecasts." in html
    data = json.loads(
        example("report", "--period", "2022Q2", "--format", "json", env=AFTER_EXAMPLE_ENV).stdout
    )["histories"]
    assert (len(data["questions"]), data["omitted"], data["limit"]) == (1, 1, 1)


def test_show_draws_the_history_within_80_columns_cutting_nothing(example: Tracker) -> None:
    result = example(
        "show", "border-demarcation-mechanism", env={**AFTER_EXAMPLE_ENV, "COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("How it moved"))
    chart = lines[start : start + 14]
    assert lines[start] == "How it moved: chance of another arrangement (the outcome)"
    assert all(len(line) <= 80 for line in lines)
    assert "\u2026" not in result.stdout and "..." not in "\n".join(chart)
    rows = {line.split()[0]: line for line in chart[1:] if line[:1].isalpha()}
    assert rows["ani"].endswith("25% \u2192 80%")
    assert rows["tom"].endswith("5% \u2192 30%")
    assert "team median" in "\n".join(chart)
    # The report's forecaster's name is wrapped whole, not cut.
    assert re.search(r"RSC sitrep\s.*\n\(Giragosian\)\s*\n\(report\)", "\n".join(chart))
    assert "2021-11-29" in "\n".join(chart) and "2022-05-29" in "\n".join(chart)
    assert "Outcome: another arrangement on 2022-05-24" in " ".join(chart)


def test_show_stacks_the_history_on_a_narrow_terminal(example: Tracker) -> None:
    result = example("show", "1", env={**AFTER_EXAMPLE_ENV, "COLUMNS": "40"})
    lines = result.stdout.splitlines()
    assert all(len(line) <= 40 for line in lines)
    start = lines.index("How it moved: chance of yes")
    assert lines[start + 1] == "ani"
    assert lines[start + 2].endswith("55% \u2192 10%")


def test_show_history_has_no_colour_with_no_color(example: Tracker) -> None:
    env = {**AFTER_EXAMPLE_ENV, "COLUMNS": "80", "FORCE_COLOR": "1", "NO_COLOR": "1"}
    result = example("show", "1", env=env)
    assert result.exit_code == 0
    assert re.search(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7]|38)[;m]", result.stdout) is None


def test_show_json_has_the_history(example: Tracker) -> None:
    result = example("show", "1", "--json", env=AFTER_EXAMPLE_ENV)
    history = json.loads(result.stdout)["history"]
    assert history["drawn_option"] == "yes" and history["outcome"] == "no"
    assert history["drawn_option_happened"] is False
    assert {line["forecaster"] for line in history["lines"]} >= {"ani", "lena", "tom"}


def test_show_of_an_open_question_draws_up_to_now(tracker: Tracker) -> None:
    env = {"TRACKER_NOW": "2022-03-01T12:00:00+00:00", "COLUMNS": "80"}
    assert (
        tracker(
            "add",
            "Will it rain?",
            "-c",
            "Rain",
            "-d",
            "2022-06-30",
            "--opened",
            "2022-02-01",
            env=env,
        ).exit_code
        == 0
    )
    assert (
        tracker("forecast", "1", "30%", "--as", "ann", "--made-at", "2022-02-10", env=env).exit_code
        == 0
    )
    result = tracker("show", "1", "--json", env=env)
    history = json.loads(result.stdout)["history"]
    assert history["status"] == "open" and history["outcome"] is None
    assert history["end"] == "2022-03-01T12:00:00+00:00"
    shown = tracker("show", "1", env=env).stdout
    assert "Deadline 2022-06-30 (after the end of the axis)." in " ".join(shown.split())
