"""Scoring rules, time-weighted scores, calibration and team aggregates (docs/scoring.md).

Everything here is pure: no I/O and no clock. Probabilities are tuples in option order; an
outcome is the index of the option that happened. Days are UTC calendar days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import numpy as np

from tracker.domain.model import QuestionKind

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


def _nan_median(values: Any, axis: int) -> Any:
    """Median along `axis` ignoring NaN (NaN where all are NaN), without numpy's slow masked
    path for small arrays: sort (NaN goes last) and read the middle of the non-NaN part."""
    ordered = np.sort(values, axis=axis)
    count = np.sum(~np.isnan(values), axis=axis, keepdims=True)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0), axis=axis)
    high = np.take_along_axis(ordered, count // 2, axis=axis)
    median = np.where(count > 0, (low + high) / 2, np.nan)
    return np.squeeze(median, axis=axis)


def median_forecast(forecasts: Any) -> Any:
    """Per-option median of standing forecasts, renormalised to sum to 1.

    `forecasts`: an array (or nested sequence) whose last two axes are forecasters x options;
    NaN marks a forecaster without a standing forecast. Returns the options axis (per day).
    """
    pooled = _nan_median(np.asarray(forecasts, dtype=float), axis=-2)
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
    tags: tuple[str, ...] = ()

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


def _scores(kind: QuestionKind, probabilities: Any, outcome: int, two_sided: bool) -> Any:
    """Vectorised `forecast_score` over an array whose last axis is the options (NaN stays NaN)."""
    observed = np.zeros(probabilities.shape[-1])
    observed[outcome] = 1.0
    if kind is QuestionKind.BINARY:
        score = (probabilities[..., 0] - observed[0]) ** 2
        return 2 * score if two_sided else score
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return ((probabilities - observed) ** 2).sum(axis=-1)
    cumulative = np.cumsum(probabilities, axis=-1) - np.cumsum(observed)
    return (cumulative**2).sum(axis=-1) / (probabilities.shape[-1] - 1)


def _median_of_others(daily: Any) -> Any:
    """For each (day, forecaster) with a score, the median score of the others that day.

    `daily` is days x forecasters with NaN where a forecaster had no standing forecast. The
    median without one element is read off the sorted row, so no median is computed twice.
    NaN where nobody else had a standing forecast.
    """
    days, people = daily.shape
    ordered = np.sort(daily, axis=1)  # NaN sort last
    count = np.sum(~np.isnan(daily), axis=1, keepdims=True)
    rank = np.empty((days, people), dtype=np.int64)
    np.put_along_axis(rank, np.argsort(daily, axis=1, kind="stable"), np.arange(people), axis=1)
    others = count - 1
    low = (others - 1) // 2
    high = others // 2

    def pick(k: Any) -> Any:
        index = np.clip(k + (k >= rank), 0, people - 1)
        return np.take_along_axis(ordered, index, axis=1)

    median = (pick(low) + pick(high)) / 2
    return np.where((others >= 1) & ~np.isnan(daily), median, np.nan)


def score_question(
    question: ResolvedQuestion,
    forecasts: Iterable[DatedForecast],
    *,
    two_sided: bool = False,
    live_only: bool = False,
    with_team: bool = True,
) -> QuestionResult:
    """Score every forecaster on one resolved question under the stated conventions.

    `forecasts` in the order they were made. Forecasts made on a day after the outcome occurred
    are never scored (hindsight); those made after the close (deadline) are not either;
    `live_only` also leaves out backfilled forecasts. Each forecaster's time-weighted score is
    the mean daily score from its first forecast to the close; the relative score is the mean
    over days of its daily score minus the median daily score of the other forecasters who had
    a standing forecast that day (None if nobody else did). With `with_team`, the median and
    geometric-mean-of-odds aggregates of the standing forecasts are scored the same way.

    Scores only change on days when some forecast changes, so the work is done per run of
    days between such changes (weighted by its length), not day by day.
    """
    start, close = question.opened_on, question.close
    hindsight = after_close = skipped = 0
    own: dict[str, dict[int, tuple[float, ...]]] = {}
    backfilled: set[str] = set()
    for forecast in forecasts:
        if forecast.day > question.occurred_on:
            hindsight += 1
        elif forecast.day > close:
            after_close += 1
        elif live_only and forecast.backfilled:
            skipped += 1
        else:
            # The forecast standing at the end of its day; days before opening count from it.
            day = max(forecast.day, start).toordinal()
            own.setdefault(forecast.forecaster, {})[day] = forecast.probabilities
            if forecast.backfilled:
                backfilled.add(forecast.forecaster)
    if not own:
        return QuestionResult([], hindsight, after_close, skipped)

    names = sorted(own)
    options = len(question.options)
    change_days = np.array(sorted({d for days in own.values() for d in days}), dtype=np.int64)
    lengths = np.diff(np.append(change_days, close.toordinal() + 1)).astype(float)
    # standing[s, f, k]: forecaster f's standing probability of option k in run s (NaN: none),
    # found for all (s, f) at once by one search in the forecasts sorted by (forecaster, day).
    stride = 10_000_000  # larger than any day's ordinal
    keys = np.array(
        [f * stride + d for f, name in enumerate(names) for d in sorted(own[name])], dtype=np.int64
    )
    values = np.array(
        [own[name][d] for name in names for d in sorted(own[name])], dtype=float
    ).reshape(len(keys), options)
    wanted = np.arange(len(names))[None, :] * stride + change_days[:, None]
    index = np.searchsorted(keys, wanted, side="right") - 1
    found = (index >= 0) & (keys[np.maximum(index, 0)] // stride == np.arange(len(names)))
    standing = np.where(found[..., None], values[np.maximum(index, 0)], np.nan)

    daily = _scores(question.kind, standing, question.outcome, two_sided)
    relative = daily - _median_of_others(daily)
    finals = standing[-1]
    if with_team:
        pooled = [median_forecast(standing), geo_odds_forecast(standing)]
        team_daily = np.stack(
            [_scores(question.kind, p, question.outcome, two_sided) for p in pooled], axis=1
        )
        names = [*names, *TEAM_NAMES]
        relative = np.hstack([relative, team_daily - _nan_median(daily, axis=1)[:, None]])
        daily = np.hstack([daily, team_daily])
        finals = np.vstack([finals, pooled[0][-1], pooled[1][-1]])

    # All columns at once: days with a standing forecast, and days compared with others.
    weights = lengths[:, None]
    active_days = np.where(np.isnan(daily), 0.0, weights).sum(axis=0)
    time_weighted = np.nansum(daily * weights, axis=0) / active_days
    compared_days = np.where(np.isnan(relative), 0.0, weights).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        relative_mean = np.nansum(relative * weights, axis=0) / compared_days
    # The last run of days ends at the close: its scores are the final-forecast scores.
    final_scores = daily[-1].tolist()
    with np.errstate(divide="ignore"):
        log_losses = (-np.log(finals[:, question.outcome])).tolist()
    final_rows = finals.tolist()
    time_weighted_list = time_weighted.tolist()
    relative_list = [
        value if days else None
        for value, days in zip(relative_mean.tolist(), compared_days.tolist(), strict=True)
    ]
    active_list = active_days.astype(int).tolist()
    results = [
        QuestionScore(
            question.key,
            name,
            question.kind,
            final_scores[column],
            time_weighted_list[column],
            relative_list[column],
            active_list[column],
            question.window_days,
            log_losses[column],
            name in backfilled,
            tuple(final_rows[column]),
            question.outcome,
        )
        for column, name in enumerate(names)
    ]
    return QuestionResult(results, hindsight, after_close, skipped)


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
        return outside and abs(self.observed - self.mean_forecast) >= CALLOUT_MIN_GAP


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
    pairs: list[tuple[float, int]] = field(default_factory=list, repr=False)


def bin_index(probability: float) -> int:
    """Which of the 10 left-closed bins holds `probability` (0.3 -> 3; 1.0 -> 9)."""
    return min(math.floor(BIN_COUNT * probability + 1e-9), BIN_COUNT - 1)


def wilson_interval(successes: int, n: int, *, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default)."""
    if n == 0:
        raise ValueError("Wilson interval of an empty sample")
    phat = successes / n
    denominator = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denominator
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def calibration_pairs(scores: Iterable[QuestionScore]) -> list[tuple[float, int]]:
    """(p, o) pairs from final forecasts: a binary question gives one (p of yes), a
    multiple-choice or ordered one gives one per option (one-vs-rest)."""
    pairs: list[tuple[float, int]] = []
    for score in scores:
        if score.kind is QuestionKind.BINARY:
            pairs.append((score.final_probabilities[0], 1 if score.outcome == 0 else 0))
        else:
            pairs.extend(
                (p, 1 if k == score.outcome else 0) for k, p in enumerate(score.final_probabilities)
            )
    return pairs


