"""Writing and reading the tamper-evident chain; the hashing itself is in tracker/domain/chain.py.

Every insert of a chained row goes through `chained_insert` (or `chain_rows` for the bulk path):
it locks the chain head (on SQLite the writer already holds the database's write lock), gives
the row its id, its place and its hash, and moves the head on, all in the caller's transaction.
"""

from __future__ import annotations

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

BATCH = 5_000


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


#: How long a PostgreSQL writer waits for its turn (SQLite's busy timeout is the same).
TURN_TIMEOUT = "15s"

_HEAD_SQL = " UNION ALL ".join(
    f"SELECT * FROM (SELECT chain_seq, chain_hash FROM {kind} WHERE chain_seq IS NOT NULL "
    "ORDER BY chain_seq DESC LIMIT 1) AS last_" + kind
    for kind in KINDS
)


def read_head(session: Session) -> Head:
    """The event in the last place of the chain (place 0 with the genesis hash when empty)."""
    rows = session.connection().exec_driver_sql(_HEAD_SQL).all()
    if not rows:
        return GENESIS_HEAD
    seq, digest = max(rows, key=lambda r: int(r[0]))
    return Head(int(seq), str(digest))


def lock_head(session: Session) -> Head:
    """Read the chain head, holding the writers' turn until the transaction ends (PostgreSQL:
    tracker_take_turn() of migration 0006, which its triggers take too; SQLite writers hold
    the database's write lock from BEGIN IMMEDIATE)."""
    if not _is_sqlite(session):
        session.execute(sa.text(f"SET LOCAL lock_timeout = '{TURN_TIMEOUT}'"))
        session.execute(sa.text("SELECT tracker_take_turn()"))
    return read_head(session)


def next_ids(session: Session, table: sa.Table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, taken before the insert because each row's hash
    covers its id (SQLite: after the largest, under the write lock; PostgreSQL: the sequence)."""
    if _is_sqlite(session):
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
    if _is_sqlite(session):
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
    """Where the chain stands inside one write transaction: locked and read once."""

    transaction: object
    head: Head
    next_id: dict[str, int] = field(default_factory=dict)
    explicit: set[str] = field(default_factory=set)


def _cursor(session: Session) -> _Cursor:
    transaction = session.get_transaction()
    cursor = session.info.get("chain")
    if transaction is None or cursor is None or cursor.transaction is not transaction:
        head = lock_head(session)  # this begins the transaction if nothing else has
        cursor = _Cursor(session.get_transaction(), head)
        session.info["chain"] = cursor
        if not sa.event.contains(session, "before_commit", _write_back):
            sa.event.listen(session, "before_commit", _write_back)
    return cursor


def take_turn(session: Session) -> None:
    """Wait for this transaction's turn to write (before a check-then-insert, so two writers
    cannot both find a name missing and both insert it)."""
    _cursor(session)


def _write_back(session: Session) -> None:
    """Before the transaction commits: move PostgreSQL sequences past ids kept from an import."""
    cursor = session.info.get("chain")
    if cursor is None or cursor.transaction is not session.get_transaction():
        return
    for name in sorted(cursor.explicit):
        _catch_up_sequence(session, name)
    cursor.explicit.clear()


def _take_ids(session: Session, cursor: _Cursor, table: sa.Table, count: int) -> list[int]:
    if not _is_sqlite(session):
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


def chain_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, object]]) -> None:
    """Give many new rows of `table` their ids, places and hashes, in order (the bulk path);
    the caller inserts them in the same transaction."""
    if not rows:
        return
    kind = table.name
    cursor = _cursor(session)
    ids = _take_ids(session, cursor, table, len(rows))
    previous, seq = cursor.head.hash, cursor.head.seq
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
        seq += 1
        previous = link(previous, seq, kind, canonical(kind, row))
        row["chain_seq"] = seq
        row["chain_hash"] = previous
    cursor.head = Head(seq, previous)
    if kind in cursor.next_id:
        cursor.next_id[kind] = ids[-1] + 1


# --- reading -----------------------------------------------------------------------------------


def _events(
    session: Session, kind: str, where: str, tags: Mapping[int, Iterable[str]]
) -> Iterator[Event]:
    columns = CONTENT[kind]
    sql = (
        f"SELECT chain_seq, chain_hash, {', '.join(columns)} FROM {kind} "
        f"WHERE {where} ORDER BY chain_seq, id"
    )
    connection = session.connection().execution_options(stream_results=True, yield_per=BATCH)
    for record in connection.exec_driver_sql(sql):
        row = dict(zip(columns, record[2:], strict=True))
        row_id = int(row["id"])
        yield Event(
            kind=kind,
            row_id=row_id,
            seq=None if record[0] is None else int(record[0]),
            hash=record[1],
            content=canonical(kind, row, tags.get(row_id, ())),
        )


def chained_events(session: Session, tags: Mapping[int, Iterable[str]]) -> Iterator[Event]:
    """Every chained row of the record, in chain order (streamed); `tags`: each question's
    (`ledger.question_tags`), part of its content."""
    return merge([_events(session, kind, "chain_seq IS NOT NULL", tags) for kind in KINDS])


def unchained_events(session: Session, tags: Mapping[int, Iterable[str]]) -> list[Event]:
    """Rows with no place in the chain (`tags` as for `chained_events`)."""
    return [e for kind in KINDS for e in _events(session, kind, "chain_seq IS NULL", tags)]
