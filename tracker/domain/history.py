"""How a question moved: each forecaster's standing forecast over time, and the team median's.

Pure: no I/O and no clock (`as_of` is a parameter). Times are when things happened (`made_at`),
in UTC. A forecaster's line is a step series: each forecast stands from the moment it was made
until the same forecaster's next one (docs/reviews.md, "How each question moved").

One number is drawn per moment: for a binary question the chance of `yes`; for a
multiple-choice or ordered question the chance given to the option that happened (to the
option the team median favours last while the question is open, annulled or ambiguous), so
that every line reads "how close to the truth was this forecaster, and when".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from tracker.domain.model import (
    Forecast,
    OutcomeStatus,
    QuestionKind,
    forecast_order,
)

#: The team median's name, as scoring names it (`scoring.TEAM_MEDIAN`; not imported from there:
#: `tracker show` draws a history and must not load numpy).
TEAM_MEDIAN = "team (median)"

#: Roles of a line: an analyst (a member of the team), a report's own forecast (a source's
#: forecaster: scored, but not a member of the team median) and the team median.
ANALYST = "analyst"
REPORT = "report"
TEAM = "team"


@dataclass(frozen=True)
class Step:
    """From `at` until the next step (or the end of the line), the standing probability."""

    at: datetime
    probability: float
    backfilled: bool = False  # recorded more than BACKFILL_THRESHOLD after it was made


@dataclass(frozen=True)
class Line:
    """One forecaster's (or the team median's) standing forecast over the question's life."""

    forecaster: str
    role: str  # ANALYST, REPORT or TEAM
    steps: tuple[Step, ...]
    forecasts: int  # forecasts drawn (the team median: 0)

    @property
    def first(self) -> float:
        """The first probability of the line."""
        return self.steps[0].probability

    @property
    def last(self) -> float:
        """The probability standing at the end of the line."""
        return self.steps[-1].probability

    def standing_at(self, moment: datetime) -> float | None:
        """The probability standing at `moment` (the last step at or before it), or None."""
        found = None
        for step in self.steps:
            if step.at > moment:
                break
            found = step.probability
        return found


@dataclass(frozen=True)
class QuestionHistory:
    """Everything a history chart of one question draws."""

    key: str
    number: int
    title: str
    kind: QuestionKind
    option: str  # the option whose probability is drawn
    start: datetime  # the opening day, 00:00 UTC
    end: datetime  # where the lines stop: the end of the close day, or `as_of` while open
    deadline: date
    status: str  # "open", or the resolution's status (option, annulled, ambiguous)
    outcome: str | None  # the outcome as shown (an option, annulled, ambiguous), None if open
    occurred_on: date | None
    happened: bool | None  # did the drawn option happen (None: not settled by an option)
    lines: tuple[Line, ...]  # analysts by name, then the reports' forecasts
    team: Line | None  # the team median (None when no analyst forecast)
    clarifications: tuple[datetime, ...] = ()
    after_close: int = 0  # forecasts made after the close day: not drawn (nor scored)
    report_forecaster: str | None = None  # the question's source's forecaster, if any

    @property
    def deadline_end(self) -> datetime:
        """The end of the deadline day (a deadline is inclusive)."""
        return _day_start(self.deadline + timedelta(days=1))

    @property
    def deadline_on_axis(self) -> bool:
        """Whether a chart's time axis reaches the deadline: it does unless the deadline falls
        more than half the lines' span beyond their end (the lines would be squeezed left)."""
        span = max(self.end - self.start, timedelta(days=1))
        return self.deadline_end <= self.end + span / 2

    @property
    def axis_end(self) -> datetime:
        """Where a chart's time axis ends: the end of the lines, or of the deadline day when
        that is later and `deadline_on_axis`."""
        return max(self.end, self.deadline_end) if self.deadline_on_axis else self.end

    @property
    def backfilled(self) -> int:
        """How many of the drawn forecasts were backfilled."""
        return sum(step.backfilled for line in self.lines for step in line.steps)

    @property
    def forecasts(self) -> int:
        """How many forecasts are drawn."""
        return sum(line.forecasts for line in self.lines)


@dataclass(frozen=True)
class HistorySection:
    """The histories a review or retrospective draws, and how many it left out for length."""

    histories: tuple[QuestionHistory, ...] = ()
    omitted: int = 0
    limit: int = 0


class Settled(Protocol):
    """How a question was settled, as a history needs it (a `Resolution` is one)."""

    @property
    def status(self) -> OutcomeStatus: ...

    @property
    def outcome(self) -> str | None: ...

    @property
    def occurred_on(self) -> date: ...


@dataclass(frozen=True)
class Settlement:
    """A `Settled` made from what scoring read (the retrospective has no `Resolution`)."""

    status: OutcomeStatus
    outcome: str | None
    occurred_on: date


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _close_end(resolution: Settled | None, deadline: date) -> datetime | None:
    """The end of the close day (the outcome day or the deadline, whichever is earlier)."""
    if resolution is None:
        return None
    return _day_start(min(resolution.occurred_on, deadline) + timedelta(days=1))


@dataclass
class _Track:
    """One forecaster's steps, with the full probabilities the team median needs."""

    role: str
    moments: list[datetime] = field(default_factory=list)
    vectors: list[tuple[float, ...]] = field(default_factory=list)
    backfilled: list[bool] = field(default_factory=list)
    count: int = 0

    def add(self, moment: datetime, vector: tuple[float, ...], backfilled: bool) -> None:
        self.count += 1
        if self.moments and self.moments[-1] == moment:  # the later one stands
            self.vectors[-1], self.backfilled[-1] = vector, backfilled
            return
        self.moments.append(moment)
        self.vectors.append(vector)
        self.backfilled.append(backfilled)

    def standing(self, moment: datetime) -> tuple[float, ...] | None:
        found = None
        for at, vector in zip(self.moments, self.vectors, strict=True):
            if at > moment:
                break
            found = vector
        return found


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def median_of(forecasts: Sequence[tuple[float, ...]]) -> tuple[float, ...]:
    """Per option, the median of the forecasts, renormalised to sum to 1: the rule of
    `scoring.median_forecast`, in plain Python (a handful of forecasters at a time)."""
    pooled = [_median([f[k] for f in forecasts]) for k in range(len(forecasts[0]))]
    total = math.fsum(pooled)
    return tuple(p / total for p in pooled)


