"""Blind questions on SQLite (a courtesy there): a forecaster sees nobody else's forecasts,
counts or names on one until they have forecast, or it is resolved, in every output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import Run
from tracker.domain.blind import HIDDEN_NOTE
from tracker.domain.chain import canonical

Tracker = Callable[..., Run]
SECRET = "bob's private reasoning"


@pytest.fixture
def ledger(tracker: Tracker) -> Tracker:
    """#1 a blind question by ann that bob forecast (70%); #2 an ordinary one ann forecast."""
    added = tracker("add", "Blind one", "-c", "C", "-d", "+20d", "--slug", "blind-q", "--blind")
    assert added.exit_code == 0, added.stderr
    assert "Blind: each forecaster sees others' forecasts" in added.stdout
    bob = tracker("forecast", "blind-q", "70%", "-r", SECRET, "--as", "bob")
    assert bob.exit_code == 0, bob.stderr
    plain = tracker("add", "Plain one", "-c", "C", "-d", "+10d", "-p", "40%")
    assert plain.exit_code == 0, plain.stderr
    return tracker


def _shows_secret(stdout: str) -> bool:
    """Whether the terminal shows bob's rationale: each of its words (a narrow table wraps it
    over lines, beside other columns' cells)."""
    return all(word in stdout for word in SECRET.split())


def _leaks(run: Run) -> bool:
    return "bob" in run.stdout or _shows_secret(run.stdout) or "70%" in run.stdout


def test_add_blind_is_recorded_and_shown(ledger: Tracker) -> None:
    data = json.loads(ledger("show", "blind-q", "--json").stdout)
    assert data["blind"] is True
    assert json.loads(ledger("show", "2", "--json").stdout)["blind"] is False
    added = json.loads(ledger("add", "B2", "-c", "C", "-d", "+1m", "--blind", "--json").stdout)
    assert added["blind"] is True


def test_show_hides_others_forecasts_until_the_viewer_has_forecast(ledger: Tracker) -> None:
    before = ledger("show", "blind-q")
    assert before.exit_code == 0, before.stderr
    assert not _leaks(before)
    assert "This is a blind question" in before.stdout
    data = json.loads(ledger("show", "blind-q", "--json").stdout)
    assert (data["forecasts"], data["forecasts_hidden"], data["hidden_note"]) == (
        [],
        True,
        HIDDEN_NOTE,
    )
    # Bob has forecast: he sees everything on it.
    assert "bob" in ledger("show", "blind-q", "--as", "bob").stdout
    assert ledger("forecast", "blind-q", "30%").exit_code == 0
    after = json.loads(ledger("show", "blind-q", "--json").stdout)
    assert sorted(f["forecaster"] for f in after["forecasts"]) == ["ani", "bob"]
    assert after["forecasts_hidden"] is False
    assert _shows_secret(ledger("show", "blind-q").stdout)


def test_the_viewer_is_the_acting_person(ledger: Tracker) -> None:
    """--as > TRACKER_USER (ani here) > the login name: TRACKER_USER=bob sees his own."""
    assert "bob" in ledger("show", "blind-q", env={"TRACKER_USER": "bob"}).stdout
    assert not _leaks(ledger("show", "blind-q", "--as", "carl", env={"TRACKER_USER": "bob"}))


def test_list_due_and_overview_hide_standing_counts_and_names(ledger: Tracker) -> None:
    for command in (["list"], ["due"], ["overview"]):
        shown = ledger(*command)
        assert shown.exit_code == 0, shown.stderr
        assert not _leaks(shown), command
        assert "blind: others'" in shown.stdout, command
    overview = ledger("overview")
    assert "1 forecaster: ani." in overview.stdout
    listed = json.loads(ledger("list", "--json").stdout)
    blind = next(q for q in listed if q["slug"] == "blind-q")
    assert (blind["standing"], blind["forecast_count"], blind["forecasts_hidden"]) == (
        {},
        None,
        True,
    )
    plain = next(q for q in listed if q["slug"] is None)
    assert (plain["forecast_count"], plain["forecasts_hidden"]) == (1, False)
    due = json.loads(ledger("due", "--json").stdout)
    assert [q["forecasts_hidden"] for q in due["upcoming"]] == [False, True]
    assert "bob" not in json.dumps(due)
    assert json.loads(ledger("overview", "--json").stdout)["forecasters"] == ["ani"]


