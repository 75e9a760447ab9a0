"""How each question moved: step series, the team median over time, what is drawn."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.domain.history import (
    ANALYST,
    REPORT,
    TEAM,
    Step,
    most_forecast,
    question_history,
)
from tracker.domain.model import Forecast, OutcomeStatus, QuestionKind, Resolution
from tracker.domain.scoring import TEAM_MEDIAN

OPENED = date(2022, 4, 1)
DEADLINE = date(2022, 6, 30)
AS_OF = datetime(2022, 7, 15, 12, tzinfo=UTC)


def at(day: int, hour: int = 12, month: int = 4) -> datetime:
    return datetime(2022, month, day, hour, tzinfo=UTC)


def yes(forecaster: str, made_at: datetime, p: float, *, recorded_at: datetime | None = None):
    return Forecast(
        id=0,
        question_id=1,
        forecaster=forecaster,
        made_at=made_at,
        recorded_at=recorded_at or made_at,
        probabilities={"yes": p, "no": 1 - p},
    )


def resolved(outcome: str, occurred_on: date = date(2022, 6, 14)) -> Resolution:
    return Resolution(
        id=1,
        question_id=1,
        status=OutcomeStatus.OPTION,
        outcome=outcome,
        occurred_on=occurred_on,
        evidence=None,
        resolved_by="lead",
        recorded_at=datetime(2022, 6, 15, tzinfo=UTC),
    )


def binary(forecasts, resolution=None, **kwargs):
    return question_history(
        key="q",
        number=1,
        title="Q",
        kind=QuestionKind.BINARY,
        options=("yes", "no"),
        opened_on=OPENED,
        deadline=DEADLINE,
        forecasts=forecasts,
        resolution=resolution,
        as_of=kwargs.pop("as_of", AS_OF),
        **kwargs,
    )


def test_a_forecaster_updating_twice_is_a_step_series_in_the_order_made():
    history = binary(
        [yes("alice", at(20), 0.6), yes("alice", at(2), 0.2), yes("alice", at(10), 0.35)],
        resolved("yes"),
    )
    (alice,) = history.lines
    assert alice.role == ANALYST
    assert alice.forecasts == 3
    assert [(s.at, s.probability) for s in alice.steps] == [
        (at(2), 0.2),
        (at(10), 0.35),
        (at(20), 0.6),
    ]
    assert alice.standing_at(at(9)) == 0.2
    assert alice.standing_at(at(10)) == 0.35
    assert alice.standing_at(at(1)) is None


def test_the_lines_run_from_the_opening_day_to_the_end_of_the_close_day():
    history = binary([yes("alice", at(2), 0.2)], resolved("yes"))
    assert history.start == datetime(2022, 4, 1, tzinfo=UTC)
    assert history.end == datetime(2022, 6, 15, tzinfo=UTC)  # the outcome day, inclusive
    assert history.deadline_end == datetime(2022, 7, 1, tzinfo=UTC)
    assert history.outcome == "yes" and history.happened is True
    assert history.occurred_on == date(2022, 6, 14)


def test_a_forecast_made_before_opening_stands_from_the_opening():
    history = binary([yes("alice", datetime(2022, 3, 20, tzinfo=UTC), 0.3)], resolved("no"))
    assert history.lines[0].steps == (Step(history.start, 0.3),)
    assert history.happened is False


def test_forecasts_made_after_the_close_day_are_left_out_and_counted():
    late = datetime(2022, 6, 15, 0, 0, tzinfo=UTC)
    on_the_day = datetime(2022, 6, 14, 23, 59, tzinfo=UTC)
    history = binary(
        [yes("alice", at(2), 0.2), yes("alice", on_the_day, 0.9), yes("alice", late, 1.0)],
        resolved("yes"),
    )
    assert [s.probability for s in history.lines[0].steps] == [0.2, 0.9]
    assert history.after_close == 1


def test_of_two_forecasts_made_at_the_same_moment_the_one_recorded_later_stands():
    first = yes("alice", at(2), 0.2, recorded_at=at(2, 13))
    second = yes("alice", at(2), 0.4, recorded_at=at(2, 14))
    history = binary([second, first], resolved("yes"))
    assert [s.probability for s in history.lines[0].steps] == [0.4]
    assert history.lines[0].forecasts == 2


def test_the_team_median_changes_whenever_a_member_does_including_one_joining_late():
    history = binary(
        [
            yes("alice", at(2), 0.2),
            yes("bob", at(5), 0.6),
            yes("carol", at(20), 0.9),  # joins late
            yes("alice", at(25), 0.8),  # updates
        ],
        resolved("yes"),
    )
    team = history.team
    assert team is not None and team.role == TEAM and team.forecaster == TEAM_MEDIAN
    got = [(s.at, round(s.probability, 9)) for s in team.steps]
    assert got == [
        (at(2), 0.2),  # alice alone
        (at(5), 0.4),  # median of 0.2 and 0.6
        (at(20), 0.6),  # median of 0.2, 0.6, 0.9
        (at(25), 0.8),  # median of 0.8, 0.6, 0.9
    ]


def test_the_team_median_leaves_out_the_reports_forecast_which_is_drawn_as_a_report():
    history = binary(
        [yes("alice", at(2), 0.2), yes("bob", at(3), 0.4), yes("the report", at(1), 0.9)],
        resolved("yes"),
        report_forecaster="the report",
    )
    roles = {line.forecaster: line.role for line in history.lines}
    assert roles == {"alice": ANALYST, "bob": ANALYST, "the report": REPORT}
    assert [line.forecaster for line in history.lines] == ["alice", "bob", "the report"]
    assert history.team is not None
    assert round(history.team.last, 9) == 0.3
    assert history.report_forecaster == "the report"


def test_another_reports_forecaster_is_left_out_of_the_median_too():
    history = binary(
        [yes("alice", at(2), 0.2), yes("other report", at(3), 0.9)],
        resolved("yes"),
        outsiders=frozenset({"other report"}),
    )
    assert history.team is not None and history.team.last == pytest.approx(0.2)


def test_an_unchanged_median_is_not_a_new_step():
    history = binary(
        [yes("alice", at(2), 0.2), yes("bob", at(3), 0.2), yes("alice", at(4), 0.2)],
        resolved("yes"),
    )
    assert history.team is not None
    assert [s.at for s in history.team.steps] == [at(2)]
    assert len(history.lines[0].steps) == 2  # a reaffirmation is the forecaster's own step


def test_without_an_analyst_there_is_no_team_median():
    history = binary(
        [yes("the report", at(2), 0.7)], resolved("yes"), report_forecaster="the report"
    )
    assert history.team is None


def test_backfilled_forecasts_are_marked():
    history = binary(
        [yes("alice", at(2), 0.2, recorded_at=at(20)), yes("alice", at(21), 0.5)],
        resolved("yes"),
    )
    assert [s.backfilled for s in history.lines[0].steps] == [True, False]
    assert history.backfilled == 1


def test_an_open_question_runs_to_as_of_and_has_no_outcome():
    moment = datetime(2022, 5, 1, tzinfo=UTC)
    history = binary([yes("alice", at(2), 0.2)], None, as_of=moment)
    assert history.end == moment
    assert history.status == "open" and history.outcome is None and history.happened is None


def test_clarifications_are_kept_in_order():
    later, earlier = at(20), at(10)
    history = binary([yes("alice", at(2), 0.2)], resolved("yes"), clarifications=[later, earlier])
    assert history.clarifications == (earlier, later)


def multiple(forecasts, resolution):
    return question_history(
        key="m",
        number=2,
        title="M",
        kind=QuestionKind.MULTIPLE_CHOICE,
        options=("a", "b", "c"),
        opened_on=OPENED,
        deadline=DEADLINE,
        forecasts=forecasts,
        resolution=resolution,
        as_of=AS_OF,
    )


def choice(forecaster: str, made_at: datetime, a: float, b: float, c: float) -> Forecast:
    return Forecast(0, 2, forecaster, made_at, made_at, {"a": a, "b": b, "c": c})


def test_a_multiple_choice_question_draws_the_chance_of_the_option_that_happened():
    history = multiple(
        [choice("alice", at(2), 0.5, 0.3, 0.2), choice("alice", at(9), 0.2, 0.7, 0.1)],
        resolved("b"),
    )
    assert history.option == "b"
    assert [s.probability for s in history.lines[0].steps] == [0.3, 0.7]
    assert history.happened is True


def test_an_unsettled_multiple_choice_question_draws_the_option_the_median_favours():
    annulled = Resolution(1, 2, OutcomeStatus.ANNULLED, None, date(2022, 5, 1), None, "lead", AS_OF)
    history = multiple(
        [choice("alice", at(2), 0.2, 0.3, 0.5), choice("bob", at(3), 0.1, 0.2, 0.7)],
        annulled,
    )
    assert history.option == "c"
    assert history.outcome == "annulled" and history.happened is None


def test_most_forecast_keeps_the_questions_with_the_most_forecasts():
    counts = {"a": 3, "b": 9, "c": 3, "d": 1}
    assert most_forecast(counts, limit=2) == {"b", "a"}
    assert most_forecast(counts, limit=10) == set(counts)


def test_the_steps_are_dated_by_when_the_forecast_was_made_not_recorded():
    made = at(2)
    history = binary(
        [yes("alice", made, 0.2, recorded_at=made + timedelta(days=30))], resolved("yes")
    )
    assert history.lines[0].steps[0].at == made


def test_the_median_is_scorings_team_median_rule():
    import random

    from tracker.domain.history import TEAM_MEDIAN as HISTORY_TEAM_MEDIAN
    from tracker.domain.history import median_of
    from tracker.domain.scoring import median_forecast

    assert HISTORY_TEAM_MEDIAN == TEAM_MEDIAN
    rng = random.Random(17)
    for people in range(1, 7):
        for options in (2, 3, 5):
            forecasts = []
            for _ in range(people):
                raw = [rng.random() + 0.01 for _ in range(options)]
                forecasts.append(tuple(v / sum(raw) for v in raw))
            expected = median_forecast([list(f) for f in forecasts])
            assert median_of(forecasts) == pytest.approx(list(expected), abs=1e-12)
