"""Nothing lost under concurrency, on SQLite and on PostgreSQL: real processes, real databases."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tests.cli.test_installed import TRACKER, _big_export
from tests.conftest import NOW
from tracker.services.database import verify

WRITERS = 8
FORECASTS_EACH = 200

#: One process: wait for the common start, then run `tracker ARGS...` in a loop in-process
#: (as many commands as the loop gives), printing each command's exit status and stderr.
SCRIPT = """
import io, json, sys, time
from contextlib import redirect_stderr, redirect_stdout
from tracker.cli import main
start, commands = float(sys.argv[1]), json.loads(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
for args in commands:
    sys.argv = ["tracker", *args]
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        try:
            main()
            code = 0
        except SystemExit as exit:
            code = exit.code or 0
    sys.__stdout__.write(json.dumps([code, err.getvalue()]) + chr(10))
"""


def _run_together(per_process: list[list[list[str]]]) -> list[list[tuple[int, str]]]:
    """Start one process per command list, all beginning at the same moment."""
    start = time.time() + 3.0  # after every process has imported tracker
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(start), json.dumps(commands)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for commands in per_process
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        results.append([tuple(json.loads(line)) for line in out.splitlines()])
    return results


def _scalar(url: str, sql: str) -> object:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(sa.text(sql)).scalar()
    engine.dispose()
    return value


def _add_question(url: str, slug: str) -> None:
    result = subprocess.run(
        [TRACKER, "--db", url, "add", "Shared", "-c", "C", "-d", "+1m", "--slug", slug],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_eight_writers_record_all_their_forecasts_once(any_url: str) -> None:
    _add_question(any_url, "shared")
    per_process = [
        [
            [
                "--db",
                any_url,
                "forecast",
                "shared",
                f"{1 + i % 98}%",
                "--as",
                f"writer{n}",
                "--rationale",
                f"writer{n} forecast {i}",
            ]
            for i in range(FORECASTS_EACH)
        ]
        for n in range(WRITERS)
    ]
    results = _run_together(per_process)
    failures = [(code, err) for outcome in results for code, err in outcome if code != 0]
    # Each command succeeds or says clearly why not; none fails silently (status 0, no row).
    assert all(code == 1 and len(err.splitlines()) == 1 for code, err in failures), failures
    succeeded = sum(1 for outcome in results for code, _ in outcome if code == 0)
    assert succeeded == WRITERS * FORECASTS_EACH  # and with the busy timeout and the lock, all
    assert _scalar(any_url, "SELECT count(*) FROM forecast") == succeeded
    assert _scalar(any_url, "SELECT count(DISTINCT rationale) FROM forecast") == succeeded
    assert verify(url=any_url, now=NOW).intact  # the chain never forked


def test_concurrent_resolves_of_one_question_have_exactly_one_winner(any_url: str) -> None:
    _add_question(any_url, "contested")
    per_process = [
        [
            [
                "--db",
                any_url,
                "resolve",
                "contested",
                "yes" if n % 2 else "no",
                "--on",
                "2021-11-29",
                "--as",
                f"resolver{n}",
            ]
        ]
        for n in range(WRITERS)
    ]
    outcomes = [outcome[0] for outcome in _run_together(per_process)]
    winners = [o for o in outcomes if o[0] == 0]
    losers = [o for o in outcomes if o[0] != 0]
    assert len(winners) == 1
    assert len(losers) == WRITERS - 1
    for code, err in losers:
        assert code == 1 and len(err.splitlines()) == 1
        assert "resolved" in err, err  # told that someone else resolved it
    assert _scalar(any_url, "SELECT count(*) FROM resolution") == 1
    assert verify(url=any_url, now=NOW).intact


def test_a_killed_import_leaves_a_postgresql_database_as_it_was(
    pg_url: str, tmp_path: Path
) -> None:
    _add_question(pg_url, "existing")
    before = verify(url=pg_url, now=NOW).head
    big = tmp_path / "big.jsonl"
    _big_export(big, 40_000)
    process = subprocess.Popen(
        [TRACKER, "--db", pg_url, "import", str(big)],
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TRACKER_NOW": NOW.isoformat()},
    )
    # Kill it once its rows are reaching the server (the transaction is open and writing).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        writing = _scalar(
            pg_url,
            "SELECT count(*) FROM pg_stat_activity WHERE state <> 'idle' "
            "AND query ILIKE 'INSERT INTO forecast%'",
        )
        if writing:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL  # it was cut off, not finished
    time.sleep(0.5)  # the server notices the closed connection and rolls back
    assert _scalar(pg_url, "SELECT count(*) FROM forecast") == 0
    assert _scalar(pg_url, "SELECT count(*) FROM question") == 1
    after = verify(url=pg_url, now=NOW)
    assert after.intact and after.head == before


def test_a_backup_taken_while_others_write_is_consistent(
    isolated_database: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{isolated_database}"
    _add_question(url, "busy")
    commands = [
        ["--db", url, "forecast", "busy", f"{1 + i % 98}%", "--as", "writer", "--rationale", str(i)]
        for i in range(300)
    ]
    writer = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(time.time()), json.dumps(commands)],
        stdout=subprocess.DEVNULL,
    )
    counts = []
    while writer.poll() is None or not counts:
        copy = tmp_path / f"copy-{len(counts)}.db"
        result = subprocess.run(
            [TRACKER, "--db", url, "db", "backup", str(copy)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(copy) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            counts.append(connection.execute("SELECT count(*) FROM forecast").fetchone()[0])
        connection.close()
        checked = verify(url=f"sqlite:///{copy}", now=NOW)
        # the question, the writer once it has forecast, and its forecasts
        assert checked.intact and checked.events == 1 + (counts[-1] > 0) + counts[-1]
    assert writer.wait() == 0
    assert counts == sorted(counts)  # each copy is a moment of the record, later than the last
    assert len(set(counts)) > 1, counts  # the copies were taken while the writer wrote


def test_a_new_name_used_by_many_at_once_is_created_once(any_url: str) -> None:
    _add_question(any_url, "fresh")
    per_process = [
        [["--db", any_url, "forecast", "fresh", f"{10 + n}%", "--as", "newcomer"]]
        for n in range(WRITERS)
    ]
    outcomes = [outcome[0] for outcome in _run_together(per_process)]
    assert outcomes == [(0, "")] * WRITERS
    assert _scalar(any_url, "SELECT count(*) FROM forecaster WHERE name = 'newcomer'") == 1
    assert _scalar(any_url, "SELECT count(*) FROM forecast") == WRITERS
    assert verify(url=any_url, now=NOW).intact
