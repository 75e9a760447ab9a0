"""The expectation extractor: the seed report, each signal, and its quality on the corpus."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import REPO
from tracker.domain.expectations import OTHER_OUTCOME, Candidate
from tracker.extract.expectations import scan_text
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
    assert (
        nakhichevan.deadline is not None and nakhichevan.deadline.phrase == "in the coming months"
    )
    assert nakhichevan.deadline.day == date(2022, 5, 29) and nakhichevan.deadline.vague
    assert nakhichevan.deadline.from_context  # announced in the sentence before it
    assert nakhichevan.probability is not None
    assert nakhichevan.probability.words == "justified expectation"
    assert border.options == (
        "formation of a trilateral \u201cworking group\u201d",
        "incorporation of this work into the existing working group on trade\u2026",
        OTHER_OUTCOME,
    )
    assert border.kind == "multiple_choice"
    assert brussels.deadline is not None and brussels.deadline.day == date(2021, 12, 15)
    assert not brussels.deadline.vague


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
    assert (candidate.deadline.day, candidate.deadline.phrase) == (None, "next meeting")


def test_either_or_proposes_the_options_and_another_outcome() -> None:
    (candidate,) = scan_text(
        "We expect either a grand coalition of the two largest parties or a minority government.",
        published=PUBLISHED,
    )
    assert candidate.options == (
        "grand coalition of the two largest parties",
        "minority government",
        OTHER_OUTCOME,
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
    assert scan_text("Elections are due to take place in May.", published=PUBLISHED) == []


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


def test_list_items_and_short_sentences_are_sentences() -> None:
    text = "- Talks will resume in the coming weeks\n- A deal is likely by 15 December\n\nThe answer was no. Talks will likely resume by 15 December.\n"
    assert [s.text for s in split_sentences(text)] == [
        "Talks will resume in the coming weeks",
        "A deal is likely by 15 December",
        "The answer was no.",
        "Talks will likely resume by 15 December.",
    ]
