""" "In brief": the three to five sentences a review and a retrospective open with.

Computed from the figures, never written by hand: what changed and whether that is beyond
noise (with the questions on each side), the best and the worst call, and what is overdue.
Pure: every input is a figure the document already holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.domain import noise, rounding, units
from tracker.domain.review import (
    BETTER,
    NO_CHANGE,
    NO_CLEAR_CHANGE,
    TOO_FEW,
    WORSE,
    Call,
    Headline,
    OpenQuestion,
    QuarterChange,
    TeamVerdict,
    judge,
)

#: At most this many overdue questions are named; the rest are counted.
OVERDUE_NAMED = 3


def _questions(n: int | None) -> str:
    n = n or 0
    return f"{n} question{'s' if n != 1 else ''}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quote(text: str) -> str:
    return f"\u201c{text}\u201d"


def verdict_phrase(
    verdict: str | None,
    unit: units.Unit,
    *,
    n: tuple[int, int],
    low: float | None,
    high: float | None,
    paired: bool = False,
) -> str:
    """What a judged change means, in words, with its n (and its interval when there is
    one): `no clear change (n = 12 and 11; 95% interval of the change -0.020 to +0.031)`."""
    sizes = f"n = {n[0]}" if paired else f"n = {n[0]} and {n[1]}"
    needed = (
        f"at least {noise.MIN_QUESTIONS} are needed"
        if paired
        else (f"{noise.MIN_QUESTIONS} a side are needed")
    )
    interval = (
        f"95% interval of the change {unit.difference_text(low)} to {unit.difference_text(high)}"
        if low is not None and high is not None
        else ""
    )
    if verdict in (BETTER, WORSE):
        return f"{verdict}, beyond noise ({sizes}; {interval})"
    if verdict == NO_CLEAR_CHANGE:
        return f"no clear change ({sizes}; {interval or 'no interval'})"
    if verdict == TOO_FEW:
        return f"too few questions to tell ({sizes}; {needed})"
    if verdict == NO_CHANGE:
        return f"no change at the precision shown ({sizes})"
    return ""


def _change_sentence(
    subject: str,
    unit: units.Unit,
    *,
    current: float | None,
    previous: float | None,
    n: tuple[int, int],
    labels: tuple[str, str],
    verdict: str | None,
    low: float | None,
    high: float | None,
) -> str:
    now, before = labels
    if current is None:
        return f"No yes/no question was scored in {now}, so there is no {subject} to compare."
    head = f"{_capital(subject)} was {unit.text(current)} on {_questions(n[0])} in {now}"
    if previous is None:
        return f"{head}; {before} has no scored yes/no question to compare it with."
    phrase = verdict_phrase(verdict, unit, n=n, low=low, high=high)
    return (
        f"{head}, against {unit.text(previous)} on {_questions(n[1])} in {before} "
        f"({unit.better} is better): {phrase}."
    )


def headline_sentence(h: Headline, *, subject: str, labels: tuple[str, str]) -> str:
    """The change sentence of a headline figure."""
    return _change_sentence(
        subject,
        h.unit,
        current=h.current,
        previous=h.previous,
        n=(h.n or 0, h.n_previous or 0),
        labels=labels,
        verdict=h.verdict,
        low=h.low,
        high=h.high,
    )


def best_sentence(call: Call | None, titles: dict[str, str]) -> str:
    """The best call: who gave what happened how much, on which question."""
    if call is None:
        return "Best call: none yet; no forecast gave what happened 70% or more."
    title = titles.get(call.question, call.question)
    return (
        f"Best call: {call.forecaster} gave {_quote(call.outcome)} "
        f"{rounding.percent(call.outcome_probability)} on {_quote(title)}, and that is what "
        "happened."
    )


def worst_sentence(call: Call | None, titles: dict[str, str]) -> str:
    """The worst call: a confident forecast that went the other way."""
    if call is None:
        return "Worst call: none; no forecast of 70% or more went the wrong way."
    title = titles.get(call.question, call.question)
    return (
        f"Worst call: {call.forecaster} gave {_quote(call.favoured)} "
        f"{rounding.percent(call.favoured_probability)} on {_quote(title)}, but it resolved "
        f"{_quote(call.outcome)} ({rounding.percent(call.outcome_probability)} on what "
        "happened)."
    )


def overdue_sentence(overdue: Sequence[OpenQuestion]) -> str:
    """What is overdue: questions past their deadline with no resolution."""
    if not overdue:
        return "Nothing is overdue: no open question is past its deadline."
    named = "; ".join(
        f"#{q.number} {_quote(q.title)} (deadline {q.deadline.isoformat()})"
        for q in overdue[:OVERDUE_NAMED]
    )
    rest = len(overdue) - OVERDUE_NAMED
    more = f"; and {rest} more" if rest > 0 else ""
    verb = "is" if len(overdue) == 1 else "are"
    return (
        f"Overdue: {_questions(len(overdue))} {verb} past the deadline with no resolution: "
        f"{named}{more}."
    )


def review_brief(
    *,
    period: str,
    previous: str | None,
    analysts: Headline | None,
    team: Headline | None,
    best: Call | None,
    worst: Call | None,
    titles: dict[str, str],
    overdue: Sequence[OpenQuestion],
    subject: str = "the analysts' Brier score",
) -> list[str]:
    """The review's "In brief": four or five sentences (the team median's change is added
    only when it is beyond noise)."""
    sentences = []
    if analysts is not None:
        if previous is None:
            if analysts.current is None:
                sentences.append(f"No yes/no question was scored in {period}.")
            else:
                sentences.append(
                    f"{_capital(subject)} was {analysts.unit.text(analysts.current)} on "
                    f"{_questions(analysts.n)} in {period} (lower is better); there is no "
                    "earlier period to compare with."
                )
        else:
            sentences.append(
                headline_sentence(analysts, subject=subject, labels=(period, previous))
            )
    if team is not None and previous is not None and team.verdict in (BETTER, WORSE):
        sentences.append(
            headline_sentence(
                team, subject="the team median's Brier score", labels=(period, previous)
            )
        )
    sentences.append(best_sentence(best, titles))
    sentences.append(worst_sentence(worst, titles))
    sentences.append(overdue_sentence(overdue))
    return sentences


def retro_brief(
    *,
    quarters: QuarterChange | None,
    verdict: TeamVerdict,
    pooling: noise.Change,
    best: Call | None,
    worst: Call | None,
    titles: dict[str, str],
    overdue: Sequence[OpenQuestion],
) -> list[str]:
    """The retrospective's "In brief": the latest quarter against the one before, the team
    median against its best member, the best and the worst call, what is overdue."""
    sentences = []
    if quarters is None:
        sentences.append("No yes/no question has been scored yet.")
    else:
        change = quarters.change
        sentences.append(
            _change_sentence(
                "the analysts' Brier score",
                units.SCORE,
                current=quarters.current,
                previous=quarters.previous,
                n=change.n,
                labels=(f"{quarters.latest} (the latest quarter)", quarters.before),
                verdict=quarters.verdict,
                low=change.low,
                high=change.high,
            )
        )
    sentences.append(_pooling_sentence(verdict, pooling))
    sentences.append(best_sentence(best, titles))
    sentences.append(worst_sentence(worst, titles))
    sentences.append(overdue_sentence(overdue))
    return sentences


def _pooling_sentence(verdict: TeamVerdict, pooling: noise.Change) -> str:
    if verdict.best_member is None or verdict.team_brier is None:
        return "Pooling: no yes/no question was forecast by both an analyst and the team median."
    if verdict.member_brier is not None and pooling.n[0] and verdict.questions:
        judged = judge(pooling, units.RELATIVE, "lower")
        phrase = verdict_phrase(
            judged, units.RELATIVE, n=pooling.n, low=pooling.low, high=pooling.high, paired=True
        )
        if judged == BETTER:
            phrase = phrase.replace("better", "the team median did better", 1)
        elif judged == WORSE:
            phrase = phrase.replace("worse", "the team median did worse", 1)
        return (
            f"Pooling: the team median's Brier score was {units.SCORE.text(verdict.team_brier)} "
            f"against {units.SCORE.text(verdict.member_brier)} for the best analyst, "
            f"{verdict.best_member}, on the {verdict.questions} yes/no "
            f"question{'s' if verdict.questions != 1 else ''} {verdict.best_member} forecast: "
            f"{phrase}."
        )
    return f"Pooling: {verdict.sentence}"
