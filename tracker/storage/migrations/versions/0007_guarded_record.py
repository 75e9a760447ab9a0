"""Which forecaster speaks for a source joins the chain; every table of the record is
append-only; documents keep a checkpoint of verification; the bundled example can be marked;
on PostgreSQL a writer cannot hold the writers' turn for long.

Revision ID: 0007
Revises: 0006

- `source_forecaster`: naming the forecaster that speaks for a report was an UPDATE of
  `source.forecaster_id`, outside the chain, so it could be changed unseen (and it decides who is
  left out of the team aggregates). It is now an event of its own, chained like any other. The
  names already given are chained here, after the current head, each as named when its source
  was added (so reviews as of an earlier day see them as before); the column is dropped.
- Append-only guards (no UPDATE, no DELETE) on every table of the record, not only forecasts and
  resolutions: an in-place edit then needs a change of schema, which the documents' check sees.
- `chain_checkpoint`: the place up to which the chain was last recomputed and found intact.
- `ledger_setting`: settings of the whole ledger (`example`).
- The SQLite trigger that makes an amendment correct a resolution of its own question is
  created where it is missing (databases built before revision 0006 was final lack it).
- PostgreSQL: tracker_take_turn() waits in steps, and ends the session of a writer that holds
  the turn while idle (or in one statement) for longer than `tracker_turn.hold_limit`; a
  writer that waits longer than `tracker_turn.wait_limit` is told who holds the turn.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from tracker.domain.chain import GENESIS, canonical, link

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: The kinds of event at this revision (a snapshot).
KINDS = ("source", "forecaster", "source_forecaster", "question", "forecast", "resolution")
#: Tables that were not append-only before this revision.
NEWLY_APPEND_ONLY = ("source", "forecaster", "question", "question_tag")
NOT_ALLOWED = "USING ERRCODE = 'insufficient_privilege'"
#: How long a writer may hold the turn idle before a waiting writer ends its session, and how
#: long a writer waits in all before it is told who holds the turn (both adjustable by the
#: owner in the one row of tracker_turn; docs/team.md).
HOLD_LIMIT = "30 seconds"
WAIT_LIMIT = "60 seconds"

TAKE_TURN = """
CREATE OR REPLACE FUNCTION tracker_take_turn() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {path} SET lock_timeout = '1s' AS $$
DECLARE
    started timestamptz := clock_timestamp();
    hold interval;
    wait interval;
    holder integer;
    holder_user text;
    holder_state text;
    holder_since timestamptz;
BEGIN
    SELECT hold_limit, wait_limit INTO hold, wait FROM tracker_turn WHERE id = 1;
    LOOP
        BEGIN
            PERFORM 1 FROM tracker_turn WHERE id = 1 FOR UPDATE;
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            NULL;  -- a second has passed: see who holds the turn
        END;
        -- The holder: the session with the turn's row locked (a row-share lock on the table
        -- that only tracker_take_turn() gives) and not itself waiting, like the others in
        -- line. Its state_change is when it went idle, or when its current statement began.
        holder := NULL;
        PERFORM pg_stat_clear_snapshot();  -- the activity seen now, not at the first look
        SELECT a.pid, a.usename, a.state, a.state_change
          INTO holder, holder_user, holder_state, holder_since
          FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'relation' AND l.relation = 'tracker_turn'::regclass
           AND l.mode = 'RowShareLock' AND l.granted AND l.pid <> pg_backend_pid()
           AND NOT EXISTS (SELECT 1 FROM pg_locks w WHERE w.pid = l.pid AND NOT w.granted)
         ORDER BY a.xact_start
         LIMIT 1;
        IF holder IS NOT NULL AND holder_since < clock_timestamp() - hold THEN
            BEGIN
                -- End the holder's session: its transaction is rolled back, the turn is free.
                IF pg_terminate_backend(holder, 5000) THEN
                    RAISE LOG 'tracker: ended the session of %, which held the writers'' turn '
                        '(%) since %', holder_user, holder_state, holder_since;
                    CONTINUE;
                END IF;
            EXCEPTION WHEN insufficient_privilege THEN
                NULL;  -- the owner may not end it (docs/team.md): wait, then say who holds it
            END;
        END IF;
        IF clock_timestamp() - started > wait THEN
            RAISE EXCEPTION 'the writers'' turn is held by % (%, since %)',
                coalesce(holder_user, 'another writer'), coalesce(holder_state, 'at work'),
                coalesce(to_char(holder_since, 'YYYY-MM-DD HH24:MI:SS TZ'), 'a while')
                USING ERRCODE = 'lock_not_available';
        END IF;
    END LOOP;
