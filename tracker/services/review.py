"""`tracker report` and `tracker retro`: build a periodic review or a retrospective's data."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from tracker.domain import noise, units
from tracker.domain.blind import EVERYONE, Viewer
from tracker.domain.brief import retro_brief, review_brief
from tracker.domain.history import HistorySection, Settlement
from tracker.domain.model import OutcomeStatus, QuestionKind, Resolution, Source, parse_source_ref
from tracker.domain.review import (
    Estimate,
    FollowUp,
    Headline,
    HorizonTable,
    OpenQuestion,
    Period,
    PromptInputs,
    Retro,
    RetroRow,
    Review,
    ReviewedQuestion,
    SourceAccuracy,
    against_team,
    beats,
    best_calls,
    biggest_misses,
    calibration_by_quarter,
    count_headline,
    disagreements,
    discussion_prompts,
    estimate,
    headline,
    latest_quarter_change,
    overconfidence_by_forecaster,
    parse_period,
    period_between,
    pooling_change,
    skill,
    team_verdict,
)
from tracker.domain.scoring import (
    TEAM_MEDIAN,
    TEAM_NAMES,
    AsOf,
    AsOfNote,
    ForecastRow,
    QuestionScore,
    ResolvedQuestion,
    ScoreReport,
    calibration_arrays,
    calibration_of,
)
from tracker.domain.versions import criteria_changed_after
from tracker.errors import InputError
from tracker.services.history import HistoryItem, document_histories, report_forecasters_of
from tracker.services.integrity import RecordCheck, require_intact
from tracker.services.scoring import (
    read_day,
    report_forecasters,
    resolutions_as_of,
    score_ledger,
)
from tracker.storage import ledger as store
from tracker.storage.database import Session

#: Reports: how it is going (stage, done, total); the CLI turns it into a progress bar.
Progress = Callable[[str, int, int], None]

#: Follow-up defaults: deadlines this close are "due soon"; forecasts this old are "stale".
DUE_WITHIN_DAYS = 30
STALE_AFTER_DAYS = 30
#: Longer follow-up windows than a century mean a typo.
MAX_FOLLOW_UP_DAYS = 36_500


def choose_period(
    *, period: str | None, since: str | date | None, until: str | date | None, today: date
) -> Period:
    """The period from `--period`, or from `--since/--until` (all time if none is given)."""
    if period is not None:
        if since is not None or until is not None:
            raise InputError("--period names the whole period: leave out --since and --until.")
        return parse_period(period)
    return period_between(read_day(since, today=today), read_day(until, today=today))


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class _Record:
    """What several sections of a review read from the ledger, read once."""

    rule: AsOf
    resolutions: dict[int, Resolution]  # in force in the view, by question number
    claimed: dict[int, Resolution]  # counted by claimed time (see `resolutions_as_of`)
    sources: dict[int, Source]
    question_sources: dict[int, int]  # question number -> source id


def _read_record(session: Session, *, rule: AsOf) -> _Record:
    resolutions = resolutions_as_of(session, rule)
    return _Record(
        rule=rule,
        resolutions=resolutions.view,
        claimed=resolutions.claimed,
        sources={src.id: src for src in store.list_sources(session)},
        question_sources=store.question_sources(session),
    )


def _score(
    session: Session,
    *,
    as_of: datetime,
    period: Period,
    tag: str | None,
    source: str | None,
    live_only: bool,
    as_recorded: bool,
    progress: Progress,
    stage: str,
    observe: Callable[[ResolvedQuestion, list[ForecastRow]], None] | None = None,
    only: Collection[int] | None = None,
) -> ScoreReport:
    seen = 0

    def watch(question: ResolvedQuestion, forecasts: list[ForecastRow]) -> None:
        nonlocal seen
        seen += 1
        if seen % 256 == 0:
            progress(stage, seen, 0)
        if observe is not None:
            observe(question, forecasts)

    report = score_ledger(
        session=session,
        as_of=as_of,
        tag=tag,
        source=source,
        since=period.first,
        until=period.last,
        live_only=live_only,
        as_recorded=as_recorded,
        observe=watch,
        check_chain=False,  # the caller checked it
        only=only,
    )
    progress(stage, seen, seen)
    return report


def _check_forecaster(session: Session, forecaster: str | None, viewer: Viewer = EVERYONE) -> None:
    if forecaster is not None and forecaster not in store.visible_forecaster_names(session, viewer):
        raise InputError(f"No forecaster {forecaster!r}. See who has forecast: tracker list")


def _shown(scores: Sequence[QuestionScore], forecaster: str | None) -> list[QuestionScore]:
    """With --forecaster: that forecaster's scores, and the team's on the same questions."""
    if forecaster is None:
        return list(scores)
    theirs = {s.question for s in scores if s.forecaster == forecaster}
    return [
        s
        for s in scores
        if s.question in theirs and (s.forecaster == forecaster or s.forecaster in TEAM_NAMES)
    ]


def _binary_mean(scores: Sequence[QuestionScore], *, final: bool = False) -> float | None:
    values = [
        s.final_score if final else s.time_weighted for s in scores if s.kind is QuestionKind.BINARY
    ]
    return sum(values) / len(values) if values else None


def _headline(
    current: ScoreReport, previous: ScoreReport | None, *, forecaster: str | None
) -> list[Headline]:
    """The headline figures: counts, then means over questions judged against the previous
    period's by a bootstrap over questions (tracker.domain.noise). No averaged signed figure
    (overconfidence is shown forecaster by forecaster)."""

    def parts(report: ScoreReport) -> tuple[list[QuestionScore], ...]:
        scores = _shown(report.questions, forecaster)
        # One forecaster's review shows that forecaster's figures, even a report's.
        members = [
            s
            for s in scores
            if s.forecaster not in TEAM_NAMES
            and (s.forecaster == forecaster or s.forecaster not in report.report_forecasters)
        ]
        team = [s for s in scores if s.forecaster == TEAM_MEDIAN]
        return scores, members, team

    def samples(
        scores: tuple[list[QuestionScore], ...],
        figures: list[tuple[int, QuestionKind | None, bool]],
    ) -> list[noise.Sample]:
        keys = sorted({s.question for s in scores[0]})
        columns = []
        for side, kind, coverage in figures:
            chosen = [s for s in scores[side] if kind is None or s.kind is kind]
            values = [s.coverage if coverage else s.time_weighted for s in chosen]
            columns.append(([s.question for s in chosen], values))
        return noise.aligned_samples(keys, columns)

    def excluded(report: ScoreReport) -> int | None:
        # Annulled questions have no scores, so one forecaster's review cannot count theirs.
        if forecaster is not None:
            return None
        return report.excluded.get("annulled", 0) + report.excluded.get("ambiguous", 0)

    now = parts(current)
    before = parts(previous) if previous is not None else None
    who = f"{forecaster}'s" if forecaster else "analysts'"
    # Each count says whom it counts: the questions are those anyone shown was scored on (a
    # report's forecaster included), the forecasters are the analysts only (docs/reviews.md).
    rows = [
        count_headline(
            "questions scored (analysts or reports)"
            if forecaster is None
            else f"questions scored ({forecaster})",
            "questions_scored",
            len({s.question for s in now[0]}),
            len({s.question for s in before[0]}) if before else None,
            card=True,
        ),
        count_headline(
            "annulled or ambiguous",
            "annulled_or_ambiguous",
            excluded(current),
            excluded(previous) if previous is not None else None,
        ),
    ]
    if forecaster is None:
        rows.append(
            count_headline(
                "analysts scored (reports not counted)",
                "analysts_scored",
                len({s.forecaster for s in now[1]}),
                len({s.forecaster for s in before[1]}) if before else None,
            )
        )
    means = [
        (f"{who} Brier score (yes/no questions, time-weighted)", "brier", 1, QuestionKind.BINARY),
        ("team median's Brier score (yes/no questions)", "team_brier", 2, QuestionKind.BINARY),
        (
            "team median's Brier sum (multiple choice)",
            "team_brier_multi",
            2,
            QuestionKind.MULTIPLE_CHOICE,
        ),
        ("team median's RPS (ordered questions)", "team_rps", 2, QuestionKind.ORDERED),
        (f"{who} coverage of question windows", "coverage", 1, None),
    ]
    # One bootstrap per period for all the figures (each period's questions resampled once).
    shapes = [(side, kind, key == "coverage") for _, key, side, kind in means]
    current_samples = samples(now, shapes)
    previous_samples = samples(before, shapes) if before is not None else None
    changes = (
        noise.changes_between(current_samples, previous_samples, stream=1)
        if previous_samples is not None
        else [None] * len(means)
    )
    for i, (name, key, _side, _kind) in enumerate(means):
        rows.append(
            headline(
                name,
                key,
                current_samples[i],
                previous_samples[i] if previous_samples is not None else None,
                better=units.unit_of(key).better or "lower",
                change=changes[i],
                card=key in ("brier", "team_brier", "coverage"),
            )
        )
    return rows


def _reviewed_questions(
    report: ScoreReport,
    *,
    record: _Record,
    period: Period,
    forecaster: str | None,
    keys: dict[str, int],
    titles: dict[str, str],
) -> list[ReviewedQuestion]:
    by_question: dict[str, list[QuestionScore]] = {}
    for s in _shown(report.questions, forecaster):
        by_question.setdefault(s.question, []).append(s)

    def order(s: QuestionScore) -> tuple[int, str]:
        role = (
            2
            if s.forecaster in TEAM_NAMES
            else 1
            if s.forecaster in report.report_forecasters
            else 0
        )
        return role, s.forecaster.casefold()

    reviewed = []
    for key, number in keys.items():
        resolution = record.resolutions.get(number)
        if resolution is None or not period.contains(resolution.occurred_on):
            continue
        scored = key in by_question
        if resolution.status is OutcomeStatus.OPTION and not scored:
            continue  # nobody's forecast counted (or not the chosen forecaster's)
        if forecaster is not None and not scored:
            continue
        reviewed.append(
            ReviewedQuestion(
                key=key,
                number=number,
                title=titles[key],
                status=resolution.status.value,
                outcome=resolution.label,
                occurred_on=resolution.occurred_on,
                evidence=resolution.evidence,
                scores=sorted(by_question.get(key, []), key=order),
                source=_source_key(record, number),
            )
        )
    reviewed.sort(key=lambda q: (q.occurred_on, q.number))
    return reviewed


def _with_versions(
    session: Session, reviewed: list[ReviewedQuestion], *, as_of: datetime
) -> list[ReviewedQuestion]:
    """The reviewed questions with their clarifications (tracker clarify): the version in
    force, whether the criteria changed after forecasts were made, and per forecaster the
    versions its forecasts (made by `as_of`) were made under."""
    clarified = _clarified(session, [q.number for q in reviewed], as_of=as_of)
    return [
        q
        if q.number not in clarified
        else replace(
            q,
            version=clarified[q.number][0],
            criteria_changed=clarified[q.number][1],
            versions_seen=clarified[q.number][2],
        )
        for q in reviewed
    ]


def _clarified(
    session: Session, numbers: Sequence[int], *, as_of: datetime
) -> dict[int, tuple[int, bool, dict[str, tuple[int, ...]]]]:
    """For each clarified question among `numbers`: the version in force, whether its
    criteria changed after forecasts (made by `as_of`) were made, and per forecaster the
    versions those forecasts were made under."""
    versions = store.question_versions(session, numbers)
    clarified = [n for n in numbers if len(versions[n]) > 1]
    found = {}
    for number, forecasts in store.forecasts_for(session, clarified).items():
        made = [f for f in forecasts if f.made_at <= as_of]
        seen: dict[str, set[int]] = {}
        for f in made:
            seen.setdefault(f.forecaster, set()).add(f.question_version)
        found[number] = (
            len(versions[number]),
            criteria_changed_after(versions[number], [f.question_version for f in made]),
            {name: tuple(sorted(v)) for name, v in sorted(seen.items())},
        )
    return found


def _criteria_changed(
    session: Session, keys: dict[str, int], scores: Sequence[QuestionScore], *, as_of: datetime
) -> tuple[str, ...]:
    """The keys of the scored questions whose criteria changed after forecasts were made."""
    scored = sorted({keys[s.question] for s in scores if s.question in keys})
    changed = _clarified(session, scored, as_of=as_of)
    by_number = {number: key for key, number in keys.items()}
    return tuple(by_number[n] for n in scored if n in changed and changed[n][1])


def _source_key(record: _Record, number: int) -> str | None:
    found = record.sources.get(record.question_sources.get(number, -1))
    return found.key if found else None


def _question_keys(
    session: Session, *, tag: str | None, source: str | None
) -> tuple[dict[str, int], dict[str, str], list[store.QuestionTuple]]:
    rows = store.questions_for_scoring(
        session,
        tag=tag.strip().lower() if tag else None,
        source=parse_source_ref(source) if source else None,
    )
    keys = {(slug or str(number)): number for number, slug, *_ in rows}
    titles = {(slug or str(number)): title for number, slug, title, *_ in rows}
    return keys, titles, rows


def _by_source(
    report: ScoreReport,
    *,
    record: _Record,
    keys: dict[str, int],
    rows: list[store.QuestionTuple],
    forecaster: str | None,
    by: str = "source",
) -> list[SourceAccuracy]:
    """Accuracy per source (or per author: all the sources of one author and organisation):
    questions taken and resolved, the report's forecaster, the analysts and the team median."""
    question_sources, sources = record.question_sources, record.sources

    def group_of(source_id: int) -> str:
        # By author: all of an author's reports, whatever organisation published them; a
        # report without an author goes by its organisation, and without either stays alone.
        src = sources[source_id]
        if by == "source":
            return src.key
        return src.author or src.organisation or f"{src.key} (no author)"

    taken: dict[str, int] = {}
    for number, *_, opened_on, created_at in rows:  # the questions the filters select, then
        found = question_sources.get(number)
        if found is not None and record.rule.counts_question(opened_on, created_at):
            group = group_of(found)
            taken[group] = taken.get(group, 0) + 1
    of_group: dict[str, list[QuestionScore]] = {}
    for s in report.questions:
        found = question_sources.get(keys.get(s.question, -1))
        if found is not None:
            of_group.setdefault(group_of(found), []).append(s)
    members: dict[str, list[Source]] = {}
    for src in sources.values():
        members.setdefault(group_of(src.id), []).append(src)
    found_rows = []
    for group, group_sources in members.items():
        scores = of_group.get(group, [])
        if not scores:
            continue
        voices = {
            src.forecaster for src in group_sources if src.forecaster in report.report_forecasters
        }
        own = [s for s in scores if s.forecaster in voices]
        analysts = [
            s
            for s in scores
            if s.forecaster not in TEAM_NAMES
            and (
                s.forecaster == forecaster
                if forecaster is not None
                else s.forecaster not in report.report_forecasters
            )
        ]
        team = {s.question: s for s in scores if s.forecaster == TEAM_MEDIAN}
        compared = [s for s in own if s.question in team]

        def brier(group: Sequence[QuestionScore]) -> Estimate:
            return estimate([s.time_weighted for s in group if s.kind is QuestionKind.BINARY])

        def skilled(group: Sequence[QuestionScore]) -> Estimate:
            return estimate([skill(s, len(report.resolved[s.question].options)) for s in group])

        first = group_sources[0]
        single = len(group_sources) == 1
        found_rows.append(
            SourceAccuracy(
                key=group,
                title=first.title
                if single
                else f"{len(group_sources)} reports: " + "; ".join(x.title for x in group_sources),
                author=first.author,
                organisation=first.organisation,
                forecaster=", ".join(sorted(voices)) or None,
                questions=taken.get(group, 0),
                resolved=len({s.question for s in scores}),
                report=brier(own),
                report_final=_binary_mean(own, final=True),
                analysts=brier(analysts),
                team=brier(list(team.values())),
                report_wins=sum(
                    beats(s.time_weighted, team[s.question].time_weighted) for s in compared
                ),
                report_compared=len(compared),
                report_skill=skilled(own),
                analysts_skill=skilled(analysts),
                team_skill=skilled(list(team.values())),
            )
        )
    found_rows.sort(key=lambda r: r.key.casefold())
    return found_rows


