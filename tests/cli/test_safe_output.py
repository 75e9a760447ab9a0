"""Outside text never reaches the terminal as control or escape sequences; stored text stays
verbatim, JSON stays lossless (issue 13, "Safe output")."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_installed import TRACKER
from tests.conftest import Run
from tracker.domain.model import OutcomeStatus, Provenance, QuestionKind
from tracker.services.workspace import unit_of_work
from tracker.storage import ledger as store

Tracker = Callable[..., Run]

#: What an attacker would put in a report, a title or a name: a window title (OSC 0), a screen
#: clear (CSI), a C1 CSI, a hyperlink (OSC 8), bidi override and isolate, zero-width space and
#: BOM, a carriage-return overwrite, a backspace and a bell.
HOSTILE = (
    "\x1b]0;owned\x07\x1b[2J\x1b[H\x9b31m"
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"
    "\u202eevil\u202c\u2066iso\u2069zero\u200bwidth\ufeff\rover\x08\x07"
)
#: How the right-to-left override is shown (wide enough a terminal, it is never wrapped).
SHOWN = "<U+202E>evil"
ENV = {"TRACKER_NOW": "2022-06-15T12:00:00+00:00", "COLUMNS": "1000"}
# Rich's own colour codes (SGR) are the only escape sequences allowed, and only with colour on.
SGR = re.compile(r"\x1b\[[0-9;]*m")


def hostile(label: str) -> str:
    return f"{label} {HOSTILE}"


def assert_safe(text: str, *, colour: bool = False) -> None:
    """Nothing in `text` that a terminal would obey, nor bidi or zero-width characters."""
    if colour:
        text = SGR.sub("", text)
    found = sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")
        }
    )
    assert found == [], text


def _seed(url: str) -> None:
    """Hostile text in every field, written through the storage layer as another client, an
    older tracker or an import before the stricter input rules could have written it (the
    input rules are tested elsewhere; what is shown must be safe whatever is stored)."""
    at = datetime(2022, 1, 1, 9, tzinfo=UTC)
    made = datetime(2022, 1, 10, 12, tzinfo=UTC)
    text = f"{hostile('Report')}\n\nIt is likely that {hostile('the road')} opens by March.\n"
    start = text.index("It is likely")
    with unit_of_work(url, write=True, now=at) as session:
        source = store.insert_source(
            session,
            slug="sitrep",
            title=hostile("source title"),
            author=hostile("author"),
            organisation=hostile("organisation"),
            published_on=date(2022, 1, 1),
            url=hostile("https://example.org/"),
            file=hostile("file.txt"),
            text=text,
            content_hash="sha256:0",
            added_at=at,
            added_by=hostile("adder"),
            forecaster=hostile("report voice"),
        )
        common: dict[str, Any] = {"opened_on": date(2022, 1, 1), "created_at": at}
        road = store.insert_question(
            session,
            slug="road",
            title=hostile("title"),
            criteria=hostile("criteria"),
            kind=QuestionKind.BINARY,
            options=("yes", "no"),
            deadline=date(2022, 3, 31),
            source_id=source.id,
            quote=text[start : start + 40],
            notes=hostile("notes"),
            tags=[hostile("tag")],
            created_by=hostile("creator"),
            provenance=Provenance(
                quote_start=start,
                quote_end=start + 40,
                deadline_phrase=hostile("by March"),
                hedge_phrase=hostile("likely"),
            ),
            **common,
        )
        choice = store.insert_question(
            session,
            slug="choice",
            title=hostile("choice café"),
            criteria=hostile("criteria"),
            kind=QuestionKind.MULTIPLE_CHOICE,
            options=(hostile("option a"), hostile("option b")),
            deadline=date(2022, 2, 28),
            source_id=source.id,
            quote=hostile("quote"),
            notes=None,
            tags=[],
            created_by="ani",
            **common,
        )
        pending = store.insert_question(
            session,
            slug="pending",
            title=hostile("pending"),
            criteria="C",
            kind=QuestionKind.BINARY,
            options=("yes", "no"),
            deadline=date(2022, 6, 20),
            source_id=None,
            quote=None,
            notes=None,
            tags=[],
            created_by="ani",
            **common,
        )
        for who, p in ((hostile("analyst"), 0.9), ("ani", 0.2), (hostile("report voice"), 0.7)):
            for question, options in (
                (road, ("yes", "no")),
                (choice, (hostile("option a"), hostile("option b"))),
                (pending, ("yes", "no")),
            ):
                store.insert_forecast(
                    session,
                    question_id=question.id,
                    forecaster=who,
                    made_at=made,
                    recorded_at=made,
                    probabilities={options[0]: p, options[1]: round(1 - p, 2)},
                    rationale=hostile("rationale"),
                    input_text=hostile("input"),
                )
        for question, outcome, resolver in (
            (road, "no", hostile("resolver")),
            (choice, hostile("option b"), "ani"),
        ):
            store.insert_resolution(
                session,
                question_id=question.id,
                status=OutcomeStatus.OPTION,
                outcome=outcome,
                occurred_on=date(2022, 2, 1),
                evidence=hostile("evidence"),
                resolved_by=resolver,
                recorded_at=datetime(2022, 2, 2, tzinfo=UTC),
                amends_id=None,
            )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "forecasts.db"
    _seed(f"sqlite:///{path}")
    return path


@pytest.fixture
def hostile_ledger(seeded: Path, isolated_database: Path) -> Path:
    """A copy of the hostile ledger at the test's own database path."""
    shutil.copyfile(seeded, isolated_database)
    return isolated_database


