"""Scoring rules, time-weighted scores, calibration and team aggregates (docs/scoring.md).

Everything here is pure: no I/O and no clock. Probabilities are tuples in option order; an
outcome is the index of the option that happened. Days are UTC calendar days.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

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


def _renormalised(values: list[float]) -> tuple[float, ...]:
    total = math.fsum(values)
    return tuple(v / total for v in values)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _logistic(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def median_forecast(forecasts: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Per-option median of several forecasts, renormalised to sum to 1."""
    return _renormalised([statistics.median(column) for column in zip(*forecasts, strict=True)])


def geo_odds_forecast(forecasts: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Per-option geometric mean of odds, logistic(mean(logit p)), renormalised to sum to 1."""
    return _renormalised(
        [
            _logistic(math.fsum(_logit(p) for p in column) / len(column))
            for column in zip(*forecasts, strict=True)
        ]
    )


# --- one question over its life ----------------------------------------------------------------


@dataclass(frozen=True)
class DatedForecast:
    """A forecast as scoring needs it: who, on which UTC day, with what probabilities."""

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


@dataclass(frozen=True)
class QuestionScore:
    """One forecaster's (or team aggregate's) scores on one question."""

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


def _standing_by_day(forecasts: list[DatedForecast], start: date) -> list[DatedForecast]:
    """The forecast standing at the end of each day it changed (a later one that day wins)."""
    by_day: dict[date, DatedForecast] = {}
    for forecast in forecasts:
        by_day[max(forecast.day, start)] = forecast
    return [by_day[d] for d in sorted(by_day)]


def _median_without(sorted_values: list[float], value: float) -> float | None:
    """Median of `sorted_values` with one occurrence of `value` taken out (None if empty)."""
    if len(sorted_values) < 2:
        return None
    others = list(sorted_values)
    others.remove(value)
    return statistics.median(others)


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
    """
    start, close = question.opened_on, question.close
    hindsight = after_close = skipped = 0
    own: dict[str, list[DatedForecast]] = {}
    for forecast in forecasts:
        if forecast.day > question.occurred_on:
            hindsight += 1
        elif forecast.day > close:
            after_close += 1
        elif live_only and forecast.backfilled:
            skipped += 1
        else:
            own.setdefault(forecast.forecaster, []).append(forecast)
    if not own:
        return QuestionResult([], hindsight, after_close, skipped)

    names = sorted(own)
    standing = {name: _standing_by_day(own[name], start) for name in names}
    change_days = sorted({f.day if f.day > start else start for s in standing.values() for f in s})
    ends = [*change_days[1:], close + timedelta(days=1)]
    lengths = [(end - begin).days for begin, end in zip(change_days, ends, strict=True)]

    def score(probabilities: tuple[float, ...]) -> float:
        return forecast_score(question.kind, probabilities, question.outcome, two_sided=two_sided)

    # For each segment of days, each forecaster's standing forecast (None before its first).
    current: dict[str, tuple[float, ...] | None] = dict.fromkeys(names)
    cursor = dict.fromkeys(names, 0)
    rows: list[dict[str, tuple[float, ...]]] = []
    for begin in change_days:
        for name in names:
            series = standing[name]
            while cursor[name] < len(series) and max(series[cursor[name]].day, start) <= begin:
                current[name] = series[cursor[name]].probabilities
                cursor[name] += 1
        rows.append({n: p for n, p in current.items() if p is not None})

    daily: dict[str, list[float | None]] = {n: [] for n in [*names, *TEAM_NAMES]}
    for row in rows:
        for name in names:
            daily[name].append(score(row[name]) if name in row else None)
        if with_team:
            standing_now = list(row.values())
            daily[TEAM_MEDIAN].append(score(median_forecast(standing_now)))
            daily[TEAM_GEO_ODDS].append(score(geo_odds_forecast(standing_now)))
    finals: dict[str, tuple[float, ...]] = dict(rows[-1])
    if with_team:
        finals[TEAM_MEDIAN] = median_forecast(list(rows[-1].values()))
        finals[TEAM_GEO_ODDS] = geo_odds_forecast(list(rows[-1].values()))

    # Relative scores: own daily score minus the median of the others' that day.
    relative_sum = dict.fromkeys(daily, 0.0)
    relative_days = dict.fromkeys(daily, 0)
    for index, length in enumerate(lengths):
        real = sorted(s for n in names if (s := daily[n][index]) is not None)
        for name in daily:
            mine = daily[name][index] if daily[name] else None
            if mine is None:
                continue
            reference = (
                statistics.median(real) if name in TEAM_NAMES else _median_without(real, mine)
            )
            if reference is None:
                continue
            relative_sum[name] += (mine - reference) * length
            relative_days[name] += length

    results = []
    for name, day_scores in daily.items():
        if not day_scores:
            continue
        active = [(s, n) for s, n in zip(day_scores, lengths, strict=True) if s is not None]
        active_days = sum(n for _, n in active)
        final = finals[name]
        results.append(
            QuestionScore(
                question=question.key,
                forecaster=name,
                kind=question.kind,
                final_score=score(final),
                time_weighted=math.fsum(s * n for s, n in active) / active_days,
                relative=(
                    relative_sum[name] / relative_days[name] if relative_days[name] else None
                ),
                active_days=active_days,
                window_days=question.window_days,
                log_loss=log_loss(final[question.outcome]),
                backfilled=name in own and any(f.backfilled for f in own[name]),
                final_probabilities=final,
                outcome=question.outcome,
            )
        )
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
    outcomes = {o for _, o in pairs}
    xs = [_logit(min(max(p, 1e-12), 1 - 1e-12)) for p, _ in pairs]
    if len(outcomes) < 2 or max(xs) - min(xs) < 1e-12:
        return None
    a = b = 0.0
    for _ in range(100):
        g0 = g1 = h00 = h01 = h11 = 0.0
        for x, (_, o) in zip(xs, pairs, strict=True):
            mu = _logistic(a + b * x)
            w = mu * (1 - mu)
            g0 += o - mu
            g1 += (o - mu) * x
            h00 += w
            h01 += w * x
            h11 += w * x * x
        det = h00 * h11 - h01 * h01
        if det <= 1e-300:
            return None
        step_a = (h11 * g0 - h01 * g1) / det
        step_b = (h00 * g1 - h01 * g0) / det
        a, b = a + step_a, b + step_b
        if abs(a) > 1e3 or abs(b) > 1e3:
            return None
        if abs(step_a) < 1e-12 and abs(step_b) < 1e-12:
            return a, b
    return None