def test_lists_show_everything_once_the_viewer_has_forecast(ledger: Tracker) -> None:
    assert ledger("forecast", "blind-q", "30%").exit_code == 0
    blind = next(q for q in json.loads(ledger("list", "--json").stdout) if q["number"] == 1)
    assert sorted(blind["standing"]) == ["ani", "bob"]
    assert (blind["forecast_count"], blind["forecasts_hidden"]) == (2, False)
    assert "bob: 70%" in ledger("list").stdout
    assert "2 forecasters: ani, bob." in ledger("overview").stdout


def test_everything_shows_once_the_question_is_resolved(ledger: Tracker) -> None:
    resolved = ledger("resolve", "blind-q", "yes", "--on", "today", "--as", "carl")
    assert resolved.exit_code == 0, resolved.stderr
    carl = ledger("show", "blind-q", "--as", "carl")
    assert "bob" in carl.stdout and _shows_secret(carl.stdout)
    assert "bob: 70%" in ledger("list", "--as", "carl").stdout


def test_filtering_by_a_forecaster_does_not_tell_where_they_forecast(ledger: Tracker) -> None:
    refused = ledger("list", "--forecaster", "bob")
    assert refused.exit_code == 1
    assert refused.stderr == "error: No forecaster 'bob' has forecast yet.\n"
    assert ledger("forecast", "blind-q", "30%").exit_code == 0
    listed = json.loads(ledger("list", "--forecaster", "bob", "--json").stdout)
    assert [q["number"] for q in listed] == [1]


def test_the_review_lists_an_open_blind_question_without_its_figures(ledger: Tracker) -> None:
    review = ledger("report", "--format", "json", "--due-within", "30")
    assert review.exit_code == 0, review.stderr
    follow_up = json.loads(review.stdout)["follow_up"]
    item = next(q for q in follow_up["due_soon"] if q["key"] == "blind-q")
    assert (item["hidden"], item["forecasters"], item["forecasts"]) == (True, None, None)
    assert item["last_forecast_on"] is None
    assert "blind-q" not in [q["key"] for q in follow_up["single"] + follow_up["stale"]]
    for fmt in ("md", "html"):
        document = ledger("report", "--format", fmt)
        assert document.exit_code == 0, document.stderr
        assert HIDDEN_NOTE.replace("'", "&#39;" if fmt == "html" else "'") in document.stdout
        assert "bob" not in document.stdout
    terminal = ledger("report")
    assert "blind: others'" in terminal.stdout and "bob" not in terminal.stdout
    # After the viewer forecast, the figures are there.
    assert ledger("forecast", "blind-q", "30%").exit_code == 0
    follow_up = json.loads(ledger("report", "--format", "json").stdout)["follow_up"]
    item = next(q for q in follow_up["due_soon"] if q["key"] == "blind-q")
    assert (item["hidden"], item["forecasters"], item["forecasts"]) == (False, 2, 2)


def test_the_export_leaves_out_hidden_forecasts_and_says_so(ledger: Tracker) -> None:
    exported = ledger("export")
    assert exported.exit_code == 0, exported.stderr
    assert '"forecaster": "bob"' not in exported.stdout
    assert "(#1) are left out" in exported.stderr
    whole = ledger("export", "--as", "bob")
    assert '"forecaster": "bob"' in whole.stdout and whole.stderr == ""


def test_blind_round_trips_through_the_export_byte_for_byte(
    ledger: Tracker, tmp_path: Path
) -> None:
    first = ledger("export", "--as", "bob").stdout
    question = next(line for line in first.splitlines() if '"blind-q"' in line)
    assert json.loads(question)["blind"] is True
    plain = next(line for line in first.splitlines() if '"Plain one"' in line)
    assert "blind" not in json.loads(plain)  # other questions' lines are as they always were
    copy = tmp_path / "copy.db"
    imported = ledger("--db", str(copy), "import", "-", input=first)
    assert imported.exit_code == 0, imported.stderr
    again = ledger("--db", str(copy), "export", "--as", "bob").stdout
    assert again == first
    assert json.loads(ledger("--db", str(copy), "show", "blind-q", "--json").stdout)["blind"]


