"""On a team's PostgreSQL database only a question's author or a resolver may clarify it, and
nobody once it is resolved: the database itself refuses (migration 0009)."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import Run
from tests.storage.test_roles import team  # noqa: F401  (the fixture)

Tracker = Callable[..., Run]


def _ok(run: Run) -> Run:
    assert run.exit_code == 0, run.stderr
    return run


def _clarify(tracker: Tracker, url: str, criteria: str) -> Run:
    return tracker("--db", url, "clarify", "q", "-c", criteria, "--reason", "sharper")


def test_the_author_and_a_resolver_may_clarify_another_analyst_may_not(
    team: dict[str, str],  # noqa: F811
    tracker: Tracker,
) -> None:
    _ok(tracker("--db", team["analyst"], "add", "Open", "-c", "C", "-d", "+1m", "--slug", "q"))
    done = _ok(_clarify(tracker, team["analyst"], "C, in person"))
    assert done.stdout.startswith("Clarified #")
    refused = _clarify(tracker, team["other"], "C, by video")
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert refused.stderr.startswith("error: Not allowed: only the author of question #")
    assert " or a resolver may clarify it. " in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    _ok(_clarify(tracker, team["resolver"], "C, in person, in Brussels"))
    shown = json.loads(_ok(tracker("--db", team["reviewer"], "show", "q", "--json")).stdout)
    assert [(v["version"], v["author"]) for v in shown["versions"]] == [
        (1, team["analyst_name"]),
        (2, team["analyst_name"]),
        (3, team["resolver_name"]),
    ]
    assert _ok(tracker("--db", team["reviewer"], "db", "verify")).exit_code == 0


def test_the_database_refuses_a_clarification_of_a_resolved_question(
    team: dict[str, str],  # noqa: F811
    tracker: Tracker,
) -> None:
    _ok(tracker("--db", team["analyst"], "add", "Open", "-c", "C", "-d", "+1m", "--slug", "q"))
    _ok(tracker("--db", team["resolver"], "resolve", "q", "yes", "-e", "seen"))
    refused = _clarify(tracker, team["analyst"], "C, in person")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: Question #")  # tracker's own check comes first
    import sqlalchemy as sa

    engine = sa.create_engine(team["analyst"])
    try:
        with engine.begin() as connection:
            number = connection.exec_driver_sql("SELECT id FROM question WHERE slug = 'q'").scalar()
            try:
                connection.exec_driver_sql(
                    "INSERT INTO question_version (question_id, version, title, criteria, "
                    "deadline, reason, author, recorded_at, chain_seq, chain_hash) VALUES "
                    f"({number}, 2, 'Open', 'C2', current_date + 30, 'why', session_user, now(), "
                    "tracker_chain_head() + 1, repeat('0', 64))"
                )
            except sa.exc.DBAPIError as exc:
                assert "is resolved: it can no longer be clarified" in str(exc)
            else:
                raise AssertionError("the database took a clarification of a resolved question")
    finally:
        engine.dispose()


def test_a_reviewer_may_not_clarify(
    team: dict[str, str],  # noqa: F811
    tracker: Tracker,
) -> None:
    _ok(tracker("--db", team["owner"], "add", "Open", "-c", "C", "-d", "+1m", "--slug", "q"))
    refused = _clarify(tracker, team["reviewer"], "C, in person")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: Not allowed: ")
