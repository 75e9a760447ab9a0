"""`scripts/with-chromium`: the command runs with the browser named, and keeps its exit status."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "with-chromium"
PROBE = "import os, sys; print(os.environ['TRACKER_TEST_CHROMIUM']); sys.exit(3)"


@pytest.mark.skipif(
    sys.platform != "linux" or not shutil.which("chromium"),
    reason="needs Debian's chromium (scripts/with-chromium installs it when run as root)",
)
def test_with_chromium_names_the_browser_and_keeps_the_exit_status() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "TRACKER_TEST_CHROMIUM"}
    done = subprocess.run(
        [str(SCRIPT), sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert done.returncode == 3
    assert done.stdout.splitlines() == [shutil.which("chromium")]
    assert done.stderr == f"with-chromium: {shutil.which('chromium')}\n"
