"""Periodic reviews and calibration retrospectives: periods, and what the scores say.

Pure functions over scores (`tracker.domain.scoring`): which period, the previous one, the
biggest misses and best calls, accuracy by horizon, where the team disagreed, whether the team
aggregate beat its best member, calibration by quarter, and discussion prompts. No I/O.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from dateutil.relativedelta import relativedelta

from tracker.domain import noise, units
from tracker.domain.history import HistorySection
from tracker.domain.model import QuestionKind
from tracker.domain.rounding import fixed
from tracker.domain.scoring import (
    TEAM_MEDIAN,
    TEAM_NAMES,
    AsOfNote,
    Calibration,
    ForecastRow,
    QuestionScore,
    ResolvedQuestion,
    calibration_arrays,
    calibration_of,
    forecast_score,
)
from tracker.domain.student import t_quantile
from tracker.errors import InputError

# --- periods -----------------------------------------------------------------------------------

#: Periods outside these years are refused (their previous period must exist too).
FIRST_YEAR, LAST_YEAR = 1900, 2999
_QUARTER = re.compile(r"^(\d{4})[- ]?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """A span of outcome days, both ends inclusive; None at an end means open-ended."""

    label: str
    first: date | None
    last: date | None
    unit: str = "days"  # quarter, month, year or days: how the previous period is found

    @property
    def days(self) -> int | None:
        """Its length in days, if both ends are known."""
        if self.first is None or self.last is None:
            return None
        return (self.last - self.first).days + 1

    def previous(self) -> Period | None:
        """The period of the same length just before this one (None when open-ended)."""
        if self.first is None or self.last is None or self.first.year <= FIRST_YEAR:
            return None
        if self.unit == "quarter":
            first = self.first - relativedelta(months=3)
            return Period(quarter_label(first), first, self.first - timedelta(days=1), "quarter")
        if self.unit == "month":
            first = self.first - relativedelta(months=1)
            return Period(f"{first:%Y-%m}", first, self.first - timedelta(days=1), "month")
        if self.unit == "year":
            first = self.first - relativedelta(years=1)
            return Period(f"{first:%Y}", first, self.first - timedelta(days=1), "year")
        last = self.first - timedelta(days=1)
        first = last - timedelta(days=(self.days or 1) - 1)
        return Period(f"{first} to {last}", first, last)

    def contains(self, day: date) -> bool:
        """True if `day` falls in the period."""
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)


def quarter_label(day: date) -> str:
    """`2021Q4` for any day of October to December 2021."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse_period(text: str) -> Period:
    """Read `2021Q4`, `2022-03` or `2022` as a period of outcome days.

    Raises InputError for anything else, naming the accepted forms.
    """
    value = text.strip()
    leading = re.match(r"^(\d{4})", value)
    if leading and not FIRST_YEAR <= int(leading[1]) <= LAST_YEAR:
        raise InputError(f"--period {text!r}: give a year from {FIRST_YEAR} to {LAST_YEAR}.")
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        first = date(year, 3 * quarter - 2, 1)
        last = first + relativedelta(months=3) - timedelta(days=1)
        return Period(f"{year}Q{quarter}", first, last, "quarter")
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InputError(f"--period {text!r}: month {month} does not exist.")
        first = date(year, month, 1)
        last = first + relativedelta(months=1) - timedelta(days=1)
        return Period(f"{first:%Y-%m}", first, last, "month")
    if match := _YEAR.match(value):
        year = int(match[1])
        return Period(value, date(year, 1, 1), date(year, 12, 31), "year")
    raise InputError(
        f"--period {text!r} is not a period: use a quarter (2021Q4), a month (2022-03) or a "
        "year (2022), or --since/--until."
    )


def period_between(first: date | None, last: date | None) -> Period:
    """The period from `first` to `last` (either may be open)."""
    if first is not None and last is not None and first > last:
        raise InputError(f"--since {first} is after --until {last}.")
    if first is None and last is None:
        return Period("all time", None, None)
    if first is None:
        return Period(f"up to {last}", None, last)
    if last is None:
        return Period(f"from {first}", first, None)
    return Period(f"{first} to {last}", first, last)


# --- small statistics --------------------------------------------------------------------------

