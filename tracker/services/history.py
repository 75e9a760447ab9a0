"""How each question moved: the histories drawn in reviews, retrospectives and `tracker show`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tracker.domain.history import (
    REPORT,
    HistorySection,
    Line,
    QuestionHistory,
    Settled,
    most_forecast,
    question_history,
)
from tracker.domain.model import Forecast, QuestionKind, Source
from tracker.domain.scoring import AsOf
from tracker.storage import ledger as store
from tracker.storage.database import Session

#: A review or retrospective draws at most this many history charts: the questions with the
#: most forecasts (docs/reviews.md, "How each question moved"). Each chart costs about 0.1 s
#: to draw and 12 KB of SVG; a period with thousands of resolved questions would otherwise
#: give a page nobody reads and minutes of drawing.
HISTORY_CHART_LIMIT = 24


@dataclass(frozen=True)
class HistoryItem:
    """A question a document draws the history of."""

    number: int
    key: str
    title: str
    settled: Settled


def counts_in_view(forecasts: Sequence[Forecast], rule: AsOf, *, live_only: bool) -> list[Forecast]:
    """The forecasts an as-of view counts: made by the moment (as recorded: also recorded by
    then); with `live_only`, backfilled ones left out (they are not scored)."""
    return [
        f
        for f in forecasts
        if f.made_at <= rule.moment
        and not (rule.as_recorded and f.recorded_at > rule.moment)
        and not (live_only and f.backfilled)
    ]


def document_histories(
    session: Session,
    *,
    items: Sequence[HistoryItem],
    questions: Sequence[store.QuestionTuple],
    rule: AsOf,
    live_only: bool,
    report_of: Mapping[int, str | None],
    outsiders: frozenset[str],
    counts: Mapping[str, int],
    forecaster: str | None = None,
    clarifications: Mapping[int, Sequence[datetime]] | None = None,
    limit: int | None = None,
) -> HistorySection:
    """The histories of `items` (in their order), at most `limit` of them: when there are
    more, those with the most forecasts (`counts`, by key). `report_of`: each question's
    source's forecaster. `forecaster`: draw only that forecaster's line and the reports' (the
    team median still pools everyone). `clarifications`: by question number, when its wording
    was clarified (by default read from the record, up to the moment of `rule`). Retracted
    forecasts are not drawn. `limit`: by default
    HISTORY_CHART_LIMIT."""
    limit = HISTORY_CHART_LIMIT if limit is None else limit
    if len(items) > limit:
        kept = most_forecast({item.key: counts.get(item.key, 0) for item in items}, limit=limit)
        chosen = [item for item in items if item.key in kept]
    else:
        chosen = list(items)
    by_number = {row[0]: row for row in questions}
    forecasts = store.forecasts_for(session, [item.number for item in chosen])
    if clarifications is None:  # when each question's wording was clarified (tracker clarify)
        versions = store.question_versions(session, [item.number for item in chosen])
        clarifications = {
            number: [v.recorded_at for v in found[1:] if v.recorded_at <= rule.moment]
            for number, found in versions.items()
        }

    def stood(f: Forecast) -> bool:
        # A retracted forecast never stood (tracker retract); as recorded, a retraction counts
        # from when it was recorded.
        undone = f.retraction
        return undone is None or (rule.as_recorded and undone.recorded_at > rule.moment)

    kinds = {k.value: k for k in QuestionKind}
    histories = []
    for item in chosen:
        _, _, _, kind, options_json, deadline, opened_on, _ = by_number[item.number]
        history = question_history(
            key=item.key,
            number=item.number,
            title=item.title,
            kind=kinds[kind],
            options=tuple(json.loads(options_json)),
            opened_on=opened_on,
            deadline=deadline,
            forecasts=counts_in_view(
                [f for f in forecasts[item.number] if stood(f)], rule, live_only=live_only
            ),
            resolution=item.settled,
            as_of=rule.moment,
            report_forecaster=report_of.get(item.number),
            outsiders=outsiders,
            clarifications=(clarifications or {}).get(item.number, ()),
        )
        if forecaster is not None:
            lines = history.lines
            shown = tuple(
                line for line in lines if line.forecaster == forecaster or line.role == REPORT
            )
            history = dataclasses.replace(history, lines=shown)
        histories.append(history)
    return HistorySection(tuple(histories), omitted=len(items) - len(chosen), limit=limit)


def _only(history: QuestionHistory, forecaster: str) -> tuple[Line, ...]:
    """The lines of one forecaster and of the reports."""
    return tuple(
        line for line in history.lines if line.forecaster == forecaster or line.role == REPORT
    )


def report_forecasters_of(
    sources: Mapping[int, Source], question_sources: Mapping[int, int]
) -> dict[int, str | None]:
    """Each question's source's forecaster (the report's own forecast), by question number."""
    found: dict[int, str | None] = {}
    for number, source_id in question_sources.items():
        source = sources.get(source_id)
        found[number] = source.forecaster if source is not None else None
    return found
