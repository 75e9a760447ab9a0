"""The expectation extractor: the seed report, each signal, and its quality on the corpus."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import REPO
from tracker.domain.expectations import OTHER_OUTCOME, Candidate
from tracker.domain.yardsticks import get_yardstick
from tracker.extract.expectations import read_probability, scan_text
from tracker.extract.sentences import split_sentences

SEED = REPO / "docs" / "examples" / "sochi-summit-sitrep.txt"
PUBLISHED = date(2021, 11, 29)


@pytest.fixture(scope="module")
def seed() -> list[Candidate]:
    return scan_text(SEED.read_text(encoding="utf-8"), published=PUBLISHED)


def _find(candidates: list[Candidate], words: str) -> Candidate:
    return next(c for c in candidates if words in c.sentence.plain)


def test_the_seeds_three_expectations_are_top_candidates(seed: list[Candidate]) -> None:
    top = seed[:5]
    nakhichevan = _find(top, "restoration of road and railway links")
    border = _find(top, "two likely scenarios or options")
    brussels = _find(top, "set for Brussels on 15 December")
    # No time of its own: it asks, rather than borrow "in the coming months" from before.
    assert nakhichevan.deadline is None and nakhichevan.ask
    assert (nakhichevan.title, nakhichevan.criteria) == ("", "")
    assert nakhichevan.probability is not None
    assert nakhichevan.probability.words == "justified expectation"
    assert border.options == (
        "the formation of a trilateral \u201cworking group\u201d empowered to negotiate the "
        "delineation and demarcation of the Armenian-Azerbaijan border",
        "the incorporation of this work into the existing working group on trade and transport",
        OTHER_OUTCOME,
    )
    assert border.kind == "multiple_choice" and not border.exhaustive
    assert brussels.deadline is not None and brussels.deadline.day == date(2021, 12, 15)
    assert not brussels.deadline.vague
    assert (
        brussels.title == "Will more details be discussed at the next meeting by 15 December 2021?"
    )


def test_background_sentences_rank_below_the_expectations(seed: list[Candidate]) -> None:
    text = SEED.read_text(encoding="utf-8")
    listed = {c.sentence.start: c.rank for c in seed}
    worst_expectation = max(
        _find(seed, words).rank
        for words in ("restoration of road", "two likely scenarios", "set for Brussels")
    )
    for background in (
        "met in Sochi on 26 November",
        "there was never any expectation for the signing",
        "Putin sought to preempt the EU",
        "the return of the OSCE Minsk Group offers Moscow",
    ):
        sentence = next(s for s in split_sentences(text) if background in s.plain)
        assert listed.get(sentence.start, 10**6) > worst_expectation, background


def test_every_candidate_carries_its_offsets_and_reasons(seed: list[Candidate]) -> None:
    text = SEED.read_text(encoding="utf-8")
    for candidate in seed:
        s = candidate.sentence
        assert text[s.start : s.end] == s.text
        assert candidate.reasons and candidate.score == pytest.approx(
            sum(r.points for r in candidate.reasons)
        )
    assert [c.rank for c in seed] == list(range(1, len(seed) + 1))
    assert scan_text(text, published=PUBLISHED) == seed  # deterministic


def test_hedge_words_suggest_a_range_and_a_midpoint() -> None:
    (candidate,) = scan_text("Talks are likely to resume in the coming weeks.", published=PUBLISHED)
    assert candidate.probability is not None
    assert (candidate.probability.low, candidate.probability.high) == (0.55, 0.80)
    assert candidate.probability.midpoint == 0.675
    assert candidate.probability.words == "likely"
    assert candidate.deadline is not None and candidate.deadline.day == date(2022, 1, 29)


def test_a_negated_expectation_reads_as_unlikely() -> None:
    (candidate,) = scan_text(
        "It is not expected that the phase-out language will survive.", published=PUBLISHED
    )
    assert candidate.probability is not None
    assert candidate.probability.label.startswith("unlikely")


def test_a_date_without_a_year_is_the_next_one_after_publication() -> None:
    (candidate,) = scan_text("The summit is scheduled for 10 March.", published=PUBLISHED)
    assert candidate.deadline is not None and candidate.deadline.day == date(2022, 3, 10)


def test_the_next_meeting_without_a_date_asks_for_one() -> None:
    (candidate,) = scan_text(
        "A prisoner exchange is expected at the next meeting of the contact group.",
        published=PUBLISHED,
    )
    assert candidate.deadline is not None
    assert (candidate.deadline.day, candidate.deadline.phrase) == (None, "at the next meeting")
    assert candidate.ask and candidate.title == ""


def test_either_or_proposes_the_options_and_none_of_these() -> None:
    (candidate,) = scan_text(
        "We expect either a grand coalition of the two largest parties or a minority government.",
        published=PUBLISHED,
    )
    assert candidate.options == (
        "a grand coalition of the two largest parties",
        "a minority government",
        OTHER_OUTCOME,
    )
    assert OTHER_OUTCOME == "none of these"


def test_either_or_is_exhaustive_only_when_the_report_says_so() -> None:
    (candidate,) = scan_text(
        "There are only two possible outcomes: either the parliament approves the budget by "
        "31 March or the government falls.",
        published=PUBLISHED,
    )
    assert candidate.exhaustive
    assert candidate.options == (
        "the parliament approves the budget by 31 March",
        "the government falls",
    )


def test_sentences_do_not_split_at_abbreviations_and_headings_name_sections() -> None:
    text = "# Outlook\n\nDr. Smith met the U.S. envoy. Talks will resume in May.\n"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Dr. Smith met the U.S. envoy.",
        "Talks will resume in May.",
    ]
    assert {s.section for s in sentences} == {"Outlook"}


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("The treaty will be signed on 15 December.", date(2021, 12, 15)),  # a future passive
        ("Since 1 November prices have risen and we expect them to keep rising.", None),
    ],
)
def test_passives_are_not_the_past_and_a_day_just_gone_is_not_next_year(
    text: str, deadline: date | None
) -> None:
    (candidate,) = scan_text(text, published=PUBLISHED)
    assert (candidate.deadline.day if candidate.deadline else None) == deadline


def test_the_month_may_is_not_the_hedge_may() -> None:
    (candidate,) = scan_text("Elections are due to take place in May.", published=PUBLISHED)
    assert candidate.probability is not None
    assert candidate.probability.label == "very likely (a fixed date)"
    assert candidate.deadline is not None and candidate.deadline.day == date(2022, 5, 31)


def test_the_next_meeting_does_not_borrow_an_earlier_date() -> None:
    text = "The summit is set for 10 March. A deal is expected at the next summit."
    by_sentence = {c.sentence.text: c for c in scan_text(text, published=PUBLISHED)}
    later = by_sentence["A deal is expected at the next summit."]
    assert later.deadline is not None and later.deadline.day is None


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("We expect either Smith or Jones, or else nobody.", ("Smith", "Jones", "nobody")),
        (
            "Two scenarios are likely: talks resume, sanctions, or war.",
            ("talks resume", "sanctions", "war"),
        ),
    ],
)
def test_alternatives_split_at_every_or(text: str, options: tuple[str, ...]) -> None:
    (candidate,) = scan_text(text, published=PUBLISHED)
    assert candidate.options == (*options, OTHER_OUTCOME)
    assert candidate.kind == "multiple_choice"


def test_list_items_and_short_sentences_are_sentences() -> None:
    text = "- Talks will resume in the coming weeks\n- A deal is likely by 15 December\n\nThe answer was no. Talks will likely resume by 15 December.\n"
    assert [s.text for s in split_sentences(text)] == [
        "Talks will resume in the coming weeks",
        "A deal is likely by 15 December",
        "The answer was no.",
        "Talks will likely resume by 15 December.",
    ]


# --- probabilities: stated chances, negation, hedges, the yardstick --------------------------

P = date(2024, 3, 20)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("There is a 15 per cent chance that the pipeline will be completed by 2026.", 0.15, 0.15),
        ("We see a 15% chance of a snap election this year.", 0.15, 0.15),
        ("We put the probability of a recession next year at 60-70%.", 0.60, 0.70),
        ("We see a 60-70% probability of a recession next year.", 0.60, 0.70),
        ("We put the odds of a snap election at one in three before the end of the year.",
         1 / 3, 1 / 3),
        ("The odds of 3 to 1 favour a rate cut in Q4 2024.", 0.75, 0.75),
        ("The odds are 3 to 1 against a rate cut in Q4 2024.", 0.25, 0.25),
        ("There is a two-thirds probability that prices rise by the end of the year.", 2 / 3, 2 / 3),
        ("The chance of El Nino conditions developing by the spring of 2025 is about 5 percent.",
         0.05, 0.05),
    ],
)  # fmt: skip
def test_a_stated_chance_is_read_as_a_number(text: str, low: float, high: float) -> None:
    probability = read_probability(text)
    assert probability is not None
    assert probability.low == pytest.approx(low, abs=1e-4)
    assert probability.high == pytest.approx(high, abs=1e-4)
    assert probability.label.startswith("a stated chance")


@pytest.mark.parametrize(
    "text",
    [
        "Inflation fell to 3% in June and is likely to fall further by the end of the year.",
        "The economy is likely to grow by less than 2 percent in 2024.",
        "It is unlikely that the coalition will reach two-thirds of the seats next year.",
    ],
)
def test_a_number_that_is_not_a_chance_is_not_read_as_one(text: str) -> None:
    probability = read_probability(text)
    assert probability is not None and not probability.label.startswith("a stated chance")


@pytest.mark.parametrize(
    ("text", "low", "high", "label"),
    [
        ("We do not expect the ceasefire to hold beyond the summer.", 0.20, 0.45,
         "unlikely (expected not to)"),
        ("The ceasefire is not expected to hold beyond the summer.", 0.20, 0.45,
         "unlikely (expected not to)"),
        ("The opposition is unlikely to win a majority next year.", 0.20, 0.45,
         "unlikely (ICD 203)"),
        ("The PRC probably will not attempt an invasion in 2024.", 0.20, 0.45,
         "unlikely, the nearest ICD 203 term to \u201cprobably not\u201d"),
        ("There is a realistic possibility that the government falls before mid-2025.", 0.45,
         0.55, "roughly even chance, the nearest ICD 203 term"),
        ("There is a remote chance of a breakthrough at the summit in November.", 0.01, 0.05,
         "almost no chance, the nearest ICD 203 term"),
        ("We see a low chance that the talks resume this year.", 0.05, 0.20,
         "very unlikely, the nearest ICD 203 term"),
        ("It is possible that the regime will collapse within six months.", 0.20, 0.55,
         "possible (may, might, could)"),
        ("The talks will resume in May.", 0.80, 0.95, "very likely (\u201cwill\u201d)"),
        ("The talks will not resume in May.", 0.05, 0.20, "very unlikely (\u201cwill not\u201d)"),
    ],
)  # fmt: skip
def test_estimative_words_and_negation(text: str, low: float, high: float, label: str) -> None:
    probability = read_probability(text)
    assert probability is not None
    assert (probability.low, probability.high, probability.label) == (
        pytest.approx(low),
        pytest.approx(high),
        label,
    )


def test_the_yardstick_in_force_reads_the_words() -> None:
    text = "A deal is likely to be signed by Armenia and Azerbaijan in the first half of 2025."
    icd = scan_text(text, published=P)[0].probability
    phia = scan_text(text, published=P, yardstick=get_yardstick("phia"))[0].probability
    assert icd is not None and (icd.low, icd.high) == (0.55, 0.80)
    assert phia is not None and (phia.low, phia.high) == (0.55, 0.75)
    assert phia.label == "likely (PHIA)"


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("If talks fail, the union will strike in May.", "conditional"),
        ("Should the talks collapse, fighting will resume within weeks.", "conditional"),
        ("Unless the parliament acts, the mandate will expire on 31 December.", "conditional"),
        ("Prices will rise above $100 by June if the cartel cuts output.", "conditional"),
        ("The board wants to cut fees by the end of 2024.", "intention"),
        ("The ministry intends to publish the draft law in June.", "intention"),
        ("Wagner's leader aims to capture the town before the spring.", "intention"),
        ("The government plans to hold a referendum next year.", "intention"),
        ("The regulator hopes to finish the review by 30 April 2025.", "intention"),
        ("The rebels seek to take the city this year.", "intention"),
        ("This is not to say that we expect a default this year.", "disclaimed"),
        ("We expect the board to cut fees by the end of 2024, as it wants to.", "forecast"),
        ("It is unclear if the talks will resume in May, but we expect them to.", "forecast"),
    ],
)
def test_conditionals_intentions_and_disclaimers_are_marked_and_not_credited(
    text: str, stance: str
) -> None:
    (candidate,) = scan_text(text, published=P, threshold=-100)
    assert candidate.stance == stance
    assert (candidate.credited is None) == (stance != "forecast")
    if stance == "disclaimed":
        assert candidate.probability is None


SCENARIOS = """## Outlook

