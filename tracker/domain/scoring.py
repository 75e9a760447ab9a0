"""Scoring rules, time-weighted scores, calibration and team aggregates (docs/scoring.md).

Everything here is pure: no I/O and no clock. Probabilities are tuples in option order; an
outcome is the index of the option that happened. Days are UTC calendar days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from itertools import chain
from typing import Any, NamedTuple

import numpy as np

from tracker.domain.model import QuestionKind
from tracker.domain.rounding import fixed

BIN_COUNT = 10
#: z for a two-sided 95% Wilson interval.
WILSON_Z = 1.959964
#: A calibration call-out needs at least this many forecasts in the bin ...
CALLOUT_MIN_N = 10
#: ... and a gap of at least this much between forecast and observed frequency.
CALLOUT_MIN_GAP = 0.05
TEAM_MEDIAN = "team (median)"
TEAM_GEO_ODDS = "team (geo-odds)"
TEAM_NAMES = (TEAM_MEDIAN, TEAM_GEO_ODDS)
_LN2 = math.log(2)


# --- per forecast ------------------------------------------------------------------------------


def brier_binary(probability_yes: float, happened: bool, *, two_sided: bool = False) -> float:
    """Brier score of a binary forecast: (p - o)^2 in 0..1, or twice that (0..2) if two-sided."""
    score = (probability_yes - (1.0 if happened else 0.0)) ** 2
    return 2 * score if two_sided else score


def brier_sum(probabilities: Sequence[float], outcome: int) -> float:
    """Brier's original sum form over all options, sum_k (p_k - o_k)^2, in 0..2."""
    return math.fsum((p - (1.0 if k == outcome else 0.0)) ** 2 for k, p in enumerate(probabilities))


def rps(probabilities: Sequence[float], outcome: int) -> float:
    """Ranked probability score, normalised to 0..1: sum_k (F_k - O_k)^2 / (K - 1)."""
    cumulative = 0.0
    total = []
    for k, p in enumerate(probabilities):
        cumulative += p
        observed = 1.0 if k >= outcome else 0.0
        total.append((cumulative - observed) ** 2)
    return math.fsum(total) / (len(probabilities) - 1)


def log_loss(probability_of_outcome: float) -> float:
    """-ln p(outcome) in nats; infinite when the outcome was given probability 0."""
    if probability_of_outcome <= 0:
        return math.inf
    return -math.log(probability_of_outcome)


def nats_to_bits(nats: float) -> float:
    """Log loss in bits."""
    return nats / _LN2


def forecast_score(
    kind: QuestionKind, probabilities: Sequence[float], outcome: int, *, two_sided: bool = False
) -> float:
    """The default score of one forecast for its kind: Brier (binary), sum-form Brier
    (multiple choice) or normalised RPS (ordered). For binary, option 0 is `yes`."""
    if kind is QuestionKind.BINARY:
        return brier_binary(probabilities[0], outcome == 0, two_sided=two_sided)
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return brier_sum(probabilities, outcome)
    return rps(probabilities, outcome)


# --- team aggregates ---------------------------------------------------------------------------


