"""`tracker report --format json` and `tracker retro --format json`: the data behind them.

Every figure in them is rounded (docs/reviews.md, "Precision"): these are documents, the same
on every machine; `tracker score --json` is the interface that keeps full precision.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from tracker.domain import rounding, units
from tracker.domain.review import (
    Call,
    Disagreement,
    Estimate,
    Headline,
    Overconfidence,
    Period,
    QuarterCalibration,
    Retro,
    RetroRow,
    Review,
    ReviewedQuestion,
)
from tracker.domain.scoring import ForecasterSummary, QuestionScore
from tracker.reports import numbers
from tracker.reports.as_of import as_of_rule_json
from tracker.reports.history_text import section_json
from tracker.reports.scores import calibration_json, forecaster_json, question_score_json


def plain(value: Any) -> Any:
    """Dataclasses, dates, enums and sets as JSON values (non-finite numbers as null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (frozenset, set)):
        return sorted(plain(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


#: Decimals of every figure in a review's or retrospective's JSON.
JSON_PLACES = 6
#: Keys whose numbers are forecast probabilities: these keep the decimals it takes not to read
#: as 0 or 1 (no forecast is either), up to rounding.MOST_PLACES, or are written in full.
PROBABILITY_KEYS = frozenset(
    {
        "final_probabilities",
        "outcome_probability",
        "favoured_probability",
        "mean_forecast",
        "lowest",
        "highest",
        "closest_probability",
        "probability",  # a step of a history (how each question moved)
    }
)


def rounded_figures(value: Any, *, probability: bool = False) -> Any:
    """A JSON value with every float rounded half to even to JSON_PLACES decimals (forecast
    probabilities under PROBABILITY_KEYS as described there); non-finite numbers as null."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        places: int | None = JSON_PLACES
        if probability:
            places = rounding.places_inside(value, JSON_PLACES)
        return value if places is None else rounding.rounded(value, places)
    if isinstance(value, dict):
        return {k: rounded_figures(v, probability=k in PROBABILITY_KEYS) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded_figures(v, probability=probability) for v in value]
    return value


def period_json(period: Period | None) -> dict[str, Any] | None:
    """A period: label, first and last outcome day (null when open)."""
    if period is None:
        return None
    return {"label": period.label, "first": plain(period.first), "last": plain(period.last)}


def headline_json(h: Headline) -> dict[str, Any]:
    """One headline figure with its change, its n and whether that is beyond noise; `shown`
    holds the figure as every other format writes it (tracker.domain.units)."""
    return {
        "key": h.key,
        "name": h.name,
        "unit": h.unit.key,
        "card": h.card,
        "current": plain(h.current),
        "previous": plain(h.previous),
        "change": plain(h.change),
        "n": h.n,
        "n_previous": h.n_previous,
        "change_low": plain(h.low),
        "change_high": plain(h.high),
        "direction": {"\u2191": "up", "\u2193": "down", "\u2192": "level"}.get(h.arrow),
        "better_when": h.better,
        "verdict": h.verdict,
        "shown": {
            "current": numbers.figure(h.current, h.key),
            "previous": numbers.figure(h.previous, h.key),
            "change": numbers.change(h),
            "verdict": numbers.verdict(h),
        },
    }


def overconfidence_json(o: Overconfidence) -> dict[str, Any]:
    """One forecaster's confidence against their hit rate, with `shown` as written."""
    data: dict[str, Any] = plain(o)
    data["shown"] = {
        "confidence": numbers.percent(o.confidence),
        "hit_rate": numbers.percent(o.hit_rate),
        "gap": numbers.points(o.gap),
    }
    return data


def units_json() -> dict[str, Any]:
    """Each figure's unit: how it is written in every format, and which way is better."""
    return {
        key: {"unit": unit.key, "written_as": unit.label, "better": unit.better}
        for key, unit in units.FIGURES.items()
    }


def _score(s: QuestionScore, titles: dict[str, str]) -> dict[str, Any]:
    data = question_score_json(s, titles.get(s.question, ""))
    data["final_probabilities"] = list(s.final_probabilities)
    data["outcome_probability"] = s.final_probabilities[s.outcome]
    return data


def reviewed_question_json(q: ReviewedQuestion, titles: dict[str, str]) -> dict[str, Any]:
    """A question resolved in the period, with everyone's scores."""
    return {
        "question": q.key,
        "number": q.number,
        "title": q.title,
        "status": q.status,
        "outcome": q.outcome,
        "occurred_on": q.occurred_on.isoformat(),
        "evidence": q.evidence,
        "source": q.source,
        "scores": [_score(s, titles) for s in q.scores],
        "version": q.version,
        "criteria_changed": q.criteria_changed,
        "versions_seen": {name: list(v) for name, v in q.versions_seen.items()},
    }


def call_json(call: Call) -> dict[str, Any]:
    """A miss or a best call."""
    return plain(call)  # type: ignore[no-any-return]


def estimate_json(e: Estimate) -> dict[str, Any]:
    """A mean with its 95% interval (null below five values)."""
    return plain(e)  # type: ignore[no-any-return]


def _summary(f: ForecasterSummary, outsiders: frozenset[str]) -> dict[str, Any]:
    data = forecaster_json(f)
    data["report"] = f.forecaster in outsiders
    return data


def review_json(review: Review) -> dict[str, Any]:
    """The whole review as JSON (keys documented in docs/reviews.md), figures rounded."""
    titles = review.titles
    document = {
        "kind": "review",
        "period": period_json(review.period),
        "previous_period": period_json(review.previous),
        "as_of": plain(review.as_of),
        "filters": plain(review.filters),
        "in_brief": list(review.brief),
        "headline": [headline_json(h) for h in review.headline],
        "overconfidence": [overconfidence_json(o) for o in review.overconfidence],
        "questions": [reviewed_question_json(q, titles) for q in review.questions],
        "misses": [call_json(c) for c in review.misses],
        "best_calls": [call_json(c) for c in review.calls],
        "calibration": calibration_json(review.calibration),
        "forecasters": [_summary(f, review.report_forecasters) for f in review.forecasters],
        "by_source": plain(review.by_source),
        "by_author": plain(review.by_author),
        "by_horizon": plain(review.horizons),
        "follow_up": plain(review.follow_up),
        "units": units_json(),
        "conventions": review.conventions,
        "excluded": review.excluded,
        "as_of_rule": as_of_rule_json(review.as_of_rule),
        "record_head": review.record_head,
        "record_findings": list(review.record_findings),
        "histories": section_json(review.histories),
    }
    return rounded_figures(document)  # type: ignore[no-any-return]


def _retro_row(row: RetroRow, outsiders: frozenset[str]) -> dict[str, Any]:
    return {
        "role": row.role,
        "summary": _summary(row.summary, outsiders),
        "time_weighted_brier": estimate_json(row.time_weighted),
        "relative_brier": estimate_json(row.relative),
        "against_team_median": None
        if row.against is None
        else dict(plain(row.against), difference=plain(row.against.difference)),
    }


def _quarter(q: QuarterCalibration) -> dict[str, Any]:
    return {
        "forecaster": q.forecaster,
        "quarter": q.quarter,
        "questions": q.questions,
        "brier": plain(q.brier),
        **calibration_json(q.calibration),
    }


def _disagreement(d: Disagreement, titles: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = plain(d)
    data["title"] = titles.get(d.question, "")
    return data


def retro_json(retro: Retro) -> dict[str, Any]:
    """The whole retrospective as JSON (keys documented in docs/reviews.md), figures rounded."""
    outsiders = frozenset(r.summary.forecaster for r in retro.rows if r.role == "report")
    document = {
        "kind": "retro",
        "period": period_json(retro.period),
        "as_of": plain(retro.as_of),
        "filters": plain(retro.filters),
        "in_brief": list(retro.brief),
        "questions": retro.questions,
        "forecasters": [_retro_row(r, outsiders) for r in retro.rows],
        "team_verdict": plain(retro.verdict),
        "disagreements": [_disagreement(d, retro.titles) for d in retro.disagreements],
        "criteria_changed": list(retro.criteria_changed),
        "by_quarter": [_quarter(q) for q in retro.quarters],
        "overconfidence": [overconfidence_json(o) for o in retro.overconfidence],
        "prompts": retro.prompts,
        "units": units_json(),
        "conventions": retro.conventions,
        "excluded": retro.excluded,
        "as_of_rule": as_of_rule_json(retro.as_of_rule),
        "record_head": retro.record_head,
        "record_findings": list(retro.record_findings),
        "histories": section_json(retro.histories),
    }
    return rounded_figures(document)  # type: ignore[no-any-return]
