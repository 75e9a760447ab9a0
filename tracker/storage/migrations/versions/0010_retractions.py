"""A forecaster may retract a forecast as a mistake, as an event of the chain.

Revision ID: 0010
Revises: 0009

`retraction`: one row per retracted forecast (`forecast_id` is unique: a forecast is retracted at
most once), with the forecaster's reason, who recorded it and when. The forecast stays in the
record and is shown; it is left out of every score and aggregate, and the forecaster's earlier
forecast stands again. Append-only like every table of the record. No existing row changes, so
a database chained before this revision verifies as before.

On PostgreSQL, for anyone but the owner of the tables, the database checks what `tracker
retract` checks: the retraction is recorded by the connected user at the server's time
(tracker_written_by_session_user), the forecast is that user's own and their latest on the
question, it was recorded at most 24 hours earlier, and the question is not resolved.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
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
        UNION ALL SELECT max(chain_seq) FROM retraction
    ) AS heads
$$
"""
OLD_CHAIN_HEAD = CHAIN_HEAD.replace("        UNION ALL SELECT max(chain_seq) FROM retraction\n", "")

RETRACTION_OWN = f"""
CREATE FUNCTION tracker_retraction_own() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
DECLARE
    target forecast%ROWTYPE;
    who text;
BEGIN
    IF tracker_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    SELECT * INTO target FROM forecast WHERE id = NEW.forecast_id;
    SELECT name INTO who FROM forecaster WHERE id = target.forecaster_id;
    IF who IS DISTINCT FROM session_user THEN
        RAISE EXCEPTION 'on this team database you retract only your own forecasts (as %), '
            'not one by %', session_user, who {NOT_ALLOWED};
    END IF;
    IF EXISTS (SELECT 1 FROM resolution WHERE question_id = target.question_id) THEN
        RAISE EXCEPTION 'question #% is resolved: its forecasts can no longer be retracted',
            target.question_id {NOT_ALLOWED};
    END IF;
    IF NEW.recorded_at < target.recorded_at
       OR NEW.recorded_at - target.recorded_at > interval '24 hours' THEN
        RAISE EXCEPTION 'a forecast is retracted within 24 hours of being recorded; record a '
            'new forecast instead' {NOT_ALLOWED};
    END IF;
    IF EXISTS (
        SELECT 1 FROM forecast
        WHERE question_id = target.question_id AND forecaster_id = target.forecaster_id
          AND (recorded_at, id) > (target.recorded_at, target.id)
    ) THEN
        RAISE EXCEPTION 'only your latest forecast on question #% can be retracted',
            target.question_id {NOT_ALLOWED};
    END IF;
    RETURN NEW;
END $$
"""

PG_TRIGGERS = (
    "CREATE TRIGGER retraction_chain_next BEFORE INSERT ON retraction "
    "FOR EACH ROW EXECUTE FUNCTION tracker_chain_next()",
    "CREATE TRIGGER retraction_by_session_user BEFORE INSERT ON retraction "
    "FOR EACH ROW EXECUTE FUNCTION tracker_written_by_session_user('recorded_by', 'recorded_at')",
    "CREATE TRIGGER retraction_own BEFORE INSERT ON retraction "
    "FOR EACH ROW EXECUTE FUNCTION tracker_retraction_own()",
    "CREATE TRIGGER retraction_no_truncate BEFORE TRUNCATE ON retraction "
    "FOR EACH STATEMENT EXECUTE FUNCTION tracker_no_truncate()",
    "CREATE TRIGGER retraction_append_only BEFORE UPDATE OR DELETE ON retraction "
    "FOR EACH ROW EXECUTE FUNCTION tracker_append_only()",
)

GRANT_TO_EXISTING_ROLES = """
DO $$
DECLARE
    reviewer text := current_database() || '_reviewer';
    analyst text := current_database() || '_analyst';
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = reviewer) THEN
        EXECUTE format('GRANT SELECT ON retraction TO %I', reviewer);
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = analyst) THEN
        EXECUTE format('GRANT INSERT ON retraction TO %I', analyst);
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE retraction_id_seq TO %I', analyst);
    END IF;
END $$
"""

#: As revision 0007 guards every table of the record on SQLite.
SQLITE_TRIGGERS = (
    *(
        f"CREATE TRIGGER retraction_no_{action.lower()} BEFORE {action} "
        "ON retraction BEGIN SELECT RAISE(ABORT, 'retraction rows are "
        "append-only: the record is never rewritten'); END"
        for action in ("UPDATE", "DELETE")
    ),
    "CREATE TRIGGER retraction_no_replace BEFORE INSERT ON retraction "
    "WHEN EXISTS (SELECT 1 FROM retraction WHERE id = NEW.id) "
    "OR EXISTS (SELECT 1 FROM retraction WHERE chain_seq = NEW.chain_seq) "
    "BEGIN SELECT RAISE(ABORT, 'retraction rows are never replaced: the record is "
    "never rewritten'); END",
)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "retraction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=True),
        sa.Column("chain_hash", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["forecast_id"], ["forecast.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forecast_id"),
    )
    op.create_index("ix_retraction_chain_seq", "retraction", ["chain_seq"], unique=True)
    if bind.dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        return
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    path = f"{schema}, pg_catalog, pg_temp"
    op.execute(CHAIN_HEAD.replace("{path}", path))
    op.execute(RETRACTION_OWN.replace("{path}", path))
    for trigger in PG_TRIGGERS:
        op.execute(trigger)
    # Team roles applied before this revision (docs/team.md, step 2) read the new table, and
    # analysts retract their own forecasts, without waiting for the roles to be applied again.
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
            op.execute(f"DROP TRIGGER {trigger.split()[2]} ON retraction")
        op.execute("DROP FUNCTION tracker_retraction_own()")
        op.execute(OLD_CHAIN_HEAD.replace("{path}", path))
    op.drop_index("ix_retraction_chain_seq", "retraction")
    op.drop_table("retraction")
