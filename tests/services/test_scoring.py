"""`score_ledger` on real databases: selection, exclusions, as-of, and the team aggregates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, NOW
from tracker.domain.scoring import (
    CLAIMED_TIME,
    RECORDED_TIME,
    TEAM_GEO_ODDS,
    TEAM_MEDIAN,
    AsOfNote,
)
from tracker.errors import InputError
from tracker.services.interchange import import_file
from tracker.services.ledger import add_question, record_forecast, resolve_question
from tracker.services.scoring import as_of_moment, score_ledger
from tracker.services.workspace import unit_of_work
from tracker.storage.database import Session

LATER = datetime(2022, 6, 15, 12, 0, tzinfo=UTC)


def _question(session: Session, title: str, **kw: object) -> str:
    added = add_question(
        session=session,
        title=title,
        criteria="C",
        deadline="2021-12-31",
        created_by="ani",
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )
    return str(added.question.id)


def _forecast(session: Session, question: str, value: str, who: str, when: datetime) -> None:
    record_forecast(
        session=session, question=question, probability=[value], forecaster=who, now=when
    )


def test_scores_follow_the_conventions_on_a_small_ledger(session: Session) -> None:
    q = _question(session, "Talks resume", tags=["talks"])
    _forecast(session, q, "80%", "ani", NOW)
    _forecast(session, q, "40%", "tom", NOW)
    _forecast(session, q, "90%", "ani", NOW + timedelta(days=2))
    resolve_question(
        session=session,
        question=q,
        outcome="yes",
        resolver="ani",
        now=NOW + timedelta(days=4),
        occurred_on="2021-12-03",
    )
    report = score_ledger(session=session, as_of=LATER)
    scores = {s.forecaster: s for s in report.questions}
    # Window 29 Nov - 3 Dec (5 days): ani 0.04 for 2 days, then 0.01 for 3.
    assert scores["ani"].time_weighted == pytest.approx((2 * 0.04 + 3 * 0.01) / 5, abs=1e-15)
    assert scores["ani"].final_score == pytest.approx(0.01, abs=1e-15)
    assert scores["tom"].relative == pytest.approx(
        (2 * (0.36 - 0.04) + 3 * (0.36 - 0.01)) / 5, abs=1e-15
    )
    assert scores[TEAM_MEDIAN].final_probabilities[0] == pytest.approx(0.65, abs=1e-15)
    names = [f.forecaster for f in report.forecasters]
    assert names == ["ani", "tom", TEAM_GEO_ODDS, TEAM_MEDIAN]


def test_annulled_and_ambiguous_questions_are_counted_not_scored(session: Session) -> None:
    for outcome in ("annulled", "ambiguous", "yes"):
        q = _question(session, f"Q {outcome}")
        _forecast(session, q, "70%", "ani", NOW)
        resolve_question(session=session, question=q, outcome=outcome, resolver="a", now=NOW)
    report = score_ledger(session=session, as_of=LATER)
    assert {s.question for s in report.questions} == {"3"}
    assert (report.excluded["annulled"], report.excluded["ambiguous"]) == (1, 1)


def test_as_recorded_scores_the_record_as_it_stood(session: Session) -> None:
    q = _question(session, "Q")
    _forecast(session, q, "70%", "ani", NOW)
    resolve_question(
        session=session, question=q, outcome="yes", resolver="a", now=NOW + timedelta(days=5)
    )
    before = score_ledger(session=session, as_of=NOW + timedelta(days=1), as_recorded=True)
    assert before.questions == []
    resolve_question(
        session=session,
        question=q,
        outcome="no",
        resolver="a",
        now=NOW + timedelta(days=9),
        amend=True,
    )
    between = score_ledger(session=session, as_of=NOW + timedelta(days=6), as_recorded=True)
    after = score_ledger(session=session, as_of=LATER, as_recorded=True)
    assert between.questions[0].final_score == pytest.approx(0.09, abs=1e-15)  # yes, then
    assert after.questions[0].final_score == pytest.approx(0.49, abs=1e-15)
    # The amendment (outcome 5 days after NOW, recorded 9 days after) was left out.
    assert between.as_of_rule == AsOfNote(RECORDED_TIME, resolutions=1)


def test_as_of_counts_the_resolution_in_force_now_from_the_day_it_claims(
    session: Session,
) -> None:
    q = _question(session, "Q")
    _forecast(session, q, "70%", "ani", NOW)
    resolve_question(
        session=session, question=q, outcome="yes", resolver="a", now=NOW + timedelta(days=5)
    )
    resolve_question(
        session=session,
        question=q,
        outcome="no",
        resolver="a",
        now=NOW + timedelta(days=9),
        amend=True,  # keeps the outcome day: 5 days after NOW
    )
    before = score_ledger(session=session, as_of=NOW + timedelta(days=4))
    assert before.questions == []  # the outcome had not occurred yet
    between = score_ledger(session=session, as_of=NOW + timedelta(days=6))
    assert between.questions[0].final_score == pytest.approx(0.49, abs=1e-15)  # no, as now
    assert between.as_of_rule == AsOfNote(CLAIMED_TIME, resolutions=1)
    assert score_ledger(session=session, as_of=LATER).as_of_rule == AsOfNote(CLAIMED_TIME)


def test_forecaster_filter_shows_one_but_scores_against_everyone(session: Session) -> None:
    q = _question(session, "Q")
    _forecast(session, q, "70%", "ani", NOW)
    _forecast(session, q, "20%", "tom", NOW)
    resolve_question(session=session, question=q, outcome="yes", resolver="a", now=NOW)
    report = score_ledger(session=session, as_of=LATER, forecaster="ani")
    assert [f.forecaster for f in report.forecasters] == ["ani"]
    assert report.questions[0].relative == pytest.approx(0.09 - 0.64, abs=1e-15)
    with pytest.raises(InputError, match="No forecaster 'nobody'"):
        score_ledger(session=session, as_of=LATER, forecaster="nobody")


def test_since_and_until_select_on_the_outcome_date(session: Session) -> None:
    for day in ("2021-12-01", "2021-12-10"):
        q = _question(session, f"Q {day}")
        _forecast(session, q, "70%", "ani", NOW)
        resolve_question(
            session=session, question=q, outcome="yes", resolver="a", now=LATER, occurred_on=day
        )
    report = score_ledger(session=session, as_of=LATER, since="2021-12-05")
    assert {s.question for s in report.questions} == {"2"}
    report = score_ledger(session=session, as_of=LATER, until="2021-12-05")
    assert {s.question for s in report.questions} == {"1"}
    with pytest.raises(InputError, match="is after --until"):
        score_ledger(session=session, as_of=LATER, since="2021-12-20", until="2021-12-01")


def test_two_sided_brier_doubles_binary_scores(session: Session) -> None:
    q = _question(session, "Q")
    _forecast(session, q, "70%", "ani", NOW)
    resolve_question(session=session, question=q, outcome="yes", resolver="a", now=NOW)
    one = score_ledger(session=session, as_of=LATER, forecaster="ani").forecasters[0]
    two = score_ledger(session=session, as_of=LATER, forecaster="ani", two_sided=True)
    assert two.forecasters[0].brier == pytest.approx(2 * (one.brier or 0), abs=1e-15)


def test_live_only_leaves_out_backfilled_forecasts(session: Session) -> None:
    q = _question(session, "Q", opened="2021-11-01")
    record_forecast(
        session=session,
        question=q,
        probability=["10%"],
        forecaster="tom",
        now=NOW,
        made_at="2021-11-02",
    )
    _forecast(session, q, "70%", "ani", NOW)
    resolve_question(session=session, question=q, outcome="yes", resolver="a", now=NOW)
    everything = score_ledger(session=session, as_of=LATER)
    live = score_ledger(session=session, as_of=LATER, live_only=True)
    assert {s.forecaster for s in everything.questions} >= {"ani", "tom"}
    assert [s.backfilled for s in everything.questions if s.forecaster == "tom"] == [True]
    assert "tom" not in {s.forecaster for s in live.questions}
    assert live.excluded["backfilled"] == 1


def test_hindsight_forecasts_from_an_import_are_counted_and_not_scored(
    tmp_path: Path, db_url: str
) -> None:
    lines = [
        {
            "type": "question",
            "id": "talks",
            "title": "Talks",
            "kind": "binary",
            "options": ["yes", "no"],
            "deadline": "2021-12-31",
            "opened_on": "2021-11-01",
            "criteria": "C",
        },
        {
            "type": "forecast",
            "question": "talks",
            "forecaster": "ani",
            "made_at": "2021-11-02T10:00:00+00:00",
            "probabilities": {"yes": 0.6, "no": 0.4},
        },
        {
            "type": "forecast",
            "question": "talks",
            "forecaster": "tom",
            "made_at": "2021-12-11T10:00:00+00:00",
            "probabilities": {"yes": 0.99, "no": 0.01},
        },
        {"type": "resolution", "question": "talks", "outcome": "yes", "occurred_on": "2021-12-10"},
    ]
    path = tmp_path / "hindsight.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    import_file(url=db_url, path=path, importer="ani", now=LATER)
    with unit_of_work(db_url, write=False, now=NOW) as session:
        report = score_ledger(session=session, as_of=LATER)
    assert report.excluded["hindsight"] == 1
    assert "tom" not in {s.forecaster for s in report.questions}


def test_of_two_forecasts_made_at_one_moment_the_one_recorded_later_stands(
    session: Session,
) -> None:
    from tracker.storage import ledger as store

    q = _question(session, "Q")
    made = NOW + timedelta(hours=1)
    # Written in the opposite order to the one they were recorded in, as an import may; on
    # another forecaster's question, two forecasts recorded at one moment too.
    for who, late, probability in (
        ("ani", timedelta(hours=3), 0.9),
        ("ani", timedelta(hours=2), 0.6),
        ("tom", timedelta(0), 0.3),
        ("tom", timedelta(0), 0.4),
    ):
        store.insert_forecast(
            session,
            question_id=int(q),
            forecaster=who,
            made_at=made,
            recorded_at=made + late,
            probabilities={"yes": probability, "no": round(1 - probability, 6)},
            rationale=None,
            input_text=None,
        )
    resolve_question(
        session=session, question=q, outcome="yes", resolver="a", now=NOW + timedelta(days=1)
    )
    report = score_ledger(session=session, as_of=LATER)
    finals = {s.forecaster: s.final_probabilities[0] for s in report.questions}
    assert finals["ani"] == 0.9  # recorded last
    assert finals["tom"] == 0.4  # recorded together: the larger probability of "yes"


def test_the_example_database_has_nothing_excluded(db_url: str) -> None:
    import_file(url=db_url, path=EXAMPLE, importer="ani", now=LATER)
    with unit_of_work(db_url, write=False, now=NOW) as session:
        report = score_ledger(session=session, as_of=LATER)
    assert set(report.excluded.values()) == {0}
    assert len({s.question for s in report.questions}) == 5


def test_as_of_a_date_means_the_end_of_that_day() -> None:
    moment = as_of_moment("2022-01-31", now=LATER)
    assert moment.isoformat() == "2022-01-31T23:59:59.999999+00:00"
    with pytest.raises(InputError, match="is in the future"):
        as_of_moment("2030-01-01", now=LATER)


def test_as_of_today_means_now() -> None:
    assert as_of_moment("2022-06-15", now=LATER) == LATER
    assert as_of_moment("today", now=LATER) == LATER


def test_scores_do_not_depend_on_how_questions_are_batched(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Questions are scored in batches sized by their forecasts (thousands of one-forecast
    questions at once, a few large ones at a time): one question per batch gives the same."""
    import tracker.services.scoring as scoring
    from tracker.reports.scores import score_json_chunks

    import_file(url=db_url, path=EXAMPLE, importer="ani", now=LATER)
    with unit_of_work(db_url, write=True, now=LATER) as session:
        for n in range(40):  # small questions beside the example's large ones
            number = _question(session, f"Small question {n}")
            _forecast(session, number, f"{10 + n}%", "ani", NOW + timedelta(days=1))
            resolve_question(
                session=session,
                question=number,
                outcome="yes" if n % 3 else "no",
                occurred_on="2021-12-01",
                resolver="ani",
                now=LATER,
            )

    def scored() -> str:
        with unit_of_work(db_url, write=False, now=LATER) as session:
            return "".join(score_json_chunks(score_ledger(session=session, as_of=LATER)))

    as_batched = scored()
    assert as_batched.count('"question": "') > 3 * 40
    for name, value in (("BATCH_QUESTIONS", 1), ("BATCH_MAX", 1)):
        monkeypatch.setattr(scoring, name, value)
    assert scored() == as_batched
