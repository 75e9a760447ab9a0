"""JSON objects for the ledger's read commands: stable keys, ISO-8601 dates and times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tracker.domain.blind import HIDDEN_NOTE
from tracker.domain.model import Forecast, Question, Resolution, Retraction, Source
from tracker.domain.versions import QuestionVersion
from tracker.domain.views import (
    DueQuestions,
    Overview,
    QuestionDetail,
    QuestionSummary,
    SourceDetail,
    SourceListing,
)
from tracker.domain.yardsticks import Yardstick
from tracker.reports.words import forecast_words

JSONObject = dict[str, Any]


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def question_json(question: Question) -> JSONObject:
    """A question's own fields."""
    return {
        "number": question.id,
        "id": question.key,
        "slug": question.slug,
        "title": question.title,
        "kind": question.kind.value,
        "options": list(question.options),
        "criteria": question.criteria,
        "opened_on": _day(question.opened_on),
        "deadline": _day(question.deadline),
        "source": question.source_key,
        "quote": question.quote,
        "quote_start": question.quote_start,
        "quote_end": question.quote_end,
        "deadline_phrase": question.deadline_phrase,
        "hedge_phrase": question.hedge_phrase,
        "tags": list(question.tags),
        "notes": question.notes,
        "created_by": question.created_by,
        "created_at": _moment(question.created_at),
        "blind": question.blind,
        "version": question.version,
    }


def forecast_json(
    forecast: Forecast, *, question: Question | None = None, yardstick: Yardstick | None = None
) -> JSONObject:
    """One forecast, with the backfill flag; with a `yardstick` (where the terminal writes
    words beside the number), `words`: its words for the chance of yes of a yes/no
    `question` ("likely (55-80%)"), null for other kinds."""
    data: JSONObject = {
        "id": forecast.id,
        "forecaster": forecast.forecaster,
        "made_at": _moment(forecast.made_at),
        "recorded_at": _moment(forecast.recorded_at),
        "probabilities": forecast.probabilities,
        "rationale": forecast.rationale,
        "input": forecast.input_text,
        "backfilled": forecast.backfilled,
        # Retracted by its forecaster: shown, never scored (null when it stands as recorded).
        "retraction": None if forecast.retraction is None else retraction_json(forecast.retraction),
        "question_version": forecast.question_version,
    }
    if yardstick is not None and question is not None:
        data["words"] = forecast_words(question, forecast.probabilities, yardstick)
    return data


def retraction_json(retraction: Retraction) -> JSONObject:
    """Why and when a forecast was retracted, and by whom."""
    return {
        "id": retraction.id,
        "reason": retraction.reason,
        "recorded_by": retraction.recorded_by,
        "recorded_at": _moment(retraction.recorded_at),
    }


def resolution_json(resolution: Resolution) -> JSONObject:
    """One resolution record (an amendment names the record it corrects)."""
    return {
        "id": resolution.id,
        "outcome": resolution.label,
        "occurred_on": _day(resolution.occurred_on),
        "evidence": resolution.evidence,
        "resolved_by": resolution.resolved_by,
        "recorded_at": _moment(resolution.recorded_at),
        "amends": resolution.amends_id,
    }


def source_json(source: Source) -> JSONObject:
    """A source's metadata (and its text when it was loaded)."""
    data: JSONObject = {
        "number": source.id,
        "id": source.key,
        "title": source.title,
        "author": source.author,
        "organisation": source.organisation,
        "forecaster": source.forecaster,
        "yardstick": source.yardstick,
        "published_on": _day(source.published_on),
        "url": source.url,
        "file": source.file,
        "content_hash": source.content_hash,
        "added_at": _moment(source.added_at),
        "added_by": source.added_by,
    }
    if source.text is not None:
        data["text"] = source.text
    return data


def _hidden(data: JSONObject, hidden: bool) -> None:
    """Whether the forecasts on a blind question are hidden from the reader, and why."""
    data["forecasts_hidden"] = hidden
    data["hidden_note"] = HIDDEN_NOTE if hidden else None


def summary_json(summary: QuestionSummary, *, yardstick: Yardstick | None = None) -> JSONObject:
    """A question with its status, outcome and each forecaster's standing forecast (with the
    words of `yardstick`, if given)."""
    data = question_json(summary.question)
    data["status"] = summary.status.value
    data["resolution"] = resolution_json(summary.resolution) if summary.resolution else None
    _hidden(data, summary.hidden)
    data["forecast_count"] = None if summary.hidden else summary.forecast_count
    data["standing"] = {
        name: forecast_json(f, question=summary.question, yardstick=yardstick)
        for name, f in sorted(summary.standing.items())
    }
    return data


def detail_json(detail: QuestionDetail) -> JSONObject:
    """Everything about a question: every forecast and the whole resolution trail."""
    data = question_json(detail.question)
    data["status"] = detail.status.value
    data["source"] = source_json(detail.source) if detail.source else None
    _hidden(data, detail.hidden)
    data["forecasts"] = [
        forecast_json(f, question=detail.question, yardstick=detail.yardstick)
        for f in detail.forecasts
    ]
    data["resolutions"] = [resolution_json(r) for r in detail.resolutions]
    if detail.history is not None:
        from tracker.reports.history_text import history_json

        data["history"] = history_json(detail.history)
    data["versions"] = [version_json(v) for v in detail.versions]
    return data


def version_json(version: QuestionVersion) -> JSONObject:
    """One version of a question (tracker clarify): its title, criteria and deadline, who set
    them when, and why (null for version 1, the question as added)."""
    return {
        "version": version.version,
        "title": version.title,
        "criteria": version.criteria,
        "deadline": _day(version.deadline),
        "reason": version.reason,
        "author": version.author,
        "recorded_at": _moment(version.recorded_at),
    }


def due_json(due: DueQuestions, *, yardstick: Yardstick | None = None) -> JSONObject:
    """Overdue and upcoming questions."""
    return {
        "within_days": due.within_days,
        "overdue": [summary_json(s, yardstick=yardstick) for s in due.overdue],
        "upcoming": [summary_json(s, yardstick=yardstick) for s in due.upcoming],
    }


def overview_json(view: Overview, *, yardstick: Yardstick | None = None) -> JSONObject:
    """The whole ledger at a glance."""
    return {
        "sources": [source_json(s) for s in view.sources],
        "forecasters": view.forecasters,
        "questions": [summary_json(s, yardstick=yardstick) for s in view.questions],
    }


def source_listing_json(listing: SourceListing) -> JSONObject:
    """A source with its question count."""
    data = source_json(listing.source)
    data["questions"] = listing.questions
    return data


def source_detail_json(detail: SourceDetail) -> JSONObject:
    """A source with its text and its questions."""
    data = source_json(detail.source)
    data["yardstick_in_force"] = None if detail.yardstick is None else detail.yardstick.key
    summaries = {s.question.id: s for s in detail.summaries}
    data["questions"] = []
    for q in detail.questions:
        item = question_json(q)
        summary = summaries.get(q.id)
        item["status"] = summary.status.value if summary else None
        item["outcome"] = summary.resolution.label if summary and summary.resolution else None
        own, team = detail.scores.get(q.key, (None, None))
        item["report_time_weighted"] = own
        item["team_median_time_weighted"] = team
        data["questions"].append(item)
    return data