#: The two-sided 95% interval: the 97.5% quantile of Student's t.
INTERVAL_PROBABILITY = 0.975
#: Fewer values than this, and an interval on their mean says nothing useful.
INTERVAL_MIN_N = 5


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95% Student t interval (None below INTERVAL_MIN_N values)."""

    mean: float | None
    n: int
    low: float | None = None
    high: float | None = None


def estimate(values: Sequence[float]) -> Estimate:
    """The mean of `values` and a 95% Student t interval (n - 1 degrees of freedom) when there
    are at least INTERVAL_MIN_N of them."""
    n = len(values)
    if n == 0:
        return Estimate(None, 0)
    mean = math.fsum(values) / n
    if n < INTERVAL_MIN_N:
        return Estimate(mean, n)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    quantile = t_quantile(INTERVAL_PROBABILITY, n - 1)  # exact for every n (domain/student.py)
    half = quantile * sd / math.sqrt(n)
    return Estimate(mean, n, mean - half, mean + half)


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


# --- per question ------------------------------------------------------------------------------


#: Scores closer than this are a tie (sums of floats differ in the last bits).
TIE = 1e-9


def beats(own: float, other: float) -> bool:
    """True if score `own` is better (lower) than `other` by more than rounding."""
    return own < other - TIE


def probability_of_outcome(score: QuestionScore) -> float:
    """The probability a final forecast gave to what happened."""
    return score.final_probabilities[score.outcome]


@functools.cache
def uniform_score(kind: QuestionKind, options: int, outcome: int) -> float:
    """The score of a forecast spreading probability evenly over the options."""
    return forecast_score(kind, [1 / options] * options, outcome)


def skill(score: QuestionScore, options: int) -> float:
    """Time-weighted skill against an even spread: 1 - score / score(uniform); 1 is perfect.

    Unitless, so calls on questions of different kinds can be ranked together.
    """
    reference = uniform_score(score.kind, options, score.outcome)
    return 1 - score.time_weighted / reference if reference > 0 else 0.0


#: A final forecast this sure of one option is "confident".
CONFIDENT = 0.7
#: Time-weighted skill at which a forecast counts as a good call even if hedged at the close.
EARLY_SKILL = 0.5
#: How many misses, calls and disagreements a review lists.
TOP = 5


@dataclass(frozen=True)
class Call:
    """One forecaster's forecast on one question, as a miss or a best call shows it."""

    question: str
    forecaster: str
    favoured: str
    favoured_probability: float
    outcome: str
    outcome_probability: float
    time_weighted: float
    skill: float
    coverage: float


def _call(score: QuestionScore, question: ResolvedQuestion) -> Call:
    favoured = max(range(len(score.final_probabilities)), key=score.final_probabilities.__getitem__)
    return Call(
        question=score.question,
        forecaster=score.forecaster,
        favoured=question.options[favoured],
        favoured_probability=score.final_probabilities[favoured],
        outcome=question.options[score.outcome],
        outcome_probability=probability_of_outcome(score),
        time_weighted=score.time_weighted,
        skill=skill(score, len(question.options)),
        coverage=score.active_days / score.window_days if score.window_days else 0.0,
    )


def biggest_misses(
    scores: Iterable[QuestionScore], resolved: dict[str, ResolvedQuestion], *, top: int = TOP
) -> list[Call]:
    """Confident and wrong: final forecasts that favoured another option with at least
    CONFIDENT, lowest probability on what happened first. Team aggregates are left out."""
    misses = [
        _call(s, resolved[s.question])
        for s in scores
        if s.forecaster not in TEAM_NAMES
        and max(s.final_probabilities) >= CONFIDENT
        and s.final_probabilities[s.outcome] < CONFIDENT  # so another option was favoured
    ]
    misses = [c for c in misses if c.favoured != c.outcome]
    return heapq.nsmallest(
        top, misses, key=lambda c: (c.outcome_probability, c.question, c.forecaster)
    )


def best_calls(
    scores: Iterable[QuestionScore], resolved: dict[str, ResolvedQuestion], *, top: int = TOP
) -> list[Call]:
    """Confident and right, or early: final forecasts that gave what happened at least
    CONFIDENT, or forecasts whose time-weighted skill reached EARLY_SKILL (right for most of the
    window, even if hedged at the close); ranked by time-weighted skill."""
    good = [
        _call(s, resolved[s.question])
        for s in scores
        if s.forecaster not in TEAM_NAMES
        and (
            s.final_probabilities[s.outcome] >= CONFIDENT
            or skill(s, len(resolved[s.question].options)) >= EARLY_SKILL
        )
    ]
    return heapq.nsmallest(top, good, key=lambda c: (-c.skill, c.question, c.forecaster))


@dataclass(frozen=True)
class Disagreement:
    """How far apart the team's final forecasts were on one question, and who was closest."""

    question: str
    spread: float  # the largest gap between two members' probabilities for one option
    option: str  # the option with that gap
    lowest: float
    highest: float
    outcome: str
    closest: list[str]  # the members who gave what happened the most probability
    closest_probability: float
    forecasters: int


def disagreements(
    scores: Iterable[QuestionScore],
    resolved: dict[str, ResolvedQuestion],
    *,
    outsiders: frozenset[str] = frozenset(),
    top: int = TOP,
) -> list[Disagreement]:
    """Questions where the members' final forecasts were furthest apart (two or more members;
    reports and team aggregates are not members)."""
    by_question: dict[str, list[QuestionScore]] = {}
    for s in scores:
        if s.forecaster not in TEAM_NAMES and s.forecaster not in outsiders:
            by_question.setdefault(s.question, []).append(s)
    found = []
    for key, members in by_question.items():
        if len(members) < 2:
            continue
        question = resolved[key]
        values = np.array([m.final_probabilities for m in members])
        gaps = values.max(axis=0) - values.min(axis=0)
        option = int(gaps.argmax())
        on_outcome = values[:, question.outcome]
        best = float(on_outcome.max())
        found.append(
            Disagreement(
                question=key,
                spread=float(gaps[option]),
                option=question.options[option],
                lowest=float(values[:, option].min()),
                highest=float(values[:, option].max()),
                outcome=question.options[question.outcome],
                closest=sorted(
                    m.forecaster for m, p in zip(members, on_outcome, strict=True) if p == best
                ),
                closest_probability=best,
                forecasters=len(members),
            )
        )
    found.sort(key=lambda d: (-d.spread, d.question))
    return found[:top]


# --- accuracy by horizon -----------------------------------------------------------------------

