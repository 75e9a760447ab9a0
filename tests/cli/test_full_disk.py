"""A full disk: one line that says so, exit 1, nothing recorded and no partial file left.

On a real full file system where the tests may mount one (a small tmpfs, as root), and else
through the limits SQLite and the kernel offer to anyone (PRAGMA max_page_count, RLIMIT_FSIZE).
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.cli.test_installed import TRACKER, _big_export
from tests.conftest import AFTER_EXAMPLE_ENV, NOW, Run, own_example
from tracker.services.database import verify

Tracker = Callable[..., Run]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB file system of its own (a tmpfs), where a full disk can really be met."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, *, leave: int) -> Path:
    """Fill `disk` but for about `leave` bytes; returns the filler file."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    with filler.open("r+b") as handle:
        handle.truncate(max(0, filler.stat().st_size - leave))
    return filler


def _tracker(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **AFTER_EXAMPLE_ENV}  # after everything in the example
    return subprocess.run([TRACKER, *args], capture_output=True, text=True, env=environment)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(db: Path, table: str) -> int:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        value = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
    engine.dispose()
    return int(value or 0)


def _example_on(disk: Path) -> Path:
    return own_example(disk / "forecasts.db")


def _one_line(result: subprocess.CompletedProcess[str] | Run, message: str) -> None:
    code = (
        result.returncode if isinstance(result, subprocess.CompletedProcess) else result.exit_code
    )
    assert code == 1, result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert message in result.stderr, result.stderr


def test_an_import_that_fills_the_disk_is_one_line_and_records_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    db = _example_on(small_disk)
    forecasts = _count(db, "forecast")
    big = tmp_path / "big.jsonl"
    _big_export(big, 5000)
    filler = _fill(small_disk, leave=256 * 1024)  # room to open it, not for the import
    before = _digest(db)
    result = _tracker("--db", str(db), "import", str(big))
    _one_line(
        result,
        f"The disk holding {db} is full (database or disk is full); nothing was recorded. "
        "Free some space and run the command again.",
    )
    assert _digest(db) == before
    filler.unlink()
    assert _count(db, "forecast") == forecasts
    assert verify(url=f"sqlite:///{db}", now=NOW).intact


def test_a_write_on_a_disk_with_no_room_at_all_is_one_line(small_disk: Path) -> None:
    db = _example_on(small_disk)
    filler = _fill(small_disk, leave=0)  # not even room for the -shm file
    before = _digest(db)
    result = _tracker("--db", str(db), "add", "Q", "-c", "C", "-d", "+1m", "--as", "ani")
    _one_line(result, f"The disk holding {db} is full (")
    assert _digest(db) == before
    filler.unlink()
    assert verify(url=f"sqlite:///{db}", now=NOW).intact


def test_a_new_database_on_a_full_disk_is_one_line_and_leaves_nothing(small_disk: Path) -> None:
    filler = _fill(small_disk, leave=64 * 1024)  # too little for a new database
    db = small_disk / "new.db"
    result = _tracker("--db", str(db), "add", "Q", "-c", "C", "-d", "+1m", "--as", "ani")
    _one_line(result, f"The disk holding {db} is full (")
    assert sorted(small_disk.iterdir()) == [filler]  # no database, no temporary


def test_a_backup_to_a_full_disk_is_one_line_and_leaves_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    db = own_example(tmp_path / "forecasts.db")
    filler = _fill(small_disk, leave=16 * 1024)
    target = small_disk / "copy.db"
    result = _tracker("--db", str(db), "db", "backup", str(target))
    _one_line(result, f"Cannot back up to {target}: the disk is full; nothing was written.")
    assert sorted(small_disk.iterdir()) == [filler]


@pytest.mark.parametrize(
    "args",
    [["export"], ["report", "--period", "2022Q2", "--format", "md"], ["retro", "--format", "html"]],
)
def test_out_on_a_full_disk_is_one_line_and_leaves_no_partial_file(
    small_disk: Path, tmp_path: Path, args: list[str]
) -> None:
    db = own_example(tmp_path / "forecasts.db")
    _fill(small_disk, leave=4096)
    before = sorted(p.name for p in small_disk.iterdir())
    out = small_disk / "out.md"
    result = _tracker("--db", str(db), *args, "--out", str(out))
    _one_line(
        result,
        f"Cannot write {out}: the disk is full (No space left on device); nothing was written. "
        "Free some space or choose another place.",
    )
    assert sorted(p.name for p in small_disk.iterdir()) == before


def test_a_database_that_may_not_grow_is_one_line_and_records_nothing(
    tracker: Tracker, isolated_database: Path, tmp_path: Path
) -> None:
    """SQLite's own limit on a database's size gives the same error as a full disk."""
    assert tracker("add", "Q", "-c", "C", "-d", "+1m", "--slug", "q").exit_code == 0
    big = tmp_path / "big.jsonl"
    _big_export(big, 3000)

    def cannot_grow(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        (pages,) = cursor.execute("PRAGMA page_count").fetchone()
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    event.listen(sa.engine.Engine, "connect", cannot_grow)
    try:
        result = tracker("import", str(big))
    finally:
        event.remove(sa.engine.Engine, "connect", cannot_grow)
    _one_line(result, f"The disk holding {isolated_database} is full (database or disk is full)")
    assert _count(isolated_database, "forecast") == 0
    assert verify(url=f"sqlite:///{isolated_database}", now=NOW).intact


def test_out_past_the_file_size_limit_is_one_line_and_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    db = tmp_path / "forecasts.db"
    big = tmp_path / "big.jsonl"
    _big_export(big, 2000)
    assert _tracker("--db", str(db), "import", str(big)).returncode == 0
    folder = tmp_path / "out"
    folder.mkdir()
    limit = 100_000  # above what reading the database writes (its -shm), below the export

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [TRACKER, "--db", str(db), "export", "--out", str(folder / "all.jsonl")],
        capture_output=True,
        text=True,
        preexec_fn=limited,
    )
    _one_line(result, f"Cannot write {folder / 'all.jsonl'}: the file would be too large here")
    assert list(folder.iterdir()) == []
