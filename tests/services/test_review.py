"""`build_review` and `build_retro` on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import EXAMPLE, NOW
from tracker.domain.review import parse_period, period_between
from tracker.domain.scoring import TEAM_GEO_ODDS, TEAM_MEDIAN
from tracker.errors import InputError
from tracker.services.interchange import import_file
from tracker.services.ledger import add_question, record_forecast, resolve_question
from tracker.services.review import build_retro, build_review, choose_period
from tracker.services.workspace import unit_of_work
from tracker.storage.database import Session

LATER = datetime(2022, 6, 15, 12, 0, tzinfo=UTC)
ALL_TIME = period_between(None, None)


@pytest.fixture
def example(any_url: str) -> str:
    import_file(url=any_url, path=EXAMPLE, importer="ani", now=LATER)
    return any_url


def _review(url: str, period: str, **kw: object):  # type: ignore[no-untyped-def]
    with unit_of_work(url, write=False, now=LATER) as session:
        return build_review(session=session, as_of=LATER, period=parse_period(period), **kw)  # type: ignore[arg-type]


def test_the_review_lists_the_questions_resolved_in_the_period(example: str) -> None:
    review = _review(example, "2022Q2")
    assert [(q.key, q.outcome) for q in review.questions] == [
        ("border-demarcation-mechanism", "another arrangement"),
        ("nakhichevan-road-rail", "no"),
    ]
    nakhichevan = review.questions[1]
    assert [s.forecaster for s in nakhichevan.scores] == [
        "ani",
        "lena",
        "tom",
        "RSC sitrep (Giragosian)",
        TEAM_GEO_ODDS,
        TEAM_MEDIAN,
    ]
    assert nakhichevan.evidence is not None and "29 May 2022" in nakhichevan.evidence
    assert nakhichevan.source == "sochi-sitrep"
    assert review.previous is not None and review.previous.label == "2022Q1"


def test_headline_compares_with_the_previous_period(example: str) -> None:
    review = _review(example, "2022Q2")
    figures = {h.key: h for h in review.headline}
    scored = figures["questions_scored"]
    assert scored.name == "questions scored (analysts or reports)"
    assert (scored.current, scored.previous) == (2, 1)  # Q1: the Minsk Group visit
    team = figures["team_brier"]
    assert team.current == pytest.approx(
        next(s.time_weighted for s in review.questions[1].scores if s.forecaster == TEAM_MEDIAN)
    )
    # One binary question a side: too few to call the change better or worse.
    assert (team.n, team.n_previous, team.verdict) == (1, 1, "too few questions to tell")
    assert "overconfidence" not in figures  # shown forecaster by forecaster, never averaged
    assert [h.key for h in review.headline if h.card] == [
        "questions_scored",
        "brier",
        "team_brier",
        "coverage",
    ]


def test_the_report_forecaster_is_scored_per_source_but_not_pooled(example: str) -> None:
    review = _review(example, "2022Q2")
    (source,) = review.by_source
    assert source.forecaster == "RSC sitrep (Giragosian)"
    assert (source.questions, source.resolved) == (5, 2)
    # The report forecast 75% yes on the Nakhichevan agreement, which did not come: 0.5625.
    assert source.report.mean == pytest.approx(0.5625)
    assert (source.report_wins, source.report_compared) == (0, 2)
    assert "RSC sitrep (Giragosian)" in review.report_forecasters


def test_follow_up_finds_overdue_due_stale_and_single_forecaster_questions(
    session: Session,
) -> None:
    def question(title: str, deadline: str) -> str:
        added = add_question(
            session=session, title=title, criteria="C", deadline=deadline, created_by="ani", now=NOW
        )
        return str(added.question.id)

    overdue = question("Overdue", "2021-12-10")
    soon = question("Soon", "2022-01-20")
    later = question("Later", "2022-06-30")
    record_forecast(
        session=session, question=overdue, probability=["60%"], forecaster="ani", now=NOW
    )
    record_forecast(session=session, question=soon, probability=["60%"], forecaster="ani", now=NOW)
    record_forecast(session=session, question=soon, probability=["70%"], forecaster="tom", now=NOW)
    as_of = NOW + timedelta(days=40)  # 8 January 2022
    review = build_review(session=session, as_of=as_of, period=ALL_TIME)
    follow = review.follow_up
    assert [q.title for q in follow.overdue] == ["Overdue"]
    assert [q.title for q in follow.due_soon] == ["Soon"]
    # Soon was forecast 40 days ago, Later never: both stale after 30 days.
    assert [q.title for q in follow.stale] == ["Later", "Soon"]
    assert [q.title for q in follow.single] == []
    assert later  # never forecast: listed as stale, not as single


def test_the_review_as_of_a_day_ignores_what_came_later(example: str) -> None:
    before = _review(example, "2022Q2")
    with unit_of_work(example, write=True, now=LATER + timedelta(days=1)) as session:
        record_forecast(
            session=session,
            question="released-detainees-count",
            probability=["10%", "20%", "30%", "40%"],
            forecaster="lena",
            now=LATER + timedelta(days=1),
        )
    again = _review(example, "2022Q2")
    assert again.follow_up == before.follow_up
    assert [q.scores for q in again.questions] == [q.scores for q in before.questions]


def test_a_forecaster_review_shows_that_forecaster_beside_the_team(example: str) -> None:
    review = _review(example, "2022Q2", forecaster="tom")
    for q in review.questions:
        assert {s.forecaster for s in q.scores} == {"tom", TEAM_MEDIAN, TEAM_GEO_ODDS}
    assert {m.forecaster for m in review.misses} <= {"tom"}
    assert [f.forecaster for f in review.forecasters] == ["tom", TEAM_GEO_ODDS, TEAM_MEDIAN]


def test_an_unknown_forecaster_is_refused(example: str) -> None:
    with pytest.raises(InputError, match="No forecaster 'nobody'"):
        _review(example, "2022Q2", forecaster="nobody")


def test_an_annulled_question_is_listed_but_not_scored(session: Session) -> None:
    added = add_question(
        session=session, title="Void", criteria="C", deadline="2021-12-31", created_by="a", now=NOW
    )
    q = str(added.question.id)
    record_forecast(session=session, question=q, probability=["60%"], forecaster="ani", now=NOW)
    resolve_question(session=session, question=q, outcome="annulled", resolver="ani", now=NOW)
    review = build_review(session=session, as_of=LATER, period=ALL_TIME)
    (listed,) = review.questions
    assert (listed.title, listed.status, listed.scores) == ("Void", "annulled", [])
    assert review.excluded["annulled"] == 1


def test_the_retro_compares_the_team_with_its_best_member(example: str) -> None:
    with unit_of_work(example, write=False, now=LATER) as session:
        retro = build_retro(session=session, as_of=LATER, period=ALL_TIME)
    roles = {r.summary.forecaster: r.role for r in retro.rows}
    assert roles == {
        "ani": "analyst",
        "lena": "analyst",
        "tom": "analyst",
        "RSC sitrep (Giragosian)": "report",
        TEAM_GEO_ODDS: "team",
        TEAM_MEDIAN: "team",
    }
    assert retro.verdict.best_member == "ani"
    assert retro.questions == 5
    assert retro.disagreements[0].question == "nakhichevan-road-rail"
    assert retro.disagreements[0].closest == ["ani"]
    # Five questions: no difference can be beyond noise, so nothing is put up for discussion.
    assert retro.prompts == []
    assert len(retro.brief) == 5 and retro.brief[1].startswith("Pooling: the team median's")
    assert {o.forecaster: o.reading for o in retro.overconfidence}["tom"] == (
        "too few questions to tell"
    )
    assert {q.quarter for q in retro.quarters} == {"2021Q4", "2022Q1", "2022Q2"}


def test_period_and_since_until_do_not_mix() -> None:
    with pytest.raises(InputError, match="--period names the whole period"):
        choose_period(period="2022Q1", since="2022-01-01", until=None, today=date(2022, 6, 1))
    chosen = choose_period(
        period=None, since="2022-01-01", until="2022-03-31", today=date(2022, 6, 1)
    )
    assert (chosen.first, chosen.last) == (date(2022, 1, 1), date(2022, 3, 31))


def test_a_review_of_a_reports_forecaster_shows_its_own_figures(example: str) -> None:
    review = _review(example, "2022Q2", forecaster="RSC sitrep (Giragosian)")
    figures = {h.name: h for h in review.headline}
    own = figures["RSC sitrep (Giragosian)'s Brier score (yes/no questions, time-weighted)"]
    assert own.current == pytest.approx(0.5625)
    assert sum(row.total for row in review.horizons) == 2  # its two forecasts in 2022Q2
    assert review.by_source[0].analysts.mean == pytest.approx(0.5625)


def test_source_counts_follow_the_filters(example: str) -> None:
    (everything,) = _review(example, "2021Q4").by_source
    assert everything.questions == 5
    # Two of the report's questions are tagged prisoners; one was resolved in 2021Q4.
    (tagged,) = _review(example, "2021Q4", tag="prisoners").by_source
    assert (tagged.questions, tagged.resolved) == (2, 1)


def test_one_forecaster_only_does_not_count_the_report(session: Session) -> None:
    from tracker.services.sources import add_source

    add_source(
        session=session,
        added_by="ani",
        now=NOW,
        url="https://example.org/r",
        title="R",
        forecaster="R (org)",
        slug="r",
    )
    added = add_question(
        session=session,
        title="Q",
        criteria="C",
        deadline="2022-06-30",
        created_by="ani",
        now=NOW,
        source="r",
    )
    q = str(added.question.id)
    record_forecast(session=session, question=q, probability=["60%"], forecaster="R (org)", now=NOW)
    record_forecast(session=session, question=q, probability=["70%"], forecaster="ani", now=NOW)
    review = build_review(session=session, as_of=NOW + timedelta(days=1), period=ALL_TIME)
    assert [item.title for item in review.follow_up.single] == ["Q"]
    assert review.follow_up.single[0].forecasters == 1


def _report_and_analysts(session: Session) -> None:
    """Three resolved questions from a report: one forecast by the report's forecaster only,
    one by ani and the report, one by nobody whose forecast counts (tom's came after the
    outcome)."""
    from tracker.services.sources import add_source

    add_source(session=session, added_by="ani", now=NOW, url="https://example.org/r", title="R",
               forecaster="R (org)", slug="r")  # fmt: skip
    for title, people in (("Only the report", ["R (org)"]), ("Both", ["R (org)", "ani"]),
                          ("Nobody in time", [])):  # fmt: skip
        added = add_question(session=session, title=title, criteria="C", deadline="2021-12-31",
                             created_by="ani", now=NOW, source="r")  # fmt: skip
        q = str(added.question.id)
        for who in people:
            record_forecast(session=session, question=q, probability=["70%"], forecaster=who,
                            now=NOW)  # fmt: skip
        if not people:  # made on 1 December, after the outcome (30 November): hindsight
            record_forecast(session=session, question=q, probability=["90%"], forecaster="tom",
                            now=NOW + timedelta(days=2))  # fmt: skip
        resolve_question(session=session, question=q, outcome="yes", resolver="ani",
                         now=NOW + timedelta(days=3), occurred_on="2021-11-30")  # fmt: skip


def test_the_headline_counts_say_whether_reports_are_included(session: Session) -> None:
    _report_and_analysts(session)
    review = build_review(session=session, as_of=LATER, period=ALL_TIME)
    figures = {h.key: h for h in review.headline}
    assert figures["questions_scored"].name == "questions scored (analysts or reports)"
    assert figures["questions_scored"].current == 2  # the report's own question included
    assert figures["analysts_scored"].name == "analysts scored (reports not counted)"
    assert figures["analysts_scored"].current == 1  # ani; the report is not an analyst
    theirs = build_review(session=session, as_of=LATER, period=ALL_TIME, forecaster="ani")
    (questions,) = [h for h in theirs.headline if h.key == "questions_scored"]
    assert (questions.name, questions.current) == ("questions scored (ani)", 1)


def test_the_retro_counts_the_questions_scored(session: Session) -> None:
    _report_and_analysts(session)
    retro = build_retro(session=session, as_of=LATER, period=ALL_TIME)
    # Three questions resolved by an option; nobody's forecast counted on the third.
    assert retro.questions == 2
    counts = {r.summary.forecaster: r.summary.n_questions for r in retro.rows}
    assert counts == {"ani": 1, "R (org)": 2, TEAM_MEDIAN: 1, TEAM_GEO_ODDS: 1}


def test_an_authors_reports_are_scored_together(session: Session) -> None:
    from tracker.services.sources import add_source

    for slug in ("first", "second"):
        add_source(session=session, added_by="ani", now=NOW, url=f"https://example.org/{slug}",
                   title=slug.title(), slug=slug, author="A. Author", organisation="Org",
                   forecaster="A. Author (Org)")  # fmt: skip
        added = add_question(
            session=session, title=f"Q {slug}", criteria="C", deadline="2021-12-10",
            created_by="ani", now=NOW, source=slug,
        )  # fmt: skip
        q = str(added.question.id)
        record_forecast(
            session=session, question=q, probability=["80%"], forecaster="A. Author (Org)", now=NOW
        )
        record_forecast(session=session, question=q, probability=["60%"], forecaster="ani", now=NOW)
        resolve_question(
            session=session,
            question=q,
            outcome="yes",
            resolver="ani",
            now=NOW + timedelta(days=5),
            occurred_on="2021-12-04",
        )
    review = build_review(session=session, as_of=LATER, period=ALL_TIME)
    assert [s.key for s in review.by_source] == ["first", "second"]
    (author,) = review.by_author
    assert (author.key, author.questions, author.resolved) == ("A. Author", 2, 2)
    assert author.report.n == 2 and author.report_wins == 2


# --- documents do not move with the last bit ---------------------------------------------------


def _nudged(value: object, steps: int) -> object:
    """`value` with every float moved `steps` units in the last place, as another numpy build
    might have computed it (0.5625 -> 0.5625000000000001)."""
    import dataclasses
    import math

    if isinstance(value, float):
        direction = math.inf if steps > 0 else -math.inf
        moved = float(value)
        for _ in range(abs(steps)):
            moved = math.nextafter(moved, direction)
        return moved
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _nudged(getattr(value, f.name), steps) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    if isinstance(value, dict):
        return {k: _nudged(v, steps) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_nudged(v, steps) for v in value)
    return value


@pytest.mark.parametrize("steps", [3, -3])
def test_a_last_bit_difference_in_the_figures_leaves_every_document_unchanged(
    example: str, steps: int
) -> None:
    import json

    from tracker.reports.documents import render_retro, render_review
    from tracker.reports.review_json import retro_json, review_json

    review = _review(example, "2022Q2")
    with unit_of_work(example, write=False, now=LATER) as session:
        retro = build_retro(session=session, as_of=LATER, period=ALL_TIME)
    for built, render, as_json in (
        (review, render_review, review_json),
        (retro, render_retro, retro_json),
    ):
        nudged = _nudged(built, steps)
        assert nudged != built  # the nudge reached the figures
        assert json.dumps(as_json(nudged)) == json.dumps(as_json(built))  # type: ignore[arg-type]
        for fmt in ("md", "html"):
            expected = render(built, fmt=fmt)  # type: ignore[arg-type]
            got = render(nudged, fmt=fmt)  # type: ignore[arg-type]
            assert got.text == expected.text, fmt
            assert got.files == expected.files, fmt