def accuracy_by(
    *,
    session: Session,
    as_of: datetime,
    by: str,
    tag: str | None = None,
    source: str | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
    live_only: bool = False,
    as_recorded: bool = False,
    checked: RecordCheck | None = None,
    allow_broken_chain: bool = False,
) -> tuple[list[SourceAccuracy], AsOfNote]:
    """`tracker score --by source|author`: how each report's (or author's) expectations scored,
    and how the analysts did on its questions; with what the as-of rule counted (see
    `score_ledger`). Raises InputError, and TamperedRecordError for a record changed behind
    tracker's back (unless `allow_broken_chain`, or the caller checked it: `checked`)."""
    if by not in ("source", "author"):
        raise InputError(f"--by {by!r}: use source or author.")
    if checked is None:
        require_intact(session, allow_broken=allow_broken_chain)
    period = choose_period(period=None, since=since, until=until, today=as_of.date())
    keys, _titles, rows = _question_keys(session, tag=tag, source=source)
    record = _read_record(session, rule=AsOf(as_of, as_recorded))
    # Only questions taken from a report: the rows, and what the as-of rule counted, are theirs.
    report = _score(
        session,
        as_of=as_of,
        period=period,
        tag=tag,
        source=source,
        live_only=live_only,
        as_recorded=as_recorded,
        progress=_quiet,
        stage="",
        only=record.question_sources.keys(),
    )
    found = _by_source(
        report,
        record=record,
        keys=keys,
        rows=rows,
        forecaster=None,
        by=by,
    )
    return found, report.as_of_rule


