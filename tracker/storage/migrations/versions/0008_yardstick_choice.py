"""Which yardstick of estimative words a source, or the whole ledger, reads and writes by.

Revision ID: 0008
Revises: 0007

`yardstick_choice`: one row per choice, an event of the chain like any other (so a choice,
which decides how typed words become numbers, cannot be changed unseen). A row with no source is
the ledger's choice; a later row for the same source (or the ledger) takes over from an earlier
one, which stays in the record. With no row, ICD 203 is in force (tracker/domain/yardsticks.py).
Append-only like every table of the record. On PostgreSQL a choice is written by the database
user it names; the ledger's only by the owner of the tables, a source's by the owner or the
analyst who added the source.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
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
        UNION ALL SELECT max(chain_seq) FROM forecast
        UNION ALL SELECT max(chain_seq) FROM resolution
    ) AS heads
$$
"""
OLD_CHAIN_HEAD = CHAIN_HEAD.replace(
    "        UNION ALL SELECT max(chain_seq) FROM yardstick_choice\n", ""
)

YARDSTICK_CHOSEN = f"""
CREATE FUNCTION tracker_yardstick_chosen() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
BEGIN
    IF tracker_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF NEW.source_id IS NULL THEN
        RAISE EXCEPTION 'only the owner of this team database may choose the ledger''s '
            'yardstick' {NOT_ALLOWED};
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM source WHERE id = NEW.source_id AND added_by = session_user
    ) THEN
        RAISE EXCEPTION 'only the analyst who added source #% may choose its yardstick',
            NEW.source_id {NOT_ALLOWED};
    END IF;
    RETURN NEW;
END $$
"""

PG_TRIGGERS = (
    "CREATE TRIGGER yardstick_choice_chain_next BEFORE INSERT ON yardstick_choice "
    "FOR EACH ROW EXECUTE FUNCTION tracker_chain_next()",
    "CREATE TRIGGER yardstick_choice_by_session_user BEFORE INSERT ON yardstick_choice "
    "FOR EACH ROW EXECUTE FUNCTION tracker_written_by_session_user('chosen_by', 'chosen_at')",
    "CREATE TRIGGER yardstick_choice_chosen BEFORE INSERT ON yardstick_choice "
    "FOR EACH ROW EXECUTE FUNCTION tracker_yardstick_chosen()",
    "CREATE TRIGGER yardstick_choice_no_truncate BEFORE TRUNCATE ON yardstick_choice "
    "FOR EACH STATEMENT EXECUTE FUNCTION tracker_no_truncate()",
    "CREATE TRIGGER yardstick_choice_append_only BEFORE UPDATE OR DELETE ON yardstick_choice "
    "FOR EACH ROW EXECUTE FUNCTION tracker_append_only()",
)

GRANT_TO_EXISTING_ROLES = """
DO $$
DECLARE
    reviewer text := current_database() || '_reviewer';
    analyst text := current_database() || '_analyst';
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = reviewer) THEN
        EXECUTE format('GRANT SELECT ON yardstick_choice TO %I', reviewer);
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = analyst) THEN
        EXECUTE format('GRANT INSERT ON yardstick_choice TO %I', analyst);
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE yardstick_choice_id_seq TO %I', analyst);
    END IF;
END $$
"""

#: As revision 0007 guards every table of the record on SQLite.
SQLITE_TRIGGERS = (
    *(
        f"CREATE TRIGGER yardstick_choice_no_{action.lower()} BEFORE {action} "
        "ON yardstick_choice BEGIN SELECT RAISE(ABORT, 'yardstick_choice rows are "
        "append-only: the record is never rewritten'); END"
        for action in ("UPDATE", "DELETE")
    ),
    "CREATE TRIGGER yardstick_choice_no_replace BEFORE INSERT ON yardstick_choice "
    "WHEN EXISTS (SELECT 1 FROM yardstick_choice WHERE id = NEW.id) "
    "OR EXISTS (SELECT 1 FROM yardstick_choice WHERE chain_seq = NEW.chain_seq) "
    "BEGIN SELECT RAISE(ABORT, 'yardstick_choice rows are never replaced: the record is "
    "never rewritten'); END",
)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "yardstick_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("yardstick", sa.String(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chosen_by", sa.String(), nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=True),
        sa.Column("chain_hash", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_yardstick_choice_source_id", "yardstick_choice", ["source_id"])
    op.create_index("ix_yardstick_choice_chain_seq", "yardstick_choice", ["chain_seq"], unique=True)
    if bind.dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        return
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    path = f"{schema}, pg_catalog, pg_temp"
    op.execute(CHAIN_HEAD.replace("{path}", path))
    op.execute(YARDSTICK_CHOSEN.replace("{path}", path))
    for trigger in PG_TRIGGERS:
        op.execute(trigger)
    # Team roles applied before this revision (docs/team.md, step 2) read the new table, and
    # analysts choose their own sources' yardsticks, from now on: every command reads the
    # ledger's choice, so a reviewer must not wait for the roles to be applied again.
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
            op.execute(f"DROP TRIGGER {trigger.split()[2]} ON yardstick_choice")
        op.execute("DROP FUNCTION tracker_yardstick_chosen()")
        op.execute(OLD_CHAIN_HEAD.replace("{path}", path))
    op.drop_index("ix_yardstick_choice_chain_seq", "yardstick_choice")
    op.drop_index("ix_yardstick_choice_source_id", "yardstick_choice")
    op.drop_table("yardstick_choice")
