"""The analyst's workflow through the service functions: add, forecast, resolve, read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import NOW
from tracker.domain.model import QuestionKind, QuestionStatus
from tracker.errors import ConflictError, InputError, NotFoundError
from tracker.services.ledger import (
    add_question,
    due_questions,
    list_questions,
    record_forecast,
    resolve_question,
    show_question,
)
from tracker.services.sources import add_source
from tracker.storage.database import Session

TODAY = NOW.date()


def _binary(session: Session, title: str = "Road/rail agreement", **kw: object) -> int:
    options: dict[str, object] = {"criteria": "Both sides announce it.", "deadline": "2022-05-29"}
    options.update(kw)
    added = add_question(session=session, title=title, created_by="ani", now=NOW, **options)  # type: ignore[arg-type]
    return added.question.id


def _choice(session: Session) -> int:
    added = add_question(
        session=session,
        title="Border mechanism",
        criteria="The body named in an official statement.",
        deadline="2022-05-29",
        kind="multiple_choice",
        options=["trilateral working group", "trade-and-transport group", "another", "none"],
        created_by="ani",
        now=NOW,
    )
    return added.question.id


def test_add_question_reads_the_deadline_and_keeps_the_criteria(session: Session) -> None:
    added = add_question(
        session=session,
        title="Road/rail agreement",
        criteria="Both sides announce it.",
        deadline="+6m",
        created_by="ani",
        now=NOW,
        tags=["Caucasus, transport"],
    )
    q = added.question
    assert (q.id, q.deadline, q.opened_on) == (1, date(2022, 5, 29), TODAY)
    assert q.criteria == "Both sides announce it."
    assert q.kind is QuestionKind.BINARY and q.options == ("yes", "no")
    assert q.tags == ("caucasus", "transport")
    assert "2022-05-29" in added.deadline_read


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("title", "The title is empty. Give the question a title."),
        ("criteria", "The resolution criteria are empty."),
    ],
)
def test_empty_title_or_criteria_is_refused(session: Session, field: str, message: str) -> None:
    values = {"title": "T", "criteria": "C"}
    values[field] = "   "
    with pytest.raises(InputError, match=message):
        add_question(session=session, deadline="+1m", created_by="ani", now=NOW, **values)


def test_past_deadline_is_refused_unless_the_question_is_backfilled(session: Session) -> None:
    with pytest.raises(InputError, match=r"has passed\. To record history"):
        _binary(session, deadline="2021-01-31")
    added = add_question(
        session=session,
        title="Old question",
        criteria="C",
        deadline="2021-01-31",
        opened="2020-12-01",
        created_by="ani",
        now=NOW,
    )
    assert added.backfilled and added.question.opened_on == date(2020, 12, 1)


def test_multiple_choice_needs_two_options(session: Session) -> None:
    with pytest.raises(InputError, match="needs at least two options"):
        add_question(
            session=session,
            title="T",
            criteria="C",
            deadline="+1m",
            kind="multiple_choice",
            options=["only"],
            created_by="ani",
            now=NOW,
        )


def test_duplicate_slug_is_refused(session: Session) -> None:
    _binary(session, slug="rail")
    with pytest.raises(ConflictError, match="slug 'rail' exists already"):
        _binary(session, slug="rail")


def test_update_is_a_new_forecast_and_history_is_kept(session: Session) -> None:
    qid = _binary(session)
    first = record_forecast(
        session=session, question=str(qid), probability=["likely"], forecaster="ani", now=NOW
    )
    later = NOW + timedelta(days=3)
    second = record_forecast(
        session=session,
        question=f"#{qid}",
        probability=["30%"],
        forecaster="ani",
        now=later,
        rationale="Talks stalled",
    )
    assert first.forecast.probabilities == {"yes": 0.675, "no": 0.325}
    assert second.previous is not None and second.previous.id == first.forecast.id
    detail = show_question(session=session, question=str(qid), today=later.date())
    assert [f.probabilities["yes"] for f in detail.forecasts] == [0.675, 0.3]
    assert [f.rationale for f in detail.forecasts] == [None, "Talks stalled"]


def test_multiple_choice_forecast_by_prefix(session: Session) -> None:
    qid = _choice(session)
    recorded = record_forecast(
        session=session,
        question=str(qid),
        probability=["tri=55", "trade=30", "an=10", "no=5"],
        forecaster="ani",
        now=NOW,
    )
    assert recorded.forecast.probabilities == {
        "trilateral working group": 0.55,
        "trade-and-transport group": 0.3,
        "another": 0.1,
        "none": 0.05,
    }


def test_multiple_choice_sum_off_is_refused_with_the_sum(session: Session) -> None:
    qid = _choice(session)
    with pytest.raises(InputError, match="Probabilities add up to 85%, not 100%"):
        record_forecast(
            session=session,
            question=str(qid),
            probability=["50", "20", "10", "5"],
            forecaster="ani",
            now=NOW,
        )


def test_unknown_option_is_refused(session: Session) -> None:
    qid = _choice(session)
    with pytest.raises(InputError, match="There is no option 'bilateral'"):
        record_forecast(
            session=session,
            question=str(qid),
            probability=["bilateral=50", "tri=50"],
            forecaster="ani",
            now=NOW,
        )


def test_forecast_on_unknown_question_is_refused(session: Session) -> None:
    with pytest.raises(NotFoundError, match="No question #7"):
        record_forecast(session=session, question="7", probability=["50%"], forecaster="a", now=NOW)


def test_backfilled_forecast_keeps_its_time_and_is_flagged(session: Session) -> None:
    qid = _binary(session, opened="2021-11-01")
    later = NOW + timedelta(days=5)
    recorded = record_forecast(
        session=session,
        question=str(qid),
        probability=["60%"],
        forecaster="tom",
        now=later,
        made_at="2021-11-20",
    )
    assert recorded.forecast.made_at == datetime(2021, 11, 20, 12, 0, tzinfo=UTC)
    assert recorded.forecast.recorded_at == later
    assert recorded.forecast.backfilled


def test_forecast_made_in_the_future_is_refused(session: Session) -> None:
    qid = _binary(session)
    with pytest.raises(InputError, match="in the future"):
        record_forecast(
            session=session,
            question=str(qid),
            probability=["60%"],
            forecaster="tom",
            now=NOW,
            made_at="2021-12-25",
        )


def test_forecast_on_a_resolved_question_is_refused(session: Session) -> None:
    qid = _binary(session)
    resolve_question(session=session, question=str(qid), outcome="no", resolver="ani", now=NOW)
    with pytest.raises(ConflictError, match=r"is resolved \(no, 2021-11-29\)"):
        record_forecast(
            session=session, question=str(qid), probability=["60%"], forecaster="ani", now=NOW
        )


def test_resolve_twice_without_amend_is_refused(session: Session) -> None:
    qid = _binary(session)
    resolve_question(session=session, question=str(qid), outcome="yes", resolver="ani", now=NOW)
    with pytest.raises(ConflictError, match=r"already resolved .* pass --amend"):
        resolve_question(session=session, question=str(qid), outcome="no", resolver="ani", now=NOW)


def test_amendment_is_a_new_linked_record_and_history_stays(session: Session) -> None:
    qid = _binary(session)
    first = resolve_question(
        session=session, question=str(qid), outcome="yes", resolver="ani", now=NOW
    )
    second = resolve_question(
        session=session,
        question=str(qid),
        outcome="no",
        resolver="tom",
        now=NOW,
        evidence="Earlier report was wrong",
        amend=True,
    )
    assert second.amended is not None and second.amended.id == first.resolution.id
    assert second.resolution.amends_id == first.resolution.id
    detail = show_question(session=session, question=str(qid), today=TODAY)
    assert [r.label for r in detail.resolutions] == ["yes", "no"]
    assert detail.resolution is not None and detail.resolution.label == "no"


def test_amend_without_a_resolution_is_refused(session: Session) -> None:
    qid = _binary(session)
    with pytest.raises(InputError, match="not resolved yet; drop --amend"):
        resolve_question(
            session=session, question=str(qid), outcome="no", resolver="a", now=NOW, amend=True
        )


def test_outcome_that_is_not_an_option_is_refused(session: Session) -> None:
    qid = _choice(session)
    with pytest.raises(InputError, match="There is no option 'bilateral'"):
        resolve_question(
            session=session, question=str(qid), outcome="bilateral", resolver="a", now=NOW
        )


def test_annulled_and_ambiguous_are_outcomes(session: Session) -> None:
    qid = _binary(session)
    resolved = resolve_question(
        session=session, question=str(qid), outcome="annulled", resolver="a", now=NOW
    )
    assert resolved.resolution.outcome is None and resolved.resolution.label == "annulled"
    detail = show_question(session=session, question=str(qid), today=TODAY)
    assert detail.status is QuestionStatus.ANNULLED


def test_outcome_before_the_question_opened_is_refused(session: Session) -> None:
    qid = _binary(session)
    with pytest.raises(InputError, match="before #1 opened"):
        resolve_question(
            session=session,
            question=str(qid),
            outcome="yes",
            resolver="a",
            now=NOW,
            occurred_on="2021-11-01",
        )


def test_list_filters_by_state_tag_source_and_forecaster(session: Session) -> None:
    source = add_source(session=session, added_by="ani", now=NOW, title="Sitrep", url="http://x")
    a = _binary(session, title="A", tags=["border"], source=source.source.key)
    b = _binary(session, title="B", deadline="2021-12-10")
    c = _binary(session, title="C")
    record_forecast(
        session=session, question=str(b), probability=["40%"], forecaster="tom", now=NOW
    )
    resolve_question(session=session, question=str(c), outcome="yes", resolver="ani", now=NOW)

    def ids(**kw: object) -> list[int]:
        return [s.question.id for s in list_questions(session=session, today=TODAY, **kw)]  # type: ignore[arg-type]

    assert ids() == [b, a, c]
    assert ids(state="open") == [b, a]
    assert ids(state="resolved") == [c]
    assert ids(tag="border") == [a]
    assert ids(source="1") == [a]
    assert ids(forecaster="tom") == [b]
    assert ids(due_within_days=30) == [b]
    later = date(2021, 12, 20)
    overdue = list_questions(session=session, today=later, state="overdue")
    assert [(s.question.id, s.status) for s in overdue] == [(b, QuestionStatus.OVERDUE)]


def test_due_lists_overdue_and_upcoming(session: Session) -> None:
    soon = _binary(session, title="Soon", deadline="2021-12-10")
    _binary(session, title="Later", deadline="2022-06-01")
    backfilled = _binary(session, title="Old", deadline="2021-11-10", opened="2021-11-01")
    due = due_questions(session=session, today=TODAY, within_days=30)
    assert [s.question.id for s in due.overdue] == [backfilled]
    assert [s.question.id for s in due.upcoming] == [soon]


def test_forecast_after_the_deadline_is_refused(session: Session) -> None:
    qid = _binary(session, deadline="2021-12-10")
    later = datetime(2021, 12, 11, 9, 0, tzinfo=UTC)
    with pytest.raises(ConflictError, match="passed on 2021-12-10; resolve it"):
        record_forecast(
            session=session, question=str(qid), probability=["60%"], forecaster="a", now=later
        )


def test_standing_forecasts_from_sql_match_reading_every_forecast(any_url: str) -> None:
    """`list` and `due` read only each forecaster's latest forecasts: the same as reading them
    all, ties (same made_at and recorded_at) included."""
    from tests.conftest import AFTER_EXAMPLE, EXAMPLE
    from tracker.domain.model import standing_forecasts
    from tracker.services.interchange import import_file
    from tracker.services.workspace import unit_of_work
    from tracker.storage import ledger as store

    import_file(url=any_url, path=EXAMPLE, importer="ani", now=AFTER_EXAMPLE)
    with unit_of_work(any_url, write=True, now=AFTER_EXAMPLE) as session:
        # Two forecasts made and recorded at one moment: the one giving more to the first
        # option stands, whichever was written first.
        for probability in (0.4, 0.3):
            store.insert_forecast(
                session,
                question_id=1,
                forecaster="tie",
                made_at=AFTER_EXAMPLE,
                recorded_at=AFTER_EXAMPLE,
                probabilities={"yes": probability, "no": 1 - probability},
                rationale=None,
                input_text=None,
            )
        ids = [q.id for q in store.all_questions(session)]
        every = store.forecasts_for(session, ids)
        standing = store.standing_for(session, ids)
    for number in ids:
        latest, count = standing[number]
        assert count == len(every[number])
        assert standing_forecasts(latest) == standing_forecasts(every[number])
    assert standing_forecasts(standing[1][0])["tie"].probabilities["yes"] == 0.4


def test_the_forecast_recorded_later_stands_whatever_order_it_was_written_in(
    session: Session,
) -> None:
    from tracker.services.ledger import list_questions, show_question
    from tracker.storage import ledger as store

    number = _binary(session)
    made = NOW + timedelta(hours=1)
    # Written in the opposite order to the one they were recorded in (as an import may).
    for late, probability in ((timedelta(hours=3), 0.7), (timedelta(hours=2), 0.6)):
        store.insert_forecast(
            session,
            question_id=number,
            forecaster="ani",
            made_at=made,
            recorded_at=made + late,
            probabilities={"yes": probability, "no": round(1 - probability, 6)},
            rationale=None,
            input_text=None,
        )
    (listed,) = list_questions(session=session, today=NOW.date())
    assert listed.standing["ani"].probabilities["yes"] == 0.7
    shown = show_question(session=session, question=str(number), today=NOW.date())
    assert [f.probabilities["yes"] for f in shown.forecasts] == [0.6, 0.7]


# --- the rules shared with import ---------------------------------------------------------------


def test_resolving_before_a_forecast_already_recorded_is_refused(session: Session) -> None:
    number = _binary(session)
    later = NOW + timedelta(hours=2)
    record_forecast(
        session=session, question=str(number), probability=["60%"], forecaster="ani", now=later
    )
    with pytest.raises(ConflictError) as caught:  # the clock was set back (TRACKER_NOW)
        resolve_question(
            session=session, question=str(number), outcome="yes", resolver="ani", now=NOW
        )
    assert str(caught.value) == (
        f"A forecast on #{number} by ani was recorded at {later.isoformat()}, after now "
        f"({NOW.isoformat()}): a resolution comes after every forecast it closes. Check the "
        "clock (or TRACKER_NOW)."
    )


def test_a_forecast_recorded_now_comes_after_every_resolution_in_the_record(
    session: Session,
) -> None:
    number = _binary(session)
    resolve_question(
        session=session,
        question=str(number),
        outcome="no",
        resolver="ani",
        now=NOW + timedelta(hours=1),
    )
    with pytest.raises(ConflictError, match="forecasts on it are closed"):
        record_forecast(
            session=session, question=str(number), probability=["60%"], forecaster="ani", now=NOW
        )


@pytest.mark.parametrize("name", ["team (median)", "Team (Geo-Odds)", "ani\u200b"])
def test_every_writer_checks_the_name_of_who_acts(session: Session, name: str) -> None:
    number = _binary(session)
    with pytest.raises(InputError):
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by=name, now=NOW
        )
    with pytest.raises(InputError):
        record_forecast(
            session=session, question=str(number), probability=["60%"], forecaster=name, now=NOW
        )
    with pytest.raises(InputError):
        resolve_question(
            session=session, question=str(number), outcome="yes", resolver=name, now=NOW
        )
    with pytest.raises(InputError):
        add_source(session=session, added_by=name, now=NOW, url="https://example.org/r", title="R")


def test_a_resolution_matches_its_outcome_by_the_option_key(session: Session) -> None:
    number = _choice(session)
    resolved = resolve_question(
        session=session,
        question=str(number),
        outcome="ＴＲＩＬＡＴＥＲＡＬ working GROUP",
        resolver="ani",
        now=NOW,
    )
    assert resolved.resolution.outcome == "trilateral working group"


def test_a_publication_date_counts_once_it_has_begun_anywhere(session: Session) -> None:
    tomorrow = TODAY + timedelta(days=1)  # 12:00 UTC: already tomorrow east of UTC+12
    added = add_source(
        session=session,
        added_by="ani",
        now=NOW,
        url="https://example.org/r",
        title="R",
        published=tomorrow,
    )
    assert added.source.published_on == tomorrow
    with pytest.raises(InputError, match="is in the future"):
        add_source(
            session=session,
            added_by="ani",
            now=NOW,
            url="https://example.org/s",
            title="S",
            published=tomorrow + timedelta(days=1),
        )
