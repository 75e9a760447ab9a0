"""A tamper-evident chain over the record, and on PostgreSQL, rows written as the connected user.

Revision ID: 0006
Revises: 0005

Every source, forecaster, question, forecast and resolution gets its place in one chain
(`chain_seq`, 1, 2, 3, ... across the five tables) and a hash over its content and the previous
event's hash (`chain_hash`). The head is the event in the last place. Rows recorded before this
revision are chained here in table order (sources, forecasters, questions, forecasts,
resolutions), each by id.

On PostgreSQL, triggers make the database guard the record whoever writes to it:
- every new row must take the next place in the chain (writers queue on one advisory lock);
- TRUNCATE is refused on every table of the record;
- for anyone but the owner of the tables (who runs `tracker db upgrade` and imports a team's
  history): a forecast's forecaster must be the connected user, or a report's forecaster that
  user introduced; no forecast on a question already resolved; questions, sources and
  resolutions name the connected user; every recorded-at time is the server's (within ten
  minutes); tags only on a question created in the same transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from tracker.domain.chain import GENESIS, canonical, link

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: The kinds of event this revision chains (a snapshot: later revisions add kinds of their own).
KINDS = ("source", "forecaster", "question", "forecast", "resolution")

#: PostgreSQL writers take turns by locking the one row of `tracker_turn` through the
#: SECURITY DEFINER function tracker_take_turn(): nobody else can lock it, so no reader can
#: hold every writer up (an advisory lock would let any user do that).
APPEND_ONLY = ("forecast", "resolution")
#: Who wrote a row, and when it was recorded, per table (checked against the session on PostgreSQL).
AUTHOR = {
    "source": ("added_by", "added_at"),
    "question": ("created_by", "created_at"),
    "resolution": ("resolved_by", "recorded_at"),
    "forecast": (None, "recorded_at"),
    "forecaster": (None, "created_at"),
}
NOT_ALLOWED = "USING ERRCODE = 'insufficient_privilege'"

PG_FUNCTIONS = (
    """
    CREATE FUNCTION tracker_take_turn() RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = {path} AS $$
        SELECT NULL::void FROM tracker_turn WHERE id = 1 FOR UPDATE
    $$
    """,
    """
    CREATE FUNCTION tracker_is_owner(relation oid) RETURNS boolean LANGUAGE sql STABLE
    SET search_path = {path} AS $$
        SELECT pg_has_role(
            session_user, (SELECT relowner FROM pg_class WHERE oid = relation), 'MEMBER'
        )
    $$
    """,
    """
    CREATE FUNCTION tracker_chain_head() RETURNS bigint LANGUAGE sql STABLE
    SET search_path = {path} AS $$
        SELECT coalesce(max(seq), 0) FROM (
            SELECT max(chain_seq) AS seq FROM source
            UNION ALL SELECT max(chain_seq) FROM forecaster
            UNION ALL SELECT max(chain_seq) FROM question
            UNION ALL SELECT max(chain_seq) FROM forecast
            UNION ALL SELECT max(chain_seq) FROM resolution
        ) AS heads
    $$
    """,
    f"""
    CREATE FUNCTION tracker_chain_next() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {{path}} AS $$
    DECLARE
        expected bigint;
    BEGIN
        PERFORM tracker_take_turn();
        IF NEW.chain_seq IS NULL OR NEW.chain_hash IS NULL
           OR NEW.chain_hash !~ '^[0-9a-f]{{64}}$' THEN
            RAISE EXCEPTION 'a % joins the tamper-evident chain: record it with tracker',
                TG_TABLE_NAME {NOT_ALLOWED};
        END IF;
        expected := tracker_chain_head() + 1;
        IF NEW.chain_seq <> expected THEN
            RAISE EXCEPTION 'a % must take place % in the chain, not %: record it with tracker',
                TG_TABLE_NAME, expected, NEW.chain_seq {NOT_ALLOWED};
        END IF;
        RETURN NEW;
    END $$
    """,
    f"""
    CREATE FUNCTION tracker_amends_same_question() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {{path}} AS $$
    BEGIN
        IF NEW.amends_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM resolution WHERE id = NEW.amends_id AND question_id = NEW.question_id
        ) THEN
            RAISE EXCEPTION 'an amendment corrects a resolution of its own question'
                {NOT_ALLOWED};
        END IF;
        RETURN NEW;
    END $$
    """,
    f"""
    CREATE FUNCTION tracker_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is part of the record: it cannot be truncated', TG_TABLE_NAME
            {NOT_ALLOWED};
    END $$
    """,
    f"""
    CREATE FUNCTION tracker_written_by_session_user() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {{path}} AS $$
    DECLARE
        row jsonb := to_jsonb(NEW);
        who text;
        recorded timestamptz;
    BEGIN
        IF tracker_is_owner(TG_RELID) THEN
            RETURN NEW;
        END IF;
        recorded := (row ->> TG_ARGV[1])::timestamptz;
        IF recorded NOT BETWEEN clock_timestamp() - interval '10 minutes'
            AND clock_timestamp() + interval '10 minutes' THEN
            RAISE EXCEPTION 'on this team database a % is recorded at the server''s time '
                '(%), not at %: check your clock (TRACKER_NOW is for demonstrations)',
                TG_TABLE_NAME, clock_timestamp(), recorded {NOT_ALLOWED};
        END IF;
        IF TG_ARGV[0] <> '' THEN
            who := row ->> TG_ARGV[0];
            IF who IS DISTINCT FROM session_user THEN
                RAISE EXCEPTION 'on this team database a % is recorded by your database user '
                    '%, not by %', TG_TABLE_NAME, session_user, who {NOT_ALLOWED};
            END IF;
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION tracker_may_speak_for(person bigint) RETURNS boolean LANGUAGE sql STABLE
    SET search_path = {path} AS $$
        -- A report's forecaster that the connected user introduced: named by one of their
        -- sources, by nobody else's, and no database user's name.
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
    """,
    f"""
    CREATE FUNCTION tracker_forecast_by_session_user() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {{path}} AS $$
    DECLARE
        who text;
    BEGIN
        IF tracker_is_owner(TG_RELID) THEN
            RETURN NEW;
        END IF;
        SELECT name INTO who FROM forecaster WHERE id = NEW.forecaster_id;
        IF who = session_user
           AND EXISTS (SELECT 1 FROM source WHERE forecaster_id = NEW.forecaster_id) THEN
            RAISE EXCEPTION 'the name % is a report''s forecaster on this database: ask its '
                'owner to sort out the name before you forecast', who {NOT_ALLOWED};
        END IF;
        IF who IS DISTINCT FROM session_user AND NOT tracker_may_speak_for(NEW.forecaster_id)
        THEN
            RAISE EXCEPTION 'on this team database you record forecasts as your database user '
                '%, not as %', session_user, who {NOT_ALLOWED};
        END IF;
        IF EXISTS (SELECT 1 FROM resolution WHERE question_id = NEW.question_id) THEN
            RAISE EXCEPTION 'question #% is resolved: forecasts on it are closed',
                NEW.question_id {NOT_ALLOWED};
        END IF;
        RETURN NEW;
    END $$
    """,
    f"""
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
        -- A name nobody forecasts under yet, or one this user already speaks for.
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
    """,
    f"""
    CREATE FUNCTION tracker_tag_with_question() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {{path}} AS $$
    BEGIN
        IF tracker_is_owner(TG_RELID) OR EXISTS (
            SELECT 1 FROM question
            WHERE id = NEW.question_id AND xmin = pg_current_xact_id()::xid
        ) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'tags are recorded with their question' {NOT_ALLOWED};
    END $$
    """,
)
PG_TRIGGERS = (
    *(
        f"CREATE TRIGGER {kind}_chain_next BEFORE INSERT ON {kind} "
        "FOR EACH ROW EXECUTE FUNCTION tracker_chain_next()"
        for kind in KINDS
    ),
    *(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION tracker_no_truncate()"
        for table in (*KINDS, "question_tag")
    ),
    *(
        f"CREATE TRIGGER {table}_by_session_user BEFORE INSERT ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION tracker_written_by_session_user('{author or ''}', '{moment}')"
        for table, (author, moment) in AUTHOR.items()
    ),
    "CREATE TRIGGER forecast_forecaster BEFORE INSERT ON forecast "
    "FOR EACH ROW EXECUTE FUNCTION tracker_forecast_by_session_user()",
    "CREATE TRIGGER source_speaker BEFORE INSERT OR UPDATE OF forecaster_id ON source "
    "FOR EACH ROW EXECUTE FUNCTION tracker_source_speaker()",
    "CREATE TRIGGER question_tag_with_question BEFORE INSERT ON question_tag "
    "FOR EACH ROW EXECUTE FUNCTION tracker_tag_with_question()",
    "CREATE TRIGGER resolution_amends_same_question BEFORE INSERT ON resolution "
    "FOR EACH ROW EXECUTE FUNCTION tracker_amends_same_question()",
)
SQLITE_AMENDS = (
    "CREATE TRIGGER resolution_amends_same_question BEFORE INSERT ON resolution "
    "WHEN NEW.amends_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM resolution "
    "WHERE id = NEW.amends_id AND question_id = NEW.question_id) "
    "BEGIN SELECT RAISE(ABORT, 'an amendment corrects a resolution of its own question'); END"
)
PG_DROPS = (
    "tracker_amends_same_question()",
    "tracker_tag_with_question()",
    "tracker_source_speaker()",
    "tracker_forecast_by_session_user()",
    "tracker_may_speak_for(bigint)",
    "tracker_written_by_session_user()",
    "tracker_no_truncate()",
    "tracker_chain_next()",
    "tracker_chain_head()",
    "tracker_take_turn()",
    "tracker_is_owner(oid)",
)


#: Each kind's hashed columns at this revision.
CONTENT_0006 = {
    "source": (
        "id",
        "slug",
        "title",
        "author",
        "organisation",
        "published_on",
        "url",
        "file",
        "text",
        "content_hash",
        "added_at",
        "added_by",
    ),
    "forecaster": ("id", "name", "created_at"),
    "question": (
        "id",
        "slug",
        "title",
        "criteria",
        "kind",
        "options",
        "deadline",
        "opened_on",
        "source_id",
        "quote",
        "notes",
        "created_at",
        "created_by",
        "quote_start",
        "quote_end",
        "deadline_phrase",
        "hedge_phrase",
    ),
    "forecast": (
        "id",
        "question_id",
        "forecaster_id",
        "made_at",
        "recorded_at",
        "probabilities",
        "rationale",
        "input_text",
    ),
    "resolution": (
        "id",
        "question_id",
        "status",
        "outcome",
        "occurred_on",
        "evidence",
        "resolved_by",
        "recorded_at",
        "amends_id",
    ),
}


def _backfill(bind: Any, batch: int = 5_000) -> None:
    """Chain the rows already there, in table order and by id, a batch at a time (a million
    forecasts would not fit in memory as one list)."""
    tags: dict[int, list[str]] = {}
    for question_id, tag in bind.exec_driver_sql("SELECT question_id, tag FROM question_tag"):
        tags.setdefault(int(question_id), []).append(str(tag))
    previous, seq = GENESIS, 0
    for kind in KINDS:
        columns = CONTENT_0006[kind]
        select = sa.text(
            f"SELECT {', '.join(columns)} FROM {kind} WHERE id > :last ORDER BY id LIMIT :n"
        )
        update = sa.text(f"UPDATE {kind} SET chain_seq = :seq, chain_hash = :hash WHERE id = :id")
        last = 0
        while True:
            rows = bind.execute(select, {"last": last, "n": batch}).all()
            if not rows:
                break
            updates = []
            for record in rows:
                row = dict(zip(columns, record, strict=True))
                seq += 1
                content = canonical(kind, row, tags.get(row["id"], ()))
                previous = link(previous, seq, kind, content)
                updates.append({"seq": seq, "hash": previous, "id": row["id"]})
            bind.execute(update, updates)
            last = int(rows[-1][0])


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
        op.execute(SQLITE_AMENDS)
        return
    op.execute("CREATE TABLE tracker_turn (id integer PRIMARY KEY)")
    op.execute("INSERT INTO tracker_turn VALUES (1)")
    op.execute("REVOKE ALL ON tracker_turn FROM PUBLIC")
    # The functions look up tracker's own tables whatever the caller's search_path: a user's
    # temporary table named `forecaster` must not stand in for the real one.
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    path = f"{schema}, pg_catalog, pg_temp"
    for function in PG_FUNCTIONS:
        op.execute(function.replace("{path}", path))
    op.execute("REVOKE EXECUTE ON FUNCTION tracker_take_turn() FROM PUBLIC")
    for trigger in PG_TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for trigger in PG_TRIGGERS:
            name, table = trigger.split()[2], trigger.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function in PG_DROPS:
            op.execute(f"DROP FUNCTION {function}")
        op.execute("DROP TABLE tracker_turn")
    else:
        op.execute("DROP TRIGGER resolution_amends_same_question")
    for kind in KINDS:
        op.drop_index(f"ix_{kind}_chain_seq", kind)
        # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) keeps the append-only triggers, which
        # copying the table in batch mode would lose.
        for column in ("chain_hash", "chain_seq"):
            op.execute(f"ALTER TABLE {kind} DROP COLUMN {column}")
