"""`tracker report` and `tracker retro` from the command line: formats, files, safety."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, REPO, Run

Tracker = Callable[..., Run]
SAMPLES = REPO / "docs" / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def example(tracker: Tracker) -> Tracker:
    assert tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0
    return tracker


def _report(tracker: Tracker, *args: str) -> Run:
    return tracker(*args, env=AFTER_EXAMPLE_ENV)


# --- snapshots of the documented samples --------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "stem"),
    [(["report", "--period", "2022Q2"], "review-2022Q2"), (["retro"], "retro")],
)
def test_markdown_and_json_match_the_documented_samples(
    example: Tracker, tmp_path: Path, command: list[str], stem: str
) -> None:
    markdown = tmp_path / f"{stem}.md"
    result = _report(example, *command, "--as-of", "2022-06-15", "--out", str(markdown))
    assert result.exit_code == 0, result.stderr
    expected = (SAMPLES / f"{stem}.md").read_text(encoding="utf-8")
    assert markdown.read_text(encoding="utf-8") == expected, "run: make samples"
    data = tmp_path / f"{stem}.json"
    assert _report(example, *command, "--as-of", "2022-06-15", "--out", str(data)).exit_code == 0
    assert json.loads(data.read_text(encoding="utf-8")) == json.loads(
        (SAMPLES / f"{stem}.json").read_text(encoding="utf-8")
    ), "run: make samples"


def _figures(value: object, key: str = "") -> list[tuple[str, float]]:
    """Every float in a JSON value, with the key it is under."""
    if isinstance(value, float):
        return [(key, value)]
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _figures(v, k)]
    if isinstance(value, list):
        return [f for v in value for f in _figures(v, key)]
    return []


@pytest.mark.parametrize("command", [["report", "--period", "2022Q2"], ["retro"]])
def test_every_figure_in_the_json_is_rounded_to_six_decimals(
    example: Tracker, command: list[str]
) -> None:
    from tracker.reports.review_json import PROBABILITY_KEYS

    result = _report(example, *command, "--format", "json")
    assert result.exit_code == 0, result.stderr
    figures = _figures(json.loads(result.stdout))
    assert len(figures) > 100
    for key, value in figures:
        assert math.copysign(1, value) == 1 or value != 0, key  # never -0.0
        if key in PROBABILITY_KEYS:
            assert 0 < value < 1, key  # a forecast is never written as 0 or 1
        else:
            assert round(value, 6) == value, (key, value)
            digits = repr(value).split(".")[-1]
            assert "e" in repr(value) or len(digits) <= 6, (key, value)


def test_markdown_charts_are_png_files_beside_the_document(
    example: Tracker, tmp_path: Path
) -> None:
    out = tmp_path / "q2.md"
    result = _report(example, "report", "--period", "2022Q2", "--out", str(out))
    assert result.stderr.strip() == f"Wrote the review to {out} and 5 charts beside it."
    for name in ("q2-calibration.png", "q2-forecasters.png", "q2-horizons.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_SIGNATURE)
        assert f"]({name})" in out.read_text(encoding="utf-8")


def test_markdown_to_stdout_says_the_charts_need_out(example: Tracker) -> None:
    result = _report(example, "retro", "--format", "md")
    assert result.exit_code == 0
    assert result.stdout.startswith("# Calibration retrospective: all time")
    assert ".png" not in result.stdout
    assert "with --out" in result.stderr


# --- HTML: self-contained and safe --------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.references: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "srcset") and value:
                self.references.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _hostile_ledger(tracker: Tracker) -> None:
    env = {"TRACKER_NOW": "2022-02-01T12:00:00+00:00"}
    assert (
        tracker(
            "add",
            HOSTILE,
            "-c",
            "C <b>bold</b>",
            "-d",
            "2022-01-31",
            "--opened",
            "2022-01-01",
            env=env,
        ).exit_code
        == 0
    )
    assert (
        tracker(
            "forecast",
            "1",
            "70%",
            "--as",
            "<img src=x onerror=alert(2)>",
            "--made-at",
            "2022-01-02",
            env=env,
        ).exit_code
        == 0
    )
    assert (
        tracker("forecast", "1", "20%", "--as", "tom", "--made-at", "2022-01-02", env=env).exit_code
        == 0
    )
    resolved = tracker(
        "resolve",
        "1",
        "no",
        "--on",
        "2022-01-30",
        "--evidence",
        "<a href='http://evil'>x</a> *bold* | cell",
        env=env,
    )
    assert resolved.exit_code == 0, resolved.stderr


def test_html_is_self_contained_and_shows_hostile_text_as_text(
    tracker: Tracker, tmp_path: Path
) -> None:
    _hostile_ledger(tracker)
    for command in (["report", "--period", "2022Q1"], ["retro"]):
        out = tmp_path / "page.html"
        result = tracker(
            *command, "--out", str(out), env={"TRACKER_NOW": "2022-02-01T12:00:00+00:00"}
        )
        assert result.exit_code == 0, result.stderr
        page = _Page()
        html = out.read_text(encoding="utf-8")
        page.feed(html)
        page.close()
        assert "script" not in page.tags and "img" not in page.tags
        # The only links are the table of contents, to the page's own sections.
        assert page.tags.count("a") == len(re.findall(r'<a href="#[a-z-]+">', html))
        assert all(ref.startswith("#") for ref in page.references), page.references
        # Only references inside the page itself: clip paths url(#...), links #...
        assert re.findall(r"url\((?!#)", html) == []
        assert "@import" not in html and "<link" not in html
        text = "".join(page.text)
        if command[0] == "report":
            assert HOSTILE in text
            assert "<a href='http://evil'>x</a> *bold* | cell" in text
        assert "<img src=x onerror=alert(2)>" in text
        assert page.tags.count("svg") >= 2


def test_markdown_escapes_hostile_text(tracker: Tracker, tmp_path: Path) -> None:
    _hostile_ledger(tracker)
    out = tmp_path / "review.md"
    result = tracker(
        "report",
        "--period",
        "2022Q1",
        "--out",
        str(out),
        env={"TRACKER_NOW": "2022-02-01T12:00:00+00:00"},
    )
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text and "<a href" not in text
    assert "### #1 &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert r"\*bold\* \| cell" in text


def test_html_is_byte_identical_for_the_same_data(example: Tracker, tmp_path: Path) -> None:
    # In separate processes, so that nothing (hash seeds, ids, dates) can differ unseen.
    outputs = []
    for n in range(2):
        out = tmp_path / f"retro{n}.html"
        subprocess.run(
            [sys.executable, "-m", "tracker", "retro", "--out", str(out)],
            check=True,
            capture_output=True,
            env={**os.environ, **AFTER_EXAMPLE_ENV, "PYTHONHASHSEED": str(n)},
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


# --- errors: one line, nothing written ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--period", "2022Q5"], "error: --period '2022Q5' is not a period"),
        (["report", "--out", "x.txt"], "error: Cannot tell the format from 'x.txt'"),
        (["report", "--format", "pdf"], "error: --format 'pdf': use terminal, md, html or json."),
        (["retro", "--format", "terminal", "--out", "r.md"], "error: --out writes a file"),
        (
            ["report", "--out", "missing/r.md"],
            "error: Cannot write missing/r.md: the folder missing does not exist.",
        ),
        (["report", "--forecaster", "nobody"], "error: No forecaster 'nobody'"),
        (
            ["report", "--period", "2023Q1"],
            "error: The period 2023Q1 starts after --as-of 2022-06-15.",
        ),
        (
            ["report", "--period", "2022Q1", "--since", "2022-01-01"],
            "error: --period names the whole period",
        ),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    example: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = _report(example, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(work.iterdir()) == []


def test_each_run_reads_the_terminal_width_afresh(example: Tracker) -> None:
    # Several runs in one test process, each as in its own terminal: a width seen once must not
    # stick (the consoles read COLUMNS when they are made, and used to be made once).
    from tracker.cli import console

    console._out.cache_clear()  # as if these were the first runs of the session
    console._err.cache_clear()
    widths = []
    for columns in ("200", "70", "200"):
        shown = example(
            "report", "--period", "2022Q2", env={**AFTER_EXAMPLE_ENV, "COLUMNS": columns}
        )
        assert shown.exit_code == 0, shown.stderr
        widths.append(max(len(line) for line in shown.stdout.splitlines()))
    assert widths[0] == widths[2] > 70 >= widths[1]


def test_a_terminal_review_imports_neither_matplotlib_nor_jinja2(example: Tracker) -> None:
    probe = (
        "import sys\n"
        "from tracker.cli import main\n"
        "sys.argv = ['tracker', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', 'matplotlib' in sys.modules, 'jinja2' in sys.modules, file=sys.stderr)\n"
    )
    for args, expected in (
        (["report"], "LOADED False False"),
        (["retro", "--format", "html"], "LOADED True True"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            env={**os.environ, **AFTER_EXAMPLE_ENV},
        )
        assert done.stderr.strip().splitlines()[-1] == expected, done.stderr


def test_written_files_get_the_usual_permissions_not_private_ones(
    example: Tracker, tmp_path: Path
) -> None:
    umask = os.umask(0o022)
    try:
        out = tmp_path / "shared.md"
        assert _report(example, "retro", "--out", str(out)).exit_code == 0
    finally:
        os.umask(umask)
    for written in (out, tmp_path / "shared-calibration.png"):
        assert written.stat().st_mode & 0o777 == 0o644


def test_the_progress_bar_appears_only_after_a_second_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from rich.console import Console

    from tracker.cli import console

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=80, color_system=None)
    monkeypatch.setattr(console, "_err", lambda: terminal)
    clock = iter([0.0, 0.5, 1.5, 1.6])
    progress = console.DelayedProgress()
    progress._clock = lambda: next(clock)  # type: ignore[method-assign]
    progress._start = progress._clock()  # 0.0
    progress("Scoring 2022Q2", 256, 0)  # 0.5 s: too soon, nothing shown
    assert screen.getvalue() == ""
    progress("Scoring 2022Q2", 512, 0)  # 1.5 s: the bar appears
    progress("Scoring 2022Q2", 768, 1000)
    progress.close()
    assert "Scoring 2022Q2" in screen.getvalue()


def test_no_progress_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from tracker.cli import console

    screen = io.StringIO()
    piped = Console(file=screen, force_terminal=False)
    monkeypatch.setattr(console, "_err", lambda: piped)
    progress = console.DelayedProgress(delay=0.0)
    progress("Scoring", 1, 2)
    progress.close()
    assert screen.getvalue() == ""


def test_brackets_in_titles_and_names_are_text_not_terminal_styles(tracker: Tracker) -> None:
    env = {"TRACKER_NOW": "2022-02-01T12:00:00+00:00", "COLUMNS": "200"}
    assert (
        tracker(
            "add",
            "Will the [eu] summit happen?",
            "-c",
            "C",
            "-d",
            "2022-01-31",
            "--opened",
            "2022-01-01",
            env=env,
        ).exit_code
        == 0
    )
    assert (
        tracker("forecast", "1", "70%", "--as", "[/]", "--made-at", "2022-01-02", env=env).exit_code
        == 0
    )
    assert tracker("resolve", "1", "yes", "--on", "2022-01-30", env=env).exit_code == 0
    assert (
        tracker("add", "Open [b]question[/b]", "-c", "C", "-d", "2022-02-20", env=env).exit_code
        == 0
    )
    for args in (["report", "--period", "2022Q1"], ["report"], ["retro"], ["list"], ["overview"]):
        result = tracker(*args, env=env)
        assert result.exit_code == 0, (args, result.stderr)
    report = tracker("report", env=env).stdout
    assert "Will the [eu] summit happen?" in report
    assert "Open [b]question[/b]" in report
    assert "[/]" in tracker("retro", env=env).stdout


def test_dollar_signs_stay_text_in_markdown(tracker: Tracker, tmp_path: Path) -> None:
    env = {"TRACKER_NOW": "2022-02-01T12:00:00+00:00"}
    tracker(
        "add",
        "Oil between $80 and $90?",
        "-c",
        "C",
        "-d",
        "2022-01-31",
        "--opened",
        "2022-01-01",
        "-p",
        "60%",
        env=env,
    )
    tracker("resolve", "1", "no", "--on", "2022-01-30", env=env)
    out = tmp_path / "r.md"
    assert tracker("report", "--period", "2022Q1", "--out", str(out), env=env).exit_code == 0
    assert r"Oil between \$80 and \$90?" in out.read_text(encoding="utf-8")


# --- one unit per figure -------------------------------------------------------------------------


def test_the_same_figure_is_written_the_same_way_in_every_format(
    example: Tracker, tmp_path: Path
) -> None:
    """The analysts' Brier score, ani's overconfidence and ani's best call's skill in the review
    of 2022Q2: one text in the terminal, Markdown, HTML and the JSON's `shown` labels."""
    from tracker.cli import console

    console._out.cache_clear()
    wide = {**AFTER_EXAMPLE_ENV, "COLUMNS": "200"}
    terminal = example("report", "--period", "2022Q2", env=wide).stdout
    texts = {"terminal": terminal}
    for fmt in ("md", "html", "json"):
        out = tmp_path / f"review.{fmt}"
        assert _report(example, "report", "--period", "2022Q2", "--out", str(out)).exit_code == 0
        texts[fmt] = out.read_text(encoding="utf-8")
    data = json.loads(texts.pop("json"))
    brier = next(h for h in data["headline"] if h["key"] == "brier")
    ani = next(o for o in data["overconfidence"] if o["forecaster"] == "ani")
    assert brier["shown"]["current"] == "0.395"
    assert ani["shown"]["gap"] == "-10 pts"
    assert data["units"]["skill"]["written_as"].startswith("skill against an even spread, signed")
    for fmt, text in texts.items():
        assert "0.395" in text, fmt
        assert re.search(r"ani\b.*-10 pts", text, re.DOTALL), fmt
        assert "+41%" in text, fmt  # skill, never 0.410
        assert "-100%" in text or fmt == "terminal", fmt  # the report's skill, never -0.998
        assert "-0.998" not in text, fmt


def test_both_documents_open_with_in_brief_in_every_format(example: Tracker) -> None:
    for command in (["report", "--period", "2022Q2"], ["retro"]):
        data = json.loads(_report(example, *command, "--format", "json").stdout)
        assert 3 <= len(data["in_brief"]) <= 5
        assert next(iter(data)) == "kind" and "in_brief" in data
        markdown = _report(example, *command, "--format", "md").stdout
        first = [line for line in markdown.splitlines() if line.startswith("## ")]
        assert first[:2] == ["## In brief", "## Contents"]
        html = _report(example, *command, "--format", "html").stdout
        headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
        assert headings[0] == "In brief"
        assert html.index('id="in-brief"') < html.index('<nav class="toc"')
        terminal = _report(example, *command).stdout
        headings = [line for line in terminal.splitlines() if line.startswith("In brief")]
        assert headings and terminal.index("In brief") < min(
            terminal.index(name)
            for name in ("Headline figures", "For discussion")
            if name in terminal
        )
