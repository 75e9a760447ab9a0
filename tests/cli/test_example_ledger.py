"""The bundled example stays an example: run in its folder without --db, tracker reads it but
never writes into it, and says how to start a ledger of one's own."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_installed import TRACKER
from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, REPO


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding a copy of the bundled forecasts.db, as the repository does."""
    shutil.copyfile(REPO / "forecasts.db", tmp_path / "forecasts.db")
    monkeypatch.delenv("TRACKER_DB")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRACKER, *args], capture_output=True, text=True, input=input, env=_env())


def _env() -> dict[str, str]:
    import os

    return {**os.environ, **AFTER_EXAMPLE_ENV}


def _files(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


WRITES = {
    "add": ["add", "Q", "-c", "C", "-d", "+1m"],
    "forecast": ["forecast", "nakhichevan-road-rail", "60%"],
    "resolve": ["resolve", "6", "yes"],
    "source add": ["source", "add", "--title", "A brief", "--url", "https://example.org/b"],
    "import": ["import", str(EXAMPLE)],
}


@pytest.mark.parametrize("command", list(WRITES))
def test_a_write_to_the_example_is_refused_and_says_how_to_start_your_own(
    project: Path, command: str
) -> None:
    before = _files(project)
    result = _run(*WRITES[command])
    assert result.returncode == 1, result.stderr
    example = project / "forecasts.db"
    assert result.stderr == (
        f"error: {example} is an example ledger and takes no writes. Start your own: pass "
        "--db FILE or set TRACKER_DB=FILE (e.g. ~/forecasts.db; the first write creates it), or "
        f"work on a copy of the example: tracker --db {example} export | tracker --db FILE "
        "import -\n"
    )
    assert _files(project) == before


def test_the_example_is_read_and_checked_without_a_write(project: Path) -> None:
    before = _files(project)
    for args in (["list"], ["show", "2"], ["score"], ["report", "--period", "2022Q2"], ["retro"]):
        result = _run(*args)
        assert result.returncode == 0, (args, result.stderr)
    assert _files(project) == before


def test_a_copy_made_with_export_and_import_is_a_ledger_of_ones_own(project: Path) -> None:
    exported = _run("export")
    assert exported.returncode == 0, exported.stderr
    imported = _run("--db", "mine.db", "import", "-", input=exported.stdout)
    assert imported.returncode == 0, imported.stderr
    added = _run("--db", "mine.db", "add", "Q", "-c", "C", "-d", "+1m")
    assert added.returncode == 0, added.stderr


def test_marking_a_ledger_as_an_example(tmp_path: Path) -> None:
    db = str(tmp_path / "training.db")
    assert _run("--db", db, "import", str(EXAMPLE)).returncode == 0
    marked = _run("--db", db, "db", "mark-example")
    assert marked.returncode == 0, marked.stderr
    assert marked.stdout == f"{db} is now an example ledger: it takes no writes.\n"
    assert _run("--db", db, "add", "Q", "-c", "C", "-d", "+1m").returncode == 1
