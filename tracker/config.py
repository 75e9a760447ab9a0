"""Settings resolved from options and the environment, in one place and without I/O."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from tracker.errors import InputError

DEFAULT_DB_FILE = "forecasts.db"
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_SCHEME_LIKE = re.compile(
    r"^(postgres|postgresql|sqlite|mysql|mariadb|oracle|mssql)(\+[a-z0-9_]+)?[:/]", re.IGNORECASE
)


def _hide_credentials(text: str) -> str:
    """Hide everything between a URL-like text's user name and its last `@` (a password may
    hold `:`, `/` and `@` itself)."""
    at = text.rfind("@")
    head = text[:at]
    start = head.index("//") + 2 if "//" in head else head.index(":") + 1 if ":" in head else 0
    user, colon, _secret = head[start:].partition(":")
    return head[:start] + user + (":***" if colon else "") + text[at:]


def database_url(option: str | None, environ: Mapping[str, str]) -> str:
    """Return the SQLAlchemy URL in use: `--db` > `TRACKER_DB` > `./forecasts.db`.

    A value that looks like a URL (`scheme://...`) is taken as is; anything else is a file path,
    made absolute against the current directory.
    """
    if option is not None and not option.strip():
        raise InputError("--db is empty: give a database file or URL.")
    value = option or environ.get("TRACKER_DB") or DEFAULT_DB_FILE
    if _URL.match(value):
        return value
    if "@" in value and _SCHEME_LIKE.match(value):  # e.g. postgresql+psycopg//alice:pw@db/f
        raise InputError(
            f"--db {_hide_credentials(value)} looks like a database URL without its '://'; "
            "write it as scheme://user@host/database."
        )
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """Return the file of a `sqlite:///` URL, or None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    if rest in ("", ":memory:"):
        return None
    return Path(rest)


def redact_url(url: str) -> str:
    """Hide the password of a database URL, so it never appears in output or messages (in the
    user part, `user:secret@`, and as a query parameter, `?password=secret`)."""
    if "://" in url and "@" in url:
        url = _hide_credentials(url)
    return re.sub(r"([?&][^=&]*(?:pass|pwd)[^=&]*=)[^&]*", r"\1***", url, flags=re.IGNORECASE)


def database_user(url: str, environ: Mapping[str, str]) -> str | None:
    """The user a PostgreSQL URL connects as (the URL's, else $PGUSER); None for SQLite."""
    if not url.lower().startswith("postgres"):
        return None
    match = re.match(r"^[^:]+://([^:@/?]+)(?::[^@]*)?@", url)
    if match:
        from urllib.parse import unquote

        return unquote(match.group(1))
    return environ.get("PGUSER") or None


def forecaster_name(option: str | None, environ: Mapping[str, str], url: str = "") -> str:
    """Return who is acting: `--as NAME` > `TRACKER_USER` > on PostgreSQL the database user
    (which the team database insists on) > the login name.

    Only emptiness is checked here: every command that records the name checks it by the rules
    of tracker/domain/fields.py (`check_name`: one line of visible text, not a team
    aggregate's), so that the command line and an import refuse the same names alike."""
    name = option or environ.get("TRACKER_USER") or database_user(url, environ)
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no login name in some containers
            name = ""
    name = (name or "").strip()
    if not name:
        raise InputError("No forecaster name: pass --as NAME or set TRACKER_USER.")
    return name


def current_time(environ: Mapping[str, str]) -> datetime:
    """Return now in UTC; `TRACKER_NOW` (ISO-8601) pins it for reproducible demos and tests."""
    pinned = environ.get("TRACKER_NOW")
    if pinned:
        try:
            moment = datetime.fromisoformat(pinned)
        except ValueError as exc:
            raise InputError(f"TRACKER_NOW={pinned!r} is not an ISO-8601 time.") from exc
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return datetime.now(UTC)


def environment() -> Mapping[str, str]:
    """Return the process environment (the one place that reads it)."""
    return os.environ
