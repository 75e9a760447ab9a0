"""`--db` at something that is not a usable tracker database: one line, exit 1, nothing changed.

Run through the installed script, as a user meets it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.test_installed import TRACKER
from tests.conftest import own_example

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
    return own_example(folder / name)


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


def _damaged_page(folder: Path) -> str:
    """The example with garbage over the first page of its questions."""
    path = _example(folder)
    with sqlite3.connect(path) as connection:
        (page,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'question'"
        ).fetchone()
        (size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    with path.open("r+b") as handle:
        handle.seek((page - 1) * size)
        handle.write(bytes(range(256)) * (size // 256))
    return str(path)


def _damaged_header(folder: Path) -> str:
    """The example with its header garbled after the 16 bytes that name the format."""
    path = _example(folder)
    with path.open("r+b") as handle:
        handle.seek(16)
        handle.write(b"\xff" * 84)
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
    "damaged page": (_damaged_page, "is damaged (database disk image is malformed); nothing"),
    "damaged header": (_damaged_header, "is damaged (file is not a database); nothing was"),
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


READS = {
    "show": ["show", "border-demarcation-mechanism", "--json"],
    "list": ["list"],
    "export": ["export"],
    "score": ["score"],
    "db status": ["db", "status"],
    "db verify": ["db", "verify"],
}


@pytest.mark.parametrize("command", list(READS))
def test_a_database_in_a_read_only_folder_can_still_be_read(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    db = _read_only_folder(folder)  # nobody may create a file there: no writer can be at work
    before = sorted(p.name for p in folder.iterdir())
    try:
        result = _tracker("--db", db, *READS[command])
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == before  # no -wal or -shm was needed


def test_a_read_only_file_in_a_read_only_folder_can_still_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    db = _read_only(folder)
    folder.chmod(0o555)
    try:
        result = _tracker("--db", db, "show", "border-demarcation-mechanism", "--json")
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert '"slug": "border-demarcation-mechanism"' in result.stdout


def test_a_folder_others_may_write_in_is_not_read_without_its_shm_file(tmp_path: Path) -> None:
    """Reading without the -shm file is safe only where no writer can be at work."""
    folder = tmp_path / "team"
    folder.mkdir()
    db = _example(folder)
    folder.chmod(0o575)  # the group may write there (and so run a writer), this user may not
    try:
        result = _tracker("--db", str(db), "list")
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: Cannot read {db}: its folder {folder} is read-only for you but others "
        "may write in it, and SQLite needs to create forecasts.db-shm there to read safely. Ask "
        "for write access to the folder, or copy the database elsewhere and read the copy.\n"
    )


@pytest.mark.parametrize("damage", [_damaged_page, _damaged_header])
@pytest.mark.parametrize("command", ["list", "export", "db verify"])
def test_a_damaged_database_is_one_line_for_a_read_too(
    tmp_path: Path, damage: Callable[[Path], str], command: str
) -> None:
    db = damage(tmp_path)
    before = _state(tmp_path)
    result = _tracker("--db", db, *READS[command])
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: The database {db} is damaged (")
    assert result.stderr.endswith(
        f"Restore it from a backup, or save what is still readable with: sqlite3 {db} .recover\n"
    )
    assert len(result.stderr.splitlines()) == 1
    assert _state(tmp_path) == before


def test_a_read_only_database_that_needs_an_upgrade_is_one_line(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from tracker.storage.database import HEAD, MIGRATIONS

    folder = tmp_path / "old"
    folder.mkdir()
    db = folder / "forecasts.db"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    folder.chmod(0o555)
    before = _state(folder)
    try:
        result = _tracker("--db", str(db), "list")
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: The database {db} has schema 0001 and needs an upgrade to {HEAD}, but it is "
        "read-only here. Someone who may write it can run: tracker db upgrade\n"
    )
    assert _state(folder) == before