TERMINAL_VIEWS = [
    ["list"],
    ["show", "road"],
    ["show", "choice"],
    ["overview"],
    ["due"],
    ["score"],
    ["score", "--by-question"],
    ["score", "--by", "source"],
    ["score", "--by", "author"],
    ["report", "--period", "2022Q1"],
    ["retro"],
    ["source", "list"],
    ["source", "show", "sitrep"],
    ["source", "scan", "sitrep"],
]


@pytest.mark.parametrize("command", TERMINAL_VIEWS, ids=" ".join)
def test_terminal_views_show_hostile_text_as_visible_escapes(
    tracker: Tracker, hostile_ledger: Path, command: list[str]
) -> None:
    result = tracker(*command, env=ENV)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout)
    assert_safe(result.stderr)
    assert SHOWN in result.stdout


JSON_VIEWS = [
    ["list", "--json"],
    ["show", "road", "--json"],
    ["show", "choice", "--json"],
    ["overview", "--json"],
    ["due", "--json"],
    ["score", "--json"],
    ["score", "--by", "source", "--json"],
    ["report", "--period", "2022Q1", "--format", "json"],
    ["retro", "--format", "json"],
    ["source", "list", "--json"],
    ["source", "show", "sitrep", "--json"],
    ["source", "scan", "sitrep", "--json"],
    ["export"],
]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("command", JSON_VIEWS, ids=" ".join)
def test_json_escapes_hostile_text_and_keeps_it_whole(
    tracker: Tracker, hostile_ledger: Path, command: list[str]
) -> None:
    result = tracker(*command, env=ENV)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout)
    documents = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    # Lossless: the stored text reads back exactly, escapes and all (a scanned sentence has
    # its line breaks made spaces, so the parts without one are looked for).
    texts = list(_strings(documents))
    for part in (
        "\x1b]0;owned\x07\x1b[2J\x1b[H\x9b31m",
        "\u202eevil\u202c\u2066iso\u2069zero\u200b",
    ):
        assert any(part in text for text in texts), part


def test_export_reads_back_exactly_what_is_stored(tracker: Tracker, hostile_ledger: Path) -> None:
    lines = [json.loads(line) for line in tracker("export", env=ENV).stdout.splitlines()]
    question = next(line for line in lines if line["type"] == "question" and line["id"] == "road")
    assert question["title"] == hostile("title")
    assert question["tags"] == [hostile("tag")]
    source = next(line for line in lines if line["type"] == "source")
    assert HOSTILE in source["text"]


