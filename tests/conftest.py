"""Shared fixtures: every test gets its own database file; none touches a real forecasts.db."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.services.workspace import unit_of_work
from tracker.storage.database import Session

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
    monkeypatch.delenv("NO_COLOR", raising=False)
    return db


@pytest.fixture
def db_url(isolated_database: Path) -> str:
    return f"sqlite:///{isolated_database}"


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session on a fresh database, committed at the end of the test."""
    with unit_of_work(db_url, write=True, now=NOW) as s:
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
        result = runner.invoke(
            app, list(args), input=input, env=env, catch_exceptions=False, prog_name="tracker"
        )
        return Run(result.exit_code, result.stdout, result.stderr)

    return run