We see three scenarios for the talks over the next six months:

- Best case: the parties sign a framework agreement and the ceasefire holds.
- Most likely: talks continue without a deal, with sporadic clashes along the line.
- Worst case: talks collapse and full-scale fighting resumes.

Prices will rise.
"""


def test_a_scenario_set_in_a_list_is_one_candidate_with_every_option_in_full() -> None:
    candidates = scan_text(SCENARIOS, published=P)
    (scenarios,) = [c for c in candidates if c.options]
    assert scenarios.options == (
        "the parties sign a framework agreement and the ceasefire holds",
        "talks continue without a deal, with sporadic clashes along the line",
        "talks collapse and full-scale fighting resumes",
        OTHER_OUTCOME,
    )
    s = scenarios.sentence
    assert SCENARIOS[s.start : s.end] == s.text
    assert s.text.startswith("We see three scenarios") and s.text.endswith("fighting resumes.")
    assert scenarios.deadline is not None and scenarios.deadline.day == date(2024, 9, 20)
    assert scenarios.title == "Which scenario for the talks will come about by 20 September 2024?"
    for option in scenarios.options:
        assert option in scenarios.criteria
    # The items are not candidates of their own.
    assert not [c for c in candidates if c is not scenarios and "Best case" in c.sentence.text]


def test_labelled_scenarios_in_sentences_are_one_set() -> None:
    text = (
        "In the best case, the ceasefire holds until the elections in October. In the worst "
        "case, fighting resumes before the summer. The most likely scenario is that the "
        "ceasefire frays but holds."
    )
    (candidate,) = [c for c in scan_text(text, published=P) if c.options]
    assert candidate.options == (
        "the ceasefire holds until the elections in October",
        "fighting resumes before the summer",
        "the ceasefire frays but holds",
        OTHER_OUTCOME,
    )
    assert candidate.sentence.text == text