ECHOED = [
    ["show", HOSTILE],
    ["forecast", "road", HOSTILE],
    ["add", "T", "-c", "C", "-d", HOSTILE],
    ["add", "T", "-c", "C", "-d", "+1m", "--kind", HOSTILE],
    ["list", "--source", HOSTILE],
    ["list", "--forecaster", HOSTILE],
    ["report", "--format", HOSTILE],
    ["score", "--brier", HOSTILE],
    ["source", "show", HOSTILE],
    ["resolve", "pending", HOSTILE],
    ["--db", f"/nonexistent/{HOSTILE}/forecasts.db", "list"],
    [f"--{HOSTILE}"],
    ["list", f"--{HOSTILE}"],
    [HOSTILE],
]


@pytest.mark.parametrize("command", ECHOED, ids=lambda c: " ".join(c).split(" ")[0])
def test_errors_that_echo_input_stay_one_safe_line(
    tracker: Tracker, hostile_ledger: Path, command: list[str]
) -> None:
    result = tracker(*command, env=ENV)
    assert result.exit_code in (1, 2)
    assert_safe(result.stderr)
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: ")


def test_a_reports_text_added_from_a_file_is_shown_safely(tracker: Tracker, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text(f"Sitrep\n\n{hostile('Lead')}\nIt is likely that the talks resume by May.\n")
    added = tracker("source", "add", str(report), "--published", "2021-11-29", "--slug", "rep")
    assert added.exit_code == 0, added.stderr
    for command in (["source", "show", "rep"], ["source", "scan", "rep"]):
        result = tracker(*command, env={"COLUMNS": "1000"})
        assert result.exit_code == 0, result.stderr
        assert_safe(result.stdout)
        assert SHOWN in result.stdout


def test_a_reports_text_imported_is_shown_safely(tracker: Tracker, tmp_path: Path) -> None:
    line = {
        "type": "source",
        "id": "rep",
        "title": "Sitrep",
        "text": f"Sitrep\n{hostile('Lead')}\nIt is likely that the talks resume by May.\n",
        "published_on": "2021-11-29",
    }
    file = tmp_path / "in.jsonl"
    file.write_text(json.dumps(line) + "\n")
    imported = tracker("import", str(file))
    assert imported.exit_code == 0, imported.stderr
    result = tracker("source", "show", "rep", env={"COLUMNS": "1000"})
    assert_safe(result.stdout)
    assert SHOWN in result.stdout


def test_an_import_problem_that_quotes_a_row_is_shown_safely(
    tracker: Tracker, tmp_path: Path
) -> None:
    file = tmp_path / "history.csv"
    file.write_text(
        "question,forecast,made_on,deadline\n"
        f'"{hostile("q")}","{hostile("p")}","{hostile("d")}",2022-01-01\n',
        encoding="utf-8",
    )
    result = tracker("import", "--from", "csv", str(file), env={"COLUMNS": "1000"})
    assert result.exit_code == 1
    assert_safe(result.stderr)
    assert_safe(result.stdout)


def test_styles_stay_on_their_words_when_escapes_before_them_take_more_room() -> None:
    from rich.text import Text

    from tracker.cli.console import safe_text
    from tracker.reports.terminal import _highlighted

    styled = Text("a\x1b\u202eb quote c")
    styled.stylize("bold", 5, 10)
    shown = safe_text(styled)
    assert shown.plain == "a\\x1b<U+202E>b quote c"
    assert [shown.plain[s.start : s.end] for s in shown.spans] == ["quote"]
    body = _highlighted("a\x1b\u202eb quote c", [(5, 10)], style="bold reverse")
    assert [body.plain[s.start : s.end] for s in body.spans if s.style] == ["quote"]


def _installed(*args: str, env: dict[str, str], tty: bool = False) -> tuple[int, str, str]:
    """Run the installed script; with `tty`, its stdout is a terminal (a pseudo-terminal)."""
    full_env = {**os.environ, **env}
    if not tty:
        done = subprocess.run([TRACKER, *args], capture_output=True, text=True, env=full_env)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [TRACKER, *args], stdout=follower, stderr=subprocess.PIPE, env=full_env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    # A terminal turns "\n" into "\r\n" on its way out; only the text matters here.
    return process.returncode, b"".join(chunks).decode().replace("\r\n", "\n"), stderr


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["show", "road"],
        ["source", "show", "sitrep"],
        ["report", "--period", "2022Q1", "--format", "md"],
        ["export", "--format", "csv"],
        ["export"],
        ["list", "--json"],
    ],
    ids=" ".join,
)
def test_a_terminal_gets_colour_codes_and_nothing_else(
    hostile_ledger: Path, command: list[str]
) -> None:
    status, stdout, stderr = _installed(*command, env={**ENV, "FORCE_COLOR": "1"}, tty=True)
    assert status == 0, stderr
    assert_safe(stdout, colour=True)
    assert_safe(stderr, colour=True)


