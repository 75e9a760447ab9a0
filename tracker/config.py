"""Settings resolved from options and the environment, in one place and without I/O."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tracker.errors import InputError

DEFAULT_DB_FILE = "forecasts.db"
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_SCHEME_LIKE = re.compile(
    r"^(postgres|postgresql|sqlite|mysql|mariadb|oracle|mssql)(\+[a-z0-9_]+)?[:/]", re.IGNORECASE
)


def _password_span(text: str) -> tuple[int, int]:
    """Where a URL-like text's password lies: from after its user name's `:` to its last `@`
    (a password may hold `:`, `/` and `@` itself); empty when there is no `:` before that @."""
    at = text.rfind("@")
    head = text[:at]
    start = head.index("//") + 2 if "//" in head else head.index(":") + 1 if ":" in head else 0
    colon = head.find(":", start)
    return (colon + 1, at) if colon != -1 else (at, at)


def _hide_credentials(text: str) -> str:
    """Hide everything between a URL-like text's user name and its last `@`."""
    start, end = _password_span(text)
    return text[:start] + "***" + text[end:] if end > start else text


# A password in a query parameter: `?password=...`, `&sslpassword=...`, `?pwd=...`.
_QUERY_SECRET = re.compile(r"([?&][^=&]*(?:pass|pwd)[^=&]*=)([^&]*)", re.IGNORECASE)
# The parts of a server URL as SQLAlchemy reads them (its own pattern, less the names).
_SERVER_URL = re.compile(
    r"^[\w+]+://(?:[^:/]*(?::[^@]*)?@)?(?:\[[^/?]+\]|[^/:?]+)?(?::(?P<port>[^/?]*))?(?:/|\?|$)"
)
#: Secrets shorter than this are not searched for in messages: they would garble every
#: message and hide nothing (see docs/cli.md, "Database URLs and secrets").
MIN_SECRET = 4
_secrets: set[str] = set()


def url_secrets(url: str) -> set[str]:
    """The secrets of a server URL: its password (everything between the user name's `:` and the
    last `@`) and every `pass`/`pwd` query parameter, each as written and percent-decoded."""
    from urllib.parse import unquote

    if sqlite_path(url) is not None:  # a file: its path holds no secret
        return set()
    found: set[str] = set()
    head, at, _rest = url.rpartition("@")
    if at and "://" in head:
        _user, colon, password = head.split("://", 1)[1].partition(":")
        if colon:
            found.add(password)
    found.update(match.group(2) for match in _QUERY_SECRET.finditer(url))
    found |= {unquote(secret) for secret in found}
    return {secret for secret in found if secret}


def remember_secrets(url: str) -> None:
    """Keep the secrets of `url`, so that `hide_secrets` takes them out of every message."""
    public = redact_url(url)
    _secrets.update(
        secret for secret in url_secrets(url) if len(secret) >= MIN_SECRET and secret not in public
    )


# In free text (a driver's message, a traceback): a URL's user part `scheme://user:secret@`
# (to the last @ before a space), and `password=secret` as in a connection string.
_URL_PASSWORD_IN_TEXT = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)\S*@", re.IGNORECASE)
_PASSWORD_SETTING = re.compile(
    r"(\b[\w-]*(?:pass|pwd)[\w-]*\s*=\s*)(?!\*\*\*)('[^']*'|\"[^\"]*\"|[^\s&,;)]+)",
    re.IGNORECASE,
)


