"""`tracker score` from the command line: the JSON interface and the terminal view."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run

Tracker = Callable[..., Run]
LATER = {"TRACKER_NOW": "2022-06-15T12:00:00+00:00", "COLUMNS": "120"}

FORECASTER_KEYS = {
    "forecaster",
    "n_questions",
    "brier",
    "brier_multi",
    "rps",
    "log_loss",
    "time_weighted_brier",
    "relative_brier",
    "coverage",
    "calibration",
    "murphy",
    "brier_skill",
    "ece",
    "overconfidence",
    "slope",
    "intercept",
}
QUESTION_KEYS = {
    "question",
    "forecaster",
    "kind",
    "final_score",
    "time_weighted",
    "relative",
    "active_days",
    "window_days",
    "coverage",
    "log_loss",
    "backfilled",
}
BIN_KEYS = {"lower", "upper", "n", "mean_forecast", "observed", "wilson_low", "wilson_high"}
MURPHY_KEYS = {
    "reliability",
    "resolution",
    "uncertainty",
    "within_bin_variance",
    "within_bin_covariance",
}


@pytest.fixture
def example(tracker: Tracker) -> Tracker:
    assert tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0
    return tracker


def test_score_json_has_the_documented_keys(example: Tracker) -> None:
    data = json.loads(example("score", "--json", env=LATER).stdout)
    assert {"conventions", "forecasters", "questions", "excluded"} <= set(data)
    for forecaster in data["forecasters"]:
        assert set(forecaster) >= FORECASTER_KEYS
        assert len(forecaster["calibration"]) == 10
        assert all(set(b) >= BIN_KEYS for b in forecaster["calibration"])
        assert set(forecaster["murphy"]) >= MURPHY_KEYS
    assert all(set(q) >= QUESTION_KEYS for q in data["questions"])
    assert {"annulled", "ambiguous", "hindsight"} <= set(data["excluded"])
    names = [f["forecaster"] for f in data["forecasters"]]
    assert names[-2:] == ["team (geo-odds)", "team (median)"]


def test_score_json_numbers_for_the_example(example: Tracker) -> None:
    data = json.loads(
        example("score", "--json", "--question", "brussels-meeting", env=LATER).stdout
    )
    finals = {q["forecaster"]: q["final_score"] for q in data["questions"]}
    # Standing forecasts at the close (2021-12-14): RSC 90%, ani 93%, lena 65%, tom 98%; yes.
    assert finals["RSC sitrep (Giragosian)"] == pytest.approx(0.01, abs=1e-12)
    assert finals["ani"] == pytest.approx(0.07**2, abs=1e-12)
    assert finals["lena"] == pytest.approx(0.35**2, abs=1e-12)
    assert finals["tom"] == pytest.approx(0.02**2, abs=1e-12)


def test_score_terminal_leads_with_a_verdict_then_numbers(example: Tracker) -> None:
    result = example("score", env=LATER)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ani did best on binary questions: time-weighted Brier")
    assert "Scores (lower is better)" in result.stdout
    assert "Calibration of all forecasters" in result.stdout
    assert "Conventions:" in result.stdout


def test_two_sided_option_doubles_the_binary_brier(example: Tracker) -> None:
    one = json.loads(example("score", "--json", "-f", "ani", env=LATER).stdout)
    two = json.loads(
        example("score", "--json", "-f", "ani", "--brier", "two-sided", env=LATER).stdout
    )
    assert two["forecasters"][0]["brier"] == pytest.approx(2 * one["forecasters"][0]["brier"])
    assert two["conventions"]["two_sided"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--brier", "three-sided"], "error: --brier 'three-sided': use one-sided or two-sided."),
        (["--forecaster", "nobody"], None),
        (["--question", "99"], None),
        (["--source", "nope"], None),
        (["--as-of", "2030-01-01"], None),
        (["--since", "garbage"], None),
    ],
)
def test_bad_score_options_get_one_line(
    example: Tracker, args: list[str], message: str | None
) -> None:
    result = example("score", *args, env=LATER)
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    if message:
        assert result.stderr.strip() == message


def test_as_of_before_any_outcome_scores_nothing(example: Tracker) -> None:
    result = example("score", "--as-of", "2021-12-01", env=LATER)
    assert result.exit_code == 0
    assert result.stdout.startswith("Nothing to score yet")


def test_streamed_json_is_the_same_document(example: Tracker) -> None:
    from datetime import UTC, datetime

    from tracker.reports.scores import score_json, score_json_chunks
    from tracker.services.scoring import score_ledger
    from tracker.services.workspace import unit_of_work

    moment = datetime(2022, 6, 15, 12, 0, tzinfo=UTC)
    with unit_of_work(f"sqlite:///{_db_path()}", write=False, now=moment) as session:
        report = score_ledger(session=session, as_of=moment)
    assert json.loads("".join(score_json_chunks(report))) == json.loads(
        json.dumps(score_json(report))
    )


def _db_path() -> str:
    import os

    return os.environ["TRACKER_DB"]


def test_a_team_aggregate_alone_gets_its_own_calibration(example: Tracker) -> None:
    result = example("score", "--forecaster", "team (median)", env=LATER)
    assert result.exit_code == 0
    assert "Calibration of team (median)" in result.stdout


def test_question_and_tag_together_are_refused(example: Tracker) -> None:
    result = example("score", "--question", "2", "--tag", "border", env=LATER)
    assert result.stderr.strip() == (
        "error: --question names one question: leave out --tag and --source."
    )
