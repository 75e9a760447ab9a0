"""docs/team.md is run against a real PostgreSQL server: every `$ ...` line, in order, and its
output must be what the page says. The host differs (the page leaves it to $PGHOST), and so do
the dates and hashes: on a team database, times are the server's, so the clock is not pinned.

UPDATE_TEAM_GUIDE=1 pytest tests/cli/test_team_guide.py   # rewrite the outputs
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.test_walkthrough import _commands
from tests.conftest import PG_ADMIN_URL, REPO

PAGE = REPO / "docs" / "team.md"
BLOCK = re.compile(r"```console\n(\$ .*?)```", re.DOTALL)
DATABASES = ("forecasts", "forecasts_restored")
LOGINS = ("alice", "rita", "vera", "tracker_owner")
GROUPS = ("forecasts_reviewer", "forecasts_analyst", "forecasts_resolver")
#: What differs from run to run: dates (and so the hashes of the chain).
VARIES = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?|[0-9a-f]{64}")


def _same(output: str, expected: str) -> bool:
    return VARIES.sub("#", output) == VARIES.sub("#", expected)


def _clean(admin: sa.Engine) -> None:
    with admin.connect() as connection:
        for name in DATABASES:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        for login in (*LOGINS, *GROUPS):
            connection.exec_driver_sql(f"DROP ROLE IF EXISTS {login}")


def _postgres_bin() -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return str(found[-1]) if found else ""


def test_the_team_guide_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not PG_ADMIN_URL:
        pytest.skip("no PostgreSQL server: run the tests through scripts/with-postgres")
    server = sa.engine.make_url(PG_ADMIN_URL)
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    _clean(admin)
    (tmp_path / "docs").symlink_to(REPO / "docs")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TRACKER_DB", "TRACKER_USER", "TRACKER_NOW", "PGUSER", "PGDATABASE")
    }
    env.update(
        PGHOST=str(server.host),
        PGPORT=str(server.port),
        COLUMNS="100",
        PATH=os.pathsep.join([str(Path(sys.executable).parent), _postgres_bin(), env["PATH"]]),
    )
    page = PAGE.read_text(encoding="utf-8")
    rewritten = page
    try:
        for match in BLOCK.finditer(page):
            new_block = ""
            for command, expected in _commands(match.group(1)):
                words = shlex.split(command)
                if words[0] == "export":
                    name, value = words[1].split("=", 1)
                    if name != "PGHOST":  # the test's server stands in for db.example.org
                        env[name] = value
                    new_block += f"$ {command}\n{expected}"
                    continue
                result = subprocess.run(
                    ["bash", "-o", "pipefail", "-c", command],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=tmp_path,
                )
                output = "".join(
                    line.rstrip() + "\n" for line in (result.stdout + result.stderr).splitlines()
                )
                refused = output.startswith("error:")
                assert (result.returncode != 0) == refused, (command, output)
                if not os.environ.get("UPDATE_TEAM_GUIDE"):
                    assert _same(output, expected), (command, output)
                new_block += f"$ {command}\n{output}"
            rewritten = rewritten.replace(match.group(1), new_block, 1)
    finally:
        _clean(admin)
        admin.dispose()
    if os.environ.get("UPDATE_TEAM_GUIDE"):
        PAGE.write_text(rewritten, encoding="utf-8")
