"""Out-of-range dates and numbers anywhere, and odd clocks: every command answers with a clear
line (exit 1 or 2) or a right result, never a traceback nor "unexpected ..." (issue 13)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from tests.conftest import AFTER_EXAMPLE_ENV, EXAMPLE, Run
from tracker.cli import app

Tracker = Callable[..., Run]

DATES = [
    "0001-01-01",
    "9999-12-31",
    "31 December 9999",
    "end of Q4 9999",
    "+9000y",
    "+99999999999999999999d",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59-12:00",
    "9999-12-31T23:59:59.999999+00:00",
    "9999Q4",
    "0001Q1",
    "10000-01-01",
]
NUMBERS = ["-1", "0", str(2**31), str(2**63), str(10**30)]
REFERENCES = ["#99999999999999999999", str(2**63), "#0", "#-1"]
PROBABILITIES = ["1e309", "1e-400", f"{10**400}:1", f"1:{10**400}", "nan", "inf", "-0"]
HEADS = [f"{10**30}:abc", "-1:abc", f"{2**63}:" + "0" * 64]
CLOCKS = [
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-12:00",
    "1899-12-31T23:59:59+00:00",
    "3000-01-01T00:00:00+00:00",
    "not a time",
    "99999999999999999999",
    "2022-06-15T12:00:00+25:00",
]

#: Which parameters take which kind of value (options by name, arguments by their name).
KINDS: dict[str, tuple[frozenset[str], list[str]]] = {
    "date": (
        frozenset(
            {"--deadline", "--opened", "--made-at", "--on", "--since", "--until", "--as-of"}
            | {"--period", "--published"}
        ),
        DATES,
    ),
    "reference": (frozenset({"question", "source", "--question", "--source"}), REFERENCES),
    "probability": (frozenset({"probability", "--forecast", "--implied"}), PROBABILITIES),
    "head": (frozenset({"--head"}), HEADS),
}

#: A valid invocation of every command; {placeholders} are filled per test.
BASES: dict[str, list[str]] = {
    "add": ["add", "Fuzz", "--criteria", "C", "--deadline", "+1m"],
    "forecast": ["forecast", "{question}", "{probability}"],
    "resolve": ["resolve", "{question}", "yes"],
    "retract": ["retract", "{question}", "--reason", "slip"],
    "clarify": ["clarify", "{question}", "--criteria", "Sharper.", "--reason", "clearer"],
    "list": ["list"],
    "show": ["show", "{question}"],
    "due": ["due"],
    "remind": ["remind"],
    "overview": ["overview"],
    "score": ["score"],
    "report": ["report"],
    "retro": ["retro"],
    "export": ["export"],
    "import": ["import", "{file}"],
    "source add": ["source", "add", "{report}"],
    "source list": ["source", "list"],
    "source show": ["source", "show", "{source}"],
    "source scan": ["source", "scan", "{source}"],
    "source accept": ["source", "accept", "{triage}"],
    "source yardstick": ["source", "yardstick", "{source}", "phia"],
    "db path": ["db", "path"],
    "db status": ["db", "status"],
    "db upgrade": ["db", "upgrade"],
    "db backup": ["db", "backup", "{target}"],
    "db verify": ["db", "verify"],
    "db roles": ["db", "roles"],
    "db mark-example": ["db", "mark-example"],
    "db yardstick": ["db", "yardstick", "phia"],
}
#: Options of `source scan` that only count with --pick.
PICKING = {"--deadline", "--forecast", "--implied"}


def _commands() -> Iterator[tuple[str, typer.core.TyperCommand]]:
    def walk(command: object, path: list[str]) -> Iterator[tuple[str, typer.core.TyperCommand]]:
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])
        else:
            assert isinstance(command, typer.core.TyperCommand)
            yield " ".join(path), command

    yield from walk(typer.main.get_command(app), [])


def _kind(param: object) -> str | None:
    name = getattr(param, "opts", [""])[0]
    if getattr(param, "param_type_name", "") == "argument":
        name = param.name  # type: ignore[attr-defined]
    for kind, (names, _values) in KINDS.items():
        if name in names:
            return kind
    if type(getattr(param, "type", None)).__name__ == "IntParamType":
        return "number"
    return None


def _cases() -> Iterator[object]:
    for path, command in _commands():
        for param in command.params:
            kind = _kind(param)
            if kind is None:
                continue
            values = NUMBERS if kind == "number" else KINDS[kind][1]
            target = param.opts[0] if param.param_type_name == "option" else param.name
            for value in values:
                yield pytest.param(path, target, value, id=f"{path} {target} {value}")


def _invocation(
    path: str, target: str | None, value: str | None, fill: dict[str, str]
) -> list[str]:
    args = list(BASES[path])
    if path == "source scan" and target in PICKING:
        args += ["--pick", "1", "--criteria", "C"]
        if target == "--implied":
            args.append("--record-implied")
    if target is not None and value is not None:
        if target.startswith("-"):
            if target in args:
                del args[args.index(target) : args.index(target) + 2]
            args += [target, value]
        else:
            args = [value if a == "{" + target + "}" else a for a in args]
    return [a.format(**fill) if a.startswith("{") else a for a in args]


@pytest.fixture(scope="module")
def example_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example ledger, imported once; each test gets its own copy."""
    from typer.testing import CliRunner

    path = tmp_path_factory.mktemp("fuzz") / "forecasts.db"
    env = {"TRACKER_DB": str(path), "TRACKER_USER": "ani", **AFTER_EXAMPLE_ENV}
    runner = CliRunner()
    for args in (
        ["import", str(EXAMPLE)],
        [
            "add",
            "Fuzzed",
            "-c",
            "C",
            "-d",
            "2022-12-31",
            "--opened",
            "2021-12-01",
            "--slug",
            "fuzz",
        ],
    ):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture
def fill(example_ledger: Path, isolated_database: Path, tmp_path: Path) -> dict[str, str]:
    shutil.copyfile(example_ledger, isolated_database)
    report = tmp_path / "report.txt"
    report.write_text("Sitrep\n\nIt is likely that the talks resume by May 2022.\n")
    triage = tmp_path / "candidates.md"  # a triage file with no entry kept
    triage.write_text("<!-- tracker triage file, format 1 -->\n- source: 1\n")
    return {
        "question": "fuzz",  # an open yes/no question
        "probability": "60%",
        "source": "1",
        "file": str(EXAMPLE),
        "report": str(report),
        "target": str(tmp_path / "backup.db"),
        "triage": str(triage),
    }


def assert_clear(result: Run) -> None:
    """A right result, or one clear line: never a traceback nor an unexpected error."""
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "unexpected" not in result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code:
        assert result.stderr.startswith("error: "), result.stderr
        assert len(result.stderr.splitlines()) == 1, result.stderr


def test_every_command_has_a_fuzzed_invocation() -> None:
    assert sorted(path for path, _command in _commands()) == sorted(BASES)


def test_every_kind_of_value_names_parameters_that_exist() -> None:
    names = {
        param.opts[0] if param.param_type_name == "option" else param.name
        for _path, command in _commands()
        for param in command.params
    }
    for kind, (expected, _values) in KINDS.items():
        assert expected <= names, kind


@pytest.mark.parametrize(("path", "target", "value"), list(_cases()))
def test_out_of_range_values_get_a_clear_answer(
    tracker: Tracker, fill: dict[str, str], path: str, target: str, value: str
) -> None:
    assert_clear(tracker(*_invocation(path, target, value, fill), env=AFTER_EXAMPLE_ENV))


@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("path", sorted(BASES))
def test_an_odd_clock_gets_a_clear_answer(
    tracker: Tracker, fill: dict[str, str], path: str, clock: str
) -> None:
    assert_clear(tracker(*_invocation(path, None, None, fill), env={"TRACKER_NOW": clock}))


@pytest.mark.parametrize(
    "clock", ["1900-01-01T00:00:00+00:00", "2999-12-31T23:59:59+00:00", "2999-12-31T23:59:59+14:00"]
)
def test_a_clock_at_the_ends_of_its_years_still_works(
    tracker: Tracker, fill: dict[str, str], clock: str
) -> None:
    env = {"TRACKER_NOW": clock}
    for path in ("add", "list", "due", "overview", "score", "export"):
        result = tracker(*_invocation(path, None, None, fill), env=env)
        assert result.exit_code == 0, (path, result.stderr)


def test_a_clock_outside_its_years_is_refused_naming_them(tracker: Tracker) -> None:
    result = tracker("list", env={"TRACKER_NOW": "9999-12-31T23:59:59-12:00"})
    assert result.stderr == (
        "error: TRACKER_NOW='9999-12-31T23:59:59-12:00' lies outside the years 1900 to 2999 "
        "that a pinned clock may show: give a time within them.\n"
    )


def test_a_time_beyond_the_calendar_in_utc_is_refused_naming_it(
    tracker: Tracker, fill: dict[str, str]
) -> None:
    result = tracker(
        "forecast",
        "fuzz",
        "60%",
        "--made-at",
        "0001-01-01T00:00+14:00",
        env=AFTER_EXAMPLE_ENV,
    )
    assert result.stderr == (
        "error: The time '0001-01-01T00:00+14:00' falls outside the calendar (years 1 to 9999) "
        "once in UTC: give a later or an earlier time.\n"
    )


def test_a_limit_beyond_any_ledger_lists_everything(tracker: Tracker, fill: dict[str, str]) -> None:
    every = json.loads(tracker("list", "--json", env=AFTER_EXAMPLE_ENV).stdout)
    huge = tracker("list", "--json", "--limit", str(10**30), env=AFTER_EXAMPLE_ENV)
    assert huge.exit_code == 0, huge.stderr
    assert json.loads(huge.stdout) == every


def test_an_imported_time_beyond_the_calendar_in_utc_is_one_line(
    tracker: Tracker, tmp_path: Path
) -> None:
    lines = [json.loads(line) for line in EXAMPLE.read_text().splitlines()]
    for line in lines:
        if line["type"] == "forecast":
            line["made_at"] = "0001-01-01T00:00:00+14:00"
            break
    file = tmp_path / "edge.jsonl"
    file.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = tracker("import", str(file), env=AFTER_EXAMPLE_ENV)
    assert result.exit_code == 1
    assert "'made_at' 0001-01-01T00:00:00+14:00 falls outside the calendar" in result.stderr
    assert_clear(result)