#: Days from the forecast to the close: (first, last, label); the last bucket is open.
HORIZONS: tuple[tuple[int, int | None, str], ...] = (
    (0, 7, "0-7 days"),
    (8, 30, "8-30 days"),
    (31, 90, "31-90 days"),
    (91, 180, "91-180 days"),
    (181, None, "over 180 days"),
)
_EDGES = np.array([h[0] for h in HORIZONS[1:]])


@dataclass(frozen=True)
class HorizonRow:
    """Mean scores of forecasts made this far ahead of the close, per question kind."""

    label: str
    first_day: int
    last_day: int | None
    n: dict[str, int]
    mean: dict[str, float | None]

    @property
    def total(self) -> int:
        """Forecasts in this bucket, all kinds."""
        return sum(self.n.values())


class HorizonTable:
    """Accumulates every scored forecast by how many days before the close it was made.

    Every forecast counts (not only the one standing at the end of a day), so an analyst who
    updates often contributes more forecasts: this table is about horizons, not people.
    Forecasts after the outcome or the close are not scored, as everywhere.
    """

    _FLUSH = 200_000

    def __init__(self, *, include: frozenset[str] | None, exclude: frozenset[str]) -> None:
        self.include = include
        self.exclude = exclude
        self.sums = {kind: np.zeros(len(HORIZONS)) for kind in QuestionKind}
        self.counts = {kind: np.zeros(len(HORIZONS), dtype=np.int64) for kind in QuestionKind}
        self._pending: dict[tuple[QuestionKind, int], list[Any]] = {}
        self._size = 0

    def add(
        self, question: ResolvedQuestion, forecasts: Sequence[ForecastRow], *, live_only: bool
    ) -> None:
        """Take in one resolved question's forecasts (forecaster, day, probabilities, late)."""
        close, occurred = question.close, question.occurred_on
        ahead: list[int] = []
        values: list[tuple[float, ...]] = []
        for forecaster, day, probabilities, late in forecasts:
            if day > occurred or day > close or (live_only and late):
                continue
            if forecaster in self.exclude or (
                self.include is not None and forecaster not in self.include
            ):
                continue
            ahead.append((close - day).days)
            values.append(probabilities)
        if not ahead:
            return
        pending = self._pending.setdefault((question.kind, len(question.options)), [])
        pending.append((question.outcome, ahead, values))
        self._size += len(ahead)
        if self._size >= self._FLUSH:
            self._flush()

    def _flush(self) -> None:
        for (kind, options), items in self._pending.items():
            outcomes = np.concatenate([np.full(len(ahead), outcome) for outcome, ahead, _ in items])
            ahead = np.concatenate([np.asarray(a) for _, a, _ in items])
            values = np.array([v for _, _, vs in items for v in vs], dtype=float)
            values = values.reshape(len(ahead), options)
            observed = np.zeros_like(values)
            observed[np.arange(len(ahead)), outcomes] = 1.0
            if kind is QuestionKind.BINARY:
                scores = (values[:, 0] - observed[:, 0]) ** 2
            elif kind is QuestionKind.MULTIPLE_CHOICE:
                scores = ((values - observed) ** 2).sum(axis=1)
            else:
                diff = np.cumsum(values, axis=1) - np.cumsum(observed, axis=1)
                scores = (diff**2).sum(axis=1) / (options - 1)
            bucket = np.searchsorted(_EDGES, ahead, side="right")
            self.sums[kind] += np.bincount(bucket, weights=scores, minlength=len(HORIZONS))
            self.counts[kind] += np.bincount(bucket, minlength=len(HORIZONS))
        self._pending.clear()
        self._size = 0

    def rows(self) -> list[HorizonRow]:
        """One row per horizon bucket, nearest first; empty buckets are kept."""
        self._flush()
        rows = []
        for i, (first, last, label) in enumerate(HORIZONS):
            n = {kind.value: int(self.counts[kind][i]) for kind in QuestionKind}
            mean = {
                kind.value: float(self.sums[kind][i] / self.counts[kind][i])
                if self.counts[kind][i]
                else None
                for kind in QuestionKind
            }
            rows.append(HorizonRow(label, first, last, n, mean))
        return rows


# --- the team against its members -------------------------------------------------------------


@dataclass(frozen=True)
class AgainstTeam:
    """One forecaster against the team median on the questions both were scored on."""

    forecaster: str
    shared: int  # questions
    wins: int  # time-weighted score better than the team median's
    losses: int
    own_brier: float | None  # mean time-weighted Brier on the shared binary questions
    team_brier: float | None
    binary: int  # shared binary questions

    @property
    def difference(self) -> float | None:
        """Own minus team time-weighted Brier on shared binary questions: negative is better."""
        if self.own_brier is None or self.team_brier is None:
            return None
        return self.own_brier - self.team_brier


def against_team(scores: Iterable[QuestionScore], *, team: str = TEAM_MEDIAN) -> list[AgainstTeam]:
    """Each forecaster against a team aggregate, question by question (time-weighted scores)."""
    team_scores: dict[str, QuestionScore] = {}
    own: dict[str, list[QuestionScore]] = {}
    for s in scores:
        if s.forecaster == team:
            team_scores[s.question] = s
        elif s.forecaster not in TEAM_NAMES:
            own.setdefault(s.forecaster, []).append(s)
    rows = []
    for name in sorted(own, key=str.casefold):
        pairs = [(s, team_scores[s.question]) for s in own[name] if s.question in team_scores]
        binary = [(s, t) for s, t in pairs if s.kind is QuestionKind.BINARY]
        rows.append(
            AgainstTeam(
                forecaster=name,
                shared=len(pairs),
                wins=sum(beats(s.time_weighted, t.time_weighted) for s, t in pairs),
                losses=sum(beats(t.time_weighted, s.time_weighted) for s, t in pairs),
                own_brier=_mean([s.time_weighted for s, _ in binary]),
                team_brier=_mean([t.time_weighted for _, t in binary]),
                binary=len(binary),
            )
        )
    return rows