def calibration(pairs: Sequence[tuple[float, int]]) -> Calibration:
    """Calibration table (10 bins, empty ones kept) and summaries of (p, o) pairs.

    Summaries are None when there are no pairs (and BSS when the outcomes never vary).
    """
    grouped: list[list[tuple[float, int]]] = [[] for _ in range(BIN_COUNT)]
    for p, o in pairs:
        grouped[bin_index(p)].append((p, o))
    bins = []
    for k, members in enumerate(grouped):
        lower, upper = k / BIN_COUNT, (k + 1) / BIN_COUNT
        if not members:
            bins.append(CalibrationBin(lower, upper, 0, None, None, None, None))
            continue
        n = len(members)
        hits = sum(o for _, o in members)
        low, high = wilson_interval(hits, n)
        mean = math.fsum(p for p, _ in members) / n
        bins.append(CalibrationBin(lower, upper, n, mean, hits / n, low, high))
    n = len(pairs)
    if n == 0:
        return Calibration(0, bins, None, None, None, None, None, None, [])
    base = sum(o for _, o in pairs) / n
    brier = math.fsum((p - o) ** 2 for p, o in pairs) / n
    rel = res = wbv = wbc = 0.0
    for members, b in zip(grouped, bins, strict=True):
        if not members:
            continue
        assert b.mean_forecast is not None and b.observed is not None
        rel += b.n * (b.mean_forecast - b.observed) ** 2
        res += b.n * (b.observed - base) ** 2
        wbv += math.fsum((p - b.mean_forecast) ** 2 for p, _ in members)
        wbc += math.fsum((p - b.mean_forecast) * (o - b.observed) for p, o in members)
    uncertainty = base * (1 - base)
    murphy = Murphy(
        brier=brier,
        reliability=rel / n,
        resolution=res / n,
        uncertainty=uncertainty,
        within_bin_variance=wbv / n,
        within_bin_covariance=2 * wbc / n,
    )
    ece = math.fsum(
        b.n / n * abs(b.observed - b.mean_forecast)
        for b in bins
        if b.observed is not None and b.mean_forecast is not None
    )
    decided = [(p, o) for p, o in pairs if p != 0.5]
    overconfidence = None
    if decided:
        confidence = math.fsum(max(p, 1 - p) for p, _ in decided) / len(decided)
        right = sum(1 for p, o in decided if (p > 0.5) == (o == 1)) / len(decided)
        overconfidence = confidence - right
    fit = _recalibration(pairs)
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
