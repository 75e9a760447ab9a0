"""Writing and reading the tamper-evident chain; the hashing itself is in tracker/domain/chain.py.

Every insert of a chained row goes through `chained_insert` (or `chain_rows` for the bulk path):
it locks the chain head (on SQLite the writer already holds the database's write lock), gives
the row its id, its place and its hash, and moves the head on, all in the caller's transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tracker.domain.chain import (
    CONTENT,
    GENESIS_HEAD,
    KINDS,
    Event,
    Head,
    canonical,
    link,
    merge,
)
from tracker.storage.tables import CHAIN_CHECKPOINT

BATCH = 5_000


def is_sqlite(session: Session) -> bool:
    """True on SQLite (the queries that differ by backend ask this)."""
    return session.get_bind().dialect.name == "sqlite"


#: How long a PostgreSQL writer waits for its turn (SQLite's busy timeout is the same).
TURN_TIMEOUT = "15s"

_HEAD_SQL = " UNION ALL ".join(
    f"SELECT * FROM (SELECT chain_seq, chain_hash FROM {kind} WHERE chain_seq IS NOT NULL "
    "ORDER BY chain_seq DESC LIMIT 1) AS last_" + kind
    for kind in KINDS
)


def read_head(session: Session) -> Head:
    """The event in the last place of the chain (place 0 with the genesis hash when empty),
    whether or not the reader may see it (a forecast on a blind question: `hidden_events`)."""
    rows = [tuple(r) for r in session.connection().exec_driver_sql(_HEAD_SQL).all()]
    seen = max((int(r[0]) for r in rows), default=0)
    rows += [(e.seq, e.hash) for e in hidden_events(session, after=seen) if e.seq is not None]
    if not rows:
        return GENESIS_HEAD
    seq, digest = max(rows, key=lambda r: int(str(r[0])))
    return Head(int(str(seq)), str(digest))


def hidden_events(session: Session, *, after: int) -> list[Event]:
    """The rows of the record placed after `after` (or given no place) that the connected
    user may not see, as sealed events (place and hash, no content: tracker/domain/chain.py).
    On PostgreSQL: forecasts on blind questions hidden by row-level security (migration
    0011), given by a function that reads them as the owner. None on SQLite, and none for a
    user the rule does not bind."""
    if is_sqlite(session) or not _has_hidden_events(session):
        return []
    rows = session.execute(
        sa.text("SELECT kind, id, seq, hash FROM tracker_hidden_events(:after) ORDER BY seq, id"),
        {"after": int(after)},
    ).all()
    return [
        Event(
            kind=str(kind),
            row_id=int(row_id),
            seq=None if seq is None else int(seq),
            hash=None if digest is None else str(digest),
            content=None,
        )
        for kind, row_id, seq, digest in rows
    ]


def _has_hidden_events(session: Session) -> bool:
    """Whether the schema has tracker_hidden_events() (revision 0011 on; an older database
    is read by `db upgrade` and `db status` too)."""
    found = session.info.get("hidden_events")
    if found is None:
        found = bool(
            session.execute(
                sa.text("SELECT to_regprocedure('tracker_hidden_events(bigint)') IS NOT NULL")
            ).scalar()
        )
        session.info["hidden_events"] = found
    return bool(found)


def lock_head(session: Session) -> Head:
    """Read the chain head, holding the writers' turn until the transaction ends (PostgreSQL:
    tracker_take_turn() of migration 0006, which its triggers take too; SQLite writers hold
    the database's write lock from BEGIN IMMEDIATE)."""
    if not is_sqlite(session):
        session.execute(sa.text(f"SET LOCAL lock_timeout = '{TURN_TIMEOUT}'"))
        session.execute(sa.text("SELECT tracker_take_turn()"))
    return read_head(session)