def _follow_up(
    session: Session,
    *,
    record: _Record,
    rows: list[store.QuestionTuple],
    due_within_days: int,
    stale_after_days: int,
    outsiders: frozenset[str],
    viewer: Viewer = EVERYONE,
) -> tuple[FollowUp, AsOfNote]:
    """The follow-up lists, and what the as-of rule counted in them (open questions that claim
    an opening day by the moment, and their forecasts, recorded after it). A blind question
    whose forecasts `viewer` may not see is listed when overdue or due soon, marked hidden and
    without its figures, and never as stale or single-forecaster (that would tell)."""
    rule = record.rule
    today = rule.day
    open_rows = [
        r for r in rows if r[0] not in record.resolutions and rule.counts_question(r[6], r[7])
    ]
    # Open by claimed time (the same either way): where the note counts.
    claimed_open = [r for r in rows if r[0] not in record.claimed and rule.claims(r[6])]
    hidden = store.hidden_questions(session, viewer)
    activity = store.question_activity(
        session,
        question_ids=sorted(({r[0] for r in open_rows} | {r[0] for r in claimed_open}) - hidden),
        as_of=rule.moment,
        as_recorded=rule.as_recorded,
        people_excluding=outsiders,
    )
    note = AsOfNote(
        rule.counted_by,
        questions=sum(rule.recorded_later(r[7]) for r in claimed_open),
        forecasts=sum(activity.get(r[0], (None, 0, 0, 0))[3] for r in claimed_open),
    )
    overdue, due_soon, stale, single = [], [], [], []
    for number, slug, title, _kind, _options, deadline, _opened, _created in open_rows:
        last, people, count, _later = activity.get(number, (None, 0, 0, 0))
        if not count:
            last, people = None, 0
        item = OpenQuestion(
            key=slug or str(number),
            number=number,
            title=title,
            deadline=deadline,
            last_forecast_on=last.date() if last is not None else None,
            forecasters=None if number in hidden else people,
            forecasts=None if number in hidden else count,
            hidden=number in hidden,
        )
        if deadline < today:
            overdue.append(item)
            continue
        if deadline <= today + timedelta(days=due_within_days):
            due_soon.append(item)
        if item.hidden:
            continue
        if last is None or (today - last.date()).days > stale_after_days:
            stale.append(item)
        if people == 1:
            single.append(item)
    overdue.sort(key=lambda q: (q.deadline, q.number))
    due_soon.sort(key=lambda q: (q.deadline, q.number))
    stale.sort(key=lambda q: (q.last_forecast_on or date.min, q.number))
    single.sort(key=lambda q: (q.deadline, q.number))
    follow_up = FollowUp(overdue, due_soon, stale, single, due_within_days, stale_after_days)
    return follow_up, note


