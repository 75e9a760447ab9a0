"""The tamper-evident chain on SQLite and PostgreSQL: every write extends it, and every edit
made behind tracker's back (triggers dropped) is found and named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config

from tests.conftest import AFTER_EXAMPLE, EXAMPLE, Run
from tracker.domain.chain import KINDS, Head, canonical, link
from tracker.errors import InputError
from tracker.services.database import verify
from tracker.services.interchange import import_file
from tracker.services.workspace import unit_of_work
from tracker.storage.chain import read_head

Tracker = Callable[..., Run]
TABLES = KINDS


@pytest.fixture
def ledger(any_url: str) -> str:
    import_file(url=any_url, path=EXAMPLE, importer="ani", now=AFTER_EXAMPLE)
    return any_url


@pytest.fixture
def raw(ledger: str) -> Iterator[Callable[[str], None]]:
    """Run SQL behind tracker's back, with the append-only triggers out of the way."""
    engine = sa.create_engine(ledger)

    def run(sql: str) -> None:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                for table in (*KINDS, "question_tag"):
                    for action in ("update", "delete", "replace"):
                        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS question_tag_with_question")
            else:
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.exec_driver_sql(sql)

    yield run
    engine.dispose()


def _count(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        total = sum(
            connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in TABLES
        )
    engine.dispose()
    return int(total)


def test_every_write_extends_the_chain_and_it_holds(ledger: str) -> None:
    result = verify(url=ledger, now=AFTER_EXAMPLE)
    assert result.intact and result.findings == []
    assert result.events == _count(ledger) == 67
    with unit_of_work(ledger, write=False, now=AFTER_EXAMPLE) as session:
        assert read_head(session) == result.head
    assert result.head.seq == 67


@pytest.mark.parametrize(
    ("sql", "what", "kind", "row_id"),
    [
        (
            'UPDATE forecast SET probabilities = \'{"yes":0.99,"no":0.01}\' WHERE id = 5',
            "changed",
            "forecast",
            5,
        ),
        (
            "UPDATE forecast SET made_at = made_at - INTERVAL '1 day' WHERE id = 7",
            "changed",
            "forecast",
            7,
        ),
        ("UPDATE resolution SET outcome = 'no' WHERE id = 1", "changed", "resolution", 1),
        (
            "UPDATE question SET criteria = 'something easier' WHERE id = 2",
            "changed",
            "question",
            2,
        ),
        (
            "INSERT INTO question_tag (question_id, tag) VALUES (3, 'sneaky')",
            "changed",
            "question",
            3,
        ),
        ("UPDATE forecaster SET name = 'someone else' WHERE id = 1", "changed", "forecaster", 1),
        (
            "UPDATE source_forecaster SET forecaster_id = 2 WHERE id = 1",
            "changed",
            "source_forecaster",
            1,
        ),
        ("DELETE FROM forecast WHERE id = 9", "removed", None, None),
        (
            "INSERT INTO forecast (question_id, forecaster_id, made_at, recorded_at, probabilities)"
            " VALUES (1, 1, '2022-01-01 00:00:00', '2022-01-01 00:00:00', '{}')",
            "inserted",
            "forecast",
            None,
        ),
    ],
)
def test_an_edit_behind_trackers_back_is_named(
    ledger: str,
    raw: Callable[[str], None],
    sql: str,
    what: str,
    kind: str | None,
    row_id: int | None,
) -> None:
    if ledger.startswith("sqlite"):
        sql = sql.replace("made_at - INTERVAL '1 day'", "datetime(made_at, '-1 day')")
    raw(sql)
    result = verify(url=ledger, now=AFTER_EXAMPLE)
    assert not result.intact
    assert [(f.what, f.kind) for f in result.findings] == [(what, kind)]
    if row_id is not None:
        assert result.findings[0].row_id == row_id
    if what == "removed":
        assert result.findings[0].message.startswith("event ")


def test_removing_the_last_events_is_found_against_a_published_head(
    ledger: str, raw: Callable[[str], None]
) -> None:
    published = verify(url=ledger, now=AFTER_EXAMPLE).head
    raw("DELETE FROM resolution WHERE chain_seq >= 66")
    # A shorter chain holds on its own, but not the place tracker last verified ...
    found = verify(url=ledger, now=AFTER_EXAMPLE)
    assert found.head.seq == 65
    assert [(f.what, f.seq) for f in found.findings] == [("head", 67)]
    # ... and a forger who also removes tracker's checkpoints is caught by a published head.
    raw("DELETE FROM chain_checkpoint")
    alone = verify(url=ledger, now=AFTER_EXAMPLE)
    assert alone.intact and alone.head.seq == 65
    pinned = verify(url=ledger, now=AFTER_EXAMPLE, pinned=str(published))
    assert pinned.pinned_ok is False


def test_a_row_claiming_a_taken_place_is_found(ledger: str, raw: Callable[[str], None]) -> None:
    raw(
        "INSERT INTO forecast (question_id, forecaster_id, made_at, recorded_at, probabilities, "
        "chain_seq, chain_hash) SELECT 1, 1, '2022-01-01 00:00:00', '2022-01-01 00:00:00', '{}', "
        "chain_seq, chain_hash FROM question WHERE id = 1"
    )
    result = verify(url=ledger, now=AFTER_EXAMPLE)
    assert [f.what for f in result.findings] == ["inserted"]
    assert "claims place" in result.findings[0].message


def _rechain(url: str) -> None:
    """What a careful forger does: recompute every hash after the edit."""
    from tracker.storage.chain import chained_events
    from tracker.storage.ledger import question_tags

    engine = sa.create_engine(url)
    with unit_of_work(url, write=False, now=AFTER_EXAMPLE) as session:
        events = list(chained_events(session, question_tags(session)))
    previous = "0" * 64
    with engine.begin() as connection:
        if engine.dialect.name != "sqlite":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for event in events:
            previous = link(previous, event.seq or 0, event.kind, event.content)
            connection.execute(
                sa.text(f"UPDATE {event.kind} SET chain_hash = :h WHERE id = :i"),
                {"h": previous, "i": event.row_id},
            )
    engine.dispose()


def test_a_recomputed_chain_is_caught_by_a_published_head(
    ledger: str, raw: Callable[[str], None]
) -> None:
    published = verify(url=ledger, now=AFTER_EXAMPLE).head
    assert verify(url=ledger, now=AFTER_EXAMPLE, pinned=str(published)).intact
    short = f"{published.seq}:{published.hash[:32]}"
    assert verify(url=ledger, now=AFTER_EXAMPLE, pinned=short).pinned_ok
    raw('UPDATE forecast SET probabilities = \'{"yes":0.99,"no":0.01}\' WHERE id = 5')
    _rechain(ledger)
    found = verify(url=ledger, now=AFTER_EXAMPLE)  # not the place tracker last verified ...
    assert [f.what for f in found.findings] == ["head"]
    raw("DELETE FROM chain_checkpoint")
    alone = verify(url=ledger, now=AFTER_EXAMPLE)
    assert alone.intact  # the forger's chain holds on its own ...
    pinned = verify(url=ledger, now=AFTER_EXAMPLE, pinned=str(published))
    assert not pinned.intact and pinned.pinned_ok is False  # ... but not against the head


def test_a_malformed_head_is_an_input_error(ledger: str) -> None:
    with pytest.raises(InputError, match="is not a chain head"):
        verify(url=ledger, now=AFTER_EXAMPLE, pinned="65:xyz")


def test_new_writes_continue_the_chain(ledger: str, tracker: Tracker) -> None:
    before = verify(url=ledger, now=AFTER_EXAMPLE).head
    assert (
        tracker("--db", ledger, "add", "Next", "-c", "C", "-d", "+1m", "--slug", "n").exit_code == 0
    )
    assert tracker("--db", ledger, "forecast", "n", "40%", "--as", "newcomer").exit_code == 0
    after = verify(url=ledger, now=AFTER_EXAMPLE)
    # the question, the new forecaster and the forecast
    assert after.intact and after.head.seq == before.seq + 3
    assert verify(url=ledger, now=AFTER_EXAMPLE, pinned=str(before)).intact


def test_canonical_content_is_the_same_from_either_database() -> None:
    moment = datetime(2022, 1, 10, 8, 0, tzinfo=UTC)
    from_postgresql = {"id": 1, "name": "ani", "created_at": moment}
    from_sqlite = {"id": 1, "name": "ani", "created_at": "2022-01-10 08:00:00.000000"}
    assert canonical("forecaster", from_postgresql) == canonical("forecaster", from_sqlite)
    assert canonical("forecaster", from_sqlite) == (
        '{"created_at":"2022-01-10T08:00:00.000000Z","id":1,"name":"ani"}'
    )
    assert Head(3, "ab" * 32).seq == 3


def test_upgrading_a_database_chains_the_rows_already_there(ledger: str) -> None:
    from alembic import command

    from tracker.storage.database import MIGRATIONS, upgrade_database

    engine = sa.create_engine(ledger)
    with engine.connect() as connection:  # clarifications go with their table (0009) below
        clarified = connection.exec_driver_sql("SELECT count(*) FROM question_version").scalar()
    engine.dispose()
    expected = verify(url=ledger, now=AFTER_EXAMPLE).events - int(clarified or 0)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(ledger)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with engine.connect() as connection:
        columns = [c["name"] for c in sa.inspect(connection).get_columns("forecast")]
    engine.dispose()
    assert "chain_seq" not in columns
    upgrade_database(ledger, now=AFTER_EXAMPLE)
    result = verify(url=ledger, now=AFTER_EXAMPLE)
    assert result.intact and result.events == expected
    engine = sa.create_engine(ledger)
    with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        connection.exec_driver_sql("UPDATE forecast SET rationale = 'x'")  # still guarded
    engine.dispose()


def test_a_refused_insert_inside_a_transaction_takes_no_place(any_url: str) -> None:
    from datetime import date

    from tracker.domain.model import OutcomeStatus, QuestionKind
    from tracker.errors import ConflictError
    from tracker.storage import ledger as store

    with unit_of_work(any_url, write=True, now=AFTER_EXAMPLE) as session:
        question = store.insert_question(
            session,
            slug="q",
            title="Q",
            criteria="C",
            kind=QuestionKind.BINARY,
            options=["yes", "no"],
            deadline=date(2022, 6, 30),
            opened_on=date(2022, 6, 1),
            source_id=None,
            quote=None,
            notes=None,
            tags=["a", "b"],
            created_at=AFTER_EXAMPLE,
            created_by="ani",
        )
        for attempt in range(2):
            try:
                store.insert_resolution(
                    session,
                    question_id=question.id,
                    status=OutcomeStatus.OPTION,
                    outcome="yes",
                    occurred_on=date(2022, 6, 10),
                    evidence=None,
                    resolved_by="ani",
                    recorded_at=AFTER_EXAMPLE,
                    amends_id=None,
                )
            except ConflictError:
                assert attempt == 1  # the second is refused, inside its savepoint
        store.insert_forecast(
            session,
            question_id=question.id,
            forecaster="ani",
            made_at=AFTER_EXAMPLE,
            recorded_at=AFTER_EXAMPLE,
            probabilities={"yes": 0.6, "no": 0.4},
            rationale=None,
            input_text=None,
        )
    result = verify(url=any_url, now=AFTER_EXAMPLE)
    assert result.intact and result.events == 4  # question, resolution, forecaster, forecast


def test_an_amendment_of_another_questions_resolution_is_refused(ledger: str) -> None:
    engine = sa.create_engine(ledger)
    statement = (
        "INSERT INTO resolution (question_id, status, outcome, occurred_on, resolved_by, "
        "recorded_at, amends_id, chain_seq, chain_hash) SELECT 2, 'option', 'yes', "
        "'2022-01-01', 'ani', '2022-06-15 12:00:00', id, 1000, 'x' FROM resolution "
        "WHERE question_id = 1 AND amends_id IS NULL"
    )
    with (
        engine.begin() as connection,
        pytest.raises(sa.exc.DBAPIError, match="corrects a resolution of its own question"),
    ):
        connection.exec_driver_sql(statement)
    engine.dispose()


def test_a_byte_edit_of_a_forecast_in_its_table_or_its_index_is_found(
    tmp_path: Path, tracker: Tracker
) -> None:
    """Scores are read from an index that keeps its own copy of each forecast: an edit of the
    file's bytes there, as much as in the table, is found by db verify."""
    db = tmp_path / "bytes.db"
    url = f"sqlite:///{db}"
    env = {"TRACKER_NOW": "2022-01-10T08:00:00+00:00"}
    assert tracker("--db", url, "add", "Q", "-c", "C", "-d", "+1m", env=env).exit_code == 0
    assert tracker("--db", url, "forecast", "1", "0.123457", env=env).exit_code == 0
    original = db.read_bytes()
    places = [i for i in range(len(original)) if original.startswith(b"0.123457", i)]
    # The row (what was typed, and the probabilities), and the scoring index's copy.
    assert len(places) == 3
    for place in places:
        edited = tmp_path / f"edited-{place}.db"
        edited.write_bytes(original[:place] + b"0.923457" + original[place + 8 :])
        result = verify(url=f"sqlite:///{edited}", now=AFTER_EXAMPLE)
        assert not result.intact, place
        assert {f.what for f in result.findings} <= {"changed", "damaged"}


@pytest.mark.parametrize(
    "sql",
    [
        "REPLACE INTO resolution SELECT id, question_id, status, 'no', occurred_on, evidence, "
        "resolved_by, recorded_at, amends_id, chain_seq, chain_hash FROM resolution WHERE id = 1",
        "INSERT OR REPLACE INTO forecaster SELECT id, 'someone else', created_at, chain_seq, "
        "chain_hash FROM forecaster WHERE id = 1",
        "INSERT INTO question_tag (question_id, tag) VALUES (1, 'sneaky')",
    ],
    ids=["replace a resolution", "replace a forecaster", "tag a question already forecast"],
)
def test_sqlite_refuses_a_row_replaced_or_a_tag_added_to_the_past(ledger: str, sql: str) -> None:
    """REPLACE removes the row it conflicts with without firing DELETE triggers, and a tag is
    part of its question's content: both would rewrite the past without a guard out of the way."""
    if not ledger.startswith("sqlite"):
        pytest.skip("PostgreSQL has no REPLACE; its tags are guarded since revision 0006")
    engine = sa.create_engine(ledger)
    with (
        pytest.raises(sa.exc.DBAPIError, match=r"never replaced|recorded with their question"),
        engine.begin() as connection,
    ):
        connection.exec_driver_sql(sql)
    engine.dispose()
    assert verify(url=ledger, now=AFTER_EXAMPLE).intact


@pytest.fixture
def retracted(ledger: str) -> str:
    """The example with an open question on which ani's 7% is retracted, and tom's forecast
    after it (so that the retraction is not the last event)."""
    from tracker.services.ledger import add_question, record_forecast
    from tracker.services.retractions import retract_forecast

    with unit_of_work(ledger, write=True, now=AFTER_EXAMPLE) as session:
        add_question(
            session=session,
            title="Open",
            criteria="C",
            deadline="2022-12-31",
            slug="open",
            created_by="ani",
            now=AFTER_EXAMPLE,
            forecast=["7%"],
        )
    with unit_of_work(ledger, write=True, now=AFTER_EXAMPLE) as session:
        retract_forecast(
            session=session, question="open", reason="slip", forecaster="ani", now=AFTER_EXAMPLE
        )
    with unit_of_work(ledger, write=True, now=AFTER_EXAMPLE) as session:
        record_forecast(
            session=session,
            question="open",
            probability=["50%"],
            forecaster="tom",
            now=AFTER_EXAMPLE,
        )
    return ledger


def test_a_retraction_joins_the_chain(retracted: str) -> None:
    result = verify(url=retracted, now=AFTER_EXAMPLE)
    assert result.intact and result.events == _count(retracted)
    with unit_of_work(retracted, write=False, now=AFTER_EXAMPLE) as session:
        seq = session.execute(sa.text("SELECT chain_seq FROM retraction")).scalar_one()
    assert seq < result.head.seq


@pytest.mark.parametrize(
    ("sql", "what", "kind"),
    [
        ("UPDATE retraction SET reason = 'never mind'", "changed", "retraction"),
        ("UPDATE retraction SET forecast_id = 1", "changed", "retraction"),
        ("UPDATE retraction SET recorded_at = '2022-06-14 12:00:00'", "changed", "retraction"),
        ("DELETE FROM retraction", "removed", None),
    ],
)
def test_a_retraction_tampered_with_or_deleted_is_found(
    retracted: str, raw: Callable[[str], None], sql: str, what: str, kind: str | None
) -> None:
    raw(sql)
    result = verify(url=retracted, now=AFTER_EXAMPLE)
    assert not result.intact
    assert [(f.what, f.kind) for f in result.findings] == [(what, kind)]


def test_a_clarification_is_an_event_and_an_edit_of_it_is_named(
    ledger: str, raw: Callable[[str], None]
) -> None:
    from tracker.services.clarifications import clarify_question

    with unit_of_work(ledger, write=True, now=AFTER_EXAMPLE) as session:
        question = session.execute(
            sa.text(
                "SELECT min(q.id) FROM question q WHERE NOT EXISTS "
                "(SELECT 1 FROM resolution r WHERE r.question_id = q.id)"
            )
        ).scalar()
        clarify_question(
            session=session,
            question=str(question),
            reason="sharper",
            author="ani",
            now=AFTER_EXAMPLE,
            criteria="Something sharper.",
        )
    result = verify(url=ledger, now=AFTER_EXAMPLE)
    assert result.intact and result.events == 68
    raw("UPDATE question_version SET criteria = 'Something easier.' WHERE id = 1")
    result = verify(url=ledger, now=AFTER_EXAMPLE)
    assert [(f.what, f.kind, f.row_id) for f in result.findings] == [
        ("changed", "question_version", 1)
    ]


def test_the_bundled_example_still_verifies_after_the_upgrade_to_versions(
    tmp_path: Path,
) -> None:
    """The forecasts recorded before a forecast had a question version hash as they did."""
    import shutil

    from tests.conftest import REPO
    from tracker.storage.database import HEAD

    copy = tmp_path / "forecasts.db"
    shutil.copyfile(REPO / "tests" / "fixtures" / "forecasts-0006.db", copy)  # before versions
    url = f"sqlite:///{copy}"
    assert verify(url=url, now=AFTER_EXAMPLE).intact  # opening it upgrades it
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            HEAD
        )
        assert (
            connection.exec_driver_sql(
                "SELECT count(*) FROM forecast WHERE question_version IS NOT NULL"
            ).scalar()
            == 0
        )
    engine.dispose()
    assert verify(url=url, now=AFTER_EXAMPLE).intact
