"""The layering rule, a light CLI start-up, and docs for every command."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "tracker"
HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "pydantic",
    "numpy",
    "matplotlib",
    "jinja2",
    "alembic",
    "yaml",
    "pypdf",
    "icalendar",
)

# Which tracker packages each layer may import (config and errors are leaves anyone may use).
ALLOWED = {
    "domain": {"domain"},
    "storage": {"storage", "domain"},
    "extract": {"extract", "domain"},
    "reports": {"reports", "domain"},
    "services": {"services", "storage", "reports", "extract", "domain"},
    "cli": {"cli", "services", "reports"},
}
THIRD_PARTY = {
    # PyYAML reads triage files (domain/triage.py) and writes them (reports/triage.py).
    "domain": {"dateutil", "numpy", "yaml"},
    "storage": {"sqlalchemy", "sqlmodel", "alembic"},
    # markupsafe is Jinja2's own escaping library (Markup left jinja2 in 3.1).
    # icalendar writes the deadlines calendar (reports/calendar.py, tracker remind --ics).
    "reports": {"rich", "jinja2", "markupsafe", "matplotlib", "numpy", "yaml", "icalendar"},
    "extract": {"dateutil", "pypdf"},
    "services": set(),
    "cli": {"typer", "rich"},
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # Relative imports would slip past the rule: they are not used, and are refused.
            names.add(node.module if node.level == 0 and node.module else "<relative import>")
    return names


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_imports_flow_one_way(layer: str) -> None:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    problems = []
    for path in (PACKAGE / layer).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "tracker":
                parts = name.split(".")
                inner = parts[1] if len(parts) > 1 else ""
                if inner in ("config", "errors", "") or inner in ALLOWED[layer]:
                    continue
                problems.append(f"{path.relative_to(REPO)} imports {name}")
            elif top in stdlib:
                continue
            elif top not in THIRD_PARTY.get(layer, set()):
                problems.append(f"{path.relative_to(REPO)} imports {name}")
    assert problems == []


def test_sqlalchemy_is_imported_only_by_storage() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in PACKAGE.rglob("*.py")
        if "storage" not in path.parts
        and any(n.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic") for n in _imports(path))
    ]
    assert offenders == []


def test_cli_start_up_does_not_import_the_heavy_stack() -> None:
    code = f"import sys, tracker.cli\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_the_installed_command_starts_without_the_heavy_stack(args: list[str]) -> None:
    assert _loaded_by(args, HEAVY) == []


def _loaded_by(
    args: list[str], modules: tuple[str, ...], env: dict[str, str] | None = None
) -> list[str]:
    """Which of `modules` running `tracker ARGS` in a fresh process loads."""
    code = (
        "import sys\n"
        f"sys.argv = ['tracker', *{args!r}]\n"
        "from tracker.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(' '.join(m for m in {modules!r} if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return result.stderr.strip().splitlines()[-1].split() if result.stderr.strip() else []


def test_help_and_completion_load_neither_rich_nor_the_database() -> None:
    light = ("rich", "sqlalchemy", "pydantic")
    assert _loaded_by(["--help"], light) == []
    assert _loaded_by(["forecast", "--help"], light) == []
    completion = {
        "_TRACKER_COMPLETE": "complete_bash",
        "COMP_WORDS": "tracker li",
        "COMP_CWORD": "1",
    }
    assert _loaded_by([], light, completion) == []


def test_a_command_loads_only_the_storage_it_uses(tmp_path: Path) -> None:
    """What an interactive command pays for: the schema's SQLModel models, but on SQLite no
    PostgreSQL dialect or driver, and no Alembic when the database is current."""
    db = str(tmp_path / "f.db")
    assert _loaded_by(["--db", db, "add", "Q", "-c", "C", "-d", "+1m"], ("sqlmodel",)) == [
        "sqlmodel"
    ]
    heavy = ("sqlalchemy.dialects.postgresql", "psycopg", "alembic", "numpy", "jinja2")
    for args in (["--db", db, "show", "1"], ["--db", db, "list", "--open"], ["--db", db, "due"]):
        assert _loaded_by(args, heavy) == [], args


def _commands() -> list[tuple[str, str]]:
    from typer.main import get_command

    from tracker.cli import app

    root = get_command(app)
    found = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        if sub:
            found += [(f"tracker {name} {n}", c.help or "") for n, c in sub.items()]
        else:
            found.append((f"tracker {name}", command.help or ""))
    return found


def test_every_command_has_help_with_an_example() -> None:
    missing = [name for name, text in _commands() if "Example:" not in text]
    assert missing == []


def test_every_command_has_a_section_in_the_cli_reference() -> None:
    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [name for name, _ in _commands() if f"## {name}\n" not in reference]
    assert missing == []
