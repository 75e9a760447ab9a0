"""Who may do what on a team's PostgreSQL database: the roles and their grants, as SQL."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.config import redact_url
from tracker.errors import DatabaseError, NotAllowedError

#: The kinds of role, from the least allowed; each is granted the one before it.
KINDS = ("reviewer", "analyst", "resolver")


def role_names(database: str) -> dict[str, str]:
    """The roles of one database, e.g. forecasts_analyst. PostgreSQL roles belong to the whole
    server, so each team database has its own: an analyst of one is nothing on another."""
    return {kind: f"{database}_{kind}" for kind in KINDS}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def roles_sql(database: str) -> str:
    """The SQL that creates the roles of `database` (if missing) and grants them their rights.

    reviewer: read everything. analyst: also add sources and questions and record forecasts
    (the database checks they are the analyst's own). resolver: also resolve. Nobody is granted
    UPDATE or DELETE on the record. Running it again changes nothing.
    """
    names = role_names(database)
    reviewer, analyst, resolver = (_quote(names[k]) for k in KINDS)
    creates = "\n".join(
        f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(name)}) THEN\n"
        f"        CREATE ROLE {_quote(name)} NOLOGIN;\n"
        "    END IF;"
        for name in names.values()
    )
    members = "\n".join(
        "    IF NOT EXISTS (SELECT FROM pg_auth_members m\n"
        "        JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member\n"
        f"        WHERE g.rolname = {_literal(group)} AND u.rolname = {_literal(member)}) THEN\n"
        f"        GRANT {_quote(group)} TO {_quote(member)};\n"
        "    END IF;"
        for group, member in (
            (names["reviewer"], names["analyst"]),
            (names["analyst"], names["resolver"]),
        )
    )
    return f"""-- tracker roles for database {database}; run as a superuser (to create roles).
DO $$
BEGIN
{creates}
{members}
END $$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CONNECT ON DATABASE {_quote(database)} FROM PUBLIC;
GRANT CONNECT ON DATABASE {_quote(database)} TO {reviewer};
GRANT USAGE ON SCHEMA public TO {reviewer};
-- reviewer: reads everything, writes nothing.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reviewer};
-- analyst: sources, questions and their own forecasts; never UPDATE or DELETE history.
GRANT INSERT ON source, forecaster, source_forecaster, yardstick_choice, question, question_tag,
    forecast TO {analyst};
-- analyst: retract their own latest forecast (a trigger checks it is theirs: migration 0010).
GRANT INSERT ON retraction TO {analyst};
-- analyst: clarify questions (the database lets only a question's author or a resolver).
GRANT INSERT ON question_version TO {analyst};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {analyst};
-- everyone notes how far they verified the chain (their documents then check only what
-- came after); a trigger signs each note with its author, and each trusts only their own.
GRANT INSERT ON chain_checkpoint TO {reviewer};
GRANT USAGE ON SEQUENCE chain_checkpoint_id_seq TO {reviewer};
-- writers take turns through this function (readers cannot hold them up).
GRANT EXECUTE ON FUNCTION tracker_take_turn() TO {analyst};
-- resolver: also records outcomes.
GRANT INSERT ON resolution TO {resolver};
-- the owner of the tables (whose tracker_take_turn() waiting writers run) may see who holds
-- the writers' turn, and end the session of one who holds it idle (docs/team.md).
DO $$
DECLARE
    owner name := (SELECT tableowner FROM pg_tables
                   WHERE schemaname = current_schema() AND tablename = 'forecast');
BEGIN
    EXECUTE 'GRANT pg_read_all_stats, pg_signal_backend TO ' || quote_ident(owner);
END $$;
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


#: What each role must be able to do once the roles are applied (table, privilege).
EXPECTED = {
    "reviewer": (("forecast", "SELECT"), ("resolution", "SELECT")),
    "analyst": (
        ("forecast", "INSERT"),
        ("question", "INSERT"),
        ("source_forecaster", "INSERT"),
        ("yardstick_choice", "INSERT"),
        ("retraction", "INSERT"),
        ("question_version", "INSERT"),
    ),
    "resolver": (("resolution", "INSERT"),),
}


def apply_roles(connection: sa.Connection, sql: str, database: str) -> None:
    """Run the roles SQL in the caller's transaction, then check that the roles can do what
    they should: PostgreSQL only warns when a GRANT by someone without the right grants
    nothing. Raises NotAllowedError naming the first thing missing."""
    connection.exec_driver_sql(sql)
    names = role_names(database)
    for kind, checks in EXPECTED.items():
        for table, privilege in checks:
            granted = connection.execute(
                sa.text("SELECT has_table_privilege(:role, :table, :privilege)"),
                {"role": names[kind], "table": table, "privilege": privilege},
            ).scalar()
            if not granted:
                who = connection.exec_driver_sql("SELECT current_user").scalar()
                raise NotAllowedError(
                    f"Not allowed: {who} could not grant {names[kind]} {privilege} on "
                    f"{table}, so the roles were not applied. Run it connected as a superuser "
                    "(docs/team.md, step 2)."
                )