END $$
"""

OLD_TAKE_TURN = """
CREATE OR REPLACE FUNCTION tracker_take_turn() RETURNS void LANGUAGE sql SECURITY DEFINER
SET search_path = {path} AS $$
    SELECT NULL::void FROM tracker_turn WHERE id = 1 FOR UPDATE
$$
"""

CHAIN_HEAD = """
CREATE OR REPLACE FUNCTION tracker_chain_head() RETURNS bigint LANGUAGE sql STABLE
SET search_path = {path} AS $$
    SELECT coalesce(max(seq), 0) FROM (
        SELECT max(chain_seq) AS seq FROM source
        UNION ALL SELECT max(chain_seq) FROM forecaster
        UNION ALL SELECT max(chain_seq) FROM source_forecaster
        UNION ALL SELECT max(chain_seq) FROM question
        UNION ALL SELECT max(chain_seq) FROM forecast
        UNION ALL SELECT max(chain_seq) FROM resolution
    ) AS heads
$$
"""

MAY_SPEAK_FOR = """
CREATE OR REPLACE FUNCTION tracker_may_speak_for(person bigint) RETURNS boolean LANGUAGE sql
STABLE SET search_path = {path} AS $$
    -- A report's forecaster that the connected user introduced: named for one of their
    -- sources, for nobody else's, and no database user's name.
    SELECT EXISTS (
            SELECT 1 FROM source_forecaster n JOIN source s ON s.id = n.source_id
            WHERE n.forecaster_id = person AND s.added_by = session_user
        )
        AND NOT EXISTS (
            SELECT 1 FROM source_forecaster n JOIN source s ON s.id = n.source_id
            WHERE n.forecaster_id = person AND s.added_by <> session_user
        )
        AND NOT EXISTS (
            SELECT 1 FROM forecaster f JOIN pg_roles r ON r.rolname = f.name
            WHERE f.id = person
        )
$$
"""

FORECAST_BY_SESSION_USER = f"""
CREATE OR REPLACE FUNCTION tracker_forecast_by_session_user() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
DECLARE
    who text;
BEGIN
    IF tracker_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    SELECT name INTO who FROM forecaster WHERE id = NEW.forecaster_id;
    IF who = session_user AND EXISTS (
        SELECT 1 FROM source_forecaster WHERE forecaster_id = NEW.forecaster_id
    ) THEN
        RAISE EXCEPTION 'the name % is a report''s forecaster on this database: ask its '
            'owner to sort out the name before you forecast', who {NOT_ALLOWED};
    END IF;
    IF who IS DISTINCT FROM session_user AND NOT tracker_may_speak_for(NEW.forecaster_id) THEN
        RAISE EXCEPTION 'on this team database you record forecasts as your database user '
            '%, not as %', session_user, who {NOT_ALLOWED};
    END IF;
    IF EXISTS (SELECT 1 FROM resolution WHERE question_id = NEW.question_id) THEN
        RAISE EXCEPTION 'question #% is resolved: forecasts on it are closed',
            NEW.question_id {NOT_ALLOWED};
    END IF;
    RETURN NEW;
END $$
"""

SOURCE_FORECASTER_NAMED = f"""
CREATE FUNCTION tracker_source_forecaster_named() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
BEGIN
    IF tracker_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM source WHERE id = NEW.source_id AND added_by = session_user
    ) THEN
        RAISE EXCEPTION 'only the analyst who added source #% may name its forecaster',
            NEW.source_id {NOT_ALLOWED};
    END IF;
    -- A name nobody forecasts under yet and no database user's, or one this user already
    -- speaks for.
    IF NOT (
        NOT EXISTS (SELECT 1 FROM forecast WHERE forecaster_id = NEW.forecaster_id)
        AND NOT EXISTS (
            SELECT 1 FROM source_forecaster n JOIN source s ON s.id = n.source_id
            WHERE n.forecaster_id = NEW.forecaster_id AND s.added_by <> session_user
        )
        AND NOT EXISTS (
            SELECT 1 FROM forecaster f JOIN pg_roles r ON r.rolname = f.name
            WHERE f.id = NEW.forecaster_id
        )
    ) AND NOT tracker_may_speak_for(NEW.forecaster_id) THEN
        RAISE EXCEPTION 'a source may only name a new forecaster, or one its analyst already '
            'speaks for' {NOT_ALLOWED};
    END IF;
    RETURN NEW;
