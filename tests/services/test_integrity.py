"""Documents check the record first: cheaply, from the last verified place, and refuse a record
changed behind tracker's back (services/integrity.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import AFTER_EXAMPLE, AFTER_EXAMPLE_ENV, EXAMPLE, Run
from tracker.domain.chain import KINDS
from tracker.services.database import verify
from tracker.services.integrity import check_record
from tracker.services.interchange import import_file
from tracker.services.workspace import unit_of_work

Tracker = Callable[..., Run]


@pytest.fixture
def ledger(any_url: str) -> str:
    import_file(url=any_url, path=EXAMPLE, importer="ani", now=AFTER_EXAMPLE)
    return any_url


@pytest.fixture
def raw(ledger: str) -> Iterator[Callable[[str], None]]:
    """Run SQL behind tracker's back, with the append-only guards out of the way."""
    engine = sa.create_engine(ledger)

    def run(sql: str) -> None:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                for table in (*KINDS, "question_tag"):
                    for action in ("update", "delete", "replace"):
                        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS question_tag_with_question")
            else:
                connection.exec_driver_sql("ALTER TABLE forecast DISABLE TRIGGER USER")
                connection.exec_driver_sql("ALTER TABLE resolution DISABLE TRIGGER USER")
            connection.exec_driver_sql(sql)

    yield run
    engine.dispose()


def _check(url: str):  # type: ignore[no-untyped-def]
    with unit_of_work(url, write=False, now=AFTER_EXAMPLE) as session:
        return check_record(session)


def _checkpoints(url: str) -> list[int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        seqs = [int(r[0]) for r in connection.exec_driver_sql("SELECT seq FROM chain_checkpoint")]
    engine.dispose()
    return sorted(seqs)


def test_an_import_into_a_new_ledger_leaves_it_verified(ledger: str) -> None:
    assert _checkpoints(ledger) == [67]
    check = _check(ledger)
    assert check.intact and check.recomputed == 0 and not check.whole
    assert check.head == verify(url=ledger, now=AFTER_EXAMPLE).head


def test_a_write_from_the_verified_head_carries_the_checkpoint(
    ledger: str, tracker: Tracker
) -> None:
    added = tracker("--db", ledger, "add", "Next", "-c", "C", "-d", "+1m", env=AFTER_EXAMPLE_ENV)
    assert added.exit_code == 0, added.stderr
    assert _checkpoints(ledger)[-1] == verify(url=ledger, now=AFTER_EXAMPLE).head.seq
    assert _check(ledger).recomputed == 0


def _sql(url: str, statement: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(statement)
    engine.dispose()


def test_only_what_came_after_the_checkpoint_is_recomputed(ledger: str) -> None:
    # As if the last check had been at event 61 (the checkpoint is a cache, not the record).
    _sql(
        ledger,
        "INSERT INTO chain_checkpoint (seq, hash, guards, verified_at, verified_by, tags) "
        "SELECT 61, chain_hash, (SELECT guards FROM chain_checkpoint WHERE seq = 67), "
        "CURRENT_TIMESTAMP, (SELECT verified_by FROM chain_checkpoint WHERE seq = 67), "
        "(SELECT tags FROM chain_checkpoint WHERE seq = 67) FROM forecast WHERE chain_seq = 61",
    )
    _sql(ledger, "DELETE FROM chain_checkpoint WHERE seq = 67")
    check = _check(ledger)
    assert check.intact and not check.whole and check.recomputed == 6
    assert _checkpoints(ledger) == [61, 67]


def test_without_a_checkpoint_everything_is_recomputed_once(ledger: str) -> None:
    _sql(ledger, "DELETE FROM chain_checkpoint")
    first = _check(ledger)
    assert first.intact and first.whole and first.recomputed == 67
    second = _check(ledger)
    assert not second.whole and second.recomputed == 0


def test_a_changed_guard_makes_the_check_recompute_everything(ledger: str, raw: Callable) -> None:
    raw("SELECT 1")  # the guards are taken out of the way (and on SQLite, not put back)
    check = _check(ledger)
    assert check.intact and check.whole and check.recomputed == 67


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("UPDATE forecast SET rationale = 'edited' WHERE id = 3", "changed"),
        ("DELETE FROM forecast WHERE id = 9", "removed"),
        ("DELETE FROM resolution WHERE chain_seq = 67", "head"),
    ],
)
def test_an_edit_behind_trackers_back_is_found_by_the_check(
    ledger: str, raw: Callable, sql: str, what: str
) -> None:
    raw(sql)
    check = _check(ledger)
    assert not check.intact
    assert [f.what for f in check.findings] == [what]


