"""`--db` at something that is not a usable tracker database: one line, exit 1, nothing changed.

Run through the installed script, as a user meets it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_installed import TRACKER
from tests.conftest import AFTER_EXAMPLE, EXAMPLE
from tracker.services.interchange import import_file

#: As root, file permissions do not bind; drop the capabilities that override them so that a
#: read-only file is read-only for the command, as it is for every analyst.
AS_USER = (
    [
        "setpriv",
        "--inh-caps=-dac_override,-dac_read_search",
        "--bounding-set=-dac_override,-dac_read_search",
        "--",
    ]
    if os.geteuid() == 0
    else []
)


def _state(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a digest of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def _tracker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AS_USER, TRACKER, *args], capture_output=True, text=True)


def _example(folder: Path, name: str = "forecasts.db") -> Path:
    """The example as a ledger of one's own (the bundled file is marked as an example)."""
    path = folder / name
    import_file(url=f"sqlite:///{path}", path=EXAMPLE, importer="ani", now=AFTER_EXAMPLE)
    return path


def _directory(folder: Path) -> str:
    (folder / "a-folder").mkdir()
    return str(folder / "a-folder")


def _not_a_database(folder: Path) -> str:
    path = folder / "notes.txt"
    path.write_text("minutes of the meeting\n")
    return str(path)


def _newer(folder: Path) -> str:
    path = _example(folder)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    return str(path)


def _read_only(folder: Path) -> str:
    path = _example(folder)
    path.chmod(0o444)
    return str(path)


def _read_only_folder(folder: Path) -> str:
    path = _example(folder)
    folder.chmod(0o555)
    return str(path)


def _unreachable(_folder: Path) -> str:
    return "postgresql+psycopg://team:s3cret-pass@127.0.0.1:1/forecasts"


CASES = {
    "directory": (_directory, "is a directory; give a database file with --db."),
    "not a database": (_not_a_database, "is not a SQLite database"),
    "newer schema": (_newer, "has schema 9999, newer than this tracker knows"),
    "read-only file": (_read_only, "the database is read-only here"),
    "read-only folder": (_read_only_folder, "the database is read-only here"),
    "unreachable server": (_unreachable, "Cannot open database postgresql+psycopg://team:***@"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_write_is_one_line_and_changes_nothing(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "place"
    folder.mkdir()
    make, message = CASES[case]
    db = make(folder)
    before = _state(folder)
    try:
        result = _tracker("--db", db, "add", "Q", "-c", "C", "-d", "+1m", "--as", "ani")
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr
    assert _state(folder) == before


def test_a_read_only_database_can_still_be_read(tmp_path: Path) -> None:
    db = _read_only(tmp_path)
    result = _tracker("--db", db, "show", "border-demarcation-mechanism", "--json")
    assert result.returncode == 0, result.stderr
    assert '"slug": "border-demarcation-mechanism"' in result.stdout