END $$
"""

OLD_SOURCE_SPEAKER = f"""
CREATE FUNCTION tracker_source_speaker() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
DECLARE
    introduced boolean;
BEGIN
    IF tracker_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND (
        OLD.forecaster_id IS NOT NULL OR NEW.forecaster_id IS NULL
        OR OLD.added_by <> session_user
    ) THEN
        RAISE EXCEPTION 'only the analyst who added source #% may name its forecaster, once',
            NEW.id {NOT_ALLOWED};
    END IF;
    IF NEW.forecaster_id IS NULL THEN
        RETURN NEW;
    END IF;
    introduced := NOT EXISTS (SELECT 1 FROM forecast WHERE forecaster_id = NEW.forecaster_id)
        AND NOT EXISTS (
            SELECT 1 FROM source WHERE forecaster_id = NEW.forecaster_id
            AND added_by <> session_user
        )
        AND NOT EXISTS (
            SELECT 1 FROM forecaster f JOIN pg_roles r ON r.rolname = f.name
            WHERE f.id = NEW.forecaster_id
        );
    IF NOT introduced AND NOT tracker_may_speak_for(NEW.forecaster_id) THEN
        RAISE EXCEPTION 'a source may only name a new forecaster, or one its analyst already '
            'speaks for' {NOT_ALLOWED};
    END IF;
    RETURN NEW;
END $$
"""

OLD_MAY_SPEAK_FOR = """
CREATE OR REPLACE FUNCTION tracker_may_speak_for(person bigint) RETURNS boolean LANGUAGE sql
STABLE SET search_path = {path} AS $$
    SELECT EXISTS (
            SELECT 1 FROM source WHERE forecaster_id = person AND added_by = session_user
        )
        AND NOT EXISTS (
            SELECT 1 FROM source WHERE forecaster_id = person AND added_by <> session_user
        )
        AND NOT EXISTS (
            SELECT 1 FROM forecaster f JOIN pg_roles r ON r.rolname = f.name
            WHERE f.id = person
        )