COMMANDS = {
    "score": ["score"],
    "score --by": ["score", "--by", "source"],
    "report": ["report", "--period", "2022Q2"],
    "retro": ["retro"],
    "export": ["export"],
    "export csv": ["export", "--format", "csv"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_document_is_built_from_a_changed_record(
    ledger: str, raw: Callable, tracker: Tracker, command: str, tmp_path: object
) -> None:
    raw("UPDATE forecast SET rationale = 'edited' WHERE id = 3")
    result = tracker("--db", ledger, *COMMANDS[command], env=AFTER_EXAMPLE_ENV)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: The record was changed behind tracker's back (event 16, forecast #3, was "
        "changed after it was recorded"
    )
    assert len(result.stderr.splitlines()) == 1


def test_allow_broken_chain_builds_it_and_says_so(
    ledger: str, raw: Callable, tracker: Tracker
) -> None:
    raw("UPDATE forecast SET rationale = 'edited' WHERE id = 3")
    scored = tracker(
        "--db", ledger, "score", "--json", "--allow-broken-chain", env=AFTER_EXAMPLE_ENV
    )
    assert scored.exit_code == 0
    assert scored.stderr.startswith("error: The record was changed behind tracker's back (1 ")
    data = json.loads(scored.stdout)
    assert data["record_findings"] == [
        "event 16, forecast #3, was changed after it was recorded (its content no longer "
        "matches its hash)."
    ]
    review = tracker(
        "--db", ledger, "report", "--period", "2022Q2", "--format", "json",
        "--allow-broken-chain", env=AFTER_EXAMPLE_ENV,
    )  # fmt: skip
    assert review.exit_code == 0
    assert json.loads(review.stdout)["record_findings"] == data["record_findings"]
    warning = "The record this was built from was changed behind tracker's back."
    for fmt in ("terminal", "md", "html"):
        for command in (["report", "--period", "2022Q2"], ["retro"]):
            shown = tracker(
                "--db", ledger, *command, "--format", fmt, "--allow-broken-chain",
                env=AFTER_EXAMPLE_ENV,
            )  # fmt: skip
            assert shown.exit_code == 0, shown.stderr
            assert warning in " ".join(shown.stdout.split()), (fmt, command)
            assert "event 16, forecast #3, was changed" in shown.stdout.replace("\\", "")


def test_the_head_a_document_prints_is_the_recomputed_one(ledger: str, tracker: Tracker) -> None:
    head = str(verify(url=ledger, now=AFTER_EXAMPLE).head)
    scored = json.loads(tracker("--db", ledger, "score", "--json", env=AFTER_EXAMPLE_ENV).stdout)
    review = tracker(
        "--db", ledger, "report", "--period", "2022Q2", "--format", "json", env=AFTER_EXAMPLE_ENV
    )
    assert scored["record_head"] == json.loads(review.stdout)["record_head"] == head
    assert scored["record_findings"] == []


def test_an_edit_of_the_verified_event_with_every_guard_put_back_is_found(ledger: str) -> None:
    """The forger drops the guard, edits the last verified event, puts the guard back as it was
    and even resets the schema version: the check recomputes the event at its checkpoint."""
    if not ledger.startswith("sqlite"):
        pytest.skip("the schema version is SQLite's")
    engine = sa.create_engine(ledger)
    with engine.begin() as connection:
        version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
        trigger = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'resolution_no_update'"
        ).scalar()
        connection.exec_driver_sql("DROP TRIGGER resolution_no_update")
        connection.exec_driver_sql("UPDATE resolution SET evidence = 'forged' WHERE chain_seq = 67")
        connection.exec_driver_sql(trigger)
        connection.exec_driver_sql(f"PRAGMA schema_version = {version}")
    engine.dispose()
    check = _check(ledger)
    assert not check.intact and check.whole
    assert [f.what for f in check.findings] == ["changed"]


def test_allow_broken_chain_marks_exports_and_the_score_table(
    ledger: str, raw: Callable, tracker: Tracker
) -> None:
    raw("UPDATE forecast SET rationale = 'edited' WHERE id = 3")
    warning = "error: The record was changed behind tracker's back (1 finding; see tracker db"
    for command in (
        ["export"],
        ["export", "--format", "csv"],
        ["score"],
        ["score", "--by", "source"],
    ):
        done = tracker("--db", ledger, *command, "--allow-broken-chain", env=AFTER_EXAMPLE_ENV)
        assert done.exit_code == 0, (command, done.stderr)
        assert done.stderr.startswith(warning), command
        if command[0] == "score":
            assert "changed behind tracker's back" in done.stdout, command


def test_a_tag_added_by_hand_to_a_verified_question_is_found(ledger: str, tracker: Tracker) -> None:
    """No guard is out of the way (a question without forecasts may still take tags), but the
    tags of the verified questions are counted at each checkpoint."""
    added = tracker("--db", ledger, "add", "Quiet", "-c", "C", "-d", "+1m", env=AFTER_EXAMPLE_ENV)
    assert added.exit_code == 0, added.stderr
    tracker("--db", ledger, "add", "Next", "-c", "C", "-d", "+1m", env=AFTER_EXAMPLE_ENV)
    assert _check(ledger).intact
    if ledger.startswith("sqlite"):
        _sql(ledger, "INSERT INTO question_tag (question_id, tag) VALUES (7, 'sneaky')")
    else:  # the owner, past the trigger that keeps tags with their question's transaction
        _sql(ledger, "ALTER TABLE question_tag DISABLE TRIGGER question_tag_with_question")
        _sql(ledger, "INSERT INTO question_tag (question_id, tag) VALUES (7, 'sneaky')")
    check = _check(ledger)
    assert [(f.what, f.kind, f.row_id) for f in check.findings] == [("changed", "question", 7)]
