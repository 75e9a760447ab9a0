"""The installed `tracker` script and `python -m tracker` as a user runs them, in processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE

TRACKER = shutil.which("tracker", path=str(Path(sys.executable).parent)) or "tracker"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRACKER, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def test_installed_script_and_module_both_run() -> None:
    assert run("--version").stdout.strip() == "tracker 0.1.0"
    module = subprocess.run(
        [sys.executable, "-m", "tracker", "--version"], capture_output=True, text=True
    )
    assert module.stdout.strip() == "tracker 0.1.0"


def test_error_is_one_line_without_traceback_and_exit_1() -> None:
    result = run("show", "42")
    assert result.returncode == 1
    assert result.stderr == "error: No database at " + os.environ["TRACKER_DB"] + (
        ". Create one by adding a question (tracker add), importing (tracker import FILE), "
        "or with tracker db upgrade.\n"
    )


def test_debug_shows_the_traceback() -> None:
    run("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    result = run("--debug", "show", "42")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "NotFoundError: No question #42" in result.stderr


def test_usage_error_exits_2() -> None:
    result = run("forecast")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_no_color_is_honoured(no_color: str | None, coloured: bool) -> None:
    run("import", str(EXAMPLE), env=AFTER_EXAMPLE_ENV)
    env = {"FORCE_COLOR": "1", "COLUMNS": "200"}
    if no_color:
        env["NO_COLOR"] = no_color
    result = run("list", "--resolved", env=env)
    assert ("\x1b[32m" in result.stdout) is coloured


def test_concurrent_writers_all_succeed(isolated_database: Path) -> None:
    run("add", "Shared question", "-c", "C", "-d", "+1m")
    writers = 4
    per_writer = 15
    script = (
        "import sys\n"
        "from tracker.cli import main\n"
        f"for i in range({per_writer}):\n"
        "    sys.argv = ['tracker', 'forecast', '1', f'{10 + i}%', '--as', sys.argv[1]]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exit:\n"
        "        if exit.code: raise\n"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, f"writer{n}"], stdout=subprocess.DEVNULL)
        for n in range(writers)
    ]
    # A bound for a hang, not a speed test: four processes start and write on a loaded machine.
    assert [p.wait(timeout=600) for p in processes] == [0] * writers
    with sqlite3.connect(isolated_database) as connection:
        count = connection.execute("SELECT count(*) FROM forecast").fetchone()[0]
    assert count == writers * per_writer


def _big_export(path: Path, forecasts: int) -> None:
    lines = [
        {
            "type": "question",
            "id": "bulk",
            "title": "Bulk",
            "kind": "binary",
            "options": ["yes", "no"],
            "deadline": "2022-12-31",
            "opened_on": "2021-01-01",
            "criteria": "C",
        }
    ]
    start = datetime(2021, 1, 1, tzinfo=UTC)
    for i in range(forecasts):
        lines.append(
            {
                "type": "forecast",
                "question": "bulk",
                "forecaster": f"f{i % 50}",
                "made_at": (start + timedelta(minutes=i)).isoformat(),
                "probabilities": {"yes": 0.25, "no": 0.75},
                "rationale": f"row {i}",
            }
        )
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")


def _writing(database: Path) -> bool:
    """Whether someone holds the database's write lock (tracker takes it at BEGIN)."""
    probe = sqlite3.connect(database, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:  # database is locked
        return True
    finally:
        probe.close()


def _committed(database: Path) -> tuple[int, int]:
    """(questions, forecasts) as committed: a reader never sees an open transaction's rows."""
    with sqlite3.connect(database) as connection:
        questions = connection.execute("SELECT count(*) FROM question").fetchone()[0]
        forecasts = connection.execute("SELECT count(*) FROM forecast").fetchone()[0]
    connection.close()
    return questions, forecasts


@pytest.mark.parametrize(
    ("stop", "status"), [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, 130)]
)
def test_import_stopped_half_way_leaves_the_database_as_it_was(
    tmp_path: Path, stop: signal.Signals, status: int
) -> None:
    big = tmp_path / "big.jsonl"
    _big_export(big, 40_000)  # seconds of writing in one transaction
    # Stop the import while it is inside its transaction, whatever the machine's speed: wait
    # until it holds the write lock, freeze it (SIGSTOP), check that it has not committed, and
    # only then send the signal. Should it commit between the check of the lock and the freeze
    # (the last instant of a long transaction), that attempt proves nothing: try again.
    # Ctrl-C is acted on once the process runs again: frozen inside its final COMMIT, it
    # finishes that first and exits 0, which proves nothing either: try again.
    for attempt in range(8):
        database = tmp_path / f"attempt{attempt}.db"
        assert run("--db", str(database), "add", "Existing", "-c", "C", "-d", "+1m").returncode == 0
        process = subprocess.Popen(
            [TRACKER, "--db", str(database), "import", str(big)], stderr=subprocess.DEVNULL
        )
        while process.poll() is None and not _writing(database):
            time.sleep(0.01)
        process.send_signal(signal.SIGSTOP)
        if process.poll() is None and _committed(database) == (1, 0):
            process.send_signal(stop)
            process.send_signal(signal.SIGCONT)  # a stopped process acts on SIGINT once it runs
            process.wait()
            if process.returncode == status:  # it was cut off, not finished
                break
            assert stop == signal.SIGINT and process.returncode == 0, process.returncode
            continue
        process.send_signal(signal.SIGCONT)
        process.wait()
    else:
        pytest.fail("the import could not be stopped inside its transaction, eight times")
    assert process.returncode == status
    assert _committed(database) == (1, 0)  # and nothing of it is in the database
    done = run("--db", str(database), "db", "verify")
    assert done.returncode == 0, done.stderr