def test_an_import_refuses_a_blind_that_is_not_true_or_false(ledger: Tracker) -> None:
    line = json.dumps(
        {
            "type": "question",
            "id": "x-q",
            "title": "X",
            "kind": "binary",
            "options": ["yes", "no"],
            "deadline": "2022-01-01",
            "opened_on": "2021-11-01",
            "criteria": "C",
            "blind": "yes",
        }
    )
    refused = ledger("import", "-", input=line + "\n")
    assert refused.exit_code == 1
    assert refused.stderr == "error: line 1: 'blind' must be true or false.\n"


def test_a_blind_flag_changed_behind_trackers_back_is_found(
    ledger: Tracker, isolated_database: Path
) -> None:
    assert ledger("db", "verify").exit_code == 0
    engine = sa.create_engine(f"sqlite:///{isolated_database}")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS question_no_update")
        connection.exec_driver_sql("UPDATE question SET blind = 0 WHERE slug = 'blind-q'")
    engine.dispose()
    verified = ledger("db", "verify")
    assert verified.exit_code == 1
    assert "question #1, was changed after it was recorded" in verified.stdout


def test_a_question_that_is_not_blind_hashes_as_before() -> None:
    """Rows recorded before revision 0011 have no flag: their canonical text, and so their
    hash, is unchanged, and a row with the flag unset is the same."""
    row = {"id": 1, "title": "T", "kind": "binary", "options": '["yes","no"]'}
    before = canonical("question", row)
    assert '"blind"' not in before
    assert canonical("question", {**row, "blind": False}) == before
    assert canonical("question", {**row, "blind": 0}) == before
    assert '"blind":true' in canonical("question", {**row, "blind": 1})


def test_source_show_shows_nothing_of_the_forecasts_on_an_open_blind_question(
    tracker: Tracker,
) -> None:
    added = tracker("source", "add", "--title", "Report", "--url", "https://example.org/r")
    assert added.exit_code == 0, added.stderr
    blind = tracker("add", "Q", "-c", "C", "-d", "+1m", "--blind", "--source", "1")
    assert blind.exit_code == 0, blind.stderr
    assert tracker("forecast", "1", "70%", "-r", SECRET, "--as", "bob").exit_code == 0
    for args in (["source", "show", "1"], ["source", "show", "1", "--json"]):
        shown = tracker(*args)
        assert shown.exit_code == 0, shown.stderr
        assert not _leaks(shown)


def test_the_rule_in_pure_form() -> None:
    from datetime import UTC, date, datetime

    from tracker.domain.blind import Viewer, is_hidden
    from tracker.domain.model import BINARY_OPTIONS, Question, QuestionKind

    moment = datetime(2021, 11, 29, tzinfo=UTC)
    q = Question(
        1, None, "T", "C", QuestionKind.BINARY, BINARY_OPTIONS, date(2022, 1, 1), date(2021, 11, 29),
        moment, "ann", blind=True,
    )  # fmt: skip
    ann, bob = Viewer("ann"), Viewer("bob")
    assert is_hidden(q, resolved=False, forecasters=["bob"], viewer=ann)
    assert not is_hidden(q, resolved=False, forecasters=["bob"], viewer=bob)
    assert not is_hidden(q, resolved=True, forecasters=["bob"], viewer=ann)
    assert not is_hidden(q, resolved=False, forecasters=["bob"], viewer=Viewer("x", sees_all=True))
    assert is_hidden(q, resolved=False, forecasters=[], viewer=Viewer(None))


def test_a_sealed_event_carries_the_chain_on_without_being_checked() -> None:
    """An event the reader may not see (place and hash only) is neither removed nor changed."""
    from tracker.domain.chain import GENESIS, Event, link, verify

    first = link(GENESIS, 1, "question", "{}")
    second = link(first, 2, "forecast", '{"id":1}')
    third = link(second, 3, "question", '{"id":2}')
    events = [
        Event("question", 1, 1, first, "{}"),
        Event("forecast", 1, 2, second, None),
        Event("question", 2, 3, third, '{"id":2}'),
    ]
    result = verify(events)
    assert (result.intact, result.events, result.sealed, result.head.hash) == (True, 3, 1, third)