@pytest.mark.parametrize(
    "command",
    [["show", "choice"], ["report", "--period", "2022Q1", "--format", "md"], ["score", "--json"]],
    ids=" ".join,
)
def test_an_output_that_cannot_encode_unicode_gets_escapes_not_an_error(
    hostile_ledger: Path, command: list[str]
) -> None:
    status, stdout, stderr = _installed(*command, env={**ENV, "PYTHONIOENCODING": "ascii"})
    assert status == 0, stderr
    assert stdout.isascii()
    if "--json" in command:  # still JSON, and still the same text
        titles = {q["title"] for q in json.loads(stdout)["questions"]}
        assert hostile("choice café") in titles
    else:
        assert "caf\\xe9" in stdout


def test_csv_through_a_pipe_is_the_data_as_stored(hostile_ledger: Path) -> None:
    # Like `ls`, tracker makes a document safe on a terminal; a pipe or a file gets the
    # document itself (CSV is data for spreadsheets; JSON is escaped losslessly everywhere).
    status, stdout, stderr = _installed("export", "--format", "csv", env=ENV)
    assert status == 0, stderr
    assert "\x1b]0;owned\x07\x1b[2J\x1b[H\x9b31m" in stdout
    assert "\u202eevil\u202c\u2066iso\u2069zero\u200bwidth\ufeff" in stdout


def test_a_python_warning_quoting_outside_text_is_a_safe_note(
    tracker: Tracker, hostile_ledger: Path
) -> None:
    # matplotlib warns "Glyph 27 (\x1b) missing from font" for a hostile title in a chart.
    result = tracker("report", "--period", "2022Q1", "--format", "html", env=ENV)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stderr)
    assert all(line.startswith("note: ") for line in result.stderr.splitlines())


def test_the_terminal_escape_check_itself_catches_a_raw_escape() -> None:
    with pytest.raises(AssertionError):
        assert_safe(f"title {HOSTILE}")
    assert_safe("title \x1b[1mbold\x1b[0m", colour=True)


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("command", [["report", "--period", "2022Q1"], ["retro"]], ids=" ".join)
def test_documents_show_hostile_text_as_visible_escapes(
    tracker: Tracker, hostile_ledger: Path, tmp_path: Path, fmt: str, command: list[str]
) -> None:
    """A review written to a file (shown in a browser or a Markdown viewer) carries no control
    or bidi character of its own: a right-to-left override would reorder what a reader sees."""
    out = tmp_path / f"doc.{fmt}"
    result = tracker(*command, "--out", str(out), env=ENV)
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert_safe(text)
    assert "evil" in text and "&lt;U+202E&gt;evil" in text


def test_a_file_name_holding_a_newline_is_shown_on_one_line(
    tracker: Tracker, hostile_ledger: Path, tmp_path: Path
) -> None:
    out = tmp_path / "two\nlines.md"
    result = tracker("report", "--period", "2022Q1", "--out", str(out), env=ENV)
    assert result.exit_code == 0, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "two\\nlines.md" in result.stderr
