"""The two yardsticks: their published ranges, gaps, and how words are found and written."""

from __future__ import annotations

import pytest

from tracker.domain.yardsticks import ICD_203, PHIA, YARDSTICKS, get_yardstick
from tracker.errors import InputError

ICD_ROWS = [
    ("almost no chance", 1, 5),
    ("very unlikely", 5, 20),
    ("unlikely", 20, 45),
    ("roughly even chance", 45, 55),
    ("likely", 55, 80),
    ("very likely", 80, 95),
    ("almost certain", 95, 99),
]
PHIA_ROWS = [
    ("remote chance", 0, 5),
    ("highly unlikely", 10, 20),
    ("unlikely", 25, 35),
    ("realistic possibility", 40, 50),
    ("likely", 55, 75),
    ("highly likely", 80, 90),
    ("almost certain", 95, 100),
]


@pytest.mark.parametrize(("yardstick", "rows"), [(ICD_203, ICD_ROWS), (PHIA, PHIA_ROWS)])
def test_the_published_ranges(yardstick, rows):
    got = [(t.name, round(t.low * 100), round(t.high * 100)) for t in yardstick.terms]
    assert got == rows


def test_phia_open_ends_are_written_as_the_source_writes_them():
    assert PHIA.term("remote chance").range_text == "up to 5%"
    assert PHIA.term("almost certain").range_text == "95% and above"
    assert ICD_203.term("almost certain").range_text == "95-99%"


@pytest.mark.parametrize(
    ("p", "icd", "phia"),
    [
        (0.675, "likely (55-80%)", "likely (55-75%)"),
        (0.55, "likely (55-80%)", "likely (55-75%)"),  # touching ICD rows: the upper one
        (0.20, "unlikely (20-45%)", "highly unlikely (10-20%)"),
        (0.005, "almost no chance (1-5%)", "remote chance (up to 5%)"),
        (0.995, "almost certain (95-99%)", "almost certain (95% and above)"),
        (
            0.07,
            "very unlikely (5-20%)",
            "between remote chance (up to 5%) and highly unlikely (10-20%)",
        ),
        (
            0.38,
            "unlikely (20-45%)",
            "between unlikely (25-35%) and realistic possibility (40-50%)",
        ),
        (0.78, "likely (55-80%)", "between likely (55-75%) and highly likely (80-90%)"),
    ],
)
def test_describe_names_the_row_or_both_neighbours_in_a_gap(p, icd, phia):
    assert ICD_203.describe(p) == icd
    assert PHIA.describe(p) == phia


def test_every_phia_gap_names_both_neighbours():
    for below, above in zip(PHIA.terms, PHIA.terms[1:], strict=False):
        middle = (below.high + above.low) / 2
        assert PHIA.terms_for(middle) == (below, above)


def test_find_takes_the_longest_phrase_and_reads_synonyms_per_yardstick():
    text = "It is Highly  likely that the talks resume; a realistic possibility of a deal."
    found = [(text[a:b], t.name) for a, b, t in PHIA.find(text)]
    assert found == [
        ("Highly  likely", "highly likely"),
        ("realistic possibility", "realistic possibility"),
    ]
    found = [(text[a:b], t.name) for a, b, t in ICD_203.find(text)]
    assert found == [
        ("Highly  likely", "very likely"),
        ("realistic possibility", "roughly even chance"),
    ]
    assert ICD_203.own_word("very likely") and not ICD_203.own_word("highly likely")
    assert PHIA.find("unlikely-looking") == []  # a word, not part of a compound


def test_midpoints_are_clean():
    assert ICD_203.term("likely").midpoint == 0.675
    assert PHIA.term("remote chance").midpoint == 0.025


def test_names_are_forgiving_and_unknown_ones_are_refused():
    assert get_yardstick(None) is ICD_203
    assert get_yardstick("ICD 203") is ICD_203 and get_yardstick("PHIA") is PHIA
    assert set(YARDSTICKS) == {"icd203", "phia"}
    with pytest.raises(InputError, match="icd203 or phia"):
        get_yardstick("kent")
