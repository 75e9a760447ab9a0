"""Drafted titles and criteria: a question about the event with its date, never the sentence cut."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.expectations import Candidate
from tracker.domain.fields import TITLE
from tracker.extract.drafts import draft_criteria, draft_title, proper_names
from tracker.extract.expectations import scan_text

P = date(2024, 3, 20)


def _only(text: str, published: date = P) -> Candidate:
    (candidate,) = scan_text(text, published=published, threshold=-100)
    return candidate


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("The regulator is expected to publish revised transit tariffs by 30 April 2025.",
         "Will the regulator publish revised transit tariffs by 30 April 2025?"),
        ("We expect the central bank to cut rates by 25 basis points in June.",
         "Will the central bank cut rates by 25 basis points by 30 June 2024?"),
        ("The government will present its budget to parliament in October.",
         "Will the government present its budget to parliament by 31 October 2024?"),
        ("The opposition bloc is unlikely to win a majority in the election next year.",
         "Will the opposition bloc win a majority in the election by 31 December 2025?"),
        ("An agreement on energy arrangements is expected in the coming months.",
         "Will an agreement on energy arrangements be reached by 20 September 2024?"),
        ("The ceasefire is not expected to hold beyond the summer.",
         "Will the ceasefire hold by 31 August 2024?"),
        ("There is a 15 per cent chance that the pipeline will be completed by 2026.",
         "Will the pipeline be completed by 31 December 2026?"),
        ("Local elections in the northern municipalities are set for 15 May.",
         "Will local elections in the northern municipalities take place by 15 May 2024?"),
        ("The turnout among Serb voters will probably stay low in the coming weeks.",
         "Will the turnout among Serb voters stay low by 20 May 2024?"),
        ("There is a two-thirds probability that prices rise by the end of the year.",
         "Will prices rise by 31 December 2024?"),
        ("If talks fail, the union will strike in May.",
         "If talks fail, will the union strike by 31 May 2024?"),
        ("This is not to say that we expect a default this year.",
         "Will a default happen by 31 December 2024?"),
        ("The next round of talks is scheduled for early July.",
         "Will the next round of talks take place by 10 July 2024?"),
    ],
)  # fmt: skip
def test_the_title_is_a_question_about_the_event_with_its_date(text: str, title: str) -> None:
    assert _only(text).title == title


def test_we_expect_x_to_y_and_unlikely_to_x_ask_will_x() -> None:
    unlikely = _only("Russia is unlikely to mount a major offensive within the next three months.")
    assert unlikely.title == "Will Russia mount a major offensive by 20 June 2024?"
    assert unlikely.credited is not None and unlikely.credited.high <= 0.45


def test_the_criteria_say_what_counts_who_signs_and_the_deadline() -> None:
    candidate = _only(
        "A deal is likely to be signed by Armenia and Azerbaijan in the first half of 2025."
    )
    assert candidate.title == "Will a deal be signed by Armenia and Azerbaijan by 30 June 2025?"
    assert candidate.criteria == (
        "Resolves YES if a deal is signed by Armenia and Azerbaijan on or before 30 June 2025 "
        "(UTC), as shown by an official announcement by Armenia and Azerbaijan or credible news "
        "reporting; NO otherwise. It counts only if signed by Armenia and Azerbaijan."
    )


def test_the_criteria_name_the_actor_that_must_announce() -> None:
    candidate = _only(
        "The regulator is expected to publish revised transit tariffs by 30 April 2025."
    )
    assert candidate.criteria == (
        "Resolves YES if the regulator publishes revised transit tariffs on or before 30 April "
        "2025 (UTC), as shown by an official announcement by the regulator or credible news "
        "reporting; NO otherwise."
    )


def test_a_candidate_without_a_date_is_drafted_once_the_deadline_is_chosen() -> None:
    candidate = _only("A prisoner exchange is expected at the next meeting of the contact group.")
    assert (candidate.title, candidate.criteria) == ("", "")
    chosen = date(2024, 6, 30)
    assert draft_title(candidate, chosen) == (
        "Will a prisoner exchange take place at the next meeting of the contact group by 30 June "
        "2024?"
    )
    criteria = draft_criteria(candidate, chosen)
    assert "on or before 30 June 2024 (UTC)" in criteria and "[" not in criteria


def test_multiple_choice_criteria_list_every_option_in_full() -> None:
    text = (
        "This expectation consists of two likely scenarios or options: the formation of a "
        "trilateral working group empowered to negotiate the delineation of the border, or "
        "instead, the incorporation of this work into the existing working group on trade."
    )
    candidate = _only(text)
    chosen = date(2022, 5, 29)
    criteria = draft_criteria(candidate, chosen)
    for option in candidate.options:
        assert option in criteria
    assert "\u2026" not in criteria and "..." not in criteria
    title = draft_title(candidate, chosen)
    assert title == (
        "Which of these will happen by 29 May 2022: the formation of a trilateral working group "
        "empowered to negotiate the delineation of the border, the incorporation of this work "
        "into the existing working group on trade or none of these?"
    ) or title.startswith("Which")


def test_no_title_is_cut_and_an_overlong_one_falls_back() -> None:
    long_subject = " ".join(["very"] * 400)
    candidate = _only(f"The {long_subject} large regulator will publish tariffs by 30 April 2025.")
    assert len(candidate.title) <= TITLE.limit
    assert "\u2026" not in candidate.title
    assert candidate.title.endswith("by 30 April 2025?")


def test_a_sentence_no_rule_reads_is_quoted_in_full() -> None:
    text = "Hopes are high among the delegates for movement on the border file by 30 June 2024."
    title = _only(text).title
    assert title == (
        "Will this happen by 30 June 2024: \u201cHopes are high among the delegates for "
        "movement on the border file by 30 June 2024\u201d?"
    )


def test_names_keep_their_capitals_and_common_words_lose_them() -> None:
    text = "Talks stalled in Vienna. Russia will keep its troops in Vienna through 2025."
    names = proper_names(text)
    assert "vienna" in names
    (candidate,) = [c for c in scan_text(text, published=P) if "Russia" in c.sentence.text]
    assert candidate.title == "Will Russia keep its troops in Vienna by 31 December 2025?"


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        (
            "The odds are 3 to 1 that the bill passes by 30 April 2024.",
            "Will the bill pass by 30 April 2024?",
        ),
        (
            "It is possible that the strike spreads to the ports by May 2024.",
            "Will the strike spread to the ports by 31 May 2024?",
        ),
    ],
)
def test_a_that_clause_after_odds_or_a_hedge_is_the_event(sentence: str, title: str) -> None:
    (candidate,) = scan_text(sentence, published=date(2024, 3, 15))
    assert candidate.title == title


def test_an_adverb_before_the_verb_keeps_the_criteria_grammatical() -> None:
    (candidate,) = scan_text(
        "There is around a one in three chance that the fragmented order will already be in "
        "place by the end of 2030.",
        published=date(2024, 9, 26),
    )
    assert candidate.title == "Will the fragmented order already be in place by 31 December 2030?"
    assert candidate.criteria.startswith(
        "Resolves YES if the fragmented order is already in place on or before 31 December 2030"
    )
    assert candidate.probability is not None and candidate.probability.range_text == "33.33%"