def build_review(
    *,
    session: Session,
    as_of: datetime,
    period: Period,
    tag: str | None = None,
    source: str | None = None,
    forecaster: str | None = None,
    live_only: bool = False,
    as_recorded: bool = False,
    stale_after_days: int = STALE_AFTER_DAYS,
    due_within_days: int = DUE_WITHIN_DAYS,
    progress: Progress = _quiet,
    allow_broken_chain: bool = False,
    viewer: Viewer = EVERYONE,
) -> Review:
    """The periodic accuracy review of the outcomes in `period`, as the record stood at `as_of`
    (records counted by the time they claim; with `as_recorded`, only what was recorded by then).

    `forecaster` narrows what is shown to one forecaster (and the team aggregates beside);
    everyone still counts in relative scores and aggregates. Raises InputError, and
    TamperedRecordError for a record changed behind tracker's back (unless
    `allow_broken_chain`: the review then carries the findings). `viewer`: who reads, for the
    open blind questions of the follow-up (tracker/domain/blind.py).
    """
    for name, days in (("--stale-days", stale_after_days), ("--due-within", due_within_days)):
        if not 1 <= days <= MAX_FOLLOW_UP_DAYS:
            raise InputError(
                f"{name} {days}: give a number of days from 1 to {MAX_FOLLOW_UP_DAYS}."
            )
    _check_forecaster(session, forecaster, viewer)
    if period.first is not None and period.first > as_of.date():
        raise InputError(f"The period {period.label} starts after --as-of {as_of:%Y-%m-%d}.")
    chain = require_intact(session, allow_broken=allow_broken_chain)
    keys, titles, rows = _question_keys(session, tag=tag, source=source)
    rule = AsOf(as_of, as_recorded)
    outsiders = report_forecasters(session, rule)
    horizons = HorizonTable(
        include=None if forecaster is None else frozenset({forecaster}),
        exclude=outsiders - {forecaster},
    )
    counts: dict[str, int] = {}  # forecasts per question: which histories to draw

    def _observe(question: ResolvedQuestion, forecasts: list[ForecastRow]) -> None:
        horizons.add(question, forecasts, live_only=live_only)
        counts[question.key] = len(forecasts)

    current = _score(
        session,
        as_of=as_of,
        period=period,
        tag=tag,
        source=source,
        live_only=live_only,
        as_recorded=as_recorded,
        progress=progress,
        stage=f"Scoring {period.label}",
        observe=lambda q, f: _observe(q, f),
    )
    previous_period = period.previous()
    previous = None
    if previous_period is not None:
        previous = _score(
            session,
            as_of=as_of,
            period=previous_period,
            tag=tag,
            source=source,
            live_only=live_only,
            as_recorded=as_recorded,
            progress=progress,
            stage=f"Scoring {previous_period.label}",
        )
    progress("Writing up", 0, 1)
    record = _read_record(session, rule=rule)
    follow_up, follow_up_note = _follow_up(
        session,
        record=record,
        rows=rows,
        due_within_days=due_within_days,
        stale_after_days=stale_after_days,
        outsiders=outsiders,
        viewer=viewer,
    )
    # The periods do not overlap, nor open questions with resolved ones: the counts add up.
    note = current.as_of_rule + follow_up_note
    if previous is not None:
        note = note + previous.as_of_rule
    shown = _shown(current.questions, forecaster)
    pooled = [s for s in shown if s.forecaster not in TEAM_NAMES]
    reviewed = _reviewed_questions(
        current,
        record=record,
        period=period,
        forecaster=forecaster,
        keys=keys,
        titles=titles,
    )
    histories = document_histories(
        session,
        items=[
            HistoryItem(q.number, q.key, q.title, record.resolutions[q.number]) for q in reviewed
        ],
        questions=rows,
        rule=rule,
        live_only=live_only,
        report_of=report_forecasters_of(record.sources, record.question_sources),
        outsiders=outsiders,
        counts=counts,
        forecaster=forecaster,
    )
    figures = _headline(current, previous, forecaster=forecaster)
    misses = biggest_misses(shown, current.resolved)
    calls = best_calls(shown, current.resolved)
    by_key = {h.key: h for h in figures}
    brief = review_brief(
        period=period.label,
        previous=previous_period.label if previous_period is not None else None,
        analysts=by_key.get("brier"),
        team=by_key.get("team_brier") if forecaster is None else None,
        best=calls[0] if calls else None,
        worst=misses[0] if misses else None,
        titles=current.titles,
        overdue=follow_up.overdue,
        subject=f"{forecaster}'s Brier score" if forecaster else "the analysts' Brier score",
    )
    shown_forecasters = [
        f
        for f in current.forecasters
        if forecaster is None or f.forecaster == forecaster or f.forecaster in TEAM_NAMES
    ]
    review = Review(
        period=period,
        previous=previous_period,
        as_of=as_of,
        filters={
            "tag": tag,
            "source": source,
            "forecaster": forecaster,
            "live_only": live_only,
            "as_recorded": as_recorded,
            "due_within_days": due_within_days,
            "stale_after_days": stale_after_days,
        },
        headline=figures,
        questions=_with_versions(session, reviewed, as_of=as_of),
        misses=misses,
        calls=calls,
        calibration=calibration_of(*calibration_arrays(pooled)),
        forecasters=shown_forecasters,
        by_source=_by_source(current, record=record, keys=keys, rows=rows, forecaster=forecaster),
        by_author=_by_source(
            current,
            record=record,
            keys=keys,
            rows=rows,
            forecaster=forecaster,
            by="author",
        ),
        horizons=horizons.rows(),
        follow_up=follow_up,
        conventions=current.conventions,
        excluded=current.excluded,
        titles=current.titles,
        report_forecasters=current.report_forecasters,
        record_head=str(chain.head),
        record_findings=tuple(f.message for f in chain.findings),
        as_of_rule=note,
        histories=histories,
        brief=brief,
        overconfidence=overconfidence_by_forecaster(
            shown, [f.forecaster for f in shown_forecasters]
        ),
    )
    progress("Writing up", 1, 1)
    return review


