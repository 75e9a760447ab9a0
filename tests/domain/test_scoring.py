"""Scoring rules, time weighting, calibration and aggregation against published examples."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.model import QuestionKind
from tracker.domain.scoring import (
    TEAM_GEO_ODDS,
    TEAM_MEDIAN,
    DatedForecast,
    ResolvedQuestion,
    bin_index,
    brier_binary,
    brier_sum,
    calibration,
    calibration_verdict,
    forecast_score,
    geo_odds_forecast,
    log_loss,
    median_forecast,
    nats_to_bits,
    rps,
    score_question,
    wilson_interval,
)

DAY = date(2022, 1, 1)


def _binary_question(days: int = 7, *, outcome: int = 0) -> ResolvedQuestion:
    return ResolvedQuestion(
        key="q",
        kind=QuestionKind.BINARY,
        options=("yes", "no"),
        opened_on=DAY,
        deadline=DAY + timedelta(days=days - 1),
        occurred_on=DAY + timedelta(days=days - 1),
        outcome=outcome,
    )


def _yes(p: float) -> tuple[float, float]:
    return (p, 1 - p)


# --- published worked examples (../shared/guide/scoring.md) ------------------------------------


def test_scikit_learn_docstring_example_mean_brier() -> None:
    outcomes, forecasts = [0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]
    scores = [brier_binary(p, o == 1) for p, o in zip(forecasts, outcomes, strict=True)]
    assert sum(scores) / 4 == pytest.approx(0.0375, abs=1e-15)


def test_cultivate_ninety_percent_on_yes() -> None:
    assert brier_binary(0.9, True, two_sided=True) == pytest.approx(0.02, abs=1e-15)
    assert brier_binary(0.9, True) == pytest.approx(0.01, abs=1e-15)


def test_cultivate_time_averaged_example() -> None:
    question = _binary_question(7)
    forecasts = [
        DatedForecast("ani", DAY, _yes(0.90)),
        DatedForecast("ani", DAY + timedelta(days=3), _yes(0.95)),
    ]
    result = score_question(question, forecasts, two_sided=True, with_team=False)
    (score,) = result.scores
    assert score.time_weighted == pytest.approx(0.08 / 7, abs=1e-15)
    assert (score.active_days, score.window_days, score.coverage) == (7, 7, 1.0)
    assert score.final_score == pytest.approx(2 * 0.05**2, abs=1e-15)


def test_cultivate_ordinal_example() -> None:
    probabilities, outcome = (0.15, 0.45, 0.25, 0.15), 2
    assert brier_sum(probabilities, outcome) == pytest.approx(0.81, abs=1e-12)
    assert rps(probabilities, outcome) == pytest.approx(0.135, abs=1e-12)
    assert rps(probabilities, outcome) * 3 == pytest.approx(0.405, abs=1e-12)
    assert 2 * rps(probabilities, outcome) == pytest.approx(0.27, abs=1e-12)


def test_sevilla_pooling_example() -> None:
    forecasts = [_yes(p) for p in (0.0140, 0.0221, 0.0039, 0.0040)]
    assert sum(p for p, _ in forecasts) / 4 == pytest.approx(0.0110, abs=5e-5)
    assert geo_odds_forecast(forecasts)[0] == pytest.approx(0.0084, abs=5e-5)


def test_metaculus_baseline_follows_from_log_loss_in_bits() -> None:
    def baseline(p: float) -> float:
        return 100 * (1 - nats_to_bits(log_loss(p)))

    assert baseline(0.7) == pytest.approx(48.5, abs=0.05)
    assert baseline(0.3) == pytest.approx(-73.7, abs=0.05)


# --- conventions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probability", "index"),
    [(0.0, 0), (0.1, 1), (0.3, 3), (0.35, 3), (0.7, 7), (0.9999, 9), (1.0, 9), (0.2999999, 2)],
)
def test_bins_are_left_closed_and_robust(probability: float, index: int) -> None:
    assert bin_index(probability) == index


def test_log_loss_of_zero_is_infinite() -> None:
    assert log_loss(0.0) == math.inf


def test_always_fifty_percent_scores_a_quarter() -> None:
    assert brier_binary(0.5, True) == brier_binary(0.5, False) == 0.25


def test_uniform_multiple_choice_scores_one_minus_one_over_k() -> None:
    assert brier_sum((0.25,) * 4, 1) == pytest.approx(0.75, abs=1e-15)


def test_a_later_update_the_same_day_replaces_the_earlier_one() -> None:
    question = _binary_question(2)
    forecasts = [
        DatedForecast("ani", DAY, _yes(0.2)),
        DatedForecast("ani", DAY, _yes(0.8)),
    ]
    (score,) = score_question(question, forecasts, with_team=False).scores
    assert score.time_weighted == pytest.approx(0.04, abs=1e-15)


def test_days_before_the_first_forecast_are_not_scored_but_lower_coverage() -> None:
    question = _binary_question(10)
    forecasts = [DatedForecast("ani", DAY + timedelta(days=6), _yes(0.6))]
    (score,) = score_question(question, forecasts, with_team=False).scores
    assert (score.active_days, score.window_days) == (4, 10)
    assert score.coverage == 0.4
    assert score.time_weighted == pytest.approx(0.16, abs=1e-15)


def test_hindsight_forecasts_are_never_scored() -> None:
    question = _binary_question(5)
    forecasts = [
        DatedForecast("ani", DAY, _yes(0.3)),
        DatedForecast("ani", DAY + timedelta(days=4), _yes(0.99)),  # on the day: scored
        DatedForecast("tom", DAY + timedelta(days=5), _yes(0.99)),  # the day after: never
    ]
    result = score_question(question, forecasts, with_team=False)
    assert [s.forecaster for s in result.scores] == ["ani"]
    assert result.hindsight == 1
    assert result.scores[0].final_score == pytest.approx(0.0001, abs=1e-15)


def test_window_closes_at_the_outcome_when_it_comes_before_the_deadline() -> None:
    question = ResolvedQuestion(
        key="q",
        kind=QuestionKind.BINARY,
        options=("yes", "no"),
        opened_on=DAY,
        deadline=DAY + timedelta(days=30),
        occurred_on=DAY + timedelta(days=2),
        outcome=0,
    )
    (score,) = score_question(
        question, [DatedForecast("a", DAY, _yes(0.5))], with_team=False
    ).scores
    assert score.window_days == 3


def test_relative_score_is_against_the_median_of_the_others() -> None:
    question = _binary_question(4)
    forecasts = [
        DatedForecast("ani", DAY, _yes(0.9)),
        DatedForecast("tom", DAY, _yes(0.5)),
        DatedForecast("lena", DAY + timedelta(days=2), _yes(0.7)),
    ]
    scores = {s.forecaster: s for s in score_question(question, forecasts).scores}
    # Days 1-2: ani 0.01 vs tom 0.25; days 3-4: ani 0.01 vs median(0.25, 0.09) = 0.17.
    assert scores["ani"].relative == pytest.approx((2 * -0.24 + 2 * -0.16) / 4, abs=1e-15)
    # lena only has days 3-4: 0.09 vs median(0.01, 0.25) = 0.13.
    assert scores["lena"].relative == pytest.approx(-0.04, abs=1e-15)
    assert scores[TEAM_MEDIAN].final_probabilities[0] == pytest.approx(0.7, abs=1e-15)


def test_relative_score_is_undefined_with_one_forecaster() -> None:
    question = _binary_question(3)
    result = score_question(question, [DatedForecast("ani", DAY, _yes(0.8))])
    scores = {s.forecaster: s for s in result.scores}
    assert scores["ani"].relative is None
    assert scores[TEAM_MEDIAN].relative == pytest.approx(0.0, abs=1e-15)


def test_team_aggregates_are_scored_like_forecasters() -> None:
    question = _binary_question(2)
    forecasts = [DatedForecast("a", DAY, _yes(0.6)), DatedForecast("b", DAY, _yes(0.9))]
    scores = {s.forecaster: s for s in score_question(question, forecasts).scores}
    assert scores[TEAM_MEDIAN].final_score == pytest.approx((1 - 0.75) ** 2, abs=1e-15)
    geo = geo_odds_forecast([_yes(0.6), _yes(0.9)])[0]
    assert geo == pytest.approx(math.sqrt(1.5 * 9) / (1 + math.sqrt(1.5 * 9)), abs=1e-12)
    assert scores[TEAM_GEO_ODDS].final_score == pytest.approx((1 - geo) ** 2, abs=1e-15)


def test_a_report_is_scored_but_not_pooled_into_the_team() -> None:
    question = _binary_question(2)
    forecasts = [
        DatedForecast("a", DAY, _yes(0.6)),
        DatedForecast("b", DAY, _yes(0.9)),
        DatedForecast("report", DAY, _yes(0.1)),
    ]
    result = score_question(question, forecasts, outsiders=frozenset({"report"}))
    scores = {s.forecaster: s for s in result.scores}
    assert scores["report"].final_score == pytest.approx(0.81, abs=1e-15)
    # The median of the members only: 0.75, not median(0.6, 0.9, 0.1) = 0.6.
    assert scores[TEAM_MEDIAN].final_probabilities[0] == pytest.approx(0.75, abs=1e-15)
    # The report still counts among the others for an analyst's relative score.
    assert scores["a"].relative == pytest.approx(0.16 - (0.01 + 0.81) / 2, abs=1e-15)


def test_a_question_forecast_only_by_a_report_has_no_team_score() -> None:
    result = score_question(
        _binary_question(2),
        [DatedForecast("report", DAY, _yes(0.7))],
        outsiders=frozenset({"report"}),
    )
    assert [s.forecaster for s in result.scores] == ["report"]


def test_multiple_choice_median_is_renormalised() -> None:
    aggregate = median_forecast([(0.6, 0.3, 0.1), (0.2, 0.2, 0.6), (0.3, 0.5, 0.2)])
    assert sum(aggregate) == pytest.approx(1.0, abs=1e-15)
    assert aggregate == pytest.approx((0.3 / 0.8, 0.3 / 0.8, 0.2 / 0.8), abs=1e-15)


def test_wilson_interval_matches_a_hand_computation() -> None:
    low, high = wilson_interval(7, 10)
    assert (round(low, 4), round(high, 4)) == (0.3968, 0.8922)


def test_calibration_keeps_empty_bins_and_uses_mean_forecasts() -> None:
    table = calibration([(0.31, 1), (0.35, 0), (0.92, 1)])
    assert [b.n for b in table.bins] == [0, 0, 0, 2, 0, 0, 0, 0, 0, 1]
    assert table.bins[3].mean_forecast == pytest.approx(0.33, abs=1e-15)
    assert table.bins[3].observed == 0.5
    assert table.bins[0].mean_forecast is None


def test_callout_needs_ten_forecasts_five_points_and_significance() -> None:
    overconfident = [(0.85, 1)] * 14 + [(0.85, 0)] * 10
    verdict = calibration_verdict(calibration(overconfident))
    assert verdict == "overconfident: your 80-90% forecasts came true 58% of the time, n=24"
    small = [(0.85, 1)] * 5 + [(0.85, 0)] * 4
    assert calibration_verdict(calibration(small)).startswith("No calibration problem")
    # A big sample with a 2-point gap is significant but too small an effect to call out.
    subtle = [(0.85, 1)] * 830 + [(0.85, 0)] * 170
    assert calibration_verdict(calibration(subtle)).startswith("No calibration problem")


def test_underconfidence_is_named_as_such() -> None:
    pairs = [(0.65, 1)] * 19 + [(0.65, 0)] * 1
    assert calibration_verdict(calibration(pairs)) == (
        "underconfident: your 60-70% forecasts came true 95% of the time, n=20"
    )


def test_recalibration_slope_below_one_when_forecasts_are_too_extreme() -> None:
    pairs = [(0.95, 1)] * 7 + [(0.95, 0)] * 3 + [(0.05, 0)] * 7 + [(0.05, 1)] * 3
    table = calibration(pairs)
    assert table.slope is not None and table.slope < 1
    assert table.overconfidence == pytest.approx(0.95 - 0.7, abs=1e-12)


# --- properties --------------------------------------------------------------------------------

probability = st.floats(min_value=0.001, max_value=0.999, allow_nan=False)


@st.composite
def distributions(draw: st.DrawFn) -> tuple[tuple[float, ...], int]:
    weights = draw(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6))
    total = sum(weights)
    probabilities = tuple(w / total for w in weights)
    return probabilities, draw(st.integers(0, len(probabilities) - 1))


@given(distributions())
def test_scores_stay_in_range(case: tuple[tuple[float, ...], int]) -> None:
    probabilities, outcome = case
    assert 0 <= brier_sum(probabilities, outcome) <= 2
    assert 0 <= rps(probabilities, outcome) <= 1 + 1e-12
    assert 0 <= brier_binary(probabilities[0], outcome == 0) <= 1


@given(st.integers(2, 6), st.data())
def test_a_perfect_forecaster_scores_zero(k: int, data: st.DataObject) -> None:
    outcome = data.draw(st.integers(0, k - 1))
    perfect = tuple(1.0 if i == outcome else 0.0 for i in range(k))
    assert brier_sum(perfect, outcome) == 0
    assert rps(perfect, outcome) == 0
    assert log_loss(perfect[outcome]) == 0


@settings(max_examples=200)
@given(st.lists(st.tuples(probability, st.integers(0, 1)), min_size=1, max_size=200))
def test_murphy_decomposition_is_exact(pairs: list[tuple[float, int]]) -> None:
    m = calibration(pairs).murphy
    assert m is not None
    rebuilt = (
        m.reliability
        - m.resolution
        + m.uncertainty
        + m.within_bin_variance
        - m.within_bin_covariance
    )
    assert abs(rebuilt - m.brier) <= 1e-12


@given(
    st.lists(st.tuples(st.integers(0, 6), probability), min_size=1, max_size=8), st.integers(0, 1)
)
def test_relative_score_against_a_copy_of_itself_is_zero(
    updates: list[tuple[int, float]], outcome: int
) -> None:
    question = _binary_question(7, outcome=outcome)
    mine = [DatedForecast("ani", DAY + timedelta(days=d), _yes(p)) for d, p in sorted(updates)]
    copy = [DatedForecast("twin", f.day, f.probabilities) for f in mine]
    scores = score_question(question, mine + copy, with_team=False).scores
    assert all(s.relative == 0 for s in scores)


@given(st.lists(st.tuples(st.integers(0, 9), probability), min_size=1, max_size=10))
def test_time_weighted_score_is_a_mean_of_daily_scores(updates: list[tuple[int, float]]) -> None:
    question = _binary_question(10)
    forecasts = [DatedForecast("a", DAY + timedelta(days=d), _yes(p)) for d, p in sorted(updates)]
    (score,) = score_question(question, forecasts, with_team=False).scores
    standing = None
    daily = []
    for offset in range(10):
        day = DAY + timedelta(days=offset)
        for f in forecasts:
            if f.day == day:
                standing = f.probabilities
        if standing is not None:
            daily.append(forecast_score(QuestionKind.BINARY, standing, 0))
    assert score.time_weighted == pytest.approx(sum(daily) / len(daily), abs=1e-12)
    assert score.active_days == len(daily)


@settings(max_examples=200)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(0, 2)), min_size=1, max_size=7),
        min_size=1,
        max_size=6,
    ).filter(lambda rows: len({len(r) for r in rows}) == 1)
)
def test_median_of_the_others_matches_a_direct_computation(rows: list[list[float | None]]) -> None:
    import statistics

    import numpy as np

    from tracker.domain.scoring import _medians

    daily = np.array([[np.nan if v is None else v for v in row] for row in rows])
    of_others, of_all = _medians(daily)
    for s, row in enumerate(rows):
        present = [v for v in row if v is not None]
        if present:
            assert of_all[s] == pytest.approx(statistics.median(present), abs=1e-12)
        for f, value in enumerate(row):
            others = [v for g, v in enumerate(row) if g != f and v is not None]
            if value is None or not others:
                assert math.isnan(of_others[s, f])
            else:
                assert of_others[s, f] == pytest.approx(statistics.median(others), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 1),
            st.lists(
                st.tuples(st.sampled_from("abcd"), st.integers(0, 9), probability),
                min_size=1,
                max_size=8,
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_scoring_in_a_batch_equals_scoring_one_by_one(
    cases: list[tuple[int, list[tuple[str, int, float]]]],
) -> None:
    from tracker.domain.scoring import score_questions

    items = [
        (
            _binary_question(10, outcome=outcome),
            [
                DatedForecast(who, DAY + timedelta(days=d), _yes(p))
                for who, d, p in sorted(rows, key=lambda r: r[1])
            ],
        )
        for outcome, rows in cases
    ]
    together = score_questions(items)
    for (question, forecasts), batched in zip(items, together, strict=True):
        alone = score_question(question, forecasts)
        assert len(batched.scores) == len(alone.scores)
        for x, y in zip(batched.scores, alone.scores, strict=True):
            assert x._replace(time_weighted=0, relative=0) == y._replace(
                time_weighted=0, relative=0
            )
            assert x.time_weighted == pytest.approx(y.time_weighted, abs=1e-12)
            assert (x.relative is None) == (y.relative is None)
            if x.relative is not None:
                assert x.relative == pytest.approx(y.relative, abs=1e-12)


@pytest.mark.parametrize("hits", [340, 300])
def test_an_exact_five_point_gap_is_called_out_on_either_side(hits: int) -> None:
    table = calibration([(0.8, 1)] * hits + [(0.8, 0)] * (400 - hits))
    assert table.bins[8].callout