def _imported(folder: Path, file: Path) -> Path:
    """A database file with `file` imported (in-process: faster than the installed script)."""
    from typer.testing import CliRunner

    from tracker.cli import app

    path = folder / "forecasts.db"
    env = {"TRACKER_DB": str(path), "TRACKER_USER": "ani", **AFTER_EXAMPLE_ENV}
    result = CliRunner().invoke(app, ["import", str(file)], env=env)
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example ledger, for commands that only read it."""
    return _imported(tmp_path_factory.mktemp("example"), EXAMPLE)


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger whose export is far larger than a pipe's buffer, for commands that only read."""
    folder = tmp_path_factory.mktemp("big")
    _big_export(folder / "big.jsonl", 3000)
    return _imported(folder, folder / "big.jsonl")


def _with_closed_stdout(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run tracker with stdout a pipe whose reader is already gone: every write meets EPIPE."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [TRACKER, *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
    finally:
        os.close(write)
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["show", "1"],
        ["export"],
        ["export", "--format", "csv"],
        ["score", "--json"],
        ["report", "--format", "md"],
        ["list", "--json"],
        ["--help"],
        ["db", "path"],
    ],
    ids=" ".join,
)
def test_a_closed_pipe_ends_the_command_quietly_with_status_141(
    example_db: Path, command: list[str]
) -> None:
    env = {**AFTER_EXAMPLE_ENV, "TRACKER_DB": str(example_db)}
    assert _with_closed_stdout(*command, env=env) == (141, "")


def test_an_error_to_a_closed_stderr_keeps_its_status_and_says_nothing() -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([TRACKER, "show", "42"], stdout=subprocess.PIPE, stderr=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stdout) == (1, b"")


@pytest.mark.parametrize(
    ("command", "reader", "first"),
    [
        (["export"], ["head", "-c", "10"], b'{"type": "'),
        (["list"], ["head", "-1"], "┏".encode()),
        (["score", "--json"], ["head", "-c", "1"], b"{"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_reader_that_stops_early_gets_its_part_and_no_complaint(
    big_db: Path, command: list[str], reader: list[str], first: bytes
) -> None:
    writer = subprocess.Popen(
        [TRACKER, "--db", str(big_db), *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    head = subprocess.Popen(reader, stdin=writer.stdout, stdout=subprocess.PIPE)
    assert writer.stdout is not None and writer.stderr is not None
    writer.stdout.close()  # only head reads it now
    shown, _ = head.communicate(timeout=120)
    status = writer.wait(timeout=120)
    assert shown.startswith(first)
    assert writer.stderr.read() == b""
    # Quiet either way: the reader may have gone before (141) or after (0) the last write.
    assert status in (0, 141)


def _shell(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env={**os.environ, **env}
    )


@pytest.mark.parametrize(
    "redirect",
    [">&-", "2>&- >/dev/null", ">/dev/full"],
    ids=["stdout closed", "stderr closed", "stdout full"],
)
def test_a_write_whose_confirmation_cannot_be_shown_exits_0_and_is_recorded_once(
    tmp_path: Path, redirect: str
) -> None:
    """A script that retries on failure must not record the same forecast twice: the status
    says the write landed, though its confirmation could not be written."""
    env = {**AFTER_EXAMPLE_ENV, "TRACKER_DB": str(tmp_path / "f.db"), "TRACKER_USER": "ani"}
    assert _shell(f"{TRACKER} add Q -c C -d +1m >/dev/null", env).returncode == 0
    done = _shell(f"{TRACKER} forecast 1 42% {redirect}", env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
    shown = json.loads(_shell(f"{TRACKER} show 1 --json", env).stdout)
    assert [f["probabilities"]["yes"] for f in shown["forecasts"]] == [0.42]


@pytest.mark.parametrize(
    ("redirect", "reason"),
    [(">&-", "Bad file descriptor"), (">/dev/full", "No space left on device")],
    ids=["stdout closed", "stdout full"],
)
def test_a_read_whose_output_cannot_be_written_is_one_line_and_exits_1(
    example_db: Path, redirect: str, reason: str
) -> None:
    env = {**AFTER_EXAMPLE_ENV, "TRACKER_DB": str(example_db)}
    done = _shell(f"{TRACKER} list {redirect}", env)
    assert done.returncode == 1
    assert done.stderr == f"error: Cannot write the output: {reason}.\n"


def test_an_import_that_runs_out_of_memory_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    command = (
        'ulimit -v 900000; yes \'{"type": "question"}\' | head -c 150000000 | '
        f"{TRACKER} --db {db} import -"
    )
    done = _shell(command, {**AFTER_EXAMPLE_ENV, "TRACKER_USER": "ani"})
    assert done.returncode == 1
    assert done.stderr.startswith("error: tracker ran out of memory"), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not db.exists()
