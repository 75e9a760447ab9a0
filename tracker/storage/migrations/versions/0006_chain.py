"""A tamper-evident chain over the record, and on PostgreSQL, rows written as the connected user.

Revision ID: 0006
Revises: 0005

Every source, forecaster, question, forecast and resolution gets its place in one chain
(`chain_seq`) and a hash over its content and the previous event's hash (`chain_hash`); the
`chain_head` row holds the last. Rows recorded before this revision are chained here in table
order (sources, forecasters, questions, forecasts, resolutions), each by id.

On PostgreSQL, triggers make the database, not the client, decide who wrote a row: a forecast
is recorded for the connected user (or for a report's forecaster that is no database user), and
questions, resolutions and sources name the connected user as their author. The owner of the
tables (who runs `tracker db upgrade` and imports a team's history) is exempt.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from tracker.domain.chain import CONTENT, GENESIS, KINDS, canonical, link

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APPEND_ONLY = ("forecast", "resolution")
AUTHOR_COLUMN = {"question": "created_by", "resolution": "resolved_by", "source": "added_by"}

PG_FUNCTIONS = (
    """
    CREATE FUNCTION tracker_is_owner(relation oid) RETURNS boolean LANGUAGE sql STABLE
    SET search_path = {path} AS $$
        SELECT pg_has_role(
            session_user, (SELECT relowner FROM pg_class WHERE oid = relation), 'MEMBER'
        )
    $$
    """,
    """
    CREATE FUNCTION tracker_forecast_by_session_user() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {path} AS $$
    DECLARE
        who text;
    BEGIN
        IF tracker_is_owner(TG_RELID) THEN
            RETURN NEW;
        END IF;
        SELECT name INTO who FROM forecaster WHERE id = NEW.forecaster_id;
        IF who = session_user THEN
            RETURN NEW;
        END IF;
        -- A report's own forecaster (named by a source), unless it is someone's login.
        IF EXISTS (SELECT 1 FROM source WHERE forecaster_id = NEW.forecaster_id)
           AND NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = who) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'on this team database you record forecasts as your database user %, '
            'not as %', session_user, who USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE FUNCTION tracker_written_by_session_user() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {path} AS $$
    DECLARE
        who text := to_jsonb(NEW) ->> TG_ARGV[0];
    BEGIN
        IF who = session_user OR tracker_is_owner(TG_RELID) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'on this team database a % is recorded by your database user %, '
            'not by %', TG_TABLE_NAME, session_user, who USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
)


def _backfill(bind: Any) -> None:
    """Chain the rows already there, in table order and by id."""
    tags: dict[int, list[str]] = {}
    for question_id, tag in bind.exec_driver_sql("SELECT question_id, tag FROM question_tag"):
        tags.setdefault(int(question_id), []).append(str(tag))
    previous, seq = GENESIS, 0
    for kind in KINDS:
        columns = CONTENT[kind]
        rows = bind.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {kind} ORDER BY id").all()
        updates = []
        for record in rows:
            row = dict(zip(columns, record, strict=True))
            seq += 1
            previous = link(previous, seq, kind, canonical(kind, row, tags.get(row["id"], ())))
            updates.append({"seq": seq, "hash": previous, "id": row["id"]})
        if updates:
            bind.execute(
                sa.text(f"UPDATE {kind} SET chain_seq = :seq, chain_hash = :hash WHERE id = :id"),
                updates,
            )
    bind.execute(
        sa.text("INSERT INTO chain_head (id, seq, hash) VALUES (1, :seq, :hash)"),
        {"seq": seq, "hash": previous},
    )


def _sqlite_append_only(create: bool) -> None:
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            if not create:
                op.execute(f"DROP TRIGGER {name}")
                continue
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: "
                f"record a new {table} instead'); END"
            )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    for kind in KINDS:
        op.add_column(kind, sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        op.add_column(kind, sa.Column("chain_hash", sa.String(64), nullable=True))
    # History is append-only: let this one backfill through, then guard it again.
    if sqlite:
        _sqlite_append_only(create=False)
    else:
        for table in APPEND_ONLY:
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    _backfill(bind)
    if sqlite:
        _sqlite_append_only(create=True)
    else:
        for table in APPEND_ONLY:
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
    for kind in KINDS:
        op.create_index(f"ix_{kind}_chain_seq", kind, ["chain_seq"], unique=True)
    if sqlite:
        return
    # The functions look up tracker's own tables whatever the caller's search_path: a user's
    # temporary table named `forecaster` must not stand in for the real one.
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    path = f"{schema}, pg_catalog, pg_temp"
    for function in PG_FUNCTIONS:
        op.execute(function.replace("{path}", path))
    op.execute(
        "CREATE TRIGGER forecast_by_session_user BEFORE INSERT ON forecast "
        "FOR EACH ROW EXECUTE FUNCTION tracker_forecast_by_session_user()"
    )
    for table, column in AUTHOR_COLUMN.items():
        op.execute(
            f"CREATE TRIGGER {table}_by_session_user BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION tracker_written_by_session_user('{column}')"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.execute("DROP TRIGGER forecast_by_session_user ON forecast")
        for table in AUTHOR_COLUMN:
            op.execute(f"DROP TRIGGER {table}_by_session_user ON {table}")
        for name in (
            "tracker_written_by_session_user",
            "tracker_forecast_by_session_user",
        ):
            op.execute(f"DROP FUNCTION {name}()")
        op.execute("DROP FUNCTION tracker_is_owner(oid)")
    for kind in KINDS:
        op.drop_index(f"ix_{kind}_chain_seq", kind)
        # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) keeps the append-only triggers, which
        # copying the table in batch mode would lose.
        for column in ("chain_hash", "chain_seq"):
            op.execute(f"ALTER TABLE {kind} DROP COLUMN {column}")
    op.drop_table("chain_head")
