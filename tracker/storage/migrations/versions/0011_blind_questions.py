"""Blind questions: a forecaster sees nobody else's forecasts on one until they have made their
own, or it is resolved; on PostgreSQL the database enforces it with row-level security.

Revision ID: 0011
Revises: 0010

- `question.blind` (false for every question before this revision). It is part of the
  question's content in the tamper-evident chain only when it is set (tracker/domain/chain.py,
  `HASHED_WHEN_SET`), so the rows recorded before keep their hashes and old records verify.
- PostgreSQL: row-level security on `forecast`. A row is visible to the connected user when its
  question is not blind, or is resolved, or the user has forecast on it (or the row is theirs,
  or a report's forecaster they speak for), or the user is not bound by the rule at all: the
  owner of the tables and anyone who may not record forecasts (reviewers). Analysts and
  resolvers are bound (docs/team.md). The rule is one SECURITY DEFINER function,
  tracker_forecast_visible(question, forecaster): it reads `forecast` itself as the owner, so
  the policy on `forecast` does not recurse into itself.
- Another table holding one row per forecast (or per forecast's event) is covered by the same
  pattern: `blind_policies(table, "tracker_forecast_row_visible(forecast_id)")` (the row's
  forecast looked up as the owner, so a hidden forecast cannot be read through it), and a
  `UNION ALL` of its hidden rows in tracker_hidden_events().
- The functions that must see every row whoever calls them become SECURITY DEFINER: the chain's
  head (a writer must take the next place after events it may not see) and the check that a
  source names a forecaster nobody forecasts under yet. tracker_hidden_events(after) gives the
  place and hash (never the content) of each row hidden from the caller, so that an analyst's
  `tracker db verify` runs the chain on through them instead of reporting them removed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FUNCTIONS = (
    """
    CREATE FUNCTION tracker_sees_all() RETURNS boolean LANGUAGE sql STABLE
    SET search_path = {path} AS $$
        -- Not bound by the blind rule: the owner of the tables, and whoever may not record
        -- forecasts (a reviewer has nothing of their own to keep independent).
        SELECT tracker_is_owner('forecast'::regclass)
            OR NOT has_table_privilege(session_user, 'forecast', 'INSERT')
    $$
    """,
    """
    CREATE FUNCTION tracker_forecast_visible(for_question bigint, by_forecaster bigint)
    RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = {path} AS $$
        SELECT NOT EXISTS (SELECT 1 FROM question q WHERE q.id = for_question AND q.blind)
            OR EXISTS (SELECT 1 FROM resolution r WHERE r.question_id = for_question)
            OR EXISTS (
                SELECT 1 FROM forecaster p WHERE p.id = by_forecaster AND p.name = session_user
            )
            OR EXISTS (
                SELECT 1 FROM forecast f JOIN forecaster p ON p.id = f.forecaster_id
                WHERE f.question_id = for_question AND p.name = session_user
            )
            OR tracker_sees_all()
            OR tracker_may_speak_for(by_forecaster)
    $$
    """,
    """
    CREATE FUNCTION tracker_forecast_row_visible(forecast bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = {path} AS $$
        SELECT coalesce((
            SELECT tracker_forecast_visible(f.question_id, f.forecaster_id)
            FROM forecast f WHERE f.id = forecast
        ), false)
    $$
    """,
    """
    CREATE FUNCTION tracker_hidden_events(after bigint)
    RETURNS TABLE (kind text, id bigint, seq bigint, hash text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = {path} AS $$
    BEGIN
        IF tracker_sees_all() THEN
            RETURN;
        END IF;
        -- Rows of the record the caller may not see: their place and hash, never content.
        RETURN QUERY
        SELECT 'forecast'::text, f.id::bigint, f.chain_seq, f.chain_hash::text
        FROM forecast f JOIN question q ON q.id = f.question_id
        WHERE q.blind AND (f.chain_seq > after OR f.chain_seq IS NULL)
          AND NOT tracker_forecast_visible(f.question_id, f.forecaster_id)
        UNION ALL
        SELECT 'retraction'::text, r.id::bigint, r.chain_seq, r.chain_hash::text
        FROM retraction r JOIN forecast f ON f.id = r.forecast_id
        JOIN question q ON q.id = f.question_id
        WHERE q.blind AND (r.chain_seq > after OR r.chain_seq IS NULL)
          AND NOT tracker_forecast_visible(f.question_id, f.forecaster_id);
    END $$
    """,
)
#: Functions that must read every row whoever calls them (the chain's head; whether anyone
#: forecasts under a name yet).
DEFINERS = ("tracker_chain_head()", "tracker_source_forecaster_named()")
DROPS = (
    "tracker_hidden_events(bigint)",
    "tracker_forecast_row_visible(bigint)",
    "tracker_forecast_visible(bigint, bigint)",
    "tracker_sees_all()",
)


def blind_policies(table: str, visible: str) -> tuple[str, ...]:
    """Row-level security on a table of per-forecast rows: a row is read only where `visible`
    (an SQL condition on the row, e.g. `tracker_forecast_visible(question_id, forecaster_id)`
    or `tracker_forecast_row_visible(forecast_id)`) holds; inserting stays as the grants and
    triggers allow. The owner of the table is not bound (it is not FORCEd)."""
    return (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_blind_read ON {table} FOR SELECT USING ({visible})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK (true)",
    )


def drop_blind_policies(table: str) -> tuple[str, ...]:
    """Undo `blind_policies`."""
    return (
        f"DROP POLICY {table}_insert ON {table}",
        f"DROP POLICY {table}_blind_read ON {table}",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    )


#: Tables of per-forecast rows under the rule: the forecasts, and their retractions (a
#: retraction shows which forecast it withdraws, so it is hidden with it).
BLIND_TABLES = {
    "forecast": "tracker_forecast_visible(question_id, forecaster_id)",
    "retraction": "tracker_forecast_row_visible(forecast_id)",
}
POLICIES = tuple(s for table, rule in BLIND_TABLES.items() for s in blind_policies(table, rule))


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column(
        "question",
        sa.Column("blind", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    if bind.dialect.name == "sqlite":
        return
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    path = f"{schema}, pg_catalog, pg_temp"
    for function in FUNCTIONS:
        op.execute(function.replace("{path}", path))
    for function in DEFINERS:
        op.execute(f"ALTER FUNCTION {function} SECURITY DEFINER")
    for statement in POLICIES:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for table in reversed(BLIND_TABLES):
            for statement in drop_blind_policies(table):
                op.execute(statement)
        for function in DEFINERS:
            op.execute(f"ALTER FUNCTION {function} SECURITY INVOKER")
        for function in DROPS:
            op.execute(f"DROP FUNCTION {function}")
    op.drop_column("question", "blind")