def _team_median(tracks: dict[str, _Track]) -> list[tuple[datetime, tuple[float, ...]]]:
    """The team median at every moment a member's standing forecast changes: per option, the
    median of the members' standing forecasts, renormalised (`median_of`)."""
    members = [t for t in tracks.values() if t.role == ANALYST]
    moments = sorted({m for t in members for m in t.moments})
    series: list[tuple[datetime, tuple[float, ...]]] = []
    for moment in moments:
        standing = [s for s in (t.standing(moment) for t in members) if s is not None]
        series.append((moment, median_of(standing)))
    return series


def _drawn_option(
    kind: QuestionKind,
    options: Sequence[str],
    resolution: Settled | None,
    final: tuple[float, ...] | None,
) -> int:
    if kind is QuestionKind.BINARY:
        return 0
    if resolution is not None and resolution.status is OutcomeStatus.OPTION:
        assert resolution.outcome is not None
        return list(options).index(resolution.outcome)
    if final is None:
        return 0
    return max(range(len(options)), key=lambda k: (final[k], -k))


def question_history(
    *,
    key: str,
    number: int,
    title: str,
    kind: QuestionKind,
    options: Sequence[str],
    opened_on: date,
    deadline: date,
    forecasts: Sequence[Forecast],
    resolution: Settled | None,
    as_of: datetime,
    report_forecaster: str | None = None,
    outsiders: frozenset[str] = frozenset(),
    clarifications: Sequence[datetime] = (),
) -> QuestionHistory:
    """The history of one question as the record stood at `as_of`.

    `forecasts`: the question's forecasts that count in the view (the caller applies the as-of
    rule and `--live-only`), in any order; the standing one among forecasts made at the same
    moment follows `forecast_order`. The lines start on the opening day (a forecast made
    before it stands from its start) and stop at the end of the close day (the outcome day or
    the deadline, whichever is earlier), or at `as_of` while the question is open; forecasts
    made on a day after the close are left out and counted (they are not scored either).
    `report_forecaster` (the question's source's forecaster) and `outsiders` (every forecaster
    that speaks for a report) are drawn as reports and left out of the team median, exactly as
    in scoring. `clarifications`: when the question's wording was clarified (marked on the
    chart).
    """
    start = _day_start(opened_on)
    close_end = _close_end(resolution, deadline)
    end = max(as_of if close_end is None else min(close_end, as_of), start)
    reports = outsiders | ({report_forecaster} if report_forecaster else set())
    tracks: dict[str, _Track] = {}
    after_close = 0
    for forecast in sorted(forecasts, key=forecast_order):
        if close_end is not None and forecast.made_at >= close_end:
            after_close += 1
            continue
        if forecast.made_at > as_of:  # not in the view (the caller filters these already)
            continue
        name = forecast.forecaster
        track = tracks.get(name)
        if track is None:
            track = tracks[name] = _Track(REPORT if name in reports else ANALYST)
        vector = tuple(forecast.probabilities[o] for o in options)
        track.add(max(forecast.made_at, start), vector, forecast.backfilled)
    median = _team_median(tracks)
    final = median[-1][1] if median else None
    if final is None and tracks:  # no analyst: the reports' last forecasts decide
        final = next(iter(tracks.values())).vectors[-1]
    drawn = _drawn_option(kind, options, resolution, final)

    def line(name: str, track: _Track) -> Line:
        steps = tuple(
            Step(at, vector[drawn], late)
            for at, vector, late in zip(track.moments, track.vectors, track.backfilled, strict=True)
        )
        return Line(name, track.role, steps, track.count)

    order = sorted(tracks, key=lambda n: (tracks[n].role != ANALYST, n.casefold(), n))
    team = None
    if median:
        steps: list[Step] = []
        for at, vector in median:
            if not steps or steps[-1].probability != vector[drawn]:
                steps.append(Step(at, vector[drawn]))
        team = Line(TEAM_MEDIAN, TEAM, tuple(steps), 0)
    settled = resolution is not None and resolution.status is OutcomeStatus.OPTION
    return QuestionHistory(
        key=key,
        number=number,
        title=title,
        kind=kind,
        option=options[drawn],
        start=start,
        end=end,
        deadline=deadline,
        status="open" if resolution is None else resolution.status.value,
        outcome=None if resolution is None else _label(resolution),
        occurred_on=None if resolution is None else resolution.occurred_on,
        happened=(resolution.outcome == options[drawn]) if settled and resolution else None,
        lines=tuple(line(name, tracks[name]) for name in order),
        team=team,
        clarifications=tuple(sorted(clarifications)),
        after_close=after_close,
        report_forecaster=report_forecaster,
    )


def _label(resolution: Settled) -> str:
    """The outcome as shown: the option, or `annulled` / `ambiguous`."""
    if resolution.status is OutcomeStatus.OPTION and resolution.outcome:
        return resolution.outcome
    return resolution.status.value


def most_forecast(counts: dict[str, int], *, limit: int) -> set[str]:
    """The keys of the `limit` questions with the most forecasts (ties: by key), the ones a
    document draws when there are more than it can show."""
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return set(ranked[:limit])