@dataclass(frozen=True)
class TeamVerdict:
    """Did the team aggregate beat its best member (on that member's binary questions)?"""

    best_member: str | None
    member_brier: float | None
    team_brier: float | None
    questions: int
    beat: bool | None  # None: a tie, or nothing to compare
    sentence: str


#: A member needs this many binary questions to be called the team's best (or, if nobody has
#: that many, as many as the longest record).
BEST_MEMBER_MIN_QUESTIONS = 5


def team_verdict(rows: Sequence[AgainstTeam], *, team: str = TEAM_MEDIAN) -> TeamVerdict:
    """Compare the team aggregate with the member whose own binary time-weighted Brier was
    lowest, on the questions that member forecast (a fair, paired comparison). `beat` is None
    for a tie (a team of one is its own median)."""
    scored = [r for r in rows if r.own_brier is not None and r.team_brier is not None]
    if not scored:
        return TeamVerdict(
            None, None, None, 0, None, "No binary questions shared by a member and the team."
        )
    # One lucky question does not make a best member: the record must be long enough (or as
    # long as the longest there is).
    needed = min(BEST_MEMBER_MIN_QUESTIONS, max(r.binary for r in scored))
    best = min((r for r in scored if r.binary >= needed), key=lambda r: (r.own_brier, r.forecaster))
    assert best.own_brier is not None and best.team_brier is not None
    tied = not beats(best.team_brier, best.own_brier) and not beats(best.own_brier, best.team_brier)
    beat = None if tied else beats(best.team_brier, best.own_brier)
    word = "tied with" if tied else "beat" if beat else "trailed"
    label = "team median" if team == TEAM_MEDIAN else f"{team} aggregate"
    sentence = (
        f"The {label} {word} its best member, {best.forecaster}: time-weighted Brier "
        f"{fixed(best.team_brier, 3)} against {fixed(best.own_brier, 3)} on the {best.binary} "
        f"binary question{'s' if best.binary != 1 else ''} {best.forecaster} forecast."
    )
    return TeamVerdict(
        best.forecaster, best.own_brier, best.team_brier, best.binary, beat, sentence
    )


# --- calibration over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterCalibration:
    """One forecaster's calibration on the questions whose outcome came in one quarter."""

    forecaster: str
    quarter: str
    questions: int
    calibration: Calibration
    brier: float | None  # mean final Brier, binary questions


def calibration_by_quarter(
    scores: Iterable[QuestionScore], resolved: dict[str, ResolvedQuestion]
) -> list[QuarterCalibration]:
    """Each forecaster's (and aggregate's) calibration per quarter of the outcome day."""
    groups: dict[tuple[str, str], list[QuestionScore]] = {}
    for s in scores:
        quarter = quarter_label(resolved[s.question].occurred_on)
        groups.setdefault((s.forecaster, quarter), []).append(s)
    rows = []
    for (name, quarter), members in groups.items():
        binary = [m.final_score for m in members if m.kind is QuestionKind.BINARY]
        rows.append(
            QuarterCalibration(
                forecaster=name,
                quarter=quarter,
                questions=len(members),
                calibration=calibration_of(*calibration_arrays(members), with_slope=False),
                brier=_mean(binary),
            )
        )
    rows.sort(key=lambda r: (r.forecaster in TEAM_NAMES, r.forecaster.casefold(), r.quarter))
    return rows


# --- overconfidence, forecaster by forecaster ---------------------------------------------------

#: How an over/underconfidence reads: too sure or too unsure beyond noise, or neither.
TOO_SURE, TOO_UNSURE, NO_CLEAR_LEAN = "too sure", "too unsure", "no clear lean"
#: A change (or a gap) judged against its noise.
BETTER, WORSE, NO_CLEAR_CHANGE = "better", "worse", "no clear change"
TOO_FEW, NO_CHANGE = "too few questions to tell", "no change"


def confidence_rows(scores: Sequence[QuestionScore]) -> tuple[Any, Any, Any]:
    """For each score (in order): the summed confidence in the favoured side of its final
    forecast's pairs, how many of those pairs' favoured side happened, and how many pairs
    there are (one per binary question, one per option otherwise; a 50% pair favours no side
    and is left out, as in `Calibration.overconfidence`)."""
    n = len(scores)
    confidence, right, count = np.zeros(n), np.zeros(n), np.zeros(n)
    groups: dict[tuple[bool, int], list[int]] = {}
    for i, s in enumerate(scores):
        groups.setdefault((s.kind is QuestionKind.BINARY, len(s.final_probabilities)), []).append(i)
    for (binary, _width), members in groups.items():
        values = np.array([scores[i].final_probabilities for i in members], dtype=float)
        outcomes = np.array([scores[i].outcome for i in members])
        happened = np.zeros_like(values)
        happened[np.arange(len(members)), outcomes] = 1.0
        if binary:
            values, happened = values[:, :1], happened[:, :1]
        decided = values != 0.5
        sure = np.maximum(values, 1 - values) * decided
        hit = ((values > 0.5) == (happened == 1)) & decided
        confidence[members] = sure.sum(axis=1)
        right[members] = hit.sum(axis=1)
        count[members] = decided.sum(axis=1)
    return confidence, right, count


