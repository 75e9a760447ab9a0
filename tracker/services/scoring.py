"""`tracker score`: every resolved forecast scored under the stated conventions."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from tracker.domain.dates import parse_date, parse_moment
from tracker.domain.fields import minute_text
from tracker.domain.model import (
    BACKFILL_THRESHOLD,
    OutcomeStatus,
    QuestionKind,
    Resolution,
    parse_question_ref,
    parse_source_ref,
)
from tracker.domain.scoring import (
    BIN_COUNT,
    CALLOUT_MIN_GAP,
    CALLOUT_MIN_N,
    TEAM_NAMES,
    WILSON_Z,
    AsOf,
    AsOfNote,
    ForecastRow,
    QuestionScore,
    ResolvedQuestion,
    ScoreReport,
    score_questions,
    summarise,
)
from tracker.errors import InputError
from tracker.services.integrity import require_intact
from tracker.storage import ledger as store
from tracker.storage.database import Session

#: How many distinct probability texts are kept parsed.
PARSE_CACHE = 100_000
#: Questions scored together: at least BATCH_QUESTIONS, and more while the batch's padded
#: arrays (questions x forecasts^2 x options, an upper bound on days x forecasters x options)
#: stay under BATCH_CELLS, up to BATCH_MAX. Small questions (a history of one forecast each)
#: are scored thousands at a time; the array work per batch is the same few calls either way.
BATCH_QUESTIONS = 64
BATCH_CELLS = 1 << 18
BATCH_MAX = 4096

#: Sees each resolved question with its forecasts in the order made (see `score_ledger`).
Observer = Callable[[ResolvedQuestion, list[ForecastRow]], None]


def conventions(*, two_sided: bool, live_only: bool) -> dict[str, Any]:
    """The scoring conventions in force, as printed on every score and report."""
    return {
        "brier": "two-sided 2(p - o)^2, 0-2" if two_sided else "(p - o)^2, 0-1 (always 50% = 0.25)",
        "brier_multi": "sum form sum_k (p_k - o_k)^2, 0-2; uniform over K options = 1 - 1/K",
        "rps": "ranked probability score / (K - 1), 0-1",
        "log_loss": "-ln p(outcome) in nats; bits = nats / ln 2",
        "days": "UTC calendar days; the forecast standing at the end of a day scores that day",
        "window": "from the opening day to the outcome day or the deadline, whichever is "
        "earlier, both inclusive",
        "time_weighted": "mean daily score from the forecaster's first forecast to the close",
        "final": "score of the forecast standing at the close",
        "relative": "own daily score minus the median daily score of the other forecasters "
        "that day, averaged over days where both exist; negative is better; undefined alone",
        "hindsight": "forecasts made on a day after the outcome occurred are never scored",
        "excluded_outcomes": ["annulled", "ambiguous"],
        "calibration": {
            "pairs": "final forecasts; multiple choice and ordered one-vs-rest per option",
            "bins": BIN_COUNT,
            "bin_rule": "left-closed [k/10, (k+1)/10), the last includes 1.0",
            "interval": "Wilson",
            "z": WILSON_Z,
            "callout_min_n": CALLOUT_MIN_N,
            "callout_min_gap": CALLOUT_MIN_GAP,
        },
        "team": list(TEAM_NAMES),
        "backfilled_after_hours": BACKFILL_THRESHOLD.total_seconds() / 3600,
        "live_only": live_only,
        "two_sided": two_sided,
    }


def read_day(value: str | date | None, *, today: date) -> date | None:
    """A day given as a date or as text (read as a past day, as outcomes are); None stays."""
    if value is None or isinstance(value, date):
        return value
    return parse_date(value, today=today, past=True).value


def as_of_moment(text: str | None, *, now: datetime) -> datetime:
    """When to score as of: `now` by default; a date means the end of that UTC day."""
    if text is None:
        return now
    if ":" not in text:
        day = parse_date(text, today=now.date(), past=True).value
        # A date means the end of that day; today's end has not come yet, so today means now.
        moment = (
            min(datetime.combine(day, time.max, UTC), now)
            if day <= now.date()
            else (datetime.combine(day, time.max, UTC))
        )
    else:
        moment = parse_moment(text, now=now)
    if moment > now:
        raise InputError(f"--as-of {minute_text(moment)} is in the future.")
    return moment


def _selected(
    session: Session, *, tag: str | None, source: str | None, question: str | None
) -> list[store.QuestionTuple]:
    if question is not None:
        if tag is not None or source is not None:
            raise InputError("--question names one question: leave out --tag and --source.")
        q = store.get_question(session, parse_question_ref(question))
        return [
            (
                q.id,
                q.slug,
                q.title,
                q.kind.value,
                json.dumps(list(q.options)),
                q.deadline,
                q.opened_on,
                q.created_at,
            )
        ]
    return store.questions_for_scoring(
        session,
        tag=tag.strip().lower() if tag else None,
        source=parse_source_ref(source) if source else None,
    )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a million small acyclic objects are made.

    Scores are tuples that never form cycles, but the collector would rescan the growing heap
    again and again: measured at a quarter of the run time on a million forecasts.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _score_rows(
    rows: Iterator[tuple[int, list[store.ForecastTuple]]],
    chosen: dict[int, ResolvedQuestion],
    excluded: dict[str, int],
    *,
    two_sided: bool,
    live_only: bool,
    outsiders: frozenset[str],
    observe: Observer | None = None,
) -> list[QuestionScore]:
    """Score streamed forecast rows question by question, in batches of questions.

    `observe`, if given, also sees each question with its parsed forecasts (for reviews that
    need more than the scores, without reading the forecasts twice)."""
    scores: list[QuestionScore] = []
    batch: list[tuple[ResolvedQuestion, list[ForecastRow]]] = []
    # Analysts type round numbers, so the same probability text recurs: parse it once.
    parsed: dict[str, tuple[float, ...]] = {}

    def score_batch() -> None:
        for result in score_questions(
            batch, two_sided=two_sided, live_only=live_only, outsiders=outsiders
        ):
            excluded["hindsight"] += result.hindsight
            excluded["after_close"] += result.after_close
            excluded["backfilled"] += result.backfilled_excluded
            scores.extend(result.scores)
        batch.clear()

    widest = 0  # the most forecasts on one question of the batch, squared, times options
    for question_id, group in rows:
        resolved = chosen[question_id]
        options = list(resolved.options)
        dated = []
        for name, day, backfilled, text in group:
            probabilities = parsed.get(text)
            if probabilities is None:
                values = json.loads(text)
                # Stored in option order; reorder only if a row says otherwise.
                ordered = (
                    values.values() if list(values) == options else (values[o] for o in options)
                )
                probabilities = tuple(ordered)
                if len(parsed) < PARSE_CACHE:
                    parsed[text] = probabilities
            dated.append((name, day, probabilities, backfilled))
        batch.append((resolved, dated))
        if observe is not None:
            observe(resolved, dated)
        widest = max(widest, len(group) * len(group) * len(options))
        size = len(batch)
        if size >= BATCH_MAX or (size >= BATCH_QUESTIONS and size * widest >= BATCH_CELLS):
            score_batch()
            widest = 0
    score_batch()

    return scores


@dataclass(frozen=True)
class ResolutionsAsOf:
    """The resolutions an as-of view uses, and those counted by the time they claim."""

    view: dict[int, Resolution]  # in force in the view, by question number
    claimed: dict[int, Resolution]  # in force now, with the outcome on or before the day


def resolutions_as_of(session: Session, rule: AsOf) -> ResolutionsAsOf:
    """Counted by claimed time, the resolution in force now counts if its outcome occurred by
    the as-of day (a later amendment corrects the past too); as recorded, the one in force as
    the record stood at the moment."""
    now_in_force = store.resolutions_in_force(session, recorded_by=None)
    claimed = {q: r for q, r in now_in_force.items() if rule.claims(r.occurred_on)}
    if not rule.as_recorded:
        return ResolutionsAsOf(claimed, claimed)
    return ResolutionsAsOf(store.resolutions_in_force(session, recorded_by=rule.moment), claimed)


def report_forecasters(session: Session, rule: AsOf) -> frozenset[str]:
    """The forecasters that speak for a report in the view: as recorded, those named by the
    moment; counted by claimed time, every one named now (naming claims no time of its own, and
    what a forecaster is does not change with the day looked at)."""
    return store.source_forecasters(session, added_by=rule.moment if rule.as_recorded else None)


def score_ledger(
    *,
    session: Session,
    as_of: datetime,
    forecaster: str | None = None,
    tag: str | None = None,
    source: str | None = None,
    question: str | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
    two_sided: bool = False,
    live_only: bool = False,
    as_recorded: bool = False,
    observe: Observer | None = None,
    check_chain: bool = True,
    allow_broken_chain: bool = False,
    only: Collection[int] | None = None,
) -> ScoreReport:
    """Score every resolved question that matches the filters, as the record stood at `as_of`.

    Records count by the time they claim (`AsOf`); with `as_recorded`, only what was recorded
    by `as_of` counts. Either way the report's `as_of_rule` says how many records claim a time
    by `as_of` but were recorded after it (counted, or left out as recorded).
    `since`/`until` select on the day the outcome occurred (inclusive). `forecaster` limits what
    is shown, not what is scored: relative scores and team aggregates still use everyone.
    Annulled and ambiguous questions are counted, not scored. The record is checked first
    (services/integrity.py; `check_chain` False: the caller did): a record changed behind
    tracker's back raises TamperedRecordError unless `allow_broken_chain`. `only`: only these
    questions (by number) are read at all, for scores and for the as-of rule's counts.
    """
    record = require_intact(session, allow_broken=allow_broken_chain) if check_chain else None
    rule = AsOf(as_of, as_recorded)
    today = as_of.date()
    first = read_day(since, today=today)
    last = read_day(until, today=today)
    if first and last and first > last:
        raise InputError(f"--since {first} is after --until {last}.")
    if first and first > today:
        raise InputError(f"--since {first} is after the day scored as of, {today}.")
    if source is not None:
        store.get_source(session, parse_source_ref(source))

    def in_period(day: date) -> bool:
        return not ((first and day < first) or (last and day > last))

    resolutions = resolutions_as_of(session, rule)
    excluded = {"annulled": 0, "ambiguous": 0, "hindsight": 0, "after_close": 0, "backfilled": 0}
    chosen: dict[int, ResolvedQuestion] = {}
    titles: dict[str, str] = {}
    # What the view counts by claimed time (the same either way): the note counts those of its
    # records that were recorded after the moment, and reads the forecasts of `claimed_scope`.
    later = {"questions": 0, "forecasts": 0, "resolutions": 0}
    claimed_scope: set[int] = set()
    option_lists: dict[str, tuple[str, ...]] = {}
    kinds = {k.value: k for k in QuestionKind}
    for number, slug, title, kind, options_json, deadline, opened_on, created_at in _selected(
        session, tag=tag, source=source, question=question
    ):
        if only is not None and number not in only:
            continue
        claimed = resolutions.claimed.get(number)
        if claimed is not None and rule.claims(opened_on) and in_period(claimed.occurred_on):
            later["questions"] += rule.recorded_later(created_at)
            later["resolutions"] += rule.recorded_later(claimed.recorded_at)
            if claimed.status is OutcomeStatus.OPTION:
                claimed_scope.add(number)
        resolution = resolutions.view.get(number)
        if resolution is None or not rule.counts_question(opened_on, created_at):
            continue
        if not in_period(resolution.occurred_on):
            continue
        if resolution.status is not OutcomeStatus.OPTION:
            excluded[resolution.status.value] += 1
            continue
        assert resolution.outcome is not None
        # A hundred thousand questions share a few option lists and kinds: read each once.
        options = option_lists.get(options_json)
        if options is None:
            options = option_lists[options_json] = tuple(json.loads(options_json))
        key = slug or str(number)
        chosen[number] = ResolvedQuestion(
            key=key,
            kind=kinds[kind],
            options=options,
            opened_on=opened_on,
            deadline=deadline,
            occurred_on=resolution.occurred_on,
            outcome=options.index(resolution.outcome),
        )
        titles[key] = title
    # Every question read is settled: what scoring needs of its resolution is in `chosen`.
    del resolutions

    outsiders = report_forecasters(session, rule)
    streamed = store.stream_forecasts(
        session,
        question_ids=sorted(claimed_scope | chosen.keys()),
        as_of=as_of,
        as_recorded=as_recorded,
        live_only=live_only,
    )

    def scored_rows() -> Iterator[tuple[int, list[store.ForecastTuple]]]:
        for number, group, recorded_later in streamed:
            if number in claimed_scope:
                later["forecasts"] += recorded_later
            if group and number in chosen:
                yield number, group

    with _no_cyclic_gc():
        scores = _score_rows(
            scored_rows(),
            chosen,
            excluded,
            two_sided=two_sided,
            live_only=live_only,
            outsiders=outsiders,
            observe=observe,
        )

    if forecaster is not None:
        if forecaster not in store.forecaster_names(session) and forecaster not in TEAM_NAMES:
            raise InputError(f"No forecaster {forecaster!r}. See who has forecast: tracker list")
        scores = [s for s in scores if s.forecaster == forecaster]
    by_name: dict[str, list[QuestionScore]] = {}
    for s in scores:
        by_name.setdefault(s.forecaster, []).append(s)
    order = sorted(by_name, key=lambda n: (n in TEAM_NAMES, n.casefold()))
    return ScoreReport(
        as_of=as_of,
        conventions=conventions(two_sided=two_sided, live_only=live_only),
        forecasters=[summarise(name, by_name[name]) for name in order],
        questions=scores,
        titles=titles,
        excluded=excluded,
        report_forecasters=outsiders,
        resolved={q.key: q for q in chosen.values()},
        record_head=None if record is None else str(record.head),
        record_findings=() if record is None else tuple(f.message for f in record.findings),
        as_of_rule=AsOfNote(rule.counted_by, **later),
    )
