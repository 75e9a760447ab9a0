"""Questions that can be clarified: versions of a question, and the version each forecast saw.

Revision ID: 0009
Revises: 0008

`question_version`: one row per clarification (`tracker clarify`), an event of the chain like
any other. Each row holds the question's whole title, criteria and deadline from then on, with
the reason, its author and when it was recorded; version 1 is the question row as added, which
is never edited, so the first clarification is version 2. Append-only like every table of the
record. `forecast.question_version`: the version a forecast was made under; NULL means version 1
(so every forecast recorded before this revision hashes as it did, tracker/domain/chain.py).

On PostgreSQL a clarification is written by the database user it names, only by the question's
author or a resolver (or the owner of the tables), and never on a resolved question.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NOT_ALLOWED = "USING ERRCODE = 'insufficient_privilege'"

CHAIN_HEAD = """
CREATE OR REPLACE FUNCTION tracker_chain_head() RETURNS bigint LANGUAGE sql STABLE
SET search_path = {path} AS $$
    SELECT coalesce(max(seq), 0) FROM (
        SELECT max(chain_seq) AS seq FROM source
        UNION ALL SELECT max(chain_seq) FROM forecaster
        UNION ALL SELECT max(chain_seq) FROM source_forecaster
        UNION ALL SELECT max(chain_seq) FROM yardstick_choice
        UNION ALL SELECT max(chain_seq) FROM question
        UNION ALL SELECT max(chain_seq) FROM question_version
        UNION ALL SELECT max(chain_seq) FROM forecast
        UNION ALL SELECT max(chain_seq) FROM resolution
    ) AS heads
$$
"""
OLD_CHAIN_HEAD = CHAIN_HEAD.replace(
    "        UNION ALL SELECT max(chain_seq) FROM question_version\n", ""
)

QUESTION_CLARIFIED = f"""
CREATE FUNCTION tracker_question_clarified() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
DECLARE
    resolver text := current_database() || '_resolver';
BEGIN
    IF tracker_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM resolution WHERE question_id = NEW.question_id) THEN
        RAISE EXCEPTION 'question #% is resolved: it can no longer be clarified',
            NEW.question_id {NOT_ALLOWED};
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM question WHERE id = NEW.question_id AND created_by = session_user
    ) AND NOT (
        EXISTS (SELECT 1 FROM pg_roles WHERE rolname = resolver)
        AND pg_has_role(session_user, resolver, 'MEMBER')
    ) THEN
        RAISE EXCEPTION 'only the author of question #% or a resolver may clarify it',
            NEW.question_id {NOT_ALLOWED};
    END IF;
    RETURN NEW;
END $$
"""

PG_TRIGGERS = (
    "CREATE TRIGGER question_version_chain_next BEFORE INSERT ON question_version "
    "FOR EACH ROW EXECUTE FUNCTION tracker_chain_next()",
    "CREATE TRIGGER question_version_by_session_user BEFORE INSERT ON question_version "
    "FOR EACH ROW EXECUTE FUNCTION tracker_written_by_session_user('author', 'recorded_at')",
    "CREATE TRIGGER question_version_clarified BEFORE INSERT ON question_version "
    "FOR EACH ROW EXECUTE FUNCTION tracker_question_clarified()",
    "CREATE TRIGGER question_version_no_truncate BEFORE TRUNCATE ON question_version "
    "FOR EACH STATEMENT EXECUTE FUNCTION tracker_no_truncate()",
    "CREATE TRIGGER question_version_append_only BEFORE UPDATE OR DELETE ON question_version "
    "FOR EACH ROW EXECUTE FUNCTION tracker_append_only()",
)

GRANT_TO_EXISTING_ROLES = """
DO $$
DECLARE
    reviewer text := current_database() || '_reviewer';
    analyst text := current_database() || '_analyst';
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = reviewer) THEN
        EXECUTE format('GRANT SELECT ON question_version TO %I', reviewer);
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = analyst) THEN
        EXECUTE format('GRANT INSERT ON question_version TO %I', analyst);
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE question_version_id_seq TO %I', analyst);
    END IF;
END $$
"""

#: As revision 0007 guards every table of the record on SQLite.
SQLITE_TRIGGERS = (
    *(
        f"CREATE TRIGGER question_version_no_{action.lower()} BEFORE {action} "
        "ON question_version BEGIN SELECT RAISE(ABORT, 'question_version rows are "
        "append-only: the record is never rewritten'); END"
        for action in ("UPDATE", "DELETE")
    ),
    "CREATE TRIGGER question_version_no_replace BEFORE INSERT ON question_version "
    "WHEN EXISTS (SELECT 1 FROM question_version WHERE id = NEW.id) "
    "OR EXISTS (SELECT 1 FROM question_version WHERE chain_seq = NEW.chain_seq) "
    "BEGIN SELECT RAISE(ABORT, 'question_version rows are never replaced: the record is "
    "never rewritten'); END",
)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "question_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("criteria", sa.String(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=True),
        sa.Column("chain_hash", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "version", name="uq_question_version_number"),
    )
    op.create_index("ix_question_version_question_id", "question_version", ["question_id"])
    op.create_index("ix_question_version_chain_seq", "question_version", ["chain_seq"], unique=True)
    # A new column, NULL on every forecast already there (version 1): no row is rewritten.
    op.add_column("forecast", sa.Column("question_version", sa.Integer(), nullable=True))
    if bind.dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        return
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    path = f"{schema}, pg_catalog, pg_temp"
    op.execute(CHAIN_HEAD.replace("{path}", path))
    op.execute(QUESTION_CLARIFIED.replace("{path}", path))
    for trigger in PG_TRIGGERS:
        op.execute(trigger)
    # Team roles applied before this revision read the new table, and analysts (authors of
    # questions) clarify from now on, without waiting for the roles to be applied again.
    op.execute(GRANT_TO_EXISTING_ROLES)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger.split()[2]}")
    else:
        schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
        path = f"{schema}, pg_catalog, pg_temp"
        for trigger in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger.split()[2]} ON question_version")
        op.execute("DROP FUNCTION tracker_question_clarified()")
        op.execute(OLD_CHAIN_HEAD.replace("{path}", path))
    # Plain ALTER TABLE (SQLite 3.35 and later too): rebuilding the table would drop its guards.
    op.execute("ALTER TABLE forecast DROP COLUMN question_version")
    op.drop_index("ix_question_version_chain_seq", "question_version")
    op.drop_index("ix_question_version_question_id", "question_version")
    op.drop_table("question_version")
