"""Where --out may write: never over the database or its files, any SQLite database, a link, a
device or a pipe; a replaced file keeps its permissions, a new one follows the umask."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run

Tracker = Callable[..., Run]

WRITERS = {
    "export jsonl": ["export"],
    "export csv": ["export", "--format", "csv"],
    "report md": ["report", "--period", "2022Q2", "--format", "md"],
    "report html": ["report", "--period", "2022Q2", "--format", "html"],
    "report json": ["report", "--period", "2022Q2", "--format", "json"],
    "retro md": ["retro", "--format", "md"],
    "retro html": ["retro", "--format", "html"],
    "retro json": ["retro", "--format", "json"],
}


@pytest.fixture
def example(tracker: Tracker) -> Tracker:
    assert tracker("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV).exit_code == 0
    return tracker


def _write(tracker: Tracker, writer: str, out: Path | str) -> Run:
    return tracker(*WRITERS[writer], "--out", str(out), env=AFTER_EXAMPLE_ENV)


def _digests(folder: Path) -> dict[str, str]:
    """Every file in `folder` (links not followed) with a digest of what it holds."""
    return {
        p.name: (
            f"link to {os.readlink(p)}"
            if p.is_symlink()
            else hashlib.sha256(p.read_bytes()).hexdigest()
        )
        for p in sorted(folder.iterdir())
        if p.is_symlink() or p.is_file()
    }


def _refused(result: Run, message: str) -> None:
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert message in result.stderr, result.stderr


@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_out_refuses_the_database_in_use(
    example: Tracker, isolated_database: Path, writer: str
) -> None:
    before = hashlib.sha256(isolated_database.read_bytes()).hexdigest()
    result = _write(example, writer, isolated_database)
    _refused(result, f"Refusing to write {isolated_database}: it is the database in use.")
    assert hashlib.sha256(isolated_database.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
@pytest.mark.parametrize("writer", ["export jsonl", "report md"])
def test_out_refuses_the_files_sqlite_keeps_beside_the_database(
    example: Tracker, isolated_database: Path, suffix: str, writer: str
) -> None:
    target = Path(f"{isolated_database}{suffix}")
    before = _digests(isolated_database.parent)
    result = _write(example, writer, target)
    _refused(result, f"it is the {suffix[1:]} file of the database in use.")
    assert _digests(isolated_database.parent) == before


def test_out_refuses_the_database_reached_by_another_path(
    example: Tracker, isolated_database: Path, tmp_path: Path
) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(isolated_database.parent, target_is_directory=True)
    _refused(_write(example, "export jsonl", alias / "forecasts.db"), "the database in use")
    os.link(isolated_database, tmp_path / "hard-link.db")
    _refused(_write(example, "export jsonl", tmp_path / "hard-link.db"), "the database in use")


def test_out_refuses_any_sqlite_database_and_its_files(example: Tracker, tmp_path: Path) -> None:
    other = tmp_path / "ledger.bin"  # its name says nothing, its header does
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    before = _digests(tmp_path)
    _refused(
        _write(example, "retro json", other),
        f"Refusing to write {other}: it is a SQLite database, and --out never replaces one.",
    )
    _refused(
        _write(example, "export csv", tmp_path / "ledger.bin-journal"),
        f"it is the journal file of the SQLite database {other}.",
    )
    assert _digests(tmp_path) == before


def test_out_refuses_a_symbolic_link_and_leaves_it_and_its_file(
    example: Tracker, tmp_path: Path
) -> None:
    (tmp_path / "real.jsonl").write_text("kept\n")
    (tmp_path / "latest.jsonl").symlink_to("real.jsonl")
    (tmp_path / "dangling.jsonl").symlink_to("nowhere.jsonl")
    before = _digests(tmp_path)
    _refused(
        _write(example, "export jsonl", tmp_path / "latest.jsonl"),
        "it is a symbolic link (to real.jsonl), and --out never writes through one. Give the "
        "file it points to, or another name.",
    )
    _refused(_write(example, "report json", tmp_path / "dangling.jsonl"), "a symbolic link")
    assert _digests(tmp_path) == before
    assert not (tmp_path / "nowhere.jsonl").exists()


def test_out_refuses_a_named_pipe_without_waiting_for_a_reader(
    example: Tracker, tmp_path: Path
) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    _refused(
        _write(example, "export jsonl", pipe),
        f"Refusing to write {pipe}: it is a named pipe, and --out only writes files. Leave out "
        "--out to write to stdout instead.",
    )
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_out_refuses_a_device(example: Tracker) -> None:
    _refused(_write(example, "report html", Path("/dev/null")), "it is a device")


def test_a_chart_beside_a_markdown_document_obeys_the_same_rules(
    example: Tracker, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere.png").write_bytes(b"kept")
    (tmp_path / "review-calibration.png").symlink_to("elsewhere.png")
    before = _digests(tmp_path)
    result = _write(example, "report md", tmp_path / "review.md")
    _refused(result, f"Refusing to write {tmp_path / 'review-calibration.png'}: it is a symbolic")
    assert _digests(tmp_path) == before  # all or nothing: not the document either


def test_a_replaced_file_keeps_its_permission_bits_and_owner(
    example: Tracker, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "shared.jsonl"
    out.write_text("old\n")
    out.chmod(0o640)
    owner = (1234, 4321) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(out, *owner)
    result = _write(example, "export jsonl", out)
    assert result.exit_code == 0, result.stderr
    status = out.stat()
    assert stat.S_IMODE(status.st_mode) == 0o640
    assert (status.st_uid, status.st_gid) == owner
    assert out.read_text().startswith('{"type": "source"')
    assert sorted(p.name for p in folder.iterdir()) == ["shared.jsonl"]


@pytest.mark.parametrize("writer", ["export jsonl", "report md"])
def test_a_new_file_follows_the_umask(example: Tracker, tmp_path: Path, writer: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    previous = os.umask(0o027)
    try:
        result = _write(example, writer, folder / "new.md")
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.stderr
    written = sorted(folder.iterdir())
    assert written  # the document, and for Markdown its charts
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o640}


def test_db_backup_refuses_the_files_sqlite_keeps_beside_the_database(
    example: Tracker, isolated_database: Path, tmp_path: Path
) -> None:
    journal = Path(f"{isolated_database}-journal")  # absent now: a copy there would be "hot"
    _refused(
        example("db", "backup", str(journal)),
        f"Refusing to write {journal}: it is the journal file of the database in use.",
    )
    assert not journal.exists()
    (tmp_path / "dangling.db").symlink_to("nowhere.db")
    _refused(example("db", "backup", str(tmp_path / "dangling.db")), "already exists")
    assert not (tmp_path / "nowhere.db").exists()
