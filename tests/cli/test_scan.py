"""`tracker source scan` and `--pick`, HTML sources, and `tracker score --by` from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, REPO, Run

Tracker = Callable[..., Run]
SEED = REPO / "docs" / "examples" / "sochi-summit-sitrep.txt"
ON_30_NOVEMBER = {"TRACKER_NOW": "2021-11-30T09:00:00+00:00"}


@pytest.fixture
def seeded(tracker: Tracker) -> Tracker:
    added = tracker(
        "source", "add", str(SEED), "--slug", "sochi-sitrep", "--title", "Sochi sitrep",
        "--author", "Richard Giragosian", "--org", "RSC", "--published", "2021-11-29",
        env=ON_30_NOVEMBER,
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    return tracker


def _scan(tracker: Tracker) -> list[dict]:  # type: ignore[type-arg]
    result = tracker("source", "scan", "sochi-sitrep", "--json", env=ON_30_NOVEMBER)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _rank(candidates: list[dict], words: str) -> int:  # type: ignore[type-arg]
    return next(c["rank"] for c in candidates if words in c["sentence"])


def test_scan_lists_the_seed_expectations_best_first_as_json(seeded: Tracker) -> None:
    candidates = _scan(seeded)
    assert [c["rank"] for c in candidates] == list(range(1, len(candidates) + 1))
    assert (
        max(
            _rank(candidates, w)
            for w in ("restoration of road", "set for Brussels", "two likely scenarios")
        )
        <= 5
    )
    border = candidates[_rank(candidates, "two likely scenarios") - 1]
    assert border["kind"] == "multiple_choice" and border["options"] == [
        "the formation of a trilateral \u201cworking group\u201d empowered to negotiate the "
        "delineation and demarcation of the Armenian-Azerbaijan border",
        "the incorporation of this work into the existing working group on trade and transport",
        "none of these",
    ]
    assert border["exhaustive"] is False and border["stance"] == "forecast"
    assert border["probability"] == {
        "low": 0.55, "high": 0.8, "midpoint": 0.675, "words": "likely", "label": "likely (ICD 203)"
    }  # fmt: skip
    nakhichevan = candidates[_rank(candidates, "restoration of road") - 1]
    # Its sentence names no time of its own: it asks, rather than borrow the one before.
    assert nakhichevan["deadline"] is None and nakhichevan["title"] is None
    brussels = candidates[_rank(candidates, "set for Brussels") - 1]
    assert brussels["deadline"]["date"] == "2021-12-15" and brussels["deadline"]["vague"] is False
    assert (
        brussels["title"]
        == "Will more details be discussed at the next meeting by 15 December 2021?"
    )
    text = SEED.read_text(encoding="utf-8")
    assert "justified expectation" in text[nakhichevan["start"] : nakhichevan["end"]]


def test_scan_in_the_terminal_says_why(seeded: Tracker) -> None:
    result = seeded(
        "source", "scan", "sochi-sitrep", "--limit", "3", env={**ON_30_NOVEMBER, "COLUMNS": "120"}
    )
    assert result.exit_code == 0
    assert "why" in result.stdout and "cue \u201cexpectation\u201d +3" in result.stdout
    assert "more: --all" in result.stdout


def test_pick_needs_criteria_and_shows_the_draft(seeded: Tracker) -> None:
    number = _rank(_scan(seeded), "restoration of road")
    result = seeded(
        "source", "scan", "sochi-sitrep", "--pick", str(number), "-d", "2022-05-29",
        env=ON_30_NOVEMBER,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: Confirm or edit the resolution criteria: pass --criteria TEXT, or "
        "--accept-draft-criteria to use the draft: Resolves YES if an agreement on the "
        "implementation of the first stage of the restoration of road and railway links from "
        "Azerbaijan to its exclave Nakhichevan is reached on or before 29 May 2022 (UTC)"
    )
    assert seeded("list", "--json", env=ON_30_NOVEMBER).stdout.strip() in ("[]", "")


def test_pick_makes_a_question_that_keeps_the_reports_words(seeded: Tracker) -> None:
    number = _rank(_scan(seeded), "restoration of road")
    result = seeded(
        "source", "scan", "sochi-sitrep", "--pick", str(number), "--slug", "nakhichevan",
        "--deadline", "2022-05-29", "--criteria", "Yes if an agreement on the first stage is announced by 29 May 2022.",
        "--record-implied", "-p", "55%", "--json",
        env=ON_30_NOVEMBER,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    text = SEED.read_text(encoding="utf-8")
    assert (
        text[data["quote_start"] : data["quote_end"]].replace("*", "").startswith("First, largely")
    )
    assert data["quote"].startswith("First, largely driven by pronounced Russian frustration")
    assert data["deadline"] == "2022-05-29" and data["opened_on"] == "2021-11-29"
    assert data["deadline_phrase"] is None  # the sentence names no time: the analyst chose it
    assert data["hedge_phrase"] == (
        "\u201cjustified expectation\u201d read as likely (an expectation), 55-80%, midpoint 67.5%"
    )
    assert data["forecast"]["forecaster"] == "ani"
    assert data["forecast"]["made_at"] == "2021-11-30T09:00:00+00:00"
    implied = data["implied_forecast"]
    assert implied["forecaster"] == "Richard Giragosian (RSC)"
    assert implied["probabilities"] == {"yes": 0.675, "no": 0.325}
    assert implied["made_at"] == "2021-11-29T12:00:00+00:00"
    source = json.loads(
        seeded("source", "show", "sochi-sitrep", "--json", env=ON_30_NOVEMBER).stdout
    )
    assert source["forecaster"] == "Richard Giragosian (RSC)"
    assert source["questions"][0]["status"] == "open"


def test_pick_of_alternatives_makes_a_multiple_choice_question(seeded: Tracker) -> None:
    number = _rank(_scan(seeded), "two likely scenarios")
    result = seeded(
        "source", "scan", "sochi-sitrep", "--pick", str(number), "--accept-draft-criteria",
        "--deadline", "2022-02-28", "--record-implied", "--json", env=ON_30_NOVEMBER,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "multiple_choice"
    assert data["options"][-1] == "none of these"
    assert data["criteria"].startswith(
        "Resolves to the first of these to come about on or before 28 February 2022 (UTC), as "
        "shown by an official announcement or credible news reporting: 1. the formation of a "
        "trilateral \u201cworking group\u201d empowered to negotiate the delineation and "
        "demarcation of the Armenian-Azerbaijan border; 2. the incorporation of this work into "
        "the existing working group on trade and transport; 3. none of these."
    )
    shares = list(data["implied_forecast"]["probabilities"].values())
    assert shares == pytest.approx([0.3375, 0.3375, 0.325])


def test_pick_with_renamed_options_of_another_count_needs_the_implied_forecast(
    seeded: Tracker,
) -> None:
    number = _rank(_scan(seeded), "two likely scenarios")
    args = ["source", "scan", "sochi-sitrep", "--pick", str(number), "--accept-draft-criteria",
            "-o", "trilateral", "-o", "trade group", "-o", "another", "-o", "none", "--record-implied",
            "-d", "2022-02-28"]  # fmt: skip
    refused = seeded(*args, env=ON_30_NOVEMBER)
    assert refused.exit_code == 1 and "pass --implied" in refused.stderr
    done = seeded(*args, "--implied", "40 40 10 10", env=ON_30_NOVEMBER)
    assert done.exit_code == 0, done.stderr


def test_a_candidate_without_a_date_needs_one(tracker: Tracker, tmp_path: Path) -> None:
    report = tmp_path / "brief.md"
    report.write_text(
        "# Brief\n\nA prisoner exchange is expected at the next meeting of the contact group.\n"
    )
    tracker(
        "source",
        "add",
        str(report),
        "--slug",
        "brief",
        "--published",
        "2021-11-20",
        env=ON_30_NOVEMBER,
    )
    result = tracker(
        "source", "scan", "brief", "--pick", "1", "--accept-draft-criteria", env=ON_30_NOVEMBER
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        'error: Candidate 1 names no date (it says "at the next meeting"): pass --deadline DATE.'
    )
    ok = tracker(
        "source",
        "scan",
        "brief",
        "--pick",
        "1",
        "--accept-draft-criteria",
        "-d",
        "2022-03-31",
        "--json",
        env=ON_30_NOVEMBER,
    )
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["deadline"] == "2022-03-31"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--pick", "99", "--accept-draft-criteria"],
            "error: --pick 99: choose a candidate from 1 to",
        ),
        (["--criteria", "x"], "error: --criteria goes with --pick N."),
        (["--limit", "0"], "error: --limit must be at least 1."),
        (
            ["--pick", "1", "--accept-draft-criteria", "--implied", "50%"],
            "error: --implied goes with --record-implied.",
        ),
    ],
)
def test_bad_scan_input_is_one_line(seeded: Tracker, args: list[str], message: str) -> None:
    result = seeded("source", "scan", "sochi-sitrep", *args, env=ON_30_NOVEMBER)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)


def test_an_html_report_is_reduced_to_text_and_scanned(tracker: Tracker, tmp_path: Path) -> None:
    page = tmp_path / "brief.html"
    page.write_text(
        "<html><head><title>Energy &amp; outlook</title><script>var x = 1;</script></head>"
        "<body><nav>Home | About</nav><h1>Outlook</h1><p>Prices rose in January.</p>"
        "<p>We <em>expect</em> a new supply contract to be signed by the summer.</p></body></html>",
        encoding="utf-8",
    )
    added = tracker(
        "source",
        "add",
        str(page),
        "--published",
        "2022-02-10",
        "--json",
        env={"TRACKER_NOW": "2022-02-11T09:00:00+00:00"},
    )
    assert added.exit_code == 0, added.stderr
    data = json.loads(added.stdout)
    assert data["title"] == "Energy & outlook"
    assert (
        data["text"]
        == "Outlook\n\nPrices rose in January.\n\nWe *expect* a new supply contract to be signed by the summer.\n"
    )
    candidates = json.loads(
        tracker(
            "source", "scan", "1", "--json", env={"TRACKER_NOW": "2022-02-11T09:00:00+00:00"}
        ).stdout
    )
    assert [c["sentence"] for c in candidates] == [
        "We expect a new supply contract to be signed by the summer."
    ]
    assert candidates[0]["deadline"]["date"] == "2022-08-31"  # the end of the summer
    assert candidates[0]["title"] == ("Will a new supply contract be signed by 31 August 2022?")


def test_score_by_source_and_author(tracker: Tracker) -> None:
    tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    result = tracker("score", "--by", "source", "--json", env=AFTER_EXAMPLE_ENV)
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["key"], row["questions"], row["resolved"]) == ("sochi-sitrep", 5, 4)
    assert row["forecaster"] == "RSC sitrep (Giragosian)"
    assert (row["report_wins"], row["report_compared"]) == (1, 4)
    by_author = json.loads(
        tracker("score", "--by", "author", "--json", env=AFTER_EXAMPLE_ENV).stdout
    )
    assert by_author["rows"][0]["key"] == "Richard Giragosian"
    shown = tracker("score", "--by", "author", env={**AFTER_EXAMPLE_ENV, "COLUMNS": "120"})
    assert "Accuracy by author" in shown.stdout
    refused = tracker("score", "--by", "desk", env=AFTER_EXAMPLE_ENV)
    assert refused.exit_code == 1 and refused.stderr.startswith(
        "error: --by 'desk': use source or author."
    )


def test_picking_the_same_candidate_twice_is_refused(seeded: Tracker) -> None:
    number = str(_rank(_scan(seeded), "set for Brussels"))
    first = seeded(
        "source",
        "scan",
        "sochi-sitrep",
        "--pick",
        number,
        "--accept-draft-criteria",
        env=ON_30_NOVEMBER,
    )
    assert first.exit_code == 0
    again = seeded(
        "source",
        "scan",
        "sochi-sitrep",
        "--pick",
        number,
        "--accept-draft-criteria",
        env=ON_30_NOVEMBER,
    )
    assert again.exit_code == 1
    assert again.stderr.startswith(f"error: Candidate {number} is already question #1")


def test_the_report_cannot_forecast_under_an_analysts_name(
    tracker: Tracker, tmp_path: Path
) -> None:
    report = tmp_path / "r.md"
    report.write_text("Talks are likely to resume in the coming weeks.\n")
    tracker(
        "source",
        "add",
        str(report),
        "--slug",
        "r",
        "--author",
        "ani",
        "--published",
        "2021-11-29",
        env=ON_30_NOVEMBER,
    )
    tracker(
        "add", "Other", "-c", "C", "-d", "2022-01-31", "-p", "60%", env=ON_30_NOVEMBER
    )  # ani forecasts
    refused = tracker(
        "source",
        "scan",
        "r",
        "--pick",
        "1",
        "--accept-draft-criteria",
        "--record-implied",
        env=ON_30_NOVEMBER,
    )
    assert refused.exit_code == 1
    assert "'ani' already forecasts as an analyst" in refused.stderr
    done = tracker(
        "source",
        "scan",
        "r",
        "--pick",
        "1",
        "--accept-draft-criteria",
        "--record-implied",
        "--implied-as",
        "Brief (ani)",
        "--json",
        env=ON_30_NOVEMBER,
    )
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["implied_forecast"]["forecaster"] == "Brief (ani)"


def test_scan_reads_a_report_through_its_sources_yardstick(
    tmp_path: Path, tracker: Tracker
) -> None:
    """ICD 203 reads "highly likely" as its synonym of very likely (80-95%); a source read by
    the PHIA yardstick credits PHIA's own term (80-90%)."""
    report = tmp_path / "brief.txt"
    report.write_text(
        "Published: 3 March 2025\n\nThe ceasefire is highly likely to hold until 30 June 2025.\n",
        encoding="utf-8",
    )
    assert tracker("source", "add", str(report), "--slug", "icd").exit_code == 0
    copy = tmp_path / "brief2.txt"
    copy.write_text(report.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert (
        tracker("source", "add", str(copy), "--slug", "phia", "--yardstick", "phia").exit_code == 0
    )
    ranges = {}
    for slug in ("icd", "phia"):
        result = tracker("source", "scan", slug, "--json")
        assert result.exit_code == 0, result.stderr
        (candidate,) = json.loads(result.stdout)
        ranges[slug] = (candidate["probability"]["low"], candidate["probability"]["high"])
        assert candidate["deadline"]["date"] == "2025-06-30"
    assert ranges["icd"] == pytest.approx((0.80, 0.95))
    assert ranges["phia"] == pytest.approx((0.80, 0.90))
