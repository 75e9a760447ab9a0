"""Picking a candidate expectation on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import REPO
from tracker.services.ledger import show_question
from tracker.services.scan import pick_candidate, scan_source
from tracker.services.sources import add_source
from tracker.storage.database import Session

SEED = REPO / "docs" / "examples" / "sochi-summit-sitrep.txt"
NOW = datetime(2021, 11, 30, 9, 0, tzinfo=UTC)


def test_a_picked_question_and_the_reports_forecast_are_stored(session: Session) -> None:
    add_source(
        session=session, added_by="ani", now=NOW, file=SEED, title="Sochi", slug="sochi",
        author="R. Giragosian", organisation="RSC", published="2021-11-29",
    )  # fmt: skip
    scan = scan_source(session=session, source="sochi")
    number = next(c.rank for c in scan.candidates if "set for Brussels" in c.sentence.plain)
    picked = pick_candidate(
        session=session, source="sochi", number=number, created_by="ani", now=NOW,
        accept_draft_criteria=True, record_implied=True,
    )  # fmt: skip
    question = picked.added.question
    assert question.deadline.isoformat() == "2021-12-15"
    assert question.deadline_phrase == "on 15 December"
    assert question.quote_start == picked.candidate.sentence.start
    detail = show_question(session=session, question=str(question.id), today=NOW.date())
    (forecast,) = detail.forecasts
    # "more details are expected to be discussed at the next meeting, set for Brussels on 15
    # December": the expectation, not the meeting's schedule, is what the question asks about.
    assert (forecast.forecaster, forecast.probabilities["yes"]) == ("R. Giragosian (RSC)", 0.675)
    assert scan_source(session=session, source="sochi").source.forecaster == "R. Giragosian (RSC)"