def next_ids(session: Session, table: sa.Table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, taken before the insert because each row's hash
    covers its id (SQLite: after the largest, under the write lock; PostgreSQL: the sequence)."""
    if is_sqlite(session):
        start = int(
            session.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
        )
        return list(range(start + 1, start + 1 + count))
    rows = session.execute(
        sa.text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
        {"t": table.name, "n": count},
    )
    return [int(r[0]) for r in rows]


def _catch_up_sequence(session: Session, table: str) -> None:
    """After rows were inserted with ids of their own (an import keeping numbers), move a
    PostgreSQL sequence past them so the next new row does not collide."""
    if is_sqlite(session):
        return
    session.execute(
        sa.text(
            "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
            f"(SELECT max(id) FROM {table}))"  # the table name is one of ours
        ),
        {"t": table},
    )


@dataclass
class _Cursor:
    """Where the chain stands inside one write transaction: locked and read once (`start`),
    and where this transaction's writes have taken it (`head`)."""

    transaction: object
    start: Head
    head: Head
    next_id: dict[str, int] = field(default_factory=dict)
    explicit: set[str] = field(default_factory=set)


def _cursor(session: Session) -> _Cursor:
    transaction = session.get_transaction()
    cursor = session.info.get("chain")
    if transaction is None or cursor is None or cursor.transaction is not transaction:
        head = lock_head(session)  # this begins the transaction if nothing else has
        cursor = _Cursor(session.get_transaction(), head, head)
        session.info["chain"] = cursor
        if not sa.event.contains(session, "before_commit", _write_back):
            sa.event.listen(session, "before_commit", _write_back)
    return cursor


def take_turn(session: Session) -> None:
    """Wait for this transaction's turn to write (before a check-then-insert, so two writers
    cannot both find a name missing and both insert it)."""
    _cursor(session)


def _write_back(session: Session) -> None:
    """Before the transaction commits: move PostgreSQL sequences past ids kept from an import,
    and carry the verified place on to the new head when this transaction started from it."""
    cursor = session.info.get("chain")
    if cursor is None or cursor.transaction is not session.get_transaction():
        return
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    for name in sorted(cursor.explicit):
        _catch_up_sequence(session, name)
    cursor.explicit.clear()
    if cursor.head != cursor.start:
        _carry_checkpoint(session, cursor)


def _carry_checkpoint(session: Session, cursor: _Cursor) -> None:
    """This transaction linked its own events on from `cursor.start`: if that place had been
    verified (and the guards are as they were then), so is the new head."""
    verified = latest_checkpoint(session)
    fingerprint = guards(session)
    if verified is None:
        # A new record: the empty chain needs no recomputing (if nothing stood outside it).
        counted = census(session) if cursor.start == GENESIS_HEAD else None
        if counted is None or counted.rows != cursor.head.seq or counted.last != cursor.head.seq:
            return
    elif (
        verified.head != cursor.start
        or fingerprint != verified.guards
        or tags_up_to(session, verified.head.seq) != verified.tags
    ):
        return
    if (
        not is_sqlite(session)
        and not session.execute(
            sa.text("SELECT has_table_privilege('chain_checkpoint', 'INSERT')")
        ).scalar()
    ):
        return  # a login without the grant (roles not applied again since the upgrade)
    session.execute(
        sa.insert(CHAIN_CHECKPOINT).values(
            checkpoint_values(
                Checkpoint(cursor.head, fingerprint, tags_up_to(session, cursor.head.seq)),
                sqlite=is_sqlite(session),
            )
        )
    )


def _take_ids(session: Session, cursor: _Cursor, table: sa.Table, count: int) -> list[int]:
    if not is_sqlite(session):
        return next_ids(session, table, count)
    if table.name not in cursor.next_id:
        cursor.next_id[table.name] = next_ids(session, table, 1)[0]
    start = cursor.next_id[table.name]
    return list(range(start, start + count))


def chained_insert(
    session: Session, table: sa.Table, values: dict[str, object], *, tags: Iterable[str] = ()
) -> int:
    """Insert one chained row (with its id, place and hash) and return its id.

    `values["id"]`, when given, keeps an imported number (the caller checked it is free).
    `tags`: a question's tags, which are part of its content.
    """
    kind = table.name
    cursor = _cursor(session)
    explicit = values.get("id") is not None
    row = dict(values)
    if not explicit:
        row["id"] = _take_ids(session, cursor, table, 1)[0]
    new_id = int(str(row["id"]))
    seq = cursor.head.seq + 1
    digest = link(cursor.head.hash, seq, kind, canonical(kind, row, tags))
    session.execute(sa.insert(table).values(**row, chain_seq=seq, chain_hash=digest))
    # Only once the row is in: a refused insert (inside a savepoint) takes no place.
    cursor.head = Head(seq, digest)
    if kind in cursor.next_id:
        cursor.next_id[kind] = max(cursor.next_id[kind], new_id + 1)
    if explicit:
        cursor.explicit.add(kind)
    return new_id


def reserve_ids(session: Session, table: sa.Table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, in this write transaction (the bulk path takes
    them before it builds the rows that refer to them)."""
    if count <= 0:
        return []
    cursor = _cursor(session)
    ids = _take_ids(session, cursor, table, count)
    if table.name in cursor.next_id:
        cursor.next_id[table.name] = ids[-1] + 1
    return ids


def keep_ids(session: Session, table: sa.Table, ids: Iterable[int]) -> None:
    """Ids kept from an import (the caller checked they are free): later new ids go past them,
    and on PostgreSQL the sequence catches up before the transaction commits."""
    kept = list(ids)
    if not kept:
        return
    cursor = _cursor(session)
    cursor.explicit.add(table.name)
    if is_sqlite(session):
        if table.name not in cursor.next_id:
            cursor.next_id[table.name] = next_ids(session, table, 1)[0]
        cursor.next_id[table.name] = max(cursor.next_id[table.name], max(kept) + 1)


def chain_rows(
    session: Session,
    table: sa.Table,
    rows: Sequence[dict[str, object]],
    *,
    tags: Sequence[Iterable[str]] | None = None,
) -> None:
    """Give many new rows of `table` their places and hashes, in order (the bulk path), and
    their ids where they have none yet; the caller inserts them in the same transaction.
    `tags`: for questions, each row's tags (part of its content)."""
    if not rows:
        return
    kind = table.name
    cursor = _cursor(session)
    missing = [row for row in rows if row.get("id") is None]
    for row, new_id in zip(missing, reserve_ids(session, table, len(missing)), strict=True):
        row["id"] = new_id
    previous, seq = cursor.head.hash, cursor.head.seq
    for index, row in enumerate(rows):
        seq += 1
        content = canonical(kind, row, tags[index] if tags is not None else ())
        previous = link(previous, seq, kind, content)
        row["chain_seq"] = seq
        row["chain_hash"] = previous
    cursor.head = Head(seq, previous)


# --- reading -----------------------------------------------------------------------------------


def _events(
    session: Session, kind: str, where: str, tags: Mapping[int, Iterable[str]]
) -> Iterator[Event]:
    columns = CONTENT[kind]
    sql = (
        f"SELECT chain_seq, chain_hash, {', '.join(columns)} FROM {kind} "
        f"WHERE {where} ORDER BY chain_seq, id"
    )
    # Streamed for this statement only (set on the connection, the options would stay on it,
    # and the next statement, e.g. a SAVEPOINT, would be sent as a server-side cursor).
    streamed = {"stream_results": True, "yield_per": BATCH}
    for record in session.connection().exec_driver_sql(sql, execution_options=streamed):
        row = dict(zip(columns, record[2:], strict=True))
        row_id = int(row["id"])
        yield Event(
            kind=kind,
            row_id=row_id,
            seq=None if record[0] is None else int(record[0]),
            hash=record[1],
            content=canonical(kind, row, tags.get(row_id, ())),
        )


def chained_events(
    session: Session, tags: Mapping[int, Iterable[str]], *, after: int = 0
) -> Iterator[Event]:
    """Every chained row of the record after place `after`, in chain order (streamed); `tags`:
    each question's (`ledger.question_tags`), part of its content."""
    where = "chain_seq IS NOT NULL" if after == 0 else f"chain_seq > {int(after)}"
    sealed = iter([e for e in hidden_events(session, after=after) if e.seq is not None])
    return merge([*(_events(session, kind, where, tags) for kind in KINDS), sealed])


def unchained_events(session: Session, tags: Mapping[int, Iterable[str]]) -> list[Event]:
    """Rows with no place in the chain (`tags` as for `chained_events`), those hidden from
    the reader included (sealed)."""
    return [
        *(e for kind in KINDS for e in _events(session, kind, "chain_seq IS NULL", tags)),
        *(e for e in hidden_events(session, after=0) if e.seq is None),
    ]


# --- checking the chain cheaply ----------------------------------------------------------------


@dataclass(frozen=True)
class Census:
    """How many rows the record holds, how many of them have a place, and the last place."""

    rows: int
    placed: int
    last: int


def census(session: Session) -> Census:
    """Count the record's rows and places (one pass over each table's chain index)."""
    rows = placed = last = 0
    for kind in KINDS:
        found = (
            session.connection()
            .exec_driver_sql(f"SELECT count(*), count(chain_seq), max(chain_seq) FROM {kind}")
            .one()
        )
        rows += int(found[0])
        placed += int(found[1])
        last = max(last, int(found[2] or 0))
    for event in hidden_events(session, after=0):  # rows the reader may not see count too
        rows += 1
        if event.seq is not None:
            placed += 1
            last = max(last, event.seq)
    return Census(rows, placed, last)


def event_at(session: Session, seq: int) -> Event | None:
    """The event in place `seq`, as stored (with its tags, for a question), or None."""
    place = int(seq)
    tags = question_tags_after(session, place - 1, upto=place)
    for kind in KINDS:
        for event in _events(session, kind, f"chain_seq = {place}", tags):
            return event
    return None


def stored_hash(session: Session, seq: int) -> str | None:
    """The hash stored at place `seq` (None if no row holds it)."""
    sql = " UNION ALL ".join(
        f"SELECT chain_hash FROM {kind} WHERE chain_seq = :seq" for kind in KINDS
    )
    found = session.execute(sa.text(sql), {"seq": seq}).first()
    return None if found is None else found[0]


def guards(session: Session) -> str:
    """A fingerprint of what keeps the record append-only: the schema's tables, indexes and
    triggers (SQLite: with its schema version, which every change of schema moves on), or the
    triggers, their state and the functions they run (PostgreSQL). An in-place edit of the
    record needs a guard out of the way first, and that changes the fingerprint."""
    connection = session.connection()
    if is_sqlite(session):
        version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
        rows = connection.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).all()
        parts = [f"schema_version {version}", *("|".join(map(str, row)) for row in rows)]
    else:
        rows = connection.exec_driver_sql(
            "SELECT tgrelid::regclass::text, tgname, tgenabled::text, md5(p.prosrc) "
            "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal "
            "ORDER BY 1, 2"
        ).all()
        parts = ["|".join(map(str, row)) for row in rows]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """A place up to which the chain was recomputed and found intact, the guards then, and how
    many tags the questions at or before it had."""

    head: Head
    guards: str
    tags: int


def tags_up_to(session: Session, seq: int) -> int:
    """How many tags the questions placed at or before `seq` have now."""
    found = session.execute(
        sa.text(
            "SELECT count(*) FROM question_tag t JOIN question q ON q.id = t.question_id "
            "WHERE q.chain_seq <= :seq"
        ),
        {"seq": seq},
    ).scalar()
    return int(found or 0)


#: On PostgreSQL the checkpoints one may trust: one's own, and those of the tables' owner (a
#: trigger signs each with the database user who noted it; docs/data-format.md).
_TRUSTED = (
    "verified_by = session_user OR verified_by = (SELECT tableowner FROM pg_tables "
    "WHERE schemaname = current_schema() AND tablename = 'chain_checkpoint')"
)


def latest_checkpoint(session: Session) -> Checkpoint | None:
    """The furthest place verified so far (on PostgreSQL, by this user or the owner), if any."""
    c = CHAIN_CHECKPOINT.c
    query = sa.select(c.seq, c.hash, c.guards, c.tags).order_by(c.seq.desc()).limit(1)
    if not is_sqlite(session):
        query = query.where(sa.text(_TRUSTED))
    row = session.execute(query).first()
    if row is None:
        return None
    return Checkpoint(Head(int(row[0]), str(row[1])), str(row[2]), int(row[3]))


def checkpoint_values(checkpoint: Checkpoint, *, sqlite: bool) -> dict[str, object]:
    """The row of a checkpoint, as inserted now (its time is the real clock's, not
    TRACKER_NOW: it says when tracker checked), signed on PostgreSQL by the database user."""
    from datetime import UTC, datetime

    return {
        "seq": checkpoint.head.seq,
        "hash": checkpoint.head.hash,
        "guards": checkpoint.guards,
        "tags": checkpoint.tags,
        "verified_at": datetime.now(UTC),
        "verified_by": None if sqlite else sa.literal_column("session_user"),
    }


def question_tags_after(
    session: Session, after: int, *, upto: int | None = None
) -> dict[int, tuple[str, ...]]:
    """The tags of the questions placed after `after` (up to `upto`, or any, and those with no
    place), each question's sorted."""
    placed = "chain_seq > :after" + ("" if upto is None else " AND chain_seq <= :upto")
    rows = session.execute(
        sa.text(
            "SELECT question_id, tag FROM question_tag WHERE question_id IN "
            f"(SELECT id FROM question WHERE ({placed}) OR chain_seq IS NULL) "
            "ORDER BY question_id, tag"
        ),
        {"after": after, "upto": upto},
    )
    tags: dict[int, list[str]] = {}
    for question_id, tag in rows:
        tags.setdefault(int(question_id), []).append(str(tag))
    return {q: tuple(t) for q, t in tags.items()}


def save_checkpoint(session: Session, checkpoint: Checkpoint) -> None:
    """Keep a verified place for the next check, on a connection of its own that does not wait
    (a busy database, a read-only file or a login that may not write: then nothing is kept)."""
    url = session.get_bind().engine.url
    sqlite = url.get_backend_name() == "sqlite"
    connect_args: dict[str, object] = (
        {"timeout": 0.1}
        if sqlite
        else {"connect_timeout": 5, "options": "-c lock_timeout=100 -c statement_timeout=2000"}
    )
    engine = sa.create_engine(url, connect_args=connect_args)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.insert(CHAIN_CHECKPOINT).values(checkpoint_values(checkpoint, sqlite=sqlite))
            )
    except sa.exc.SQLAlchemyError:
        pass
    finally:
        engine.dispose()


def file_problems(session: Session, *, most: int = 20) -> list[str]:
    """What SQLite's own integrity check finds wrong with the file (at most `most`): tables and
    their indexes that disagree, damaged pages. Scores are read from an index that holds its
    own copy of the forecasts, so an edit of its pages alone is found here, not by the chain.
    Empty on PostgreSQL (the server keeps its files) and when all is well."""
    if not is_sqlite(session):
        return []
    rows = session.connection().exec_driver_sql(f"PRAGMA integrity_check({int(most)})").all()
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def first_event_hash(session: Session) -> str | None:
    """The hash of the event in the first place of the chain: it never changes once written,
    so it names this ledger (and a copy of it); None while the record is empty."""
    for kind in KINDS:
        table = sa.table(kind, sa.column("chain_seq"), sa.column("chain_hash"))
        found = session.execute(
            sa.select(table.c.chain_hash).where(table.c.chain_seq == 1)
        ).scalar()
        if found is not None:
            return str(found)
    return None
