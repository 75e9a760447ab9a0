"""The CLI in-process: echoes, JSON output, one-line errors with nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run
from tracker.storage.database import HEAD

Tracker = Callable[..., Run]


def _add_binary(tracker: Tracker) -> None:
    result = tracker(
        "add",
        "Nakhichevan road/rail agreement",
        "-c",
        "Both governments announce an agreement on the first stage.",
        "-d",
        "+6m",
        "--slug",
        "nakhichevan-rail",
        "-p",
        "likely",
        "-t",
        "caucasus",
    )
    assert result.exit_code == 0, result.stderr


def _add_choice(tracker: Tracker) -> None:
    result = tracker(
        "add",
        "Border demarcation mechanism",
        "-c",
        "The mechanism named in an official statement by the deadline.",
        "-d",
        "2022-05-29",
        "-k",
        "multiple_choice",
        "-o",
        "trilateral working group",
        "-o",
        "trade-and-transport group",
        "-o",
        "another arrangement",
        "-o",
        "none by the deadline",
    )
    assert result.exit_code == 0, result.stderr


def test_add_echoes_the_question_the_deadline_and_the_first_forecast(tracker: Tracker) -> None:
    result = tracker(
        "add",
        "Nakhichevan road/rail agreement",
        "-c",
        "Both governments announce it.",
        "-d",
        "+6m",
        "-p",
        "likely",
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        'Added #1 Nakhichevan road/rail agreement; deadline "+6m" -> 2022-05-29 '
        "(6 months after 2021-11-29).",
        'Recorded 67.5% (from "likely", ICD 203 55-80%) by ani.',
    ]


def test_forecast_echoes_the_number_used_and_the_previous_forecast(tracker: Tracker) -> None:
    _add_binary(tracker)
    result = tracker("forecast", "nakhichevan-rail", "2:1", "-r", "Russia pushing hard")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        'Recorded "2:1" odds -> stored 66.6667%, likely (55-80%), on #1 Nakhichevan road/rail '
        "agreement (deadline 2022-05-29) by ani.",
        "  Previous: 67.5% on 2021-11-29; kept in history.",
    ]


def test_multiple_choice_forecast_by_position_and_by_prefix(tracker: Tracker) -> None:
    _add_choice(tracker)
    assert tracker("forecast", "1", "45", "35", "15", "5").exit_code == 0
    assert (
        tracker("forecast", "1", "tri=40", "trade=40", "an=15", "no=5", "--as", "tom").exit_code
        == 0
    )
    shown = json.loads(tracker("show", "1", "--json").stdout)
    assert [(f["forecaster"], list(f["probabilities"].values())) for f in shown["forecasts"]] == [
        ("ani", [0.45, 0.35, 0.15, 0.05]),
        ("tom", [0.4, 0.4, 0.15, 0.05]),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["forecast", "1", "1"],
            "'1' is ambiguous (1% or 100%?); write 1% if you mean one percent.",
        ),
        (
            ["forecast", "1", "0"],
            "'0' is out of range: a probability must be above 0% and below 100% (e.g. 0.5% or 99.5%).",
        ),
        (
            ["forecast", "1", "nan"],
            "Cannot read 'nan' as a probability: use 65%, 0.65, 2:1 or a phrase of the ICD 203 yardstick such as 'likely' (see docs/input.md).",
        ),
        (
            ["forecast", "1", "inf"],
            "Cannot read 'inf' as a probability: use 65%, 0.65, 2:1 or a phrase of the ICD 203 yardstick such as 'likely' (see docs/input.md).",
        ),
        (
            ["forecast", "1", "100%"],
            "'100%' is out of range: a probability must be above 0% and below 100% (e.g. 0.5% or 99.5%).",
        ),
        (
            ["forecast", "1", "0%"],
            "'0%' is out of range: a probability must be above 0% and below 100% (e.g. 0.5% or 99.5%).",
        ),
        (
            ["forecast", "1", "150"],
            "'150' is out of range: a probability must be above 0% and below 100% (e.g. 0.5% or 99.5%).",
        ),
        (
            ["forecast", "1", "--", "-5%"],
            "'-5%' is out of range: a probability must be above 0% and below 100% (e.g. 0.5% or 99.5%).",
        ),
        (
            ["forecast", "1", "perhaps"],
            "Cannot read 'perhaps' as a probability: use 65%, 0.65, 2:1 or a phrase of the ICD 203 yardstick such as 'likely' (see docs/input.md).",
        ),
        (
            ["forecast", "1", "3:0"],
            "Odds '3:0' have a zero side: a probability must be above 0% and below 100% (e.g. 1:99).",
        ),
        (["forecast", "9", "50%"], "No question #9. List them with: tracker list"),
        (
            ["forecast", "1", "maybe=50", "no=50"],
            "There is no option 'maybe': the options are 'yes', 'no'.",
        ),
        (
            ["forecast", "1", "50%", "--made-at", "31/12/2099"],
            "The forecast time 2099-12-31T12:00:00+00:00 is in the future.",
        ),
        (
            ["forecast", "1", "50%", "-r", "\x1b[31mred"],
            "The rationale contains the control character U+001B; remove it and try again.",
        ),
        (["add", "", "-c", "C", "-d", "+1m"], "The title is empty. Give the question a title."),
        (
            ["add", "T", "-c", " ", "-d", "+1m"],
            "The resolution criteria are empty. Say exactly what counts as yes (--criteria TEXT).",
        ),
        (
            ["add", "T", "-c", "C", "-d", "03/04/2022"],
            "'03/04/2022' is ambiguous: 3 April 2022 or March 4, 2022. Write 2022-04-03 or 2022-03-04.",
        ),
        (
            ["add", "T", "-c", "C", "-d", "2021-01-01"],
            "The deadline 2021-01-01 has passed. To record history, give the date the question was opened with --opened DATE.",
        ),
        (
            ["add", "T", "-c", "C", "-d", "+1m", "-k", "poll"],
            "Unknown kind 'poll': use binary, multiple_choice or ordered.",
        ),
        (
            ["add", "T", "-c", "C", "-d", "+1m", "-k", "multiple_choice", "-o", "a"],
            "A multiple-choice question needs at least two options (give --option once per option).",
        ),
        (
            ["add", "T", "-c", "C", "-d", "+1m", "--slug", "Bad Slug"],
            "Slug 'Bad Slug' is not valid: use lower-case letters, digits and hyphens, starting with a letter (at most 64 characters).",
        ),
        (
            ["add", "T", "-c", "C", "-d", "+1m", "--source", "nope"],
            "No source 'nope'. List them with: tracker source list",
        ),
        (["resolve", "1", "perhaps"], "There is no option 'perhaps': the options are 'yes', 'no'."),
        (
            ["resolve", "1", "yes", "--on", "2021-01-01"],
            "The outcome date 2021-01-01 is before #1 opened (2021-11-29).",
        ),
        (
            ["resolve", "1", "yes", "--on", "2030-01-01"],
            "The outcome date 2030-01-01 is in the future; resolve it once it happened.",
        ),
        (["resolve", "1", "yes", "--amend"], "Question #1 is not resolved yet; drop --amend."),
        (["show", "nope"], "No question 'nope'. List them with: tracker list"),
        (["show", "99999999999999999999"], "No question #99999999999999999999."),
        (["list", "--open", "--resolved"], "Choose one of --open, --resolved and --overdue."),
        (
            ["list", "--due-within", "99999999999"],
            "--due-within takes a number of days from 0 to 36500.",
        ),
        (["list", "--source", "nope"], "No source 'nope'. List them with: tracker source list"),
        (["list", "--forecaster", "nobody"], "No forecaster 'nobody' has forecast yet."),
        (["source", "show", ""], "No source given: use its number (#12) or its slug."),
        (["--db", "", "list"], "--db is empty: give a database file or URL."),
        (["import", "missing.jsonl"], "No file missing.jsonl."),
    ],
)
def test_bad_input_gets_one_line_an_error_status_and_writes_nothing(
    tracker: Tracker, args: list[str], message: str
) -> None:
    _add_binary(tracker)
    before = tracker("export").stdout
    result = tracker(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.strip() == f"error: {message}"
    assert tracker("export").stdout == before


def test_resolve_twice_is_refused_and_amend_keeps_the_trail(tracker: Tracker) -> None:
    _add_binary(tracker)
    assert tracker("resolve", "1", "yes", "-e", "https://example.org/a").exit_code == 0
    again = tracker("resolve", "1", "no")
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        "error: Question #1 is already resolved (yes, 2021-11-29). To correct it, pass --amend; "
        "the first resolution stays in the history."
    )
    amended = tracker("resolve", "1", "no", "--amend", "-e", "Statement withdrawn")
    assert amended.exit_code == 0
    trail = json.loads(tracker("show", "1", "--json").stdout)["resolutions"]
    assert [(r["outcome"], r["amends"]) for r in trail] == [("yes", None), ("no", trail[0]["id"])]


def test_forecast_on_a_resolved_question_is_refused(tracker: Tracker) -> None:
    _add_binary(tracker)
    tracker("resolve", "1", "no")
    result = tracker("forecast", "1", "20%")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: Question #1 is resolved (no, 2021-11-29); forecasts on it are closed."
    )


def test_usage_errors_exit_2_with_one_line(tracker: Tracker) -> None:
    result = tracker("list", "--bogus")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: No such option: --bogus (see: tracker list --help)"


def test_list_json_has_status_standing_forecasts_and_outcome(tracker: Tracker) -> None:
    assert tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0
    rows = json.loads(tracker("list", "--json").stdout)
    by_id = {row["id"]: row for row in rows}
    assert by_id["brussels-meeting"]["status"] == "resolved"
    assert by_id["brussels-meeting"]["resolution"]["outcome"] == "yes"
    assert by_id["released-detainees-count"]["status"] == "open"
    assert set(by_id["brussels-meeting"]["standing"]) == {
        "RSC sitrep (Giragosian)",
        "ani",
        "lena",
        "tom",
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["list", "--resolved"], 5),
        (["list", "--open"], 1),
        (["list", "--tag", "prisoners"], None),
        (["list", "--source", "sochi-sitrep"], 5),
        (["list", "--forecaster", "RSC sitrep (Giragosian)"], 4),
        (["list", "--due-within", "30"], 1),
    ],
)
def test_list_filters(tracker: Tracker, args: list[str], expected: int | None) -> None:
    tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    rows = json.loads(
        tracker(*args, "--json", env={"TRACKER_NOW": "2022-06-15T12:00:00+00:00"}).stdout
    )
    if expected is None:
        assert rows and all("prisoners" in row["tags"] for row in rows)
    else:
        assert len(rows) == expected


def test_due_json_lists_overdue_and_upcoming(tracker: Tracker) -> None:
    tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    later = tracker("due", "--json", env={"TRACKER_NOW": "2022-07-15T00:00:00+00:00"})
    data = json.loads(later.stdout)
    assert [q["id"] for q in data["overdue"]] == ["released-detainees-count"]
    assert data["upcoming"] == []


def test_every_read_command_has_json(tracker: Tracker) -> None:
    tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    for args in (
        ["list"],
        ["show", "2"],
        ["due"],
        ["overview"],
        ["source", "list"],
        ["source", "show", "sochi-sitrep"],
        ["db", "status"],
    ):
        result = tracker(*args, "--json")
        assert result.exit_code == 0, args
        json.loads(result.stdout)


def test_show_has_criteria_quote_history_and_trail(tracker: Tracker) -> None:
    tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    result = tracker("show", "border-demarcation-mechanism", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for expected in (
        "criteria",
        "two likely scenarios",
        "RSC sitrep (Giragosian)",
        "Resolution trail",
        "another arrangement",
    ):
        assert expected in result.stdout


def test_source_add_names_the_forecaster_that_speaks_for_the_report(
    tracker: Tracker, tmp_path: Path
) -> None:
    report = tmp_path / "report.md"
    report.write_text("# Weekly brief\n\nTalks are likely to resume next month.\n")
    added = tracker("source", "add", str(report), "--forecaster", "Brief (Smith)", "--json")
    assert added.exit_code == 0
    assert json.loads(added.stdout)["forecaster"] == "Brief (Smith)"
    shown = tracker("source", "show", "1", env={"COLUMNS": "200"})
    assert "Brief (Smith)" in shown.stdout


def test_source_add_detects_the_same_text_twice(tracker: Tracker, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text("# Weekly brief\n\nTalks are likely to resume next month.\n")
    first = tracker("source", "add", str(report), "--published", "2021-11-20", "--slug", "brief")
    assert first.exit_code == 0
    assert first.stdout.strip() == "Added source brief: Weekly brief."
    again = tracker("source", "add", str(report))
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        "error: This text is already source #1 (Weekly brief); see it with: "
        "tracker source show brief"
    )
    listed = json.loads(tracker("source", "list", "--json").stdout)
    assert [(s["id"], s["questions"]) for s in listed] == [("brief", 0)]
    assert listed[0]["content_hash"].startswith("sha256:")


def test_db_path_follows_option_then_environment(tracker: Tracker, tmp_path: Path) -> None:
    assert tracker("db", "path").stdout.strip() == str(tmp_path / "forecasts.db")
    other = tmp_path / "other.db"
    assert tracker("--db", str(other), "db", "path").stdout.strip() == str(other)


def test_database_urls_never_show_passwords(tracker: Tracker) -> None:
    url = "postgresql+psycopg://team:s3cret@127.0.0.1:1/forecasts"
    assert tracker("--db", url, "db", "path").stdout.strip() == (
        "postgresql+psycopg://team:***@127.0.0.1:1/forecasts"
    )
    failed = tracker("--db", url, "list")
    assert failed.exit_code == 1 and "s3cret" not in failed.stderr


def test_export_out_writes_the_file(tracker: Tracker, tmp_path: Path) -> None:
    tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    target = tmp_path / "out.jsonl"
    assert tracker("export", "--out", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8") == tracker("export").stdout


def test_import_reports_counts_and_second_import_adds_nothing(tracker: Tracker) -> None:
    first = tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    assert first.stdout.strip() == (
        "Added 1 source, 6 questions, 1 clarification, 49 forecasts, 5 resolutions; "
        "0 already there."
    )
    second = tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    assert second.stdout.strip() == (
        "Added 0 sources, 0 questions, 0 forecasts, 0 resolutions; 62 already there."
    )


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda tmp: tmp, "is a directory; give a database file with --db."),
        (lambda tmp: tmp / "missing" / "x.db", "the folder"),
        (lambda tmp: tmp / "notes.txt", "is not a SQLite database"),
        (lambda tmp: tmp / "notes.txt" / "x.db", "does not exist"),
    ],
)
def test_bad_database_paths_are_refused_in_one_line(
    tracker: Tracker, tmp_path: Path, make_path: Callable[[Path], Path], message: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a database")
    result = tracker("--db", str(make_path(tmp_path)), "add", "T", "-c", "C", "-d", "+1m")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "not a database"


def test_backfilled_forecast_does_not_claim_to_replace_a_later_one(tracker: Tracker) -> None:
    _add_binary(tracker)
    result = tracker(
        "forecast",
        "1",
        "40%",
        "--made-at",
        "2021-11-29T08:00",
        env={"TRACKER_NOW": "2021-12-05T12:00:00+00:00"},
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "  Your later forecast of 2021-11-29 (67.5%) still stands.",
        "  Backfilled: made 2021-11-29 08:00 UTC, recorded now.",
    ]


def test_amend_keeps_the_outcome_date_unless_given(tracker: Tracker) -> None:
    _add_binary(tracker)
    later = {"TRACKER_NOW": "2021-12-20T12:00:00+00:00"}
    tracker("resolve", "1", "yes", "--on", "2021-12-14", env=later)
    tracker("resolve", "1", "no", "--amend", "-e", "Misreported", env=later)
    trail = json.loads(tracker("show", "1", "--json").stdout)["resolutions"]
    assert [r["occurred_on"] for r in trail] == ["2021-12-14", "2021-12-14"]


def test_forecast_and_resolve_json_name_the_question_by_its_id(tracker: Tracker) -> None:
    _add_binary(tracker)
    recorded = json.loads(tracker("forecast", "1", "60%", "--json").stdout)
    assert (recorded["question"], recorded["question_number"]) == ("nakhichevan-rail", 1)
    assert recorded["probabilities"] == {"yes": 0.6, "no": 0.4}
    resolved = json.loads(tracker("resolve", "1", "no", "--json").stdout)
    assert (resolved["question"], resolved["outcome"]) == ("nakhichevan-rail", "no")


def test_bad_input_on_a_new_database_leaves_no_file(
    tracker: Tracker, isolated_database: Path
) -> None:
    result = tracker("add", "Title", "-c", "Criteria", "-d", "not a date")
    assert result.exit_code == 1
    assert not isolated_database.exists()
    assert not Path(f"{isolated_database}-wal").exists()


def test_automatic_upgrade_says_so_and_where_the_copy_is(
    tracker: Tracker, isolated_database: Path
) -> None:
    from tests.storage.test_database import _migrate_to

    _migrate_to(f"sqlite:///{isolated_database}", "0001")
    result = tracker("list")
    assert result.exit_code == 0
    copy = next(isolated_database.parent.glob("forecasts.db.bak-0001-*"))
    assert result.stderr.strip() == (
        f"note: Upgraded {isolated_database} from schema 0001 to {HEAD}; "
        f"the old file is kept as {copy}."
    )


def test_a_long_list_shows_a_page_and_says_how_many_match(tracker: Tracker) -> None:
    env = {"TRACKER_NOW": "2021-11-29T12:00:00+00:00"}
    for n in range(53):
        assert (
            tracker("add", f"Question {n}", "-c", "C", "-d", "2022-06-30", env=env).exit_code == 0
        )
    shown = tracker("list", "--open", env={**env, "COLUMNS": "120"})
    assert shown.stderr.strip() == "Showing 50 of 53, earliest deadlines first: --limit N or --all."
    assert len(json.loads(tracker("list", "--json", env=env).stdout)) == 53
    assert len(json.loads(tracker("list", "--json", "--limit", "5", env=env).stdout)) == 5
    everything = tracker("list", "--all", env={**env, "COLUMNS": "120"})
    assert everything.stderr == "" and "Question 52" in everything.stdout
    due = tracker("due", "--within", "365", env={**env, "COLUMNS": "120"})
    assert due.stderr.strip() == "Not shown: 33 more due soon (latest deadlines): --all."


def test_a_forecast_the_grid_changes_is_echoed_as_stored(tracker: Tracker) -> None:
    _add_binary(tracker)
    result = tracker("forecast", "nakhichevan-rail", "12.34567%")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(
        'Recorded "12.34567%" -> stored 12.3457%, very unlikely (5-20%), on #1'
    )
    shown = json.loads(tracker("show", "1", "--json").stdout)
    # (Made and recorded at the pinned clock's moment, like the first: the order between the
    # two goes by content, so find it by what was typed.)
    (stored,) = [f for f in shown["forecasts"] if f["input"] == "12.34567%"]
    assert stored["probabilities"] == {"yes": 0.123457, "no": 0.876543}


def test_a_forecast_within_a_hair_of_certainty_is_refused_and_nothing_is_written(
    tracker: Tracker,
) -> None:
    _add_binary(tracker)
    result = tracker("forecast", "nakhichevan-rail", "99.99999999999%")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: '99.99999999999%' rounds to 100%: on tracker's grid of 0.0001% a probability "
        "runs from 0.0001% to 99.9999%.\n"
    )
    assert len(json.loads(tracker("show", "1", "--json").stdout)["forecasts"]) == 1


def test_rescaled_thirds_are_stored_as_short_decimals_adding_up_to_one(tracker: Tracker) -> None:
    _add_choice(tracker)
    result = tracker("forecast", "1", "1%", "1%", "1%", "1%", "--normalize", "--json")
    assert result.exit_code == 0
    assert list(json.loads(result.stdout)["probabilities"].values()) == [0.25, 0.25, 0.25, 0.25]
    result = tracker("forecast", "1", "tri=1%", "trade=1%", "an=1%", "no=0.0001", "--normalize")
    assert result.exit_code == 0
    shown = json.loads(tracker("show", "1", "--json").stdout)["forecasts"][-1]["probabilities"]
    assert sum(Decimal(repr(v)) for v in shown.values()) == 1
    assert all(len(repr(v)) <= 8 for v in shown.values())