def _recalibration(pairs: Sequence[tuple[float, int]]) -> tuple[float, float] | None:
    """Fit logit P(o=1) = a + b logit(p) by Newton's method; (a, b) or None if not defined.

    Undefined when the outcomes are all equal, the forecasts all equal, or the data separate
    perfectly (the fit would run off to infinity).
    """
    forecasts = np.clip(np.array([p for p, _ in pairs], dtype=float), 1e-12, 1 - 1e-12)
    outcomes = np.array([o for _, o in pairs], dtype=float)
    x = np.log(forecasts) - np.log1p(-forecasts)
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
    n = len(pairs)
    table = np.array(pairs, dtype=float).reshape(n, 2)
    forecasts, outcomes = table[:, 0], table[:, 1]
    index = np.minimum(np.floor(BIN_COUNT * forecasts + 1e-9), BIN_COUNT - 1).astype(np.int64)
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
        return Calibration(0, bins, None, None, None, None, None, None, [])
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
    fit = _recalibration(pairs)
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
        pairs=list(pairs),
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
    lower, upper = round(worst.lower * 100), round(worst.upper * 100)
    return (
        f"{label}: your {lower}-{upper}% forecasts came true {round(worst.observed * 100)}% "
        f"of the time, n={worst.n}"
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
    table = calibration(calibration_pairs(scores))
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