$$
"""

OLD_FORECAST_BY_SESSION_USER = FORECAST_BY_SESSION_USER.replace(
    "SELECT 1 FROM source_forecaster WHERE forecaster_id = NEW.forecaster_id",
    "SELECT 1 FROM source WHERE forecaster_id = NEW.forecaster_id",
)

OLD_CHAIN_HEAD = CHAIN_HEAD.replace(
    "        UNION ALL SELECT max(chain_seq) FROM source_forecaster\n", ""
)

PG_NEW_TRIGGERS = (
    "CREATE TRIGGER source_forecaster_chain_next BEFORE INSERT ON source_forecaster "
    "FOR EACH ROW EXECUTE FUNCTION tracker_chain_next()",
    "CREATE TRIGGER source_forecaster_by_session_user BEFORE INSERT ON source_forecaster "
    "FOR EACH ROW EXECUTE FUNCTION tracker_written_by_session_user('named_by', 'named_at')",
    "CREATE TRIGGER source_forecaster_named BEFORE INSERT ON source_forecaster "
    "FOR EACH ROW EXECUTE FUNCTION tracker_source_forecaster_named()",
    "CREATE TRIGGER source_forecaster_no_truncate BEFORE TRUNCATE ON source_forecaster "
    "FOR EACH STATEMENT EXECUTE FUNCTION tracker_no_truncate()",
    # Whoever notes a verified place signs it: each person trusts only their own checkpoints
    # and the owner's (storage/chain.py), so nobody can plant one for others.
    "CREATE TRIGGER chain_checkpoint_by_session_user BEFORE INSERT ON chain_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION tracker_written_by_session_user('verified_by', "
    "'verified_at')",
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION tracker_append_only()"
        for table in (*NEWLY_APPEND_ONLY, "source_forecaster")
    ),
)

SQLITE_AMENDS = (
    "CREATE TRIGGER IF NOT EXISTS resolution_amends_same_question BEFORE INSERT ON resolution "
    "WHEN NEW.amends_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM resolution "
    "WHERE id = NEW.amends_id AND question_id = NEW.question_id) "
    "BEGIN SELECT RAISE(ABORT, 'an amendment corrects a resolution of its own question'); END"
)


def _sqlite_append_only(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: the record is never "
        "rewritten'); END"
        for action in ("UPDATE", "DELETE")
    ]


#: SQLite's REPLACE (INSERT OR REPLACE) removes a conflicting row without firing DELETE
#: triggers: a new row of the record may not take the id or the place of one already there.
SQLITE_NO_REPLACE = (
    "CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
    "WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
    "OR EXISTS (SELECT 1 FROM {table} WHERE chain_seq = NEW.chain_seq) "
    "BEGIN SELECT RAISE(ABORT, '{table} rows are never replaced: the record is never "
    "rewritten'); END"
)
#: A question's tags are part of its content: they are recorded with it, before anything refers
#: to it (PostgreSQL: in its own transaction, migration 0006). A tag added later to a question
#: changes its content; the documents' check counts the tags at each checkpoint and finds it.
SQLITE_TAGS_WITH_QUESTION = (
    "CREATE TRIGGER question_tag_with_question BEFORE INSERT ON question_tag "
    "WHEN EXISTS (SELECT 1 FROM forecast WHERE question_id = NEW.question_id) "
    "OR EXISTS (SELECT 1 FROM resolution WHERE question_id = NEW.question_id) "
    "BEGIN SELECT RAISE(ABORT, 'tags are recorded with their question'); END"
)


def _head(bind: Any) -> tuple[int, str]:
    """The last event of the chain as revision 0006 left it."""
    best = (0, GENESIS)
    for kind in ("source", "forecaster", "question", "forecast", "resolution"):
        row = bind.exec_driver_sql(
            f"SELECT chain_seq, chain_hash FROM {kind} WHERE chain_seq IS NOT NULL "
            "ORDER BY chain_seq DESC LIMIT 1"
        ).first()
        if row is not None and int(row[0]) > best[0]:
            best = (int(row[0]), str(row[1]))
    return best


def _chain_named_forecasters(bind: Any) -> None:
    """Append an event for each forecaster a source names, after the current head."""
    seq, previous = _head(bind)
    rows = bind.exec_driver_sql(
        "SELECT id, forecaster_id, added_at, added_by FROM source "
        "WHERE forecaster_id IS NOT NULL ORDER BY id"
    ).all()
    table = sa.table(
        "source_forecaster",
        sa.column("id"),
        sa.column("source_id"),
        sa.column("forecaster_id"),
        sa.column("named_at"),
        sa.column("named_by"),
        sa.column("chain_seq"),
        sa.column("chain_hash"),
    )
    for number, (source_id, forecaster_id, added_at, added_by) in enumerate(rows, start=1):
        seq += 1
        row = {
            "id": number,
            "source_id": source_id,
            "forecaster_id": forecaster_id,
            "named_at": added_at,
            "named_by": added_by,
        }
        previous = link(previous, seq, "source_forecaster", canonical("source_forecaster", row))
        bind.execute(sa.insert(table).values(**row, chain_seq=seq, chain_hash=previous))


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    moment = sa.DateTime(timezone=True)
    op.create_table(
        "source_forecaster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("forecaster_id", sa.Integer(), nullable=False),
        sa.Column("named_at", moment, nullable=False),
        sa.Column("named_by", sa.String(), nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=True),
        sa.Column("chain_hash", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.ForeignKeyConstraint(["forecaster_id"], ["forecaster.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id"),
    )
    op.create_index("ix_source_forecaster_forecaster_id", "source_forecaster", ["forecaster_id"])
    op.create_index(
        "ix_source_forecaster_chain_seq", "source_forecaster", ["chain_seq"], unique=True
    )
    op.create_table(
        "chain_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("guards", sa.String(), nullable=False),
        sa.Column("verified_at", moment, nullable=False),
        sa.Column("verified_by", sa.String(), nullable=True),
        sa.Column("tags", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_chain_checkpoint_seq", "chain_checkpoint", ["seq"])
    op.create_table(
        "ledger_setting",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    _chain_named_forecasters(bind)
    if sqlite:
        # SQLite cannot drop a column that a foreign key names: the table is rebuilt (the
        # migrations run with foreign keys off, and checked at the end: storage/database.py).
        with op.batch_alter_table("source") as batch:
            batch.drop_constraint("fk_source_forecaster_id_forecaster", type_="foreignkey")
            batch.drop_column("forecaster_id")
        for table in (*NEWLY_APPEND_ONLY, "source_forecaster"):
            for trigger in _sqlite_append_only(table):
                op.execute(trigger)
        for table in KINDS:
            op.execute(SQLITE_NO_REPLACE.format(table=table))
        op.execute(SQLITE_TAGS_WITH_QUESTION)
        op.execute(SQLITE_AMENDS)
        return
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    path = f"{schema}, pg_catalog, pg_temp"
    op.execute("DROP TRIGGER source_speaker ON source")
    op.execute("DROP FUNCTION tracker_source_speaker()")
    for function in (MAY_SPEAK_FOR, FORECAST_BY_SESSION_USER):
        op.execute(function.replace("{path}", path))
    op.execute("ALTER TABLE source DROP COLUMN forecaster_id")
    op.execute(CHAIN_HEAD.replace("{path}", path))
    op.execute(SOURCE_FORECASTER_NAMED.replace("{path}", path))
    for column, default in (("hold_limit", HOLD_LIMIT), ("wait_limit", WAIT_LIMIT)):
        op.execute(
            f"ALTER TABLE tracker_turn ADD COLUMN {column} interval NOT NULL DEFAULT '{default}'"
        )
    op.execute(TAKE_TURN.replace("{path}", path))
    for trigger in PG_NEW_TRIGGERS:
        op.execute(trigger)
    op.execute("REVOKE ALL ON chain_checkpoint FROM PUBLIC")


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        for table in (*NEWLY_APPEND_ONLY, "source_forecaster"):
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")
        for table in KINDS:
            op.execute(f"DROP TRIGGER {table}_no_replace")
        op.execute("DROP TRIGGER question_tag_with_question")
        with op.batch_alter_table("source") as batch:
            batch.add_column(sa.Column("forecaster_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                "fk_source_forecaster_id_forecaster", "forecaster", ["forecaster_id"], ["id"]
            )
    else:
        schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
        path = f"{schema}, pg_catalog, pg_temp"
        for trigger in PG_NEW_TRIGGERS:
            name, table = trigger.split()[2], trigger.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute("DROP FUNCTION tracker_source_forecaster_named()")
        op.execute(OLD_TAKE_TURN.replace("{path}", path))
        op.execute("ALTER TABLE tracker_turn DROP COLUMN hold_limit")
        op.execute("ALTER TABLE tracker_turn DROP COLUMN wait_limit")
        op.execute(
            "ALTER TABLE source ADD COLUMN forecaster_id integer "
            "CONSTRAINT fk_source_forecaster_id_forecaster REFERENCES forecaster (id)"
        )
    # The names go back to their sources; their events leave the chain (which then ends at
    # the last event before them, as revision 0006 had it).
    op.execute(
        "UPDATE source SET forecaster_id = (SELECT forecaster_id FROM source_forecaster n "
        "WHERE n.source_id = source.id)"
    )
    if not sqlite:
        op.execute(OLD_CHAIN_HEAD.replace("{path}", path))
        for function in (OLD_MAY_SPEAK_FOR, OLD_FORECAST_BY_SESSION_USER):
            op.execute(function.replace("{path}", path))
        op.execute(OLD_SOURCE_SPEAKER.replace("{path}", path))
        op.execute(
            "CREATE TRIGGER source_speaker BEFORE INSERT OR UPDATE OF forecaster_id ON source "
            "FOR EACH ROW EXECUTE FUNCTION tracker_source_speaker()"
        )
    op.drop_table("ledger_setting")
    op.drop_index("ix_chain_checkpoint_seq", "chain_checkpoint")
    op.drop_table("chain_checkpoint")
    op.drop_index("ix_source_forecaster_chain_seq", "source_forecaster")
    op.drop_index("ix_source_forecaster_forecaster_id", "source_forecaster")
    op.drop_table("source_forecaster")
