"""Nothing lost under concurrency, on SQLite and on PostgreSQL: real processes, real databases."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.cli.test_installed import TRACKER, _big_export
from tests.conftest import NOW
from tracker.services.database import verify
from tracker.storage import sqlite

WRITERS = 8
FORECASTS_EACH = 200
ROUNDS = 10

#: One process: wait for the common start, then run `tracker ARGS...` in a loop in-process
#: (as many commands as the loop gives), printing each command's exit status and stderr. A
#: command given as {"at": TIME, "args": ARGS} waits for that moment first.
SCRIPT = """
import io, json, sys, time
from contextlib import redirect_stderr, redirect_stdout
from tracker.cli import main
start, commands = float(sys.argv[1]), json.loads(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
for args in commands:
    if isinstance(args, dict):
        time.sleep(max(0.0, args["at"] - time.time()))
        args = args["args"]
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


def _run_together(
    per_process: list[list[Any]], *, start: float | None = None
) -> list[list[tuple[int, str]]]:
    """Start one process per command list, all beginning at the same moment."""
    start = start or time.time() + 3.0  # after every process has imported tracker
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


@contextmanager
def _cpu_load(processes: int = 2) -> Iterator[None]:
    """Keep every core of a 2-core machine busy besides the test's own processes."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


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


def test_eight_writers_on_a_loaded_machine_record_all_their_forecasts_once(any_url: str) -> None:
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
    with _cpu_load():
        results = _run_together(per_process)
    failures = [(code, err) for outcome in results for code, err in outcome if code != 0]
    assert failures == []  # every writer waited its turn (at most a minute each), none gave up
    succeeded = sum(1 for outcome in results for code, _ in outcome if code == 0)
    assert succeeded == WRITERS * FORECASTS_EACH
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


def test_first_users_of_missing_databases_lose_no_write(tmp_path: Path) -> None:
    """Eight processes find no database at the same moment, again for each of several files;
    some begin with bad input (a command that failed used to remove the file it had created,
    with whatever others had written to it meanwhile)."""
    urls = [f"sqlite:///{tmp_path / f'ledger{k}.db'}" for k in range(ROUNDS)]
    start = time.time() + 3.0
    per_process: list[list[Any]] = [[] for _ in range(WRITERS)]
    for k, url in enumerate(urls):
        at = start + 2.0 * k
        for n in range(WRITERS):
            bad = [
                ["--db", url, "forecast", "nowhere", "50%"],  # no such question
                ["--db", url, "add", "Bad", "-c", "C", "-d", "someday"],  # no date
            ][(n + k) % 2]
            good = [
                ["--db", url, "add", f"Question {n}", "-c", "C", "-d", "+1m", "--slug", f"q{n}"],
                ["--db", url, "forecast", f"q{n}", "60%", "--as", f"first{n}"],
            ]
            commands = [bad, *good] if (n + k) % 3 else [*good, bad]
            per_process[n] += [{"at": at, "args": commands[0]}, *commands[1:]]
    results = _run_together(per_process, start=start)
    outcomes = [
        (command if isinstance(command, list) else command["args"], code, err)
        for commands, outcome in zip(per_process, results, strict=True)
        for command, (code, err) in zip(commands, outcome, strict=True)
    ]
    failed = [(command, err) for command, code, err in outcomes if code != 0]
    # Only the bad input failed, each with one line; every success is in its database.
    assert all(command[3] in ("nowhere", "Bad") for command, _ in failed), failed
    assert all(len(err.splitlines()) == 1 for _, err in failed), failed
    assert len(failed) == WRITERS * ROUNDS
    for url in urls:
        slugs = {slug for (slug,) in _rows(url, "SELECT slug FROM question")}
        assert slugs == {f"q{n}" for n in range(WRITERS)}, url
        assert _scalar(url, "SELECT count(*) FROM forecast") == WRITERS
        assert verify(url=url, now=NOW).intact
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"ledger{k}.db" for k in range(ROUNDS)
    )  # no temporaries left (and no -wal or -shm: every command closed its database)


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text(sql))]
    engine.dispose()
    return rows


def test_a_write_blocked_longer_than_the_wait_is_one_line_naming_the_cause(
    tracker: Any, isolated_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tracker("add", "Held", "-c", "C", "-d", "+1m", "--slug", "held").exit_code == 0
    monkeypatch.setattr(sqlite, "BUSY_WAIT_SECONDS", 0.5)  # instead of a minute
    holder = sqlite3.connect(isolated_database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a program that keeps the write lock
    try:
        result = tracker("forecast", "held", "60%")
        reading = tracker("show", "held", "--json")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: The database {isolated_database} stayed busy: another command held its write "
        "lock for 0.5 seconds, so nothing was recorded. Try again in a moment; if it stays "
        "busy, look for a program that keeps a transaction open on it.\n"
    )
    assert reading.exit_code == 0  # readers are never held up by a writer
    assert _scalar(f"sqlite:///{isolated_database}", "SELECT count(*) FROM forecast") == 0
