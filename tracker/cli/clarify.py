"""`tracker clarify`: append a new version of a question's criteria, title or deadline."""

from __future__ import annotations

import typer

from tracker.cli import console
from tracker.cli.context import settings

AS_HELP = "Act as this person. Default: $TRACKER_USER, else your login name."


def clarify(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question: #12, 12 or its slug."),
    criteria: str | None = typer.Option(
        None, "--criteria", "-c", help="The resolution criteria from now on (the whole text)."
    ),
    title: str | None = typer.Option(None, "--title", help="The title from now on."),
    deadline: str | None = typer.Option(
        None, "--deadline", "-d", help="The deadline from now on: 2022-06-30, +3m, 'end of Q2'."
    ),
    reason: str | None = typer.Option(
        None, "--reason", help="Why, in one line (required; kept with the new version)."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Write JSON to stdout."),
) -> None:
    """Clarify a question: a new version of its criteria, title or deadline, with a reason.

    The question as added stays version 1; every version stays in the record, and each forecast
    keeps the version it was made under. Refused once the question is resolved.

    Example: tracker clarify 12 -c "Both governments sign; an announcement is not enough"
    --reason "an announcement without a signature was ambiguous"
    """
    from tracker.services.clarifications import clarify_question
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now, who = s.now(), s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        done = clarify_question(
            session=session,
            question=question,
            reason=reason,
            author=who,
            now=now,
            title=title,
            criteria=criteria,
            deadline=deadline,
        )
    q, v, before = done.question, done.version, done.previous
    if as_json:
        from tracker.reports.ledger_json import question_json, version_json

        data = version_json(v)
        data["changed"] = list(done.changed)
        data["question"] = question_json(q)
        console.emit_json(data)
        return
    console.say(f"Clarified {q.ref} {q.title}: version {v.version} by {v.author}.")
    if "title" in done.changed:
        console.say(f"  title: {before.title} -> {v.title}")
    if "criteria" in done.changed:
        console.say(f"  criteria: {v.criteria}")
    if "deadline" in done.changed:
        read = f" ({done.deadline_read})" if done.deadline_read else ""
        console.say(f"  deadline: {before.deadline} -> {v.deadline}{read}")
    console.say(f"  reason: {v.reason}")
    console.say(f"  Version {before.version} stays in the record: tracker show {q.id}")


def register(app: typer.Typer) -> None:
    """Attach `clarify` to the root command."""
    app.command("clarify")(clarify)
