"""Periods, and what a review or a retrospective reads out of the scores."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.domain.model import QuestionKind
from tracker.domain.review import (
    Headline,
    HorizonTable,
    PromptInputs,
    against_team,
    best_calls,
    biggest_misses,
    calibration_by_quarter,
    disagreements,
    discussion_prompts,
    estimate,
    parse_period,
    period_between,
    pooling_change,
    team_verdict,
)
from tracker.domain.scoring import (
    DatedForecast,
    QuestionScore,
    ResolvedQuestion,
    score_question,
)
from tracker.errors import InputError

DAY = date(2022, 1, 1)


def _question(key: str = "q", *, days: int = 10, outcome: int = 0) -> ResolvedQuestion:
    return ResolvedQuestion(
        key=key,
        kind=QuestionKind.BINARY,
        options=("yes", "no"),
        opened_on=DAY,
        deadline=DAY + timedelta(days=days - 1),
        occurred_on=DAY + timedelta(days=days - 1),
        outcome=outcome,
    )


def _yes(p: float) -> tuple[float, float]:
    return (p, 1 - p)


def _scores(question: ResolvedQuestion, finals: dict[str, float]) -> list[QuestionScore]:
    forecasts = [DatedForecast(name, DAY, _yes(p)) for name, p in finals.items()]
    return score_question(question, forecasts).scores


# --- periods -----------------------------------------------------------------------------------


def test_a_quarter_runs_from_its_first_to_its_last_day() -> None:
    period = parse_period("2021Q4")
    assert (period.label, period.first, period.last) == (
        "2021Q4",
        date(2021, 10, 1),
        date(2021, 12, 31),
    )


def test_the_previous_quarter_of_a_first_quarter_is_last_years_fourth() -> None:
    previous = parse_period("2022q1").previous()
    assert previous is not None
    assert (previous.label, previous.first, previous.last) == (
        "2021Q4",
        date(2021, 10, 1),
        date(2021, 12, 31),
    )


def test_the_month_before_march_is_february_with_its_own_length() -> None:
    previous = parse_period("2022-03").previous()
    assert previous is not None
    assert (previous.label, previous.first, previous.last) == (
        "2022-02",
        date(2022, 2, 1),
        date(2022, 2, 28),
    )


def test_a_range_is_compared_with_the_same_number_of_days_before_it() -> None:
    period = period_between(date(2022, 3, 10), date(2022, 3, 19))
    previous = period.previous()
    assert previous is not None
    assert (previous.first, previous.last) == (date(2022, 2, 28), date(2022, 3, 9))


def test_all_time_has_nothing_before_it() -> None:
    assert period_between(None, None).previous() is None


def test_a_period_at_the_start_of_the_calendar_has_nothing_before_it() -> None:
    assert period_between(date(1, 1, 1), date(1, 1, 5)).previous() is None


@pytest.mark.parametrize("text", ["2021Q5", "2022-13", "Q4", "last quarter", "0001Q1", "9999Q4"])
def test_a_period_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="--period"):
        parse_period(text)


# --- small statistics --------------------------------------------------------------------------


def test_an_interval_needs_five_values() -> None:
    assert estimate([0.1, 0.2, 0.3, 0.4]).low is None
    five = estimate([0.1, 0.2, 0.3, 0.4, 0.5])
    # mean 0.3, sd 0.158113883, t(4) = 2.7764451051977934 (97.5%): half-width 0.196324
    assert five.mean == pytest.approx(0.3)
    assert five.low == pytest.approx(0.3 - 2.7764451051977934 * 0.158113883008419 / 5**0.5)


def test_headline_arrows_follow_the_figures_as_shown() -> None:
    assert Headline("brier", 0.20, 0.25, "lower", "brier").arrow == "\u2193"
    assert Headline("coverage", 0.998, 0.997, "higher", "coverage").arrow == "\u2192"
    assert Headline("brier", 0.2, None, "lower", "brier").arrow == ""


# --- misses, calls, disagreements -------------------------------------------------------------


def test_a_confident_wrong_final_forecast_is_a_miss_and_a_hedged_one_is_not() -> None:
    question = _question(outcome=1)  # "no" happened
    scores = _scores(question, {"ani": 0.9, "tom": 0.6, "lena": 0.2})
    misses = biggest_misses(scores, {"q": question})
    assert [(m.forecaster, m.favoured, m.outcome_probability) for m in misses] == [
        ("ani", "yes", pytest.approx(0.1))
    ]


def test_best_calls_rank_an_early_right_forecast_above_a_late_one() -> None:
    question = _question(days=10)
    early = DatedForecast("ani", DAY, _yes(0.9))
    late = [
        DatedForecast("tom", DAY, _yes(0.5)),
        DatedForecast("tom", DAY + timedelta(days=8), _yes(0.95)),
    ]
    scores = score_question(question, [early, *late]).scores
    calls = best_calls(scores, {"q": question})
    assert [c.forecaster for c in calls] == ["ani", "tom"]
    assert all(c.outcome_probability >= 0.7 for c in calls)


def test_the_widest_disagreement_names_who_was_closest() -> None:
    question = _question(outcome=1)
    scores = _scores(question, {"ani": 0.1, "tom": 0.9, "lena": 0.5, "report": 0.99})
    (found,) = disagreements(scores, {"q": question}, outsiders=frozenset({"report"}))
    assert found.spread == pytest.approx(0.8)
    assert (found.lowest, found.highest) == (pytest.approx(0.1), pytest.approx(0.9))
    assert found.closest == ["ani"]
    assert found.forecasters == 3  # the report is not a member


# --- horizons -----------------------------------------------------------------------------------


def test_horizons_count_days_before_the_close_and_skip_forecasts_after_it() -> None:
    question = ResolvedQuestion(
        key="q",
        kind=QuestionKind.BINARY,
        options=("yes", "no"),
        opened_on=DAY,
        deadline=DAY + timedelta(days=40),
        occurred_on=DAY + timedelta(days=20),
        outcome=0,
    )
    close = question.close
    table = HorizonTable(include=None, exclude=frozenset({"report"}))
    table.add(
        question,
        [
            ("ani", close - timedelta(days=7), _yes(0.8), False),  # 7 days: first bucket
            ("ani", close - timedelta(days=8), _yes(0.6), False),  # 8 days: second bucket
            ("tom", close, _yes(1.0), False),  # on the close day: 0 days
            ("tom", close + timedelta(days=1), _yes(1.0), False),  # after the outcome
            ("report", close - timedelta(days=3), _yes(0.1), False),  # not a member
        ],
        live_only=False,
    )
    rows = {r.label: r for r in table.rows()}
    assert rows["0-7 days"].n["binary"] == 2
    assert rows["0-7 days"].mean["binary"] == pytest.approx((0.04 + 0.0) / 2)
    assert rows["8-30 days"].n["binary"] == 1
    assert rows["8-30 days"].mean["binary"] == pytest.approx(0.16)
    assert sum(r.total for r in table.rows()) == 3


# --- the team against its members --------------------------------------------------------------


def test_the_team_median_is_compared_with_its_best_member_on_shared_questions() -> None:
    a, b = _question("a"), _question("b", outcome=1)
    scores = _scores(a, {"ani": 0.9, "tom": 0.6, "lena": 0.5}) + _scores(
        b, {"ani": 0.2, "tom": 0.6, "lena": 0.5}
    )
    rows = {r.forecaster: r for r in against_team(scores)}
    team_a, team_b = (1 - 0.6) ** 2, 0.5**2
    assert rows["ani"].team_brier == pytest.approx((team_a + team_b) / 2)
    assert rows["ani"].own_brier == pytest.approx((0.01 + 0.04) / 2)
    assert rows["ani"].wins == 2
    verdict = team_verdict(list(rows.values()))
    assert verdict.best_member == "ani"
    assert verdict.beat is False
    assert verdict.sentence.startswith("The team median trailed its best member, ani")


def test_calibration_by_quarter_follows_the_outcome_day() -> None:
    late = ResolvedQuestion(
        key="late",
        kind=QuestionKind.BINARY,
        options=("yes", "no"),
        opened_on=DAY,
        deadline=date(2022, 5, 1),
        occurred_on=date(2022, 4, 2),
        outcome=0,
    )
    scores = _scores(_question("early"), {"ani": 0.8}) + _scores(late, {"ani": 0.7})
    resolved = {"early": _question("early"), "late": late}
    quarters = [
        (q.forecaster, q.quarter, q.questions) for q in calibration_by_quarter(scores, resolved)
    ]
    assert ("ani", "2022Q1", 1) in quarters and ("ani", "2022Q2", 1) in quarters


def test_a_prompt_on_a_tag_whose_questions_drew_forecasts_too_sure() -> None:
    questions = {f"b{i}": _question(f"b{i}", outcome=1 if i % 2 else 0) for i in range(12)}
    scores = []
    for q in questions.values():
        scores += _scores(q, {"ani": 0.9, "tom": 0.95, "lena": 0.52})
    tags = dict.fromkeys(questions, ("border",))
    verdict = team_verdict(against_team(scores))
    prompts = discussion_prompts(
        PromptInputs(
            scores=scores,
            tags=tags,
            outsiders=frozenset(),
            pooling=pooling_change(scores, verdict),
        )
    )
    assert prompts == [
        "On questions tagged border, forecasts were too sure: +29 pts between confidence and "
        "how often the favoured side happened (12 questions, beyond noise). What made these "
        "questions look more certain than they were, and what evidence was missing?"
    ]


def test_a_tie_with_the_team_median_is_neither_a_win_nor_a_loss() -> None:
    question = ResolvedQuestion(
        key="mc",
        kind=QuestionKind.MULTIPLE_CHOICE,
        options=("a", "b", "c"),
        opened_on=DAY,
        deadline=DAY + timedelta(days=9),
        occurred_on=DAY + timedelta(days=9),
        outcome=1,
    )
    # A team of one: its median is its own forecast, up to rounding in the last bits.
    scores = score_question(question, [DatedForecast("solo", DAY, (0.7, 0.2, 0.1))]).scores
    (row,) = against_team(scores)
    assert (row.wins, row.losses) == (0, 0)


def test_a_team_of_one_ties_with_its_member_and_asks_nothing() -> None:
    scores = _scores(_question(), {"solo": 0.7})
    verdict = team_verdict(against_team(scores))
    assert verdict.beat is None
    assert verdict.sentence.startswith("The team median tied with its best member, solo")


def test_one_lucky_question_does_not_make_the_best_member() -> None:
    scores = []
    for i in range(6):
        scores += _scores(_question(f"q{i}"), {"ani": 0.8, "tom": 0.6})
    scores += _scores(_question("lucky"), {"ani": 0.8, "tom": 0.6, "bob": 0.999})
    verdict = team_verdict(against_team(scores))
    assert verdict.best_member == "ani"
    assert verdict.questions == 7
