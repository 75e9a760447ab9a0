"""Student's t quantiles against SciPy (a test-only oracle), for every number of degrees of freedom."""

from __future__ import annotations

import math

import pytest

# A dev dependency: imported, not skipped when missing, so the check cannot silently vanish.
from scipy import special, stats

from tracker.domain.review import INTERVAL_PROBABILITY, estimate
from tracker.domain.student import regularized_beta, t_quantile, t_tail

#: Degrees of freedom beyond 1..1000: where the expansion takes over, and far beyond.
LARGE_DF = (1001, 1500, 5000, 10_000, 99_999, 10**6, 10**9, 10**15)


def test_the_95_percent_quantile_matches_scipy_for_every_df_from_1_to_1000_and_beyond() -> None:
    for df in [*range(1, 1001), *LARGE_DF]:
        expected = float(stats.t.ppf(INTERVAL_PROBABILITY, df))
        assert t_quantile(INTERVAL_PROBABILITY, df) == pytest.approx(expected, rel=1e-10), df


@pytest.mark.parametrize("probability", [0.9, 0.95, 0.995, 0.999, 1 - 1e-6])
def test_other_quantiles_match_scipy(probability: float) -> None:
    for df in [*range(1, 1001, 7), 1000, *LARGE_DF, 0.5, 2.5, 30.25]:
        expected = float(stats.t.ppf(probability, df))
        assert t_quantile(probability, df) == pytest.approx(expected, rel=1e-9), df


@pytest.mark.parametrize("probability", [0.5000001, 0.51, 0.6, 0.7499999, 0.75])
def test_quantiles_near_the_median_give_back_their_probability(probability: float) -> None:
    # SciPy's ppf and cdf lose digits this close to the median (0.5 + a little); the central
    # probability P(|T| <= t) = I_{t^2/(df+t^2)}(1/2, df/2) keeps them, so the check goes
    # through SciPy's incomplete beta function.
    for df in [1, 2, 3, 4, 7, 30, 31, 100, 999, 1000, 5000]:
        found = t_quantile(probability, df)
        central = float(special.betainc(0.5, df / 2, found**2 / (df + found**2)))
        assert central == pytest.approx(2 * probability - 1, rel=1e-9), df


def test_lower_quantiles_are_the_negatives_of_upper_ones() -> None:
    assert t_quantile(0.025, 9) == -t_quantile(0.975, 9)
    assert t_quantile(0.5, 9) == 0.0


def test_the_tail_and_the_incomplete_beta_function_match_scipy() -> None:
    for df in (1, 2, 5, 30, 400):
        for t in (0.001, 0.5, 1.96, 4.0, 40.0):
            assert t_tail(t, df) == pytest.approx(float(stats.t.sf(t, df)), rel=1e-11)
            assert t_tail(-t, df) == pytest.approx(float(stats.t.cdf(t, df)), rel=1e-11)
    for a, b, x in [(0.5, 0.5, 0.3), (2.0, 0.5, 0.99), (50.0, 0.5, 0.9), (0.5, 200.0, 0.001)]:
        assert regularized_beta(a, b, x) == pytest.approx(
            float(special.betainc(a, b, x)), rel=1e-12
        )


@pytest.mark.parametrize(("probability", "df"), [(0.0, 3), (1.0, 3), (0.975, 0), (0.975, math.inf)])
def test_a_quantile_outside_the_distribution_is_refused(probability: float, df: float) -> None:
    with pytest.raises(ValueError):
        t_quantile(probability, df)


@pytest.mark.parametrize("n", [5, 31, 32, 100, 2000])
def test_intervals_use_the_exact_quantile_beyond_thirty_values(n: int) -> None:
    values = [i % 7 / 10 for i in range(n)]
    found = estimate(values)
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    assert found.low == pytest.approx(mean - half, rel=1e-12)
    assert found.high == pytest.approx(mean + half, rel=1e-12)
