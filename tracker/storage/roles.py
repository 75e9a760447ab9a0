"""Who may do what on a team's PostgreSQL database: the roles and their grants, as SQL."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.config import redact_url
from tracker.errors import DatabaseError

#: The group roles, from the least allowed; each is granted the one before it.
ROLES = ("tracker_reviewer", "tracker_analyst", "tracker_resolver")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def roles_sql(database: str) -> str:
    """The SQL that creates the roles (if missing) and grants them their rights on `database`.

    reviewer: read everything. analyst: also add sources and questions and record forecasts
    (the database checks they are the analyst's own). resolver: also resolve. Nobody is granted
    UPDATE or DELETE on forecasts or resolutions. Running it again changes nothing.
    """
    creates = "\n".join(
        f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN\n"
        f"        CREATE ROLE {role} NOLOGIN;\n"
        "    END IF;"
        for role in ROLES
    )
    return f"""-- tracker roles for database {database}; run as a superuser (to create roles).
DO $$
BEGIN
{creates}
END $$;
GRANT tracker_reviewer TO tracker_analyst;
GRANT tracker_analyst TO tracker_resolver;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE {_quote(database)} TO tracker_reviewer;
GRANT USAGE ON SCHEMA public TO tracker_reviewer;
-- reviewer: reads everything, writes nothing.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO tracker_reviewer;
-- analyst: sources, questions and their own forecasts; never UPDATE or DELETE history.
GRANT INSERT ON source, forecaster, question, question_tag, forecast TO tracker_analyst;
GRANT UPDATE (forecaster_id) ON source TO tracker_analyst;
GRANT UPDATE ON chain_head TO tracker_analyst;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO tracker_analyst;
-- resolver: also records outcomes.
GRANT INSERT ON resolution TO tracker_resolver;
"""


def database_name(url: str) -> str:
    """The database a PostgreSQL URL connects to; SQLite has no roles."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        raise DatabaseError(
            f"Roles are for a team's PostgreSQL database, and {redact_url(url)} is not one; "
            "a SQLite file is guarded by its file permissions."
        )
    return parsed.database


def apply_roles(connection: sa.Connection, sql: str) -> None:
    """Run the roles SQL in the caller's transaction."""
    connection.exec_driver_sql(sql)
