"""The one rounding rule of documents: half to even, float noise ignored, never -0."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.rounding import MOST_PLACES, fixed, percent, places_inside, rounded


def _ulps(value: float, steps: int) -> float:
    """`value` moved by `steps` units in the last place (negative: down)."""
    direction = math.inf if steps > 0 else -math.inf
    for _ in range(abs(steps)):
        value = math.nextafter(value, direction)
    return value


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (0.5625, 3, "0.562"),
        (0.5635, 3, "0.564"),
        (1.1775, 3, "1.178"),
        (0.0025, 3, "0.002"),
        (-0.5625, 3, "-0.562"),
        (2.5, 0, "2"),
        (3.5, 0, "4"),
        (0.5626, 3, "0.563"),
        (0.4, 0, "0"),
    ],
)
def test_ties_round_half_to_even_and_the_rest_to_the_nearest(
    value: float, places: int, text: str
) -> None:
    assert fixed(value, places) == text


def test_a_percentage_is_rounded_from_the_fraction_not_from_a_noisy_product() -> None:
    # 0.075 * 100 is 7.499999999999999 in floats; the tie is still a tie.
    assert fixed(0.075, 0, shift=2) == "8"
    assert fixed(0.07499999999999996, 0, shift=2) == "8"
    assert fixed(0.425, 0, shift=2) == "42"


@given(
    units=st.integers(min_value=-200_000, max_value=200_000),
    steps=st.integers(min_value=-4, max_value=4),
    places=st.integers(min_value=0, max_value=3),
)
def test_a_last_bit_of_float_noise_never_changes_a_figure(
    units: int, steps: int, places: int
) -> None:
    # Scores of forecasts given to whole percents have four decimals (0.35**2 = 0.1225): their
    # figures at fewer decimals are often exact ties, where the last bit used to decide.
    exact = units / 10_000
    noisy = _ulps(exact, steps)
    assert fixed(noisy, places) == fixed(exact, places)
    assert fixed(noisy, places, sign=True) == fixed(exact, places, sign=True)
    assert fixed(noisy, 0, shift=2) == fixed(exact, 0, shift=2)
    assert rounded(noisy, 6) == rounded(exact, 6)


@pytest.mark.parametrize("value", [-0.0, -1e-9, -0.0004, -4e-324])
def test_nothing_rounds_to_minus_zero(value: float) -> None:
    assert fixed(value, 3) == "0.000"
    assert fixed(value, 3, sign=True) == "+0.000"
    assert fixed(value, 0, shift=2) == "0"
    assert math.copysign(1, rounded(value, 3)) == 1


def test_a_rounded_figure_is_written_with_at_most_its_decimals() -> None:
    assert repr(rounded(0.16000000000000003, 6)) == "0.16"
    assert repr(rounded(0.39545995183453747, 6)) == "0.39546"
    assert repr(rounded(-0.01000000000000012, 6)) == "-0.01"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.5, "50%"),
        (0.996, "99.6%"),
        (0.9996, "99.96%"),
        (0.0004, "0.04%"),
        (1e-15, "0.0000000000001%"),
        (1e-20, "<0.0000000000001%"),
        (1 - 2**-53, ">99.9999999999999%"),
    ],
)
def test_a_forecast_probability_never_reads_0_or_100_percent(value: float, text: str) -> None:
    assert percent(value) == text


@given(st.floats(min_value=0, max_value=1, exclude_min=True, exclude_max=True))
def test_any_probability_strictly_inside_stays_inside(value: float) -> None:
    shown = percent(value)
    assert shown not in ("0%", "100%")
    assert shown.strip("<>%").strip("0.") != ""  # never 0.000...%
    assert float(shown.strip("<>%")) < 100
    places = places_inside(value, 6)
    if places is not None:
        assert places <= MOST_PLACES
        assert 0 < rounded(value, places) < 1


def test_infinity_has_no_rounded_value() -> None:
    with pytest.raises(ValueError):
        fixed(math.inf, 3)
