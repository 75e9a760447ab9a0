"""Shared fixtures: every test gets its own database file; none touches a real forecasts.db."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from tracker.cli import app
from tracker.cli import console as cli_console
from tracker.services.workspace import unit_of_work
from tracker.storage.database import Session

# Property tests run the same examples on every run and machine, with no time limit per
# example (a loaded 2-core machine is slow at random) and nothing written into the checkout;
# HYPOTHESIS_PROFILE=explore draws new examples each run.
settings.register_profile(
    "tracker",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "tracker"))

#: What the terminal a test run is started from may set, and rich and tracker read: the width
#: (COLUMNS froze every table's width), colour forced on, a PostgreSQL user.
OUTSIDE_ENVIRONMENT = (
    "COLUMNS",
    "LINES",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
    "FORCE_COLOR",
    "NO_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "PGUSER",
)

NOW = datetime(2021, 11, 29, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "docs" / "examples" / "sochi-summit.jsonl"
#: A moment after everything in the example happened (its last record is from 2022-06-01).
AFTER_EXAMPLE = datetime(2022, 6, 15, 12, 0, tzinfo=UTC)
AFTER_EXAMPLE_ENV = {"TRACKER_NOW": AFTER_EXAMPLE.isoformat()}


@pytest.fixture(autouse=True)
def isolated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TRACKER_DB at a fresh file and pin who acts and when."""
    db = tmp_path / "forecasts.db"
    monkeypatch.setenv("TRACKER_DB", str(db))
    monkeypatch.setenv("TRACKER_USER", "ani")
    monkeypatch.setenv("TRACKER_NOW", NOW.isoformat())
    for name in OUTSIDE_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return db


@pytest.fixture
def db_url(isolated_database: Path) -> str:
    return f"sqlite:///{isolated_database}"


#: A PostgreSQL server for the tests, started by scripts/with-postgres (`make test` does).
PG_ADMIN_URL = os.environ.get("TRACKER_TEST_PG")
if os.environ.get("CI") and not PG_ADMIN_URL:
    raise RuntimeError("CI runs the PostgreSQL tests: run them through scripts/with-postgres.")


def _fresh_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database with tracker's schema; drop it afterwards."""
    import sqlalchemy as sa

    from tracker.storage.database import upgrade_database

    assert PG_ADMIN_URL is not None
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade_database(url, now=NOW)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database (the test is skipped where no server runs)."""
    if not PG_ADMIN_URL:
        pytest.skip("no PostgreSQL server: run the tests through scripts/with-postgres")
    yield from _fresh_postgres_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, db_url: str) -> Iterator[str]:
    """The same test on a SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        yield db_url
        return
    if not PG_ADMIN_URL:
        pytest.skip("no PostgreSQL server: run the tests through scripts/with-postgres")
    yield from _fresh_postgres_database()


@pytest.fixture
def session(any_url: str) -> Iterator[Session]:
    """A session on a fresh database (SQLite, then PostgreSQL), committed at the end."""
    with unit_of_work(any_url, write=True, now=NOW) as s:
        yield s


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def tracker() -> object:
    """Run the CLI in-process: tracker("add", ...) -> Run(exit_code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        # Each run gets new consoles, as a new process would: a console reads COLUMNS once,
        # so one built in an earlier run would keep that run's width.
        for made in (cli_console._out, cli_console._err):
            getattr(made, "cache_clear", lambda: None)()
        result = runner.invoke(
            app, list(args), input=input, env=env, catch_exceptions=False, prog_name="tracker"
        )
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@functools.cache
def _own_example_file() -> Path:
    from tracker.services.interchange import import_file

    folder = Path(tempfile.mkdtemp(prefix="tracker-example-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "example.db"
    import_file(url=f"sqlite:///{path}", path=EXAMPLE, importer="ani", now=AFTER_EXAMPLE)
    return path


def own_example(path: Path) -> Path:
    """The example as a ledger of one's own, at `path` (the bundled forecasts.db is marked as an
    example and refuses writes): imported once per test process, copied for each test."""
    shutil.copyfile(_own_example_file(), path)
    return path
