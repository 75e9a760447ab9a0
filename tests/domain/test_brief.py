"""In brief, noise and units: the sentences a document opens with, the bootstrap that says
whether a change is beyond noise, and one way of writing each figure."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from tracker.domain import noise, units
from tracker.domain.brief import overdue_sentence, review_brief, verdict_phrase
from tracker.domain.model import QuestionKind
from tracker.domain.review import (
    BETTER,
    NO_CHANGE,
    NO_CLEAR_CHANGE,
    TOO_FEW,
    WORSE,
    Call,
    OpenQuestion,
    PromptInputs,
    against_team,
    discussion_prompts,
    headline,
    judge,
    overconfidence_by_forecaster,
    pooling_change,
    team_verdict,
)
from tracker.domain.scoring import DatedForecast, QuestionScore, ResolvedQuestion, score_question

DAY = date(2022, 1, 1)


def _sample(values: list[float]) -> noise.Sample:
    return noise.Sample(np.asarray(values, dtype=float), np.ones(len(values)))


def _spread(centre: float, n: int, width: float = 0.1) -> list[float]:
    """n values evenly spread around `centre`."""
    return list(np.linspace(centre - width, centre + width, n))


# --- the bootstrap -------------------------------------------------------------------------------


def test_the_bootstrap_is_deterministic() -> None:
    now, before = _sample(_spread(0.20, 30)), _sample(_spread(0.25, 25))
    first = noise.change_between(now, before, stream=1)
    again = noise.change_between(now, before, stream=1)
    assert first == again
    assert first.low is not None and first.high is not None


def test_the_interval_contains_the_observed_difference() -> None:
    now, before = _sample(_spread(0.20, 30)), _sample(_spread(0.22, 25))
    change = noise.change_between(now, before, stream=3)
    assert change.difference == pytest.approx(-0.02)
    assert change.low is not None and change.high is not None
    assert change.low < change.difference < change.high


def test_a_large_difference_on_many_questions_is_beyond_noise() -> None:
    change = noise.change_between(_sample(_spread(0.10, 40)), _sample(_spread(0.30, 40)), stream=1)
    assert noise.beyond_noise(change, units.SCORE.steps) == -1
    assert judge(change, units.SCORE, "lower") == BETTER
    assert judge(change, units.SCORE, "higher") == WORSE


def test_a_tiny_difference_is_not_beyond_noise() -> None:
    change = noise.change_between(
        _sample(_spread(0.200, 40, 0.2)), _sample(_spread(0.215, 40, 0.2)), stream=1
    )
    assert change.enough
    assert judge(change, units.SCORE, "lower") == NO_CLEAR_CHANGE


def test_below_the_minimum_of_questions_nothing_is_called() -> None:
    change = noise.change_between(_sample([0.01] * 9), _sample([0.9] * 40), stream=1)
    assert change.low is None
    assert judge(change, units.SCORE, "lower") == TOO_FEW


def test_a_change_that_rounds_to_nothing_is_no_change() -> None:
    """The artefact of "100% -> 100%, +0.1 pts (better)": compared as shown, it is level."""
    h = headline(
        "coverage",
        "coverage",
        _sample([0.998] * 20),
        _sample([0.997] * 20),
        better="higher",
        stream=1,
    )
    assert h.verdict == NO_CHANGE
    assert h.arrow == "\u2192"
    assert units.SHARE.change_text(h.shown_change or 0) == "+0 pts"


def test_a_change_shown_as_one_point_is_not_called_no_change() -> None:
    """81% against 82% reads as a change of -1 pt, so it is judged, not "no change"."""
    h = headline(
        "coverage",
        "coverage",
        _sample(_spread(0.813, 40, 0.01)),
        _sample(_spread(0.817, 40, 0.01)),
        better="higher",
        stream=1,
    )
    assert (units.SHARE.text(h.current), units.SHARE.text(h.previous)) == ("81%", "82%")
    assert h.verdict in (NO_CLEAR_CHANGE, WORSE)


def test_group_means_judge_each_group_on_its_own_questions() -> None:
    questions = np.arange(40) % 20
    groups = (np.arange(40) >= 20).astype(int)
    spread = np.tile([-0.05, 0.05], 20)
    sums = np.where(groups == 0, 0.3, 0.0) + spread
    found = noise.group_means(questions, groups, sums, np.ones(40), n_groups=2, stream=5)
    assert noise.beyond_noise(found[0], units.POINTS.steps) == 1
    assert noise.beyond_noise(found[1], units.POINTS.steps) == 0
    assert found[0].n == (20, 20)


# --- units ---------------------------------------------------------------------------------------


def test_each_figure_is_written_in_its_one_unit() -> None:
    assert units.figure_text("brier", 0.39546) == "0.395"
    assert units.figure_text("skill", 0.41033) == "+41%"
    assert units.figure_text("skill", -0.998) == "-100%"
    assert units.figure_text("overconfidence", -0.0875) == "-9 pts"
    assert units.figure_text("overconfidence", 0.01) == "+1 pt"
    assert units.figure_text("ece", 0.2067) == "21 pts"
    assert units.figure_text("coverage", 0.998) == "100%"
    assert units.figure_text("brier", None) == "-"


# --- In brief ------------------------------------------------------------------------------------


def _call(forecaster: str, favoured: str, p: float, outcome: str, on_outcome: float) -> Call:
    return Call("q1", forecaster, favoured, p, outcome, on_outcome, 0.1, 0.5, 1.0)


TITLES = {"q1": "Will the talks resume?"}


def _brief(now: list[float], before: list[float], overdue: list[OpenQuestion]) -> list[str]:
    analysts = headline(
        "analysts' Brier", "brier", _sample(now), _sample(before), better="lower", stream=1
    )
    return review_brief(
        period="2022Q2",
        previous="2022Q1",
        analysts=analysts,
        team=None,
        best=_call("ani", "no", 0.9, "no", 0.9),
        worst=_call("tom", "yes", 0.8, "no", 0.2),
        titles=TITLES,
        overdue=overdue,
    )


OVERDUE = [OpenQuestion("q9", 9, "Will the border open?", date(2022, 6, 1), None, 2, 3)]


def test_the_brief_calls_a_change_beyond_noise_better() -> None:
    sentences = _brief(_spread(0.10, 40), _spread(0.30, 40), [])
    assert sentences[0].startswith(
        "The analysts' Brier score was 0.100 on 40 questions in 2022Q2, against 0.300 on 40 "
        "questions in 2022Q1 (lower is better): better, beyond noise (n = 40 and 40; 95% "
        "interval of the change -"
    )
    assert 3 <= len(sentences) <= 5


def test_the_brief_calls_a_change_beyond_noise_worse() -> None:
    sentences = _brief(_spread(0.30, 40), _spread(0.10, 40), [])
    assert ": worse, beyond noise (n = 40 and 40; 95% interval of the change +" in sentences[0]


def test_the_brief_says_no_clear_change_with_its_n() -> None:
    sentences = _brief(_spread(0.200, 40, 0.2), _spread(0.215, 40, 0.2), [])
    assert ": no clear change (n = 40 and 40; 95% interval of the change -" in sentences[0]


def test_the_brief_says_when_there_are_too_few_questions() -> None:
    sentences = _brief([0.395], [0.351], [])
    assert sentences[0] == (
        "The analysts' Brier score was 0.395 on 1 question in 2022Q2, against 0.351 on 1 "
        "question in 2022Q1 (lower is better): too few questions to tell (n = 1 and 1; 10 a "
        "side are needed)."
    )


def test_the_brief_names_the_best_and_the_worst_call() -> None:
    sentences = _brief([0.395], [0.351], [])
    assert sentences[1] == (
        "Best call: ani gave \u201cno\u201d 90% on \u201cWill the talks resume?\u201d, and that "
        "is what happened."
    )
    assert sentences[2] == (
        "Worst call: tom gave \u201cyes\u201d 80% on \u201cWill the talks resume?\u201d, but it "
        "resolved \u201cno\u201d (20% on what happened)."
    )


def test_the_brief_says_what_is_overdue() -> None:
    assert _brief([0.3], [0.3], OVERDUE)[-1] == (
        "Overdue: 1 question is past the deadline with no resolution: #9 \u201cWill the border "
        "open?\u201d (deadline 2022-06-01)."
    )


def test_the_brief_says_when_nothing_is_overdue() -> None:
    assert _brief([0.3], [0.3], [])[-1] == (
        "Nothing is overdue: no open question is past its deadline."
    )


def test_many_overdue_questions_are_named_three_then_counted() -> None:
    many = [
        OpenQuestion(f"q{i}", i, f"Q{i}", date(2022, 6, 1) + timedelta(days=i), None, 1, 1)
        for i in range(5)
    ]
    assert overdue_sentence(many).endswith("; and 2 more.")


def test_a_verdict_phrase_always_carries_its_n() -> None:
    for verdict in (BETTER, WORSE, NO_CLEAR_CHANGE, TOO_FEW, NO_CHANGE):
        assert "n = 12 and 11" in verdict_phrase(
            verdict, units.SCORE, n=(12, 11), low=-0.02, high=0.01
        )


# --- prompts -------------------------------------------------------------------------------------


def _question(key: str, outcome: int) -> ResolvedQuestion:
    return ResolvedQuestion(
        key,
        QuestionKind.BINARY,
        ("yes", "no"),
        DAY,
        DAY + timedelta(days=9),
        DAY + timedelta(9),
        outcome,
    )


def _scores(question: ResolvedQuestion, finals: dict[str, float]) -> list[QuestionScore]:
    forecasts = [DatedForecast(name, DAY, (p, 1 - p)) for name, p in finals.items()]
    return score_question(question, forecasts).scores


NAMES = ("ani", "tom", "lena", "RSC sitrep (Giragosian)")


def test_no_prompt_names_a_forecaster() -> None:
    """Data on which every kind of prompt fires: tags too sure, analysts leaning one way, the
    team against its best member, a report against the team."""
    questions = [_question(f"q{i}", i % 2) for i in range(30)]
    scores: list[QuestionScore] = []
    for q in questions:
        truth = 0.97 if q.outcome == 0 else 0.03
        scores += _scores(
            q,
            {"ani": truth, "tom": 0.95, "lena": 0.9, "RSC sitrep (Giragosian)": 1 - truth},
        )
    tags = {q.key: ("border",) for q in questions}
    outsiders = frozenset({"RSC sitrep (Giragosian)"})
    members = [a for a in against_team(scores) if a.forecaster not in outsiders]
    verdict = team_verdict(members)
    prompts = discussion_prompts(
        PromptInputs(
            scores=scores,
            tags=tags,
            outsiders=outsiders,
            pooling=pooling_change(scores, verdict),
            overconfidence=overconfidence_by_forecaster(scores, ["ani", "tom", "lena"]),
        )
    )
    assert len(prompts) >= 3
    for prompt in prompts:
        for name in ("ani", "tom", "lena", "RSC", "Giragosian"):
            assert name not in prompt, prompt


def test_no_prompt_fires_for_a_small_difference_on_few_questions() -> None:
    """A 0.015 difference on four questions: the team and its best member, and nothing else."""
    questions = [_question(f"q{i}", 0) for i in range(4)]
    scores: list[QuestionScore] = []
    for q in questions:
        scores += _scores(q, {"ani": 0.70, "tom": 0.68, "lena": 0.66})
    verdict = team_verdict(against_team(scores))
    pooling = pooling_change(scores, verdict)
    assert pooling.difference is not None and 0 < pooling.difference < 0.03
    prompts = discussion_prompts(
        PromptInputs(
            scores=scores,
            tags={q.key: ("border",) for q in questions},
            outsiders=frozenset(),
            pooling=pooling,
            overconfidence=overconfidence_by_forecaster(scores, ["ani", "tom", "lena"]),
        )
    )
    assert prompts == []


def test_overconfidence_is_per_forecaster_with_its_direction() -> None:
    questions = [_question(f"q{i}", i % 2) for i in range(20)]
    scores: list[QuestionScore] = []
    for q in questions:
        scores += _scores(q, {"tom": 0.95, "ani": 0.97 if q.outcome == 0 else 0.03})
    rows = {o.forecaster: o for o in overconfidence_by_forecaster(scores, ["ani", "tom"])}
    assert rows["tom"].reading == "too sure"
    assert rows["tom"].confidence == pytest.approx(0.95)
    assert rows["tom"].hit_rate == pytest.approx(0.5)
    assert units.POINTS.text(rows["tom"].gap) == "+45 pts"
    assert rows["ani"].gap == pytest.approx(-0.03)
    assert rows["ani"].reading == "too unsure"
