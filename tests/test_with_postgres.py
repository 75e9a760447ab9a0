"""`scripts/with-postgres` from a checkout that the postgres user cannot enter."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "with-postgres"
#: What the wrapped command does: reach the throw-away cluster, and say where it ran.
PROBE = """
import os
import psycopg

url = os.environ["TRACKER_TEST_PG"].replace("postgresql+psycopg://", "postgresql://")
with psycopg.connect(url) as connection:
    print(connection.execute("select 41 + 1").fetchone()[0])
print(os.getcwd())
"""


@pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0 or not glob.glob("/usr/lib/postgresql/*/bin"),
    reason="the cluster runs as the postgres user only when started by root, with Debian's "
    "PostgreSQL installed (scripts/with-postgres installs it)",
)
def test_with_postgres_runs_from_a_folder_only_root_can_enter(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)  # as a home folder or a private temporary folder
    checkout = private / "repo"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy2(SCRIPT, checkout / "scripts" / "with-postgres")
    done = subprocess.run(
        ["scripts/with-postgres", sys.executable, "-c", PROBE],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=600,  # initdb and a start on a loaded machine; normally a few seconds
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["42", str(checkout)]  # the command keeps its folder
    assert "Permission denied" not in done.stderr
    assert "could not change directory" not in done.stderr
    assert done.stderr.startswith("with-postgres: PostgreSQL "), done.stderr
    port = done.stderr.split("127.0.0.1:")[1].split()[0]
    assert glob.glob(f"/tmp/tracker-pg.*/.s.PGSQL.{port}") == []  # stopped and removed