def _median_over_forecasters(values: Any) -> Any:
    """Median over the forecasters axis (-2) of (..., forecasters, options), ignoring NaN;
    sorting once beats numpy's nanmedian, which is slow on many small arrays."""
    ordered = np.sort(values, axis=-2)  # NaN sort last
    count = values.shape[-2] - np.isnan(values).sum(axis=-2, keepdims=True)
    last = values.shape[-2] - 1
    low = np.take_along_axis(ordered, np.clip((count - 1) // 2, 0, last), axis=-2)
    high = np.take_along_axis(ordered, np.clip(count // 2, 0, last), axis=-2)
    return np.where(count > 0, (low + high) / 2, np.nan)[..., 0, :]


def median_forecast(forecasts: Any) -> Any:
    """Per-option median of standing forecasts, renormalised to sum to 1.

    `forecasts`: an array (or nested sequence) whose last two axes are forecasters x options;
    NaN marks a forecaster without a standing forecast. Returns the options axis (per day).
    """
    pooled = _median_over_forecasters(np.asarray(forecasts, dtype=float))
    return pooled / pooled.sum(axis=-1, keepdims=True)


def geo_odds_forecast(forecasts: Any) -> Any:
    """Per-option geometric mean of odds, logistic(mean(logit p)), renormalised to sum to 1.

    Same shapes as `median_forecast`.
    """
    values = np.asarray(forecasts, dtype=float)
    with np.errstate(divide="ignore"):
        logits = np.log(values) - np.log1p(-values)
    present = ~np.isnan(logits)
    mean = np.where(present, logits, 0.0).sum(axis=-2) / present.sum(axis=-2)
    pooled = 1 / (1 + np.exp(-mean))
    return pooled / pooled.sum(axis=-1, keepdims=True)


# --- one question over its life ----------------------------------------------------------------


#: What scoring reads of a forecast: (forecaster, UTC day made, probabilities, backfilled).
#: A `DatedForecast` is one; so is a plain tuple, which is cheaper to make in bulk.
ForecastRow = tuple[str, date, tuple[float, ...], bool]


class DatedForecast(NamedTuple):
    """A forecast as scoring needs it: who, on which UTC day, with what probabilities.

    A named tuple, not a dataclass: scoring makes one per forecast in the database.
    """

    forecaster: str
    day: date
    probabilities: tuple[float, ...]
    backfilled: bool = False


@dataclass(frozen=True)
class ResolvedQuestion:
    """A question settled by one of its options."""

    key: str
    kind: QuestionKind
    options: tuple[str, ...]
    opened_on: date
    deadline: date
    occurred_on: date
    outcome: int

    @property
    def close(self) -> date:
        """The last scored day: the outcome date or the deadline, whichever is earlier."""
        return min(self.occurred_on, self.deadline)

    @property
    def window_days(self) -> int:
        """Days from opening to close, both ends inclusive."""
        return (self.close - self.opened_on).days + 1


class QuestionScore(NamedTuple):
    """One forecaster's (or team aggregate's) scores on one question.

    A named tuple, not a dataclass: scoring makes one per forecaster per question.
    """

    question: str
    forecaster: str
    kind: QuestionKind
    final_score: float
    time_weighted: float
    relative: float | None
    active_days: int
    window_days: int
    log_loss: float
    backfilled: bool
    final_probabilities: tuple[float, ...]
    outcome: int

    @property
    def coverage(self) -> float:
        """Share of the question's window in which this forecaster had a standing forecast."""
        return self.active_days / self.window_days


@dataclass(frozen=True)
class QuestionResult:
    """Scores on one question, and what was left out of them and why."""

    scores: list[QuestionScore]
    hindsight: int = 0
    after_close: int = 0
    backfilled_excluded: int = 0


def _scores(kind: QuestionKind, probabilities: Any, observed: Any, two_sided: bool) -> Any:
    """Vectorised `forecast_score`: the last axis of `probabilities` is the options, `observed`
    the one-hot outcome broadcast against it. NaN (no forecast) stays NaN."""
    if kind is QuestionKind.BINARY:
        score = (probabilities[..., 0] - observed[..., 0]) ** 2
        return 2 * score if two_sided else score
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return ((probabilities - observed) ** 2).sum(axis=-1)
    cumulative = np.cumsum(probabilities, axis=-1) - np.cumsum(observed, axis=-1)
    return (cumulative**2).sum(axis=-1) / (probabilities.shape[-1] - 1)


def _medians(daily: Any) -> tuple[Any, Any]:
    """Medians of a days x forecasters matrix of scores (NaN: no standing forecast).

    Returns, for each cell with a score, the median score of the *others* that day (NaN where
    nobody else had one), and for each day the median of everyone. The median without one
    element is read off the sorted row, so one sort serves every forecaster.
    """
    shape = daily.shape
    daily = daily.reshape(-1, shape[-1])  # any leading axes: one row per day
    days, people = daily.shape
    rows = np.arange(days)[:, None]
    order = np.argsort(daily, axis=1, kind="stable")  # NaN sort last
    ordered = daily[rows, order]
    count = people - np.isnan(daily).sum(axis=1, keepdims=True)
    rank = np.empty_like(order)
    rank[rows, order] = np.arange(people)
    others = count - 1
    low, high = (others - 1) // 2, others // 2
    pick_low = np.clip(low + (low >= rank), 0, people - 1)
    pick_high = np.clip(high + (high >= rank), 0, people - 1)
    of_others = (ordered[rows, pick_low] + ordered[rows, pick_high]) / 2
    of_others = np.where((others >= 1) & ~np.isnan(daily), of_others, np.nan)
    middle_low = np.clip((count - 1) // 2, 0, people - 1)
    middle_high = np.clip(count // 2, 0, people - 1)
    of_all = ((ordered[rows, middle_low] + ordered[rows, middle_high]) / 2)[:, 0]
    return of_others.reshape(shape), of_all.reshape(shape[:-1])


def score_question(
    question: ResolvedQuestion,
    forecasts: Iterable[DatedForecast],
    *,
    two_sided: bool = False,
    live_only: bool = False,
    with_team: bool = True,
    outsiders: frozenset[str] = frozenset(),
) -> QuestionResult:
    """Score every forecaster on one resolved question under the stated conventions.

    `forecasts` in the order they were made. Forecasts made on a day after the outcome occurred
    are never scored (hindsight); those made after the close (deadline) are not either;
    `live_only` also leaves out backfilled forecasts. Each forecaster's time-weighted score is
    the mean daily score from its first forecast to the close; the relative score is the mean
    over days of its daily score minus the median daily score of the other forecasters who had
    a standing forecast that day (None if nobody else did). With `with_team`, the median and
    geometric-mean-of-odds aggregates of the standing forecasts are scored the same way;
    `outsiders` (forecasters that speak for a report) are scored but left out of the aggregates.
    """
    (result,) = score_questions(
        [(question, forecasts)],
        two_sided=two_sided,
        live_only=live_only,
        with_team=with_team,
        outsiders=outsiders,
    )
    return result


@dataclass
class _Prepared:
    """One question's forecasts that count, as flat lists ready to be batched."""

    question: ResolvedQuestion
    names: list[str]  # forecasters, sorted
    backfilled: set[str]
    forecasters: list[int]  # per forecast: its index in names
    days: list[int]  # per forecast: the day's ordinal (days before opening count from it)
    probabilities: list[tuple[float, ...]]


def _prepare(
    question: ResolvedQuestion, forecasts: Iterable[ForecastRow], live_only: bool
) -> tuple[_Prepared | None, QuestionResult]:
    close, occurred = question.close, question.occurred_on
    start_day = question.opened_on.toordinal()
    hindsight = after_close = skipped = 0
    index: dict[str, int] = {}
    who: list[int] = []
    days: list[int] = []
    probabilities: list[tuple[float, ...]] = []
    backfilled: set[str] = set()
    for forecaster, made_on, values, late in forecasts:
        if made_on > occurred:
            hindsight += 1
        elif made_on > close:
            after_close += 1
        elif live_only and late:
            skipped += 1
        else:
            f = index.get(forecaster)
            if f is None:
                f = index[forecaster] = len(index)
            day = made_on.toordinal()
            who.append(f)
            days.append(day if day > start_day else start_day)
            probabilities.append(values)
            if late:
                backfilled.add(forecaster)
    result = QuestionResult([], hindsight, after_close, skipped)
    if not index:
        return None, result
    names = sorted(index)
    if names != list(index):  # number forecasters in name order
        rank = {name: i for i, name in enumerate(names)}
        remap = [rank[name] for name in index]
        who = [remap[f] for f in who]
    return _Prepared(question, names, backfilled, who, days, probabilities), result


def score_questions(
    items: Sequence[tuple[ResolvedQuestion, Iterable[ForecastRow]]],
    *,
    two_sided: bool = False,
    live_only: bool = False,
    with_team: bool = True,
    outsiders: frozenset[str] = frozenset(),
) -> list[QuestionResult]:
    """`score_question` for many questions at once, in the same order.

    Scores only change on days when some forecast changes, so each question becomes a matrix
    of runs of days x forecasters; questions of the same kind and number of options are
    padded to one shape and scored together, so the cost is a few array operations per batch
    rather than per question.
    """
    results: list[QuestionResult] = []
    groups: dict[tuple[QuestionKind, int], list[tuple[int, _Prepared]]] = {}
    for position, (question, forecasts) in enumerate(items):
        prepared, result = _prepare(question, forecasts, live_only)
        results.append(result)
        if prepared is not None:
            key = (question.kind, len(question.options))
            groups.setdefault(key, []).append((position, prepared))
    for (kind, options), members in groups.items():
        scored = _score_batch(
            kind,
            options,
            [p for _, p in members],
            two_sided=two_sided,
            with_team=with_team,
            outsiders=outsiders,
        )
        for (position, _), scores in zip(members, scored, strict=True):
            results[position].scores.extend(scores)
    return results


def _score_batch(
    kind: QuestionKind,
    options: int,
    batch: list[_Prepared],
    *,
    two_sided: bool,
    with_team: bool,
    outsiders: frozenset[str],
) -> list[list[QuestionScore]]:
    count = len(batch)
    people = max(len(p.names) for p in batch)
    stride = 10_000_000  # larger than any day's ordinal
    sizes = [len(p.days) for p in batch]
    total = sum(sizes)
    question_of = np.repeat(np.arange(count), sizes)
    who = np.fromiter(chain.from_iterable(p.forecasters for p in batch), np.int64, total)
    made = np.fromiter(chain.from_iterable(p.days for p in batch), np.int64, total)
    values = np.array(
        list(chain.from_iterable(p.probabilities for p in batch)), dtype=float
    ).reshape(total, options)
    # The forecast standing at the end of a day is the last one made that day: sort by
    # (question, forecaster, day), stably, and keep the last of each run of equal keys.
    keys = (question_of * people + who) * stride + made
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    last = np.append(keys[1:] != keys[:-1], True)
    keys, values = keys[last], values[order[last]]

    # Runs of days: they begin on each day some forecast of the question changed. Padded to
    # one length by repeating the last run with length 0, so the last row of every question
    # is its standing at the close.
    starts = np.unique(question_of * stride + made)
    start_day = starts % stride
    runs_of = np.bincount(starts // stride, minlength=count)
    runs = int(runs_of.max())
    first = np.concatenate([[0], np.cumsum(runs_of)[:-1]])
    step = np.arange(runs)[None, :]
    real = step < runs_of[:, None]
    days = start_day[first[:, None] + np.minimum(step, runs_of[:, None] - 1)]
    closes = np.array([p.question.close.toordinal() + 1 for p in batch])[:, None]
    has_next = step + 1 < runs_of[:, None]
    following = start_day[np.minimum(first[:, None] + step + 1, len(start_day) - 1)]
    lengths = np.where(real, np.where(has_next, following, closes) - days, 0).astype(float)

    # standing[b, s, f, k]: forecaster f's standing probability of option k in run s of
    # question b (NaN: none yet), found for everything by one search.
    owner = (np.arange(count)[:, None] * people + np.arange(people)[None, :])[:, None, :]
    wanted = owner * stride + days[:, :, None]
    index = np.searchsorted(keys, wanted, side="right") - 1
    safe = np.maximum(index, 0)
    found = (index >= 0) & (keys[safe] // stride == owner)
    standing = np.where(found[..., None], values[safe], np.nan)

    observed = np.zeros((count, options))
    observed[np.arange(count), [p.question.outcome for p in batch]] = 1.0
    daily = _scores(kind, standing, observed[:, None, None, :], two_sided)
    of_others, of_all = _medians(daily)
    relative = daily - of_others
    finals = standing[:, -1]
    members = None
    if with_team and outsiders:
        # Reports are scored like analysts, but a team aggregate pools only its members.
        members = np.array(
            [
                [n not in outsiders for n in p.names] + [False] * (people - len(p.names))
                for p in batch
            ]
        )
        if not members.all():
            standing = np.where(members[:, None, :, None], standing, np.nan)
            of_all = _medians(np.where(members[:, None, :], daily, np.nan))[1]
    if with_team:
        with np.errstate(invalid="ignore", divide="ignore"):  # days when no member stands
            pooled = [median_forecast(standing), geo_odds_forecast(standing)]
        team_daily = np.stack(
            [_scores(kind, p, observed[:, None, :], two_sided) for p in pooled], axis=-1
        )
        relative = np.concatenate([relative, team_daily - of_all[..., None]], axis=-1)
        daily = np.concatenate([daily, team_daily], axis=-1)
        finals = np.concatenate([finals, pooled[0][:, -1:], pooled[1][:, -1:]], axis=1)

    # All columns of all questions at once.
    weights = lengths[..., None]
    active_days = np.where(np.isnan(daily), 0.0, weights).sum(axis=1)
    compared_days = np.where(np.isnan(relative), 0.0, weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        time_weighted = np.nansum(daily * weights, axis=1) / active_days
        relative_mean = np.nansum(relative * weights, axis=1) / compared_days
        outcome_index = observed.argmax(axis=1)[:, None, None]
        log_losses = -np.log(np.take_along_axis(finals, outcome_index, axis=2)[..., 0])
    # The last run ends at the close: its scores are the final-forecast scores.
    final_scores = daily[:, -1].tolist()
    finals_list = finals.tolist()
    tw_list, rel_list = time_weighted.tolist(), relative_mean.tolist()
    compared_list, active_list = compared_days.tolist(), active_days.tolist()
    loss_list = log_losses.tolist()

    scored = []
    for b, prepared in enumerate(batch):
        q = prepared.question
        columns = list(enumerate(prepared.names))
        if with_team and (members is None or members[b].any()):
            columns += [(people, TEAM_MEDIAN), (people + 1, TEAM_GEO_ODDS)]
        scored.append(
            [
                QuestionScore(
                    q.key,
                    name,
                    kind,
                    final_scores[b][c],
                    tw_list[b][c],
                    rel_list[b][c] if compared_list[b][c] else None,
                    int(active_list[b][c]),
                    q.window_days,
                    loss_list[b][c],
                    name in prepared.backfilled,
                    tuple(finals_list[b][c]),
                    q.outcome,
                )
                for c, name in columns
            ]
        )
    return scored


# --- calibration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationBin:
    """One of the ten left-closed bins [lower, upper) of forecast probability."""

    lower: float
    upper: float
    n: int
    mean_forecast: float | None
    observed: float | None
    wilson_low: float | None
    wilson_high: float | None

    @property
    def callout(self) -> bool:
        """True when the gap is worth saying: n >= 10, at least 5 points, and significant."""
        if self.n < CALLOUT_MIN_N or self.mean_forecast is None or self.observed is None:
            return False
        assert self.wilson_low is not None and self.wilson_high is not None
        outside = not self.wilson_low <= self.mean_forecast <= self.wilson_high
        # The tolerance keeps an exact 5-point gap from depending on floating-point sums.
        gap = abs(self.observed - self.mean_forecast)
        return outside and gap >= CALLOUT_MIN_GAP - 1e-9


@dataclass(frozen=True)
class Murphy:
    """Murphy's decomposition with the two within-bin terms: BS = REL - RES + UNC + WBV - WBC."""

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float
    within_bin_covariance: float


@dataclass(frozen=True)
class Calibration:
    """Calibration of a set of (forecast, outcome) pairs and its summaries."""

    n: int
    bins: list[CalibrationBin]
    murphy: Murphy | None
    brier_skill: float | None
    ece: float | None
    overconfidence: float | None
    slope: float | None
    intercept: float | None = None


def bin_index(probability: Any) -> Any:
    """Which of the 10 left-closed bins holds `probability` (0.3 -> 3; 1.0 -> 9); works on a
    number or elementwise on an array. The 1e-9 keeps 0.3 out of the bin below it."""
    return np.minimum(np.floor(BIN_COUNT * np.asarray(probability) + 1e-9), BIN_COUNT - 1).astype(
        np.int64
    )


def wilson_interval(successes: int, n: int, *, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default)."""
    if n == 0:
        raise ValueError("Wilson interval of an empty sample")
    phat = successes / n
    denominator = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denominator
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def calibration_arrays(scores: Iterable[QuestionScore]) -> tuple[Any, Any]:
    """The (forecast, outcome) pairs of final forecasts, as two arrays: a binary question gives
    one (p of yes), a multiple-choice or ordered one gives one per option (one-vs-rest)."""
    binary: list[QuestionScore] = []
    by_width: dict[int, list[QuestionScore]] = {}
    for score in scores:
        if score.kind is QuestionKind.BINARY:
            binary.append(score)
        else:
            by_width.setdefault(len(score.final_probabilities), []).append(score)
    forecasts = [np.array([s.final_probabilities[0] for s in binary], dtype=float)]
    outcomes = [np.array([s.outcome == 0 for s in binary], dtype=float)]
    for width, group in by_width.items():
        forecasts.append(np.array([s.final_probabilities for s in group], dtype=float).ravel())
        hits = np.zeros((len(group), width))
        hits[np.arange(len(group)), [s.outcome for s in group]] = 1.0
        outcomes.append(hits.ravel())
    return np.concatenate(forecasts), np.concatenate(outcomes)


def _recalibration(forecasts: Any, outcomes: Any) -> tuple[float, float] | None:
    """Fit logit P(o=1) = a + b logit(p) by Newton's method; (a, b) or None if not defined.

    Undefined when the outcomes are all equal, the forecasts all equal, or the data separate
    perfectly (the fit would run off to infinity).
    """
    clipped = np.clip(forecasts, 1e-12, 1 - 1e-12)
    x = np.log(clipped) - np.log1p(-clipped)
    if outcomes.min() == outcomes.max() or np.ptp(x) < 1e-12:
        return None
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(100):
        mu = 1 / (1 + np.exp(-np.clip(design @ beta, -700, 700)))
        gradient = design.T @ (outcomes - mu)
        hessian = (design * (mu * (1 - mu))[:, None]).T @ design
        if np.linalg.det(hessian) <= 1e-300:
            return None
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.abs(beta).max() > 1e3:
            return None
        if np.abs(step).max() < 1e-12:
            return float(beta[0]), float(beta[1])
    return None


def calibration(pairs: Sequence[tuple[float, int]]) -> Calibration:
    """Calibration table (10 bins, empty ones kept) and summaries of (p, o) pairs.

    Summaries are None when there are no pairs (and BSS when the outcomes never vary).
    """
    table = np.array(pairs, dtype=float).reshape(len(pairs), 2)
    return calibration_of(table[:, 0], table[:, 1])


def calibration_of(forecasts: Any, outcomes: Any, *, with_slope: bool = True) -> Calibration:
    """`calibration` of two arrays: forecasts and outcomes (0 or 1). Without `with_slope`, the
    recalibration fit (the costly part, for tables that do not show it) is left out."""
    n = len(forecasts)
    index = bin_index(forecasts)
    counts = np.bincount(index, minlength=BIN_COUNT)
    hits = np.bincount(index, weights=outcomes, minlength=BIN_COUNT)
    totals = np.bincount(index, weights=forecasts, minlength=BIN_COUNT)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals / counts
        observed = hits / counts
    bins = []
    for k in range(BIN_COUNT):
        lower, upper = k / BIN_COUNT, (k + 1) / BIN_COUNT
        if not counts[k]:
            bins.append(CalibrationBin(lower, upper, 0, None, None, None, None))
            continue
        low, high = wilson_interval(round(hits[k]), int(counts[k]))
        bins.append(
            CalibrationBin(
                lower, upper, int(counts[k]), float(means[k]), float(observed[k]), low, high
            )
        )
    if n == 0:
        return Calibration(0, bins, None, None, None, None, None, None)
    base = float(outcomes.mean())
    brier = float(((forecasts - outcomes) ** 2).mean())
    filled = counts > 0
    spread = forecasts - means[index]
    murphy = Murphy(
        brier=brier,
        reliability=float((counts[filled] * (means[filled] - observed[filled]) ** 2).sum() / n),
        resolution=float((counts[filled] * (observed[filled] - base) ** 2).sum() / n),
        uncertainty=base * (1 - base),
        within_bin_variance=float((spread**2).sum() / n),
        within_bin_covariance=float(2 * (spread * (outcomes - observed[index])).sum() / n),
    )
    ece = float((counts[filled] / n * np.abs(observed[filled] - means[filled])).sum())
    decided = forecasts != 0.5
    overconfidence = None
    if decided.any():
        confidence = np.maximum(forecasts, 1 - forecasts)[decided].mean()
        right = ((forecasts > 0.5) == (outcomes == 1))[decided].mean()
        overconfidence = float(confidence - right)
    fit = _recalibration(forecasts, outcomes) if with_slope else None
    uncertainty = murphy.uncertainty
    return Calibration(
        n=n,
        bins=bins,
        murphy=murphy,
        brier_skill=1 - brier / uncertainty if uncertainty > 0 else None,
        ece=ece,
        overconfidence=overconfidence,
        slope=fit[1] if fit else None,
        intercept=fit[0] if fit else None,
    )


def calibration_verdict(table: Calibration) -> str:
    """A plain-language verdict on calibration that obeys the call-out rule.

    Names the bin with the largest qualifying gap ("overconfident: your 80-90% forecasts came
    true 58% of the time, n=24"); otherwise says that nothing stands out, and why.
    """
    if table.n == 0:
        return "No resolved forecasts to judge calibration on yet."
    flagged = [b for b in table.bins if b.callout]
    if not flagged:
        return (
            f"No calibration problem stands out (n={table.n}): no bin with 10 or more forecasts "
            "misses its forecasts by 5 points or more beyond its 95% interval."
        )
    worst = max(flagged, key=lambda b: abs((b.observed or 0) - (b.mean_forecast or 0)))
    assert worst.observed is not None and worst.mean_forecast is not None
    # Too extreme (overconfident): high forecasts happen less, low ones more, than forecast.
    too_extreme = (worst.mean_forecast > 0.5) == (worst.observed < worst.mean_forecast)
    label = "overconfident" if too_extreme else "underconfident"
    lower, upper = fixed(worst.lower, 0, shift=2), fixed(worst.upper, 0, shift=2)
    return (
        f"{label}: your {lower}-{upper}% forecasts came true "
        f"{fixed(worst.observed, 0, shift=2)}% of the time, n={worst.n}"
    )


# --- per forecaster ----------------------------------------------------------------------------


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


@dataclass(frozen=True)
class ForecasterSummary:
    """A forecaster's (or team aggregate's) record over the questions scored.

    Scores of different kinds are on different scales, so each mean is over one kind:
    `brier` and the time-weighted and relative Brier over binary questions (0-1), `brier_multi`
    over multiple-choice questions (sum form, 0-2), `rps` over ordered ones (0-1). Log loss is
    comparable across kinds and is averaged over all questions.
    """

    forecaster: str
    n_questions: int
    brier: float | None
    brier_multi: float | None
    rps: float | None
    log_loss: float | None
    time_weighted_brier: float | None
    time_weighted_multi: float | None
    time_weighted_rps: float | None
    relative_brier: float | None
    relative_multi: float | None
    relative_rps: float | None
    coverage: float | None
    calibration: Calibration
    verdict: str

    @property
    def team(self) -> bool:
        """True for the team aggregates."""
        return self.forecaster in TEAM_NAMES


# --- as of a moment ------------------------------------------------------------------------------

#: How an as-of view counts a record: from the time it claims (when it happened), or from the
#: time tracker recorded it.
CLAIMED_TIME = "claimed time"
RECORDED_TIME = "recorded time"


@dataclass(frozen=True)
class AsOf:
    """The moment a view is taken at, and by which of its two times each record counts in it
    (docs/scoring.md, "As of a moment").

    By default a record counts from the time it claims: a question from the day it opened, a
    forecast from when it was made, a resolution (the one in force now) from the day its outcome
    occurred. So a history imported today is seen as it stood then. `as_recorded` gives the
    strict audit view instead: only what tracker had recorded by the moment (a question's
    `created_at`, the `recorded_at` of forecasts and resolutions), as a reader saw it then.
    """

    moment: datetime
    as_recorded: bool = False

    @cached_property
    def day(self) -> date:
        """The UTC day of the moment: days claimed up to it count."""
        return self.moment.astimezone(UTC).date()

    @property
    def counted_by(self) -> str:
        """`CLAIMED_TIME` or `RECORDED_TIME`."""
        return RECORDED_TIME if self.as_recorded else CLAIMED_TIME

    def claims(self, day: date) -> bool:
        """True if a record claiming `day` (a question's opening, an outcome) falls by the
        moment."""
        return day <= self.day

    def recorded_later(self, recorded_at: datetime) -> bool:
        """True if a record was recorded after the moment."""
        return recorded_at > self.moment

    def counts_question(self, opened_on: date, created_at: datetime) -> bool:
        """True if a question with these times is part of the view."""
        return created_at <= self.moment if self.as_recorded else opened_on <= self.day


@dataclass(frozen=True)
class AsOfNote:
    """What the as-of rule did: how many of the records that claim a time by the moment were
    recorded after it. Counted by claimed time they are in the view; as recorded they are left
    out. The same records either way, so the two views can be compared."""

    counted_by: str = CLAIMED_TIME
    questions: int = 0
    forecasts: int = 0
    resolutions: int = 0

    def __add__(self, other: AsOfNote) -> AsOfNote:
        return AsOfNote(
            self.counted_by,
            self.questions + other.questions,
            self.forecasts + other.forecasts,
            self.resolutions + other.resolutions,
        )

    @property
    def recorded_later(self) -> dict[str, int]:
        """The counts by kind of record (the JSON's `recorded_later`)."""
        return {
            "questions": self.questions,
            "forecasts": self.forecasts,
            "resolutions": self.resolutions,
        }

    @property
    def any(self) -> bool:
        """True if some record was recorded after the moment."""
        return bool(self.questions or self.forecasts or self.resolutions)


@dataclass(frozen=True)
class ScoreReport:
    """Everything `tracker score` shows: as of when, under which conventions, per forecaster,
    per question (with titles), and what was left out."""

    as_of: datetime
    conventions: dict[str, Any]
    forecasters: list[ForecasterSummary]
    questions: list[QuestionScore]
    titles: dict[str, str]
    excluded: dict[str, int] = field(default_factory=dict)
    # Forecasters that speak for a report: scored, but not members of the team aggregates.
    report_forecasters: frozenset[str] = frozenset()
    # The questions scored, by key (outcome, dates, options).
    resolved: dict[str, ResolvedQuestion] = field(default_factory=dict)
    # The head of the record's chain, recomputed when the scores were computed (SEQ:HASH), and
    # what was found changed behind tracker's back (empty: the record is intact).
    record_head: str | None = None
    record_findings: tuple[str, ...] = ()
    # How the as-of moment counted records, and those it counted (or left out) though
    # recorded after it.
    as_of_rule: AsOfNote = field(default_factory=AsOfNote)


def summarise(forecaster: str, scores: Sequence[QuestionScore]) -> ForecasterSummary:
    """Aggregate one forecaster's question scores (final forecasts for calibration)."""

    def of(kind: QuestionKind) -> list[QuestionScore]:
        return [s for s in scores if s.kind is kind]

    def relative(kind: QuestionKind) -> float | None:
        return _mean([s.relative for s in of(kind) if s.relative is not None])

    binary, multi, ordered = (
        of(QuestionKind.BINARY),
        of(QuestionKind.MULTIPLE_CHOICE),
        of(QuestionKind.ORDERED),
    )
    table = calibration_of(*calibration_arrays(scores))
    return ForecasterSummary(
        forecaster=forecaster,
        n_questions=len(scores),
        brier=_mean([s.final_score for s in binary]),
        brier_multi=_mean([s.final_score for s in multi]),
        rps=_mean([s.final_score for s in ordered]),
        log_loss=_mean([s.log_loss for s in scores]),
        time_weighted_brier=_mean([s.time_weighted for s in binary]),
        time_weighted_multi=_mean([s.time_weighted for s in multi]),
        time_weighted_rps=_mean([s.time_weighted for s in ordered]),
        relative_brier=relative(QuestionKind.BINARY),
        relative_multi=relative(QuestionKind.MULTIPLE_CHOICE),
        relative_rps=relative(QuestionKind.ORDERED),
        coverage=_mean([s.coverage for s in scores]),
        calibration=table,
        verdict=calibration_verdict(table),
    )
