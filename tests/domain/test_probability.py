"""Tests for reading probabilities and forecasts over options."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.probability import (
    GRID,
    exact,
    format_percent,
    grid_percent,
    grid_units,
    parse_distribution,
    parse_probability,
    regrid,
)
from tracker.domain.yardsticks import ICD_203, PHIA
from tracker.errors import InputError

GROUPS = ("trilateral working group", "trade-and-transport group", "other")
BINARY = ("yes", "no")
NOT_READABLE = (
    "Cannot read '{}' as a probability: use 65%, 0.65, 2:1 or a phrase of the ICD 203 "
    "yardstick such as 'likely' (see docs/input.md)."
)
OUT_OF_RANGE = (
    "'{}' is out of range: a probability must be above 0% and below 100% (e.g. 0.5% or 99.5%)."
)


# --- format_percent ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.65, "65%"), (0.675, "67.5%"), (0.6667, "66.7%"), (0.005, "0.5%"), (2 / 3, "66.7%")],
)
def test_format_percent_keeps_at_most_one_decimal_and_drops_trailing_zero(
    value: float, expected: str
) -> None:
    assert format_percent(value) == expected


# --- estimative words, read through a yardstick -------------------------------------------


def test_estimative_words_default_to_the_icd_203_midpoints() -> None:
    words = [t.name for t in ICD_203.terms]
    assert [parse_probability(w).value for w in words] == [
        0.03,
        0.125,
        0.325,
        0.5,
        0.675,
        0.875,
        0.97,
    ]


def test_estimative_words_ignore_case_and_spacing_but_need_the_exact_phrase() -> None:
    assert (parse_probability("  Very   LIKELY ").low, parse_probability("very likely").high) == (
        0.80,
        0.95,
    )
    with pytest.raises(InputError, match="Cannot read 'very likely indeed'"):
        parse_probability("very likely indeed")


def test_own_words_of_one_row_read_alike() -> None:
    assert parse_probability("probably").value == parse_probability("likely").value
    assert parse_probability("remote").value == parse_probability("almost no chance").value


def test_a_synonym_is_read_as_the_nearest_icd_term_and_the_echo_says_so() -> None:
    result = parse_probability("highly likely")
    assert (result.value, result.low, result.high, result.synonym) == (0.875, 0.80, 0.95, True)
    assert result.explanation == '"highly likely" -> 87.5% (read as ICD 203 very likely, 80-95%)'
    echo = parse_distribution(["highly", "likely"], BINARY).explanation
    assert echo == '87.5% (from "highly likely", read as ICD 203 very likely 80-95%)'


def test_phia_reads_its_own_words_with_its_own_ranges() -> None:
    result = parse_probability("highly likely", yardstick=PHIA)
    assert (result.value, result.low, result.high, result.synonym) == (0.85, 0.80, 0.90, False)
    assert result.explanation == '"highly likely" -> 85% (PHIA: highly likely, 80-90%)'
    echo = parse_distribution(["remote", "chance"], BINARY, yardstick=PHIA).explanation
    assert echo == '2.5% (from "remote chance", PHIA up to 5%)'
    assert parse_probability("likely", yardstick=PHIA).value == 0.65


def test_phia_reads_icd_words_as_its_nearest_term() -> None:
    result = parse_probability("very likely", yardstick=PHIA)
    assert (result.value, result.term.name, result.synonym) == (0.85, "highly likely", True)
    assert parse_probability("roughly even chance", yardstick=PHIA).value == 0.45


def test_words_neither_yardstick_lists_are_refused_by_both() -> None:
    for yardstick in (ICD_203, PHIA):
        with pytest.raises(InputError, match="Cannot read 'fairly likely'"):
            parse_probability("fairly likely", yardstick=yardstick)
    with pytest.raises(InputError, match="a phrase of the PHIA yardstick"):
        parse_probability("maybe", yardstick=PHIA)


def test_multiple_choice_values_are_read_through_the_yardstick() -> None:
    result = parse_distribution(["tri=likely", "trade=0.2", "other=0.15"], GROUPS, yardstick=PHIA)
    assert list(result.probabilities.values()) == [0.65, 0.2, 0.15]
    assert result.explanation.startswith(
        'trilateral working group 65% (from "likely", PHIA 55-75%)'
    )


# --- parse_probability: accepted forms --------------------------------------------------------


def test_percentage_is_read_as_a_fraction() -> None:
    result = parse_probability("65%")
    assert (result.value, result.text, result.explanation) == (0.65, "65%", "65%")


def test_percentage_with_decimals_is_read() -> None:
    assert parse_probability("65.5%").value == 0.655


def test_decimal_below_one_is_a_fraction() -> None:
    result = parse_probability("0.65")
    assert (result.value, result.explanation) == (0.65, '"0.65" -> 65%')


def test_decimal_without_leading_zero_is_a_fraction() -> None:
    assert parse_probability(".65").value == 0.65


def test_number_between_one_and_hundred_is_a_percentage() -> None:
    result = parse_probability("65")
    assert (result.value, result.explanation) == (0.65, '"65" -> 65%')


def test_number_just_above_one_is_a_small_percentage() -> None:
    assert parse_probability("1.5").value == 0.015


def test_one_percent_written_with_sign_is_accepted() -> None:
    assert parse_probability("1%").value == 0.01


def test_odds_in_favour_are_read_as_probability() -> None:
    result = parse_probability("2:1")
    assert result.value == 2 / 3
    assert result.explanation == '"2:1" odds -> stored 66.6667%'


def test_odds_against_are_read_as_probability() -> None:
    assert parse_probability("1:3").value == 0.25


def test_surrounding_whitespace_is_stripped_from_text() -> None:
    assert parse_probability("  65% ").text == "65%"


def test_estimative_word_uses_midpoint_and_records_range() -> None:
    result = parse_probability("likely")
    assert (result.value, result.words, result.low, result.high) == (0.675, "likely", 0.55, 0.80)


def test_estimative_word_explanation_names_the_icd_203_row() -> None:
    assert parse_probability("likely").explanation == '"likely" -> 67.5% (ICD 203: likely, 55-80%)'


def test_estimative_synonym_is_explained_by_its_row_name() -> None:
    result = parse_probability("Probably")
    assert result.words == "probably"
    assert result.explanation == '"probably" -> 67.5% (ICD 203: likely, 55-80%)'


def test_multi_word_phrase_is_read_regardless_of_case_and_spacing() -> None:
    result = parse_probability("Almost   Certain")
    assert (result.value, result.words, result.text) == (0.97, "almost certain", "Almost   Certain")


def test_numbers_carry_no_estimative_words() -> None:
    result = parse_probability("65%")
    assert (result.words, result.low, result.high) == (None, None, None)


# --- parse_probability: refusals --------------------------------------------------------------


def test_bare_one_is_refused_as_ambiguous() -> None:
    with pytest.raises(InputError) as caught:
        parse_probability("1")
    assert str(caught.value) == (
        "'1' is ambiguous (1% or 100%?); write 1% if you mean one percent."
    )


def test_empty_probability_is_refused() -> None:
    with pytest.raises(InputError, match=r"^No probability given"):
        parse_probability("   ")


@pytest.mark.parametrize("text", ["0", "1.0", "0.0", "0%", "100%", "100", "150", "-5", "-0.3"])
def test_certainty_and_out_of_range_values_are_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_probability(text)
    assert str(caught.value) == OUT_OF_RANGE.format(text)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e-3", "maybe", "65%%"])
def test_unreadable_probability_is_refused_with_the_forms_understood(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_probability(text)
    assert str(caught.value) == NOT_READABLE.format(text)


@pytest.mark.parametrize("text", ["0:1", "3:0"])
def test_odds_with_a_zero_side_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="have a zero side"):
        parse_probability(text)


@given(st.floats(min_value=0.001, max_value=0.999))
def test_percentage_with_one_decimal_parses_back_to_the_same_value(value: float) -> None:
    assert abs(parse_probability(f"{value * 100:.1f}%").value - value) <= 0.0005


@given(st.integers(1, 999), st.integers(1, 999))
def test_odds_always_give_a_probability_strictly_between_zero_and_one(
    in_favour: int, against: int
) -> None:
    value = parse_probability(f"{in_favour}:{against}").value
    assert 0 < value < 1
    assert value == in_favour / (in_favour + against)


# --- parse_distribution: binary ---------------------------------------------------------------


def test_binary_tokens_are_joined_into_one_phrase() -> None:
    result = parse_distribution(["almost", "certain"], BINARY)
    assert result.probabilities == pytest.approx({"yes": 0.97, "no": 0.03})


def test_binary_percentage_is_the_probability_of_yes() -> None:
    result = parse_distribution(["65%"], BINARY)
    assert result.probabilities == pytest.approx({"yes": 0.65, "no": 0.35})
    assert result.explanation == "65%"
    assert result.normalized is False


def test_binary_words_are_echoed_in_the_explanation() -> None:
    result = parse_distribution(["likely"], BINARY)
    assert result.explanation == '67.5% (from "likely", ICD 203 55-80%)'


def test_binary_yes_can_be_given_by_name() -> None:
    result = parse_distribution(["yes=70"], BINARY)
    assert result.probabilities == pytest.approx({"yes": 0.70, "no": 0.30})


def test_binary_no_given_by_name_sets_yes_to_the_complement() -> None:
    result = parse_distribution(["no=30"], BINARY)
    assert result.probabilities == pytest.approx({"yes": 0.70, "no": 0.30})
    assert result.explanation == "70% (from no 30%)"


def test_binary_keys_are_in_option_order() -> None:
    assert list(parse_distribution(["no=30"], BINARY).probabilities) == ["yes", "no"]


def test_binary_unknown_phrase_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_distribution(["fairly", "sure"], BINARY)
    assert str(caught.value) == NOT_READABLE.format("fairly sure")


# --- parse_distribution: multiple choice ------------------------------------------------------


def test_named_values_match_unique_prefixes() -> None:
    result = parse_distribution(["tri=55", "trade=30", "other=15"], GROUPS)
    assert result.probabilities == pytest.approx(
        {"trilateral working group": 0.55, "trade-and-transport group": 0.30, "other": 0.15}
    )


def test_named_values_come_back_in_option_order() -> None:
    result = parse_distribution(["other=15", "trade=30", "tri=55"], GROUPS)
    assert list(result.probabilities) == list(GROUPS)


def test_named_values_explanation_lists_options_in_order() -> None:
    result = parse_distribution(["other=15%", "TRI=0.55", "trade=30"], GROUPS)
    assert result.explanation == (
        "trilateral working group 55%, trade-and-transport group 30%, other 15%"
    )


def test_option_names_match_case_insensitively() -> None:
    result = parse_distribution(["Yes=60", "NO=40"], BINARY)
    assert result.probabilities == pytest.approx({"yes": 0.60, "no": 0.40})


def test_exact_name_wins_over_a_longer_option_it_prefixes() -> None:
    result = parse_distribution(["a=20", "ab=80"], ("a", "ab"))
    assert result.probabilities == pytest.approx({"a": 0.20, "ab": 0.80})


def test_named_value_may_be_estimative_words_or_odds() -> None:
    result = parse_distribution(["tri=likely", "trade=1:4", "other=12.5%"], GROUPS)
    assert result.probabilities == pytest.approx(
        {"trilateral working group": 0.675, "trade-and-transport group": 0.2, "other": 0.125}
    )


def test_positional_values_follow_option_order() -> None:
    result = parse_distribution(["55", "30%", "0.15"], GROUPS)
    assert result.probabilities == pytest.approx(
        {"trilateral working group": 0.55, "trade-and-transport group": 0.30, "other": 0.15}
    )


def test_positional_value_count_must_match_options() -> None:
    with pytest.raises(InputError, match=r"^Got 2 values for 3 options"):
        parse_distribution(["55", "45"], GROUPS)


def test_ambiguous_prefix_is_refused_naming_the_candidates() -> None:
    with pytest.raises(InputError) as caught:
        parse_distribution(["tr=55", "other=45"], GROUPS)
    assert str(caught.value) == (
        "'tr' matches several options ('trilateral working group', "
        "'trade-and-transport group'): type more of the name."
    )


def test_unknown_option_is_refused_listing_the_options() -> None:
    with pytest.raises(InputError) as caught:
        parse_distribution(["bilateral=55"], GROUPS)
    assert str(caught.value) == (
        "There is no option 'bilateral': the options are 'trilateral working group', "
        "'trade-and-transport group', 'other'."
    )


def test_missing_option_is_refused_naming_it() -> None:
    with pytest.raises(InputError) as caught:
        parse_distribution(["tri=55", "trade=45"], GROUPS)
    assert str(caught.value) == (
        "No probability given for 'other': give every option (they must sum to 100%)."
    )


def test_option_given_twice_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_distribution(["tri=55", "trilateral working group=30", "other=15"], GROUPS)
    assert str(caught.value) == (
        "Option 'trilateral working group' is given twice: give each option once."
    )


def test_mixing_named_and_positional_values_is_refused() -> None:
    with pytest.raises(InputError, match=r"^Do not mix name=value with bare values"):
        parse_distribution(["tri=55", "30", "15"], GROUPS)


@pytest.mark.parametrize("tokens", [[], ["", "  "]])
def test_empty_tokens_are_refused(tokens: list[str]) -> None:
    with pytest.raises(InputError, match=r"^No probabilities given"):
        parse_distribution(tokens, GROUPS)


def test_named_value_without_a_value_is_refused() -> None:
    with pytest.raises(InputError, match=r"^'tri=' has no value"):
        parse_distribution(["tri=", "trade=30", "other=15"], GROUPS)


def test_unreadable_value_inside_a_distribution_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_distribution(["tri=maybe", "trade=30", "other=15"], GROUPS)
    assert str(caught.value) == NOT_READABLE.format("maybe")


# --- parse_distribution: sums -----------------------------------------------------------------


def test_sum_far_from_hundred_is_refused_with_the_sum() -> None:
    with pytest.raises(InputError) as caught:
        parse_distribution(["tri=55", "trade=15", "other=15"], GROUPS)
    assert str(caught.value) == (
        "Probabilities add up to 85%, not 100%. "
        "Give all options so they sum to 100%, or pass --normalize."
    )


def test_binary_sum_given_by_name_is_checked_too() -> None:
    with pytest.raises(InputError, match=r"^Probabilities add up to 90%, not 100%"):
        parse_distribution(["yes=60", "no=30"], BINARY)


def test_normalize_rescales_a_sum_that_is_off() -> None:
    result = parse_distribution(["tri=55", "trade=15", "other=15"], GROUPS, normalize=True)
    assert result.normalized is True
    # 55/85, 15/85, 15/85 on the grid of millionths, by largest remainder (on equal remainders
    # the later option gets the millionth left over).
    assert result.probabilities == {
        "trilateral working group": 0.647059,
        "trade-and-transport group": 0.17647,
        "other": 0.176471,
    }


def test_normalized_explanation_says_what_the_sum_was() -> None:
    result = parse_distribution(["50", "30", "5"], GROUPS, normalize=True)
    assert result.explanation.endswith("(rescaled from a sum of 85%)")


def test_sum_within_half_a_point_is_rescaled_silently() -> None:
    result = parse_distribution(["33.4", "33.3", "33.5"], ("a", "b", "c"))
    assert result.normalized is False
    assert math.fsum(result.probabilities.values()) == pytest.approx(1, abs=1e-12)
    assert result.probabilities["a"] == pytest.approx(33.4 / 100.2)


def test_sum_exactly_half_a_point_off_is_accepted() -> None:
    result = parse_distribution(["33.5", "33", "33"], ("a", "b", "c"))
    assert result.normalized is False


def test_sum_just_over_half_a_point_off_is_refused() -> None:
    with pytest.raises(InputError, match=r"^Probabilities add up to 99\.4%, not 100%"):
        parse_distribution(["33.4", "33", "33"], ("a", "b", "c"))


@st.composite
def _options_and_weights(draw: st.DrawFn) -> tuple[list[str], list[float]]:
    names = draw(
        st.lists(
            st.text(alphabet="abcdefgh -", min_size=1, max_size=12).map(str.strip).filter(bool),
            min_size=2,
            max_size=6,
            unique_by=str.casefold,
        )
    )
    weights = draw(
        st.lists(
            st.floats(min_value=0.01, max_value=99.0),
            min_size=len(names),
            max_size=len(names),
        )
    )
    return names, weights


@given(_options_and_weights(), st.booleans(), st.randoms())
def test_distribution_sums_to_one_and_keeps_option_order(
    case: tuple[list[str], list[float]], named: bool, shuffler: random.Random
) -> None:
    options, weights = case
    tokens = [f"{weight:.4f}%" for weight in weights]
    if named:
        tokens = [f"{option}={token}" for option, token in zip(options, tokens, strict=True)]
        shuffler.shuffle(tokens)
    result = parse_distribution(tokens, options, normalize=True)
    assert list(result.probabilities) == options
    assert abs(math.fsum(result.probabilities.values()) - 1) <= 1e-9
    assert all(0 < value < 1 for value in result.probabilities.values())


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0065, "0.65%"), (0.00000001, "0.000001%"), (0.999999, "99.9999%"), (0.995, "99.5%")],
)
def test_format_percent_never_rounds_to_zero_or_a_hundred(value: float, expected: str) -> None:
    assert format_percent(value) == expected


@given(st.floats(min_value=1e-9, max_value=1 - 1e-9))
def test_format_percent_stays_strictly_inside(value: float) -> None:
    assert format_percent(value) not in ("0%", "100%")


# --- the grid of millionths -------------------------------------------------------------------


def _decimal_sum(probabilities: dict[str, float]) -> Decimal:
    return sum((Decimal(repr(value)) for value in probabilities.values()), Decimal(0))


@pytest.mark.parametrize("typed", ["99.99999999999%", "99.99999%", "0.99999999", "9999999:1"])
def test_input_that_rounds_to_a_hundred_percent_is_refused(typed: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_distribution([typed], BINARY)
    assert str(caught.value) == (
        f"'{typed}' rounds to 100%: on tracker's grid of 0.0001% a probability runs from "
        "0.0001% to 99.9999%."
    )


@pytest.mark.parametrize("typed", ["0.00001%", "0.0000001", "1:9999999"])
def test_input_that_rounds_to_zero_is_refused(typed: str) -> None:
    with pytest.raises(InputError, match=r"rounds to 0%: on tracker's grid of 0\.0001%"):
        parse_distribution([typed], BINARY)


def test_no_given_alone_that_rounds_to_zero_is_refused() -> None:
    with pytest.raises(InputError, match=r"^'0\.00001%' rounds to 0%"):
        parse_distribution(["no=0.00001%"], BINARY)


@pytest.mark.parametrize(
    ("typed", "yes", "no", "explanation"),
    [
        ("12.34567%", 0.123457, 0.876543, '"12.34567%" -> stored 12.3457%'),
        ("99.9999%", 0.999999, 0.000001, "99.9999%"),
        ("0.0001%", 0.000001, 0.999999, "0.0001%"),
        ("2:1", 0.666667, 0.333333, '"2:1" odds -> stored 66.6667%'),
        ("likely", 0.675, 0.325, '67.5% (from "likely", ICD 203 55-80%)'),
        ("0.2", 0.2, 0.8, "20%"),
    ],
)
def test_binary_input_is_stored_on_the_grid_and_the_echo_says_what_was_stored(
    typed: str, yes: float, no: float, explanation: str
) -> None:
    result = parse_distribution([typed], BINARY)
    assert result.probabilities == {"yes": yes, "no": no}
    assert result.explanation == explanation
    assert _decimal_sum(result.probabilities) == 1


def test_a_named_no_is_stored_on_the_grid_too() -> None:
    result = parse_distribution(["no=12.34567"], BINARY)
    assert result.probabilities == {"yes": 0.876543, "no": 0.123457}
    assert result.explanation == '87.6543% (from no "12.34567" -> stored 12.3457%)'


def test_thirds_are_stored_as_short_decimals_adding_up_to_exactly_one() -> None:
    result = parse_distribution(["1%", "1%", "1%"], ("a", "b", "c"), normalize=True)
    assert result.probabilities == {"a": 0.333333, "b": 0.333333, "c": 0.333334}
    assert [repr(value) for value in result.probabilities.values()] == [
        "0.333333",
        "0.333333",
        "0.333334",
    ]


def test_a_value_that_rescaling_would_store_as_zero_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        # 0.00006% alone is stored as 0.0001%, but the millionths left after rescaling go to
        # the larger remainders of a and b.
        parse_distribution(["30.00009%", "69.99989%", "0.00006%"], ("a", "b", "c"))
    assert str(caught.value) == (
        "The probability of 'c' would be stored as 0%: on tracker's grid of 0.0001% a "
        "probability runs from 0.0001% to 99.9999%."
    )


@given(
    st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=7),
        min_size=2,
        max_size=6,
    )
)
def test_every_stored_distribution_is_on_the_grid_and_adds_up_to_exactly_one(
    percents: list[Decimal],
) -> None:
    options = [f"option {i}" for i in range(len(percents))]
    result = parse_distribution([f"{p}%" for p in percents], options, normalize=True)
    values = list(result.probabilities.values())
    assert all(0 < value < 1 for value in values)
    assert all(len(repr(value).split(".")[-1]) <= 6 or "e" in repr(value) for value in values)
    assert all(round(value * GRID) / GRID == value for value in values)
    assert _decimal_sum(result.probabilities) == 1


def test_grid_units_keep_grid_values_that_add_up_to_one() -> None:
    amounts = [Fraction(325, 1000), Fraction(675, 1000)]
    assert grid_units(amounts) == [325_000, 675_000]
    assert grid_percent(123_457) == "12.3457%" and grid_percent(500_000) == "50%"


def test_old_float_noise_is_put_on_the_grid_as_the_value_it_meant() -> None:
    assert regrid({"yes": 0.675, "no": 0.32499999999999996}) == {"yes": 0.675, "no": 0.325}
    assert regrid({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}) == {
        "a": 0.333333,
        "b": 0.333333,
        "c": 0.333334,
    }


def test_exact_reads_floats_by_their_shortest_decimal() -> None:
    assert exact(0.1) == Fraction(1, 10)
    assert exact(Decimal("1e-999999999")) == 0  # read to 24 places: never a huge fraction
