"""docs/walkthrough.md is run: every `$ tracker ...` line, and its output must be what the page says.

UPDATE_WALKTHROUGH=1 pytest tests/cli/test_walkthrough.py   # rewrite the outputs
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, Run

Tracker = Callable[..., Run]
PAGE = REPO / "docs" / "walkthrough.md"
BLOCK = re.compile(r"```\n(\$ .*?)```", re.DOTALL)


def _commands(block: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of one code block."""
    pairs: list[tuple[str, str]] = []
    for line in block.splitlines(keepends=True):
        if line.startswith("$ "):
            pairs.append((line[2:].strip(), ""))
        else:
            command, output = pairs[-1]
            pairs[-1] = (command, output + line)
    return pairs


def test_the_walkthrough_runs_as_written(
    tracker: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    page = PAGE.read_text(encoding="utf-8")
    env: dict[str, str] = {"COLUMNS": "100"}
    rewritten = page
    for match in BLOCK.finditer(page):
        block = match.group(1)
        new_block = ""
        for command, expected in _commands(block):
            words = shlex.split(command)
            if words[0] == "export":
                for pair in words[1:]:
                    name, value = pair.split("=", 1)
                    # The page's scratch file becomes this test's own.
                    env[name] = str(tmp_path / "walkthrough.db") if name == "TRACKER_DB" else value
                new_block += f"$ {command}\n{expected}"
                continue
            assert words[0] == "tracker", command
            result = tracker(*words[1:], env=env)
            assert result.exit_code == 0, (command, result.stderr)
            output = result.stdout + result.stderr
            output = "\n".join(line.rstrip() for line in output.splitlines())
            output = output + "\n" if output else ""
            new_block += f"$ {command}\n{output}"
            if not os.environ.get("UPDATE_WALKTHROUGH"):
                assert output == expected, f"{command}: run UPDATE_WALKTHROUGH=1 pytest {__file__}"
        rewritten = rewritten.replace(block, new_block, 1)
    if os.environ.get("UPDATE_WALKTHROUGH"):
        PAGE.write_text(rewritten, encoding="utf-8")