def hide_secrets(text: str) -> str:
    """`text` with the secrets of database URLs replaced by `***`, for a driver's message or a
    traceback that may echo them: the password of any URL in it and any `password=...`
    setting, and every remembered secret (`remember_secrets`) wherever it stands."""
    text = _URL_PASSWORD_IN_TEXT.sub(r"\1***@", text)
    text = _PASSWORD_SETTING.sub(r"\1***", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


def _server_url(url: str) -> str:
    """Check a server URL and return it as the driver must read it.

    The last `@` ends the user part, so a password may hold `@`, `:` and `/` as typed: the
    earlier `@` are percent-encoded (`%40`), which SQLAlchemy decodes again. An `@` after the
    query's `?` (or a password holding `/`, `?` and `@` at once) cannot be told from the user
    part, nor a port that is not a number: both are refused without showing any part of them.
    """
    rest = url.split("://", 1)[1]
    slash = rest.find("/")
    query = rest.find("?", slash) if slash >= 0 else -1
    hint = (
        "percent-encode @ as %40, : as %3A, / as %2F and ? as %3F in the user name, the "
        "password and query values"
    )
    if query >= 0 and "@" in rest[query:]:
        raise InputError(
            f"Cannot read the database URL {redact_url(url)}: it holds an @ after its '?'; {hint}."
        )
    if rest.count("@") > 1:
        user_part, _at, host_part = rest.rpartition("@")
        url = url.split("://", 1)[0] + "://" + user_part.replace("@", "%40") + "@" + host_part
    match = _SERVER_URL.match(url)
    port = match.group("port") if match else None
    if match is None or (port and not port.isdigit()):
        raise InputError(
            f"Cannot read the database URL {redact_url(url)}: its host or port is not valid; "
            f"write it as scheme://user:password@host:port/database and {hint}."
        )
    return url


def database_url(option: str | None, environ: Mapping[str, str]) -> str:
    """Return the SQLAlchemy URL in use: `--db` > `TRACKER_DB` > `./forecasts.db`.

    A value that looks like a URL (`scheme://...`) is taken as is (a server URL's password may
    hold `@`, `:` and `/`: see `_server_url`); anything else is a file path, made absolute
    against the current directory. The URL's secrets are remembered, so that no message shows
    them (`hide_secrets`).
    """
    if option is not None and not option.strip():
        raise InputError("--db is empty: give a database file or URL.")
    value = option or environ.get("TRACKER_DB") or DEFAULT_DB_FILE
    if _URL.match(value):
        remember_secrets(value)
        if value.lower().startswith("sqlite"):
            return value
        url = _server_url(value)
        remember_secrets(url)
        return url
    if "@" in value and _SCHEME_LIKE.match(value):  # e.g. postgresql+psycopg//alice:pw@db/f
        raise InputError(
            f"--db {_hide_credentials(value)} looks like a database URL without its '://'; "
            "write it as scheme://user@host/database."
        )
    # SQLAlchemy percent-decodes a SQLite URL's path and ends it at a '?': both are escaped,
    # so that `p%40ss.db` or `a?b.db` is the file named, not `p@ss.db` or `a`.
    path = str(Path(value).expanduser().absolute())
    return "sqlite:///" + path.replace("%", "%25").replace("?", "%3F")


def sqlite_path(url: str) -> Path | None:
    """Return the file of a `sqlite:///` URL, or None for other databases and in-memory SQLite.

    The path is percent-decoded, as SQLAlchemy decodes it to open the file.
    """
    from urllib.parse import unquote

    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = unquote(url[len(prefix) :].split("?", 1)[0])
    if rest in ("", ":memory:"):
        return None
    return Path(rest)


def redact_url(url: str) -> str:
    """Hide the password of a database URL, so it never appears in output or messages (in the
    user part, `user:secret@`, and as a query parameter, `?password=secret`)."""
    # Where the password ends is ambiguous in a URL typed with an @ after its `?` (tracker
    # refuses such a URL, and shows it in the message): a password may hold `?password=`, a
    # query value may hold an @. Whatever either reading takes for a secret is hidden.
    hidden: list[tuple[int, int]] = [m.span(2) for m in _QUERY_SECRET.finditer(url)]
    if "://" in url and "@" in url:
        hidden.append(_password_span(url))
    merged: list[list[int]] = []
    for start, end in sorted(span for span in hidden if span[1] > span[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    shown, last = [], 0
    for start, end in merged:
        shown.append(url[last:start] + "***")
        last = end
    return "".join(shown) + url[last:]


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


#: The years a pinned clock may show (the years `--period` takes): from anywhere in them,
#: the look-ahead windows (a century at most) and the world's time zones stay in the calendar.
CLOCK_YEARS = (1900, 2999)


def current_time(environ: Mapping[str, str]) -> datetime:
    """Return now in UTC; `TRACKER_NOW` (ISO-8601) pins it for reproducible demos and tests.

    Raises InputError when TRACKER_NOW is not an ISO-8601 time, or not one within CLOCK_YEARS.
    """
    pinned = environ.get("TRACKER_NOW")
    if not pinned:
        return datetime.now(UTC)
    shown = repr(pinned if len(pinned) <= 40 else pinned[:40] + "...")
    try:
        moment = datetime.fromisoformat(pinned.strip())
    except ValueError:
        raise InputError(
            f"TRACKER_NOW={shown} is not an ISO-8601 time: write e.g. 2022-06-15T12:00:00+00:00, "
            "or unset it to use the real clock."
        ) from None
    first, last = CLOCK_YEARS
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00 is a moment of the year 0
        moment = datetime.min.replace(tzinfo=UTC) if moment.year < first else datetime.max
    if not first <= moment.year <= last:
        raise InputError(
            f"TRACKER_NOW={shown} lies outside the years {first} to {last} that a pinned clock "
            "may show: give a time within them."
        )
    return moment


def environment() -> Mapping[str, str]:
    """Return the process environment (the one place that reads it)."""
    return os.environ


# --- e-mail (tracker remind --email) ---------------------------------------------------------


@dataclass(frozen=True)
class MailServer:
    """Where reminders are sent from: an SMTP server read from `TRACKER_SMTP_URL`."""

    host: str
    port: int
    tls: bool  # smtps://: TLS from the first byte
    starttls: bool  # smtp://...?starttls=1: upgrade the plain connection
    user: str | None
    password: str | None
    shown: str  # the URL with its password hidden, for messages

    @property
    def address(self) -> tuple[str, int]:
        """(host, port)."""
        return self.host, self.port


_SMTP_FORMS = (
    "smtp://HOST:PORT (with USER:PASSWORD@ before the host for a server that wants a login), "
    "smtps://... for TLS, or smtp://...?starttls=1"
)
_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def mail_server(environ: Mapping[str, str]) -> MailServer:
    """The SMTP server of `TRACKER_SMTP_URL`: `smtp://[user[:password]@]host[:port]` (port 25
    by default), `smtps://` for TLS (port 465), `?starttls=1` to upgrade a plain connection
    (usually port 587). The user and password are percent-decoded; the password is remembered
    so that no message shows it. Raises InputError when the URL is missing or malformed."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    url = (environ.get("TRACKER_SMTP_URL") or "").strip()
    if not url:
        raise InputError(
            f"--email needs TRACKER_SMTP_URL: set it to {_SMTP_FORMS} (see docs/cli.md)."
        )
    remember_secrets(url)
    shown = redact_url(url)
    problem = f"TRACKER_SMTP_URL={shown} is not an SMTP URL: write {_SMTP_FORMS}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InputError(f"{problem} (its port is not a number from 1 to 65535).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps") or not parts.hostname or parts.path not in ("", "/"):
        raise InputError(f"{problem}.")
    starttls = False
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name != "starttls" or value.lower() not in _YES + _NO:
            raise InputError(f"{problem} (the only setting it takes is starttls=1 or starttls=0).")
        starttls = value.lower() in _YES
    if starttls and scheme == "smtps":
        raise InputError(f"{problem} (smtps:// is TLS already: drop starttls=1).")
    return MailServer(
        host=parts.hostname,
        port=port or (465 if scheme == "smtps" else 25),
        tls=scheme == "smtps",
        starttls=starttls,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        shown=shown,
    )