@dataclass(frozen=True)
class Overconfidence:
    """One forecaster's confidence against how often they were right: the mean confidence in
    the side their final forecasts favoured, the share of those sides that happened, and the
    gap (confidence - hit rate: positive is too sure), with its bootstrap interval over
    questions. Never averaged across forecasters."""

    forecaster: str
    questions: int
    forecasts: int  # pairs that favoured a side
    confidence: float | None
    hit_rate: float | None
    gap: float | None
    low: float | None
    high: float | None
    reading: str  # TOO_SURE, TOO_UNSURE, NO_CLEAR_LEAN or TOO_FEW


def overconfidence_by_forecaster(
    scores: Sequence[QuestionScore], names: Sequence[str], *, stream: int = 100
) -> list[Overconfidence]:
    """The over/underconfidence of each forecaster in `names` (in that order), each judged
    against its own noise (`tracker.domain.noise.group_means`)."""
    index = {name: i for i, name in enumerate(names)}
    chosen = [s for s in scores if s.forecaster in index]
    confidence, right, count = confidence_rows(chosen)
    keys = {key: i for i, key in enumerate(sorted({s.question for s in chosen}))}
    questions = np.array([keys[s.question] for s in chosen], dtype=np.int64)
    groups = np.array([index[s.forecaster] for s in chosen], dtype=np.int64)
    gaps = noise.group_means(
        questions, groups, confidence - right, count, n_groups=len(names), stream=stream
    )
    rows = []
    for name, gap in zip(names, gaps, strict=True):
        mine = groups == index[name]
        pairs = float(count[mine].sum())
        side = noise.beyond_noise(gap, units.POINTS.steps)
        reading = (
            TOO_FEW
            if not gap.enough
            else TOO_SURE
            if side > 0
            else TOO_UNSURE
            if side < 0
            else NO_CLEAR_LEAN
        )
        rows.append(
            Overconfidence(
                forecaster=name,
                questions=gap.n[0],
                forecasts=int(pairs),
                confidence=float(confidence[mine].sum()) / pairs if pairs else None,
                hit_rate=float(right[mine].sum()) / pairs if pairs else None,
                gap=gap.difference,
                low=gap.low,
                high=gap.high,
                reading=reading,
            )
        )
    return rows


def judge(
    change: noise.Change,
    unit: units.Unit,
    better: str | None,
    *,
    figures: tuple[float, float] | None = None,
) -> str | None:
    """Whether a change is better, worse, no clear change (its interval includes zero), too
    few questions to tell, or no change at the precision shown; None when it cannot be said.
    The change must be current minus previous (or one side minus the other); with `figures`
    (current, previous), "no change" means the two figures read the same as written, as the
    change shown beside them says."""
    if change.difference is None or better is None:
        return None
    shown = unit.change(*figures) if figures is not None else unit.steps(change.difference)
    if shown == 0:
        return NO_CHANGE
    if not change.enough:
        return TOO_FEW
    side = noise.beyond_noise(change, unit.steps)
    if side == 0:
        return NO_CLEAR_CHANGE
    return BETTER if (side < 0) == (better == "lower") else WORSE


# --- the team against its best member, and over time -------------------------------------------


def pooling_change(
    scores: Iterable[QuestionScore], verdict: TeamVerdict, *, team: str = TEAM_MEDIAN
) -> noise.Change:
    """The team aggregate's time-weighted Brier minus its best member's, question by question
    on the binary questions that member forecast (paired): negative, the team was better."""
    if verdict.best_member is None:
        return noise.Change(None, (0, 0))
    team_scores: dict[str, float] = {}
    own: dict[str, float] = {}
    for s in scores:
        if s.kind is not QuestionKind.BINARY:
            continue
        if s.forecaster == team:
            team_scores[s.question] = s.time_weighted
        elif s.forecaster == verdict.best_member:
            own[s.question] = s.time_weighted
    shared = sorted(set(own) & set(team_scores))
    return noise.paired_change([team_scores[q] - own[q] for q in shared], stream=7)


@dataclass(frozen=True)
class QuarterChange:
    """The analysts' time-weighted Brier (binary questions) in the latest quarter against the
    quarter before it."""

    latest: str
    before: str
    current: float | None
    previous: float | None
    change: noise.Change
    verdict: str | None


def analysts_sample(
    scores: Iterable[QuestionScore], *, outsiders: frozenset[str] = frozenset()
) -> noise.Sample:
    """The analysts' time-weighted Brier on binary questions, grouped by question."""
    chosen = [
        s
        for s in scores
        if s.kind is QuestionKind.BINARY
        and s.forecaster not in TEAM_NAMES
        and s.forecaster not in outsiders
    ]
    return noise.sample_of([s.question for s in chosen], [s.time_weighted for s in chosen])