def build_retro(
    *,
    session: Session,
    as_of: datetime,
    period: Period,
    tag: str | None = None,
    source: str | None = None,
    live_only: bool = False,
    as_recorded: bool = False,
    progress: Progress = _quiet,
    allow_broken_chain: bool = False,
) -> Retro:
    """The team calibration retrospective over `period` (all time by default). Raises
    InputError, and TamperedRecordError as `build_review` does."""
    if period.first is not None and period.first > as_of.date():
        raise InputError(f"The period {period.label} starts after --as-of {as_of:%Y-%m-%d}.")
    chain = require_intact(session, allow_broken=allow_broken_chain)
    keys, _titles, question_rows = _question_keys(session, tag=tag, source=source)
    counts: dict[str, int] = {}  # forecasts per question: which histories to draw
    report = _score(
        session,
        as_of=as_of,
        period=period,
        tag=tag,
        source=source,
        live_only=live_only,
        as_recorded=as_recorded,
        progress=progress,
        stage=f"Scoring {period.label}",
        observe=lambda q, f: counts.__setitem__(q.key, len(f)),
    )
    progress("Writing up", 0, 1)
    outsiders = report.report_forecasters
    versus = {a.forecaster: a for a in against_team(report.questions)}
    by_name: dict[str, list[QuestionScore]] = {}
    for s in report.questions:
        by_name.setdefault(s.forecaster, []).append(s)

    def role(name: str) -> str:
        return "team" if name in TEAM_NAMES else "report" if name in outsiders else "analyst"

    order = {"analyst": 0, "report": 1, "team": 2}
    rows = [
        RetroRow(
            summary=summary,
            time_weighted=estimate(
                [
                    s.time_weighted
                    for s in by_name[summary.forecaster]
                    if s.kind is QuestionKind.BINARY
                ]
            ),
            relative=estimate(
                [
                    s.relative
                    for s in by_name[summary.forecaster]
                    if s.kind is QuestionKind.BINARY and s.relative is not None
                ]
            ),
            against=versus.get(summary.forecaster),
            role=role(summary.forecaster),
        )
        for summary in report.forecasters
    ]
    rows.sort(key=lambda r: (order[r.role], r.summary.forecaster.casefold()))
    members_only = [a for a in versus.values() if a.forecaster not in outsiders]
    verdict = team_verdict(members_only)
    spread = disagreements(report.questions, report.resolved, outsiders=outsiders)
    tag_of = store.question_tags(session)
    tags = {key: tag_of.get(number, ()) for key, number in keys.items()}
    leaning = overconfidence_by_forecaster(report.questions, [r.summary.forecaster for r in rows])
    pooling = pooling_change(report.questions, verdict)
    prompts = discussion_prompts(
        PromptInputs(
            scores=report.questions,
            tags=tags,
            outsiders=outsiders,
            pooling=pooling,
            overconfidence=[o for o, r in zip(leaning, rows, strict=True) if r.role == "analyst"],
        )
    )
    # What is overdue, as in the review's follow-up (the retrospective has no other use for it).
    record = _read_record(session, rule=AsOf(as_of, as_recorded))
    follow_up, _ = _follow_up(
        session,
        record=record,
        rows=question_rows,
        due_within_days=DUE_WITHIN_DAYS,
        stale_after_days=STALE_AFTER_DAYS,
        outsiders=outsiders,
    )
    ranked = [s for s in report.questions if s.forecaster not in TEAM_NAMES]
    calls = best_calls(ranked, report.resolved, top=1)
    misses = biggest_misses(ranked, report.resolved, top=1)
    brief = retro_brief(
        quarters=latest_quarter_change(report.questions, report.resolved, outsiders=outsiders),
        verdict=verdict,
        pooling=pooling,
        best=calls[0] if calls else None,
        worst=misses[0] if misses else None,
        titles=report.titles,
        overdue=follow_up.overdue,
    )
    retro = Retro(
        period=period,
        as_of=as_of,
        filters={
            "tag": tag,
            "source": source,
            "live_only": live_only,
            "as_recorded": as_recorded,
        },
        rows=rows,
        verdict=verdict,
        disagreements=spread,
        quarters=calibration_by_quarter(report.questions, report.resolved),
        prompts=prompts,
        conventions=report.conventions,
        excluded=report.excluded,
        titles=report.titles,
        # Questions someone (an analyst or a report) was scored on: a question resolved with
        # no forecast that counts is not one.
        questions=len({s.question for s in report.questions}),
        record_head=str(chain.head),
        record_findings=tuple(f.message for f in chain.findings),
        as_of_rule=report.as_of_rule,
        histories=_retro_histories(
            session,
            report,
            keys=keys,
            questions=question_rows,
            counts=counts,
            rule=AsOf(as_of, as_recorded),
            live_only=live_only,
        ),
        brief=brief,
        overconfidence=leaning,
        criteria_changed=_criteria_changed(session, keys, report.questions, as_of=as_of),
    )
    progress("Writing up", 1, 1)
    return retro


def _retro_histories(
    session: Session,
    report: ScoreReport,
    *,
    keys: dict[str, int],
    questions: list[store.QuestionTuple],
    counts: dict[str, int],
    rule: AsOf,
    live_only: bool,
) -> HistorySection:
    """The histories of the questions a retrospective scored, in the order they resolved."""
    scored = {s.question for s in report.questions}
    resolved = sorted(
        (report.resolved[key] for key in scored), key=lambda q: (q.occurred_on, keys[q.key])
    )
    items = [
        HistoryItem(
            keys[q.key],
            q.key,
            report.titles[q.key],
            Settlement(OutcomeStatus.OPTION, q.options[q.outcome], q.occurred_on),
        )
        for q in resolved
    ]
    sources = {src.id: src for src in store.list_sources(session)}
    return document_histories(
        session,
        items=items,
        questions=questions,
        rule=rule,
        live_only=live_only,
        report_of=report_forecasters_of(sources, store.question_sources(session)),
        outsiders=report.report_forecasters,
        counts=counts,
    )