def latest_quarter_change(
    scores: Sequence[QuestionScore],
    resolved: dict[str, ResolvedQuestion],
    *,
    outsiders: frozenset[str] = frozenset(),
) -> QuarterChange | None:
    """The latest quarter with a scored binary question against the calendar quarter before
    it (None when nothing was scored)."""
    by_quarter: dict[str, list[QuestionScore]] = {}
    for s in scores:
        by_quarter.setdefault(quarter_label(resolved[s.question].occurred_on), []).append(s)
    filled = {q: analysts_sample(group, outsiders=outsiders) for q, group in by_quarter.items()}
    filled = {q: sample for q, sample in filled.items() if sample.n}
    if not filled:
        return None
    latest = max(filled)
    before = parse_period(latest).previous()
    before_label = before.label if before is not None else ""
    now = filled[latest]
    then = filled.get(before_label, noise.Sample(np.zeros(0), np.zeros(0)))
    change = noise.change_between(now, then, stream=11)
    return QuarterChange(
        latest=latest,
        before=before_label,
        current=now.mean,
        previous=then.mean,
        change=change,
        verdict=judge(
            change,
            units.SCORE,
            "lower",
            figures=None if now.mean is None or then.mean is None else (now.mean, then.mean),
        ),
    )


# --- discussion prompts ------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptInputs:
    """What the prompts are derived from."""

    scores: Sequence[QuestionScore]
    tags: dict[str, tuple[str, ...]]
    outsiders: frozenset[str]
    pooling: noise.Change
    overconfidence: Sequence[Overconfidence] = ()


def _count_word(n: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[n] if n < len(words) else str(n)


def _questions(n: int) -> str:
    return f"{n} question{'s' if n != 1 else ''}"


def _pooling_prompt(change: noise.Change) -> list[str]:
    verdict = judge(change, units.RELATIVE, "lower")
    if verdict not in (BETTER, WORSE):
        return []
    n = change.n[0]
    interval = (
        f"{units.RELATIVE.text(change.low)} to {units.RELATIVE.text(change.high)}"
        if change.low is not None and change.high is not None
        else "-"
    )
    if verdict == BETTER:
        return [
            "On the yes/no questions the best single analyst forecast, the team median scored "
            f"better than that analyst ({units.RELATIVE.text(change.difference)} Brier, 95% "
            f"interval {interval}, {_questions(n)}): are we briefing from the pooled forecast?"
        ]
    return [
        "On the yes/no questions the best single analyst forecast, the team median scored "
        f"worse than that analyst ({units.RELATIVE.text(change.difference)} Brier, 95% interval "
        f"{interval}, {_questions(n)}): what evidence reached one forecast but not the pooled one?"
    ]


def _tag_prompts(
    members: Sequence[QuestionScore], tags: dict[str, tuple[str, ...]]
) -> list[tuple[float, str]]:
    """Tags whose questions drew forecasts too sure or too unsure beyond noise (all analysts'
    forecasts on those questions pooled: a fact about the questions, not about a person)."""
    names = sorted({t for s in members for t in tags.get(s.question, ())})
    if not names:
        return []
    index = {t: i for i, t in enumerate(names)}
    keys = {key: i for i, key in enumerate(sorted({s.question for s in members}))}
    confidence, right, count = confidence_rows(members)
    rows = [
        (keys[s.question], index[t], i)
        for i, s in enumerate(members)
        for t in tags.get(s.question, ())
    ]
    if not rows:
        return []
    questions, groups, which = (
        np.array(column, dtype=np.int64) for column in zip(*rows, strict=True)
    )
    gaps = noise.group_means(
        questions,
        groups,
        (confidence - right)[which],
        count[which],
        n_groups=len(names),
        stream=200,
    )
    found = []
    for tag, gap in zip(names, gaps, strict=True):
        side = noise.beyond_noise(gap, units.POINTS.steps)
        if side == 0 or gap.difference is None:
            continue
        word = "too sure" if side > 0 else "too unsure"
        look = "more certain" if side > 0 else "less certain"
        found.append(
            (
                -abs(gap.difference),
                f"On questions tagged {tag}, forecasts were {word}: "
                f"{units.POINTS.text(gap.difference)} between confidence and how often the "
                f"favoured side happened ({_questions(gap.n[0])}, beyond noise). What made "
                f"these questions look {look} than they were, and what evidence was missing?",
            )
        )
    return found


def _late_prompts(
    members: Sequence[QuestionScore], tags: dict[str, tuple[str, ...]]
) -> list[tuple[float, str]]:
    """Tags whose forecasts reached their final view later than on the other questions: the
    gap between the time-weighted and the final Brier (binary questions) is larger, beyond
    noise, than on questions without the tag."""
    binary = [s for s in members if s.kind is QuestionKind.BINARY]
    names = sorted({t for s in binary for t in tags.get(s.question, ())})
    if not names:
        return []
    keys = sorted({s.question for s in binary})
    late = [s.time_weighted - s.final_score for s in binary]
    rows = [s.question for s in binary]
    figures: list[tuple[list[str], list[float]]] = []
    for tag in names:
        inside = [tag in tags.get(s.question, ()) for s in binary]
        for wanted in (True, False):
            figures.append(
                (
                    [q for q, i in zip(rows, inside, strict=True) if i is wanted],
                    [v for v, i in zip(late, inside, strict=True) if i is wanted],
                )
            )
    samples = noise.aligned_samples(keys, figures)
    # One resampling of the questions for every tag: on each, the tag's questions against
    # the others (a split of the same resample).
    changes = noise.split_changes(samples, stream=300)
    found = []
    for tag, change in zip(names, changes, strict=True):
        if noise.beyond_noise(change, units.RELATIVE.steps) > 0 and change.difference:
            found.append(
                (
                    -change.difference,
                    f"On questions tagged {tag}, forecasts moved late: the gap between the "
                    "time-weighted and the final Brier score was "
                    f"{units.RELATIVE.text(change.difference)} larger than on other questions "
                    f"({_questions(change.n[0])} against {change.n[1]}, beyond noise). What "
                    "evidence arrived late, and could it have been seen earlier?",
                )
            )
    return found


def _lean_prompts(rows: Sequence[Overconfidence]) -> list[str]:
    analysts = [r for r in rows if r.reading != TOO_FEW]
    prompts = []
    for reading, question in (
        (TOO_SURE, "on which questions did confidence outrun the evidence?"),
        (TOO_UNSURE, "on which questions was the evidence stronger than the forecasts said?"),
    ):
        k = sum(r.reading == reading for r in analysts)
        if k:
            prompts.append(
                f"The final forecasts of {_count_word(k)} of {len(analysts)} analysts with "
                f"enough questions were {reading} over all questions, beyond noise: {question}"
            )
    return prompts


def _report_prompt(scores: Sequence[QuestionScore], outsiders: frozenset[str]) -> list[str]:
    """Reports' own forecasts against the team median on the same binary questions."""
    team = {
        s.question: s.time_weighted
        for s in scores
        if s.forecaster == TEAM_MEDIAN and s.kind is QuestionKind.BINARY
    }
    differences = [
        s.time_weighted - team[s.question]
        for s in scores
        if s.forecaster in outsiders and s.question in team
    ]
    change = noise.paired_change(differences, stream=400)
    verdict = judge(change, units.RELATIVE, "lower")
    if verdict not in (BETTER, WORSE):
        return []
    text = (
        f"On yes/no questions taken from reports, the reports' own forecasts scored "
        f"{'better' if verdict == BETTER else 'worse'} than the team median "
        f"({units.RELATIVE.text(change.difference)} Brier, {_questions(change.n[0])}, beyond "
        "noise): "
    )
    if verdict == BETTER:
        return [text + "what did the reports' evidence show that our forecasts missed?"]
    return [text + "which of the reports' expectations went wrong, and on what evidence?"]


def discussion_prompts(inputs: PromptInputs, *, limit: int = 6) -> list[str]:
    """Short questions for a retrospective. Each comes from a difference beyond noise (a
    bootstrap over questions, `tracker.domain.noise`), is about questions and evidence, and
    names nobody."""
    members = [
        s
        for s in inputs.scores
        if s.forecaster not in TEAM_NAMES and s.forecaster not in inputs.outsiders
    ]
    prompts = _pooling_prompt(inputs.pooling)
    by_tag = sorted(_tag_prompts(members, inputs.tags))
    prompts.extend(text for _, text in by_tag[:2])
    late = sorted(_late_prompts(members, inputs.tags))
    prompts.extend(text for _, text in late[:1])
    prompts.extend(_lean_prompts(inputs.overconfidence))
    prompts.extend(_report_prompt(inputs.scores, inputs.outsiders))
    return prompts[:limit]


# --- the documents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One headline figure against the previous period of the same length, with the questions
    behind each side and whether the change is beyond noise (`judge`)."""

    name: str
    current: float | None
    previous: float | None
    better: str | None  # "lower", "higher", or None (neither is better: counts)
    key: str = ""  # its stable name in JSON (`name` is the label shown); its unit in units.py
    n: int | None = None  # questions behind the current figure
    n_previous: int | None = None
    low: float | None = None  # 95% bootstrap interval of the change
    high: float | None = None
    verdict: str | None = None  # better, worse, no clear change, too few..., no change
    card: bool = False  # one of the three or four figures shown first

    @property
    def unit(self) -> units.Unit:
        """How the figure is written (tracker.domain.units)."""
        return units.unit_of(self.key)

    @property
    def change(self) -> float | None:
        """Current minus previous (None when either is missing)."""
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def shown_change(self) -> int | None:
        """The change as shown: the difference of the two figures as written, in steps of
        the last digit."""
        if self.current is None or self.previous is None:
            return None
        return self.unit.change(self.current, self.previous)

    @property
    def arrow(self) -> str:
        """Which way it moved, as shown: up, down or level."""
        steps = self.shown_change
        if steps is None:
            return ""
        if steps == 0:
            return "\u2192"
        return "\u2191" if steps > 0 else "\u2193"


def headline(
    name: str,
    key: str,
    current: noise.Sample,
    previous: noise.Sample | None,
    *,
    better: str,
    change: noise.Change | None = None,
    stream: int = 1,
    card: bool = False,
) -> Headline:
    """A headline figure that is the mean of a sample of questions, judged against the
    previous period's (None: there is no previous period) by `judge`. `change` is the
    bootstrap of the change when the caller computed it with others (`changes_between`)."""
    if previous is None:
        return Headline(name, current.mean, None, better, key, n=current.n, card=card)
    if change is None:
        change = noise.change_between(current, previous, stream=stream)
    return Headline(
        name,
        current.mean,
        previous.mean,
        better,
        key,
        n=current.n,
        n_previous=previous.n,
        low=change.low,
        high=change.high,
        verdict=judge(
            change,
            units.unit_of(key),
            better,
            figures=None
            if current.mean is None or previous.mean is None
            else (current.mean, previous.mean),
        ),
        card=card,
    )


def count_headline(
    name: str, key: str, current: int | None, previous: int | None, *, card: bool = False
) -> Headline:
    """A headline count (questions, forecasters): shown with its change, never judged."""
    return Headline(
        name,
        None if current is None else float(current),
        None if previous is None else float(previous),
        None,
        key,
        card=card,
    )


@dataclass(frozen=True)
class ReviewedQuestion:
    """A question whose outcome came in the period, with everyone's scores on it."""

    key: str
    number: int
    title: str
    status: str  # option, annulled or ambiguous
    outcome: str
    occurred_on: date
    evidence: str | None
    scores: list[QuestionScore]  # members, then reports, then team aggregates
    source: str | None = None
    # Clarifications (tracker clarify): the version in force, whether the criteria changed
    # after forecasts were made, and the versions each forecaster's forecasts were made under
    # (filled only for a clarified question).
    version: int = 1
    criteria_changed: bool = False
    versions_seen: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceAccuracy:
    """How a report's expectations scored, and how the analysts did on its questions."""

    key: str
    title: str
    author: str | None
    organisation: str | None
    forecaster: str | None  # who speaks for the report
    questions: int  # questions taken from it
    resolved: int  # of them, scored in the period
    report: Estimate  # the report's forecaster: time-weighted Brier, binary questions
    report_final: float | None  # the report's final-forecast Brier, binary questions
    analysts: Estimate  # the analysts' time-weighted Brier on its binary questions
    team: Estimate  # the team median's
    report_wins: int  # questions where the report beat the team median
    report_compared: int
    # Time-weighted skill against an even spread, every kind of question (see `skill`).
    report_skill: Estimate = Estimate(None, 0)
    analysts_skill: Estimate = Estimate(None, 0)
    team_skill: Estimate = Estimate(None, 0)


@dataclass(frozen=True)
class OpenQuestion:
    """An open question that needs attention."""

    key: str
    number: int
    title: str
    deadline: date
    last_forecast_on: date | None
    # None when `hidden`: a blind question whose forecasts the reader may not see yet.
    forecasters: int | None
    forecasts: int | None
    hidden: bool = False


@dataclass(frozen=True)
class FollowUp:
    """What to do next: overdue, due soon, stale and single-forecaster questions."""

    overdue: list[OpenQuestion]
    due_soon: list[OpenQuestion]
    stale: list[OpenQuestion]
    single: list[OpenQuestion]
    due_within_days: int
    stale_after_days: int


@dataclass(frozen=True)
class Review:
    """Everything in a periodic accuracy review."""

    period: Period
    previous: Period | None
    as_of: Any  # datetime
    filters: dict[str, Any]
    headline: list[Headline]
    questions: list[ReviewedQuestion]
    misses: list[Call]
    calls: list[Call]
    calibration: Calibration  # all forecasters shown, pooled (no team aggregates)
    forecasters: list[Any]  # ForecasterSummary, members and reports then aggregates
    by_source: list[SourceAccuracy]
    horizons: list[HorizonRow]
    follow_up: FollowUp
    conventions: dict[str, Any]
    excluded: dict[str, int]
    titles: dict[str, str]
    report_forecasters: frozenset[str]
    by_author: list[SourceAccuracy] = field(default_factory=list)
    #: The head of the record's tamper-evident chain when the review was written (SEQ:HASH),
    #: recomputed then, and what was found changed behind tracker's back (empty: intact).
    record_head: str | None = None
    record_findings: tuple[str, ...] = ()
    #: How the as-of moment counted records, and those it counted (or left out) though
    #: recorded after it.
    as_of_rule: AsOfNote = field(default_factory=AsOfNote)
    #: How each question resolved in the period moved (at most HISTORY_CHART_LIMIT of them).
    histories: HistorySection = field(default_factory=HistorySection)
    #: "In brief": the sentences the review opens with (tracker.domain.brief).
    brief: list[str] = field(default_factory=list)
    #: Each analyst's (and report's) over/underconfidence, never averaged across them.
    overconfidence: list[Overconfidence] = field(default_factory=list)


@dataclass(frozen=True)
class RetroRow:
    """One analyst (or report, or aggregate) in a retrospective."""

    summary: Any  # ForecasterSummary
    time_weighted: Estimate  # time-weighted Brier, binary questions
    relative: Estimate  # relative Brier, binary questions
    against: AgainstTeam | None
    role: str  # analyst, report or team


@dataclass(frozen=True)
class Retro:
    """Everything in a team calibration retrospective."""

    period: Period
    as_of: Any  # datetime
    filters: dict[str, Any]
    rows: list[RetroRow]
    verdict: TeamVerdict
    disagreements: list[Disagreement]
    quarters: list[QuarterCalibration]
    prompts: list[str]
    conventions: dict[str, Any]
    excluded: dict[str, int]
    titles: dict[str, str]
    questions: int  # questions scored: an analyst's or a report's forecast counted on them
    #: The head of the record's tamper-evident chain when the retro was written (SEQ:HASH),
    #: recomputed then, and what was found changed behind tracker's back (empty: intact).
    record_head: str | None = None
    record_findings: tuple[str, ...] = ()
    as_of_rule: AsOfNote = field(default_factory=AsOfNote)
    #: How each question scored in the period moved (at most HISTORY_CHART_LIMIT of them).
    histories: HistorySection = field(default_factory=HistorySection)
    #: "In brief": the sentences the retrospective opens with (tracker.domain.brief).
    brief: list[str] = field(default_factory=list)
    #: Each analyst's (and report's) over/underconfidence, never averaged across them.
    overconfidence: list[Overconfidence] = field(default_factory=list)
    #: The scored questions whose criteria changed after forecasts were made on them (tracker
    #: clarify), by key.
    criteria_changed: tuple[str, ...] = ()
