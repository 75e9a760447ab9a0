"""The hot-path verbs: add, forecast, resolve, list, show, due, overview."""

from __future__ import annotations

import typer

from tracker.cli import console
from tracker.cli.context import settings

AS_HELP = "Act as this forecaster. Default: $TRACKER_USER, else your login name."
VIEW_AS_HELP = (
    "Read as this forecaster (blind questions show others' forecasts only to those who have "
    "forecast). Default: $TRACKER_USER, else your login name."
)
PAGE = 50  # questions a terminal shows at once
DUE_PAGE = 20  # of each of due's two lists, so that both fit on one screen
JSON_HELP = "Write JSON to stdout instead of a table."


def add(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="The question, e.g. 'Nakhichevan road/rail agreement'."),
    criteria: str = typer.Option(
        ..., "--criteria", "-c", help="Resolution criteria: exactly what counts as yes."
    ),
    deadline: str = typer.Option(
        ...,
        "--deadline",
        "-d",
        help="Date by which it must happen: 2022-03-31, '31 March 2022', +6m, 'end of Q1 2022'.",
    ),
    kind: str = typer.Option("binary", "--kind", "-k", help="binary, multiple_choice or ordered."),
    option: list[str] = typer.Option(
        [], "--option", "-o", help="An option (multiple choice / ordered); repeat in order."
    ),
    opened: str | None = typer.Option(
        None, "--opened", help="When the question opened, for history (default today)."
    ),
    slug: str | None = typer.Option(None, "--slug", help="A short name, e.g. nakhichevan-rail."),
    source: str | None = typer.Option(
        None, "--source", "-s", help="The source (report) it is from."
    ),
    quote: str | None = typer.Option(
        None, "--quote", "-q", help="The verbatim passage it is from."
    ),
    tag: list[str] = typer.Option([], "--tag", "-t", help="A tag; repeat or separate with commas."),
    notes: str | None = typer.Option(None, "--notes", help="Free notes."),
    forecast: str | None = typer.Option(
        None, "--forecast", "-p", help="Your first forecast: 65%, likely, 'tri=55 fold=45'."
    ),
    rationale: str | None = typer.Option(None, "--rationale", "-r", help="Why, for the forecast."),
    blind: bool = typer.Option(
        False,
        "--blind",
        help="A blind question: each forecaster sees others' forecasts only once they have made "
        "their own (or it is resolved).",
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Add a question with a deadline and resolution criteria (optionally a first forecast).

    Example: tracker add "Nakhichevan road/rail agreement by May" -c "Both governments announce
    an agreement on the first stage" -d "+6m" -p likely -t caucasus
    """
    from tracker.services.ledger import add_question
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now, who = s.now(), s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        added = add_question(
            session=session,
            title=title,
            criteria=criteria,
            deadline=deadline,
            created_by=who,
            now=now,
            kind=kind,
            options=option,
            opened=opened,
            slug=slug,
            source=source,
            quote=quote,
            tags=tag,
            notes=notes,
            forecast=forecast.split() if forecast else (),
            rationale=rationale,
            blind=blind,
        )
    q = added.question
    if as_json:
        from tracker.reports.ledger_json import forecast_json, question_json

        data = question_json(q)
        data["forecast"] = (
            forecast_json(added.forecast.forecast, question=q, yardstick=added.forecast.yardstick)
            if added.forecast
            else None
        )
        console.emit_json(data)
    else:
        console.say(f"Added {q.ref} {q.title}; deadline {added.deadline_read}.")
        if q.blind:
            console.say(
                "  Blind: each forecaster sees others' forecasts once they have made their own."
            )
        if added.backfilled:
            console.say(f"  Backfilled history: opened {q.opened_on}.")
        if added.forecast is not None:
            from tracker.reports.terminal import recorded_text

            read = recorded_text(q, added.forecast.distribution, added.forecast.yardstick)
            console.say(f"Recorded {read} by {who}.")
    for warning in added.warnings:  # on stderr: not an error, and --json output stays clean
        console.note(f"warning: {warning}")


def forecast(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question: #12, 12 or its slug."),
    probability: list[str] = typer.Argument(
        ...,
        help="65%, 0.65, 2:1, likely, almost certain; multiple choice: tri=55 fold=30 other=15 "
        "or 55 30 15 in option order.",
    ),
    rationale: str | None = typer.Option(None, "--rationale", "-r", help="Why (kept with it)."),
    made_at: str | None = typer.Option(
        None, "--made-at", help="When you made the judgement, for history (default now)."
    ),
    normalize: bool = typer.Option(
        False, "--normalize", help="Rescale probabilities that do not add up to 100%."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Record a forecast; an update is a new forecast and never overwrites the old one.

    Example: tracker forecast 12 likely -r "Trilateral group met twice this month"
    """
    from tracker.services.ledger import record_forecast
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now, who = s.now(), s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        recorded = record_forecast(
            session=session,
            question=question,
            probability=probability,
            forecaster=who,
            now=now,
            rationale=rationale,
            made_at=made_at,
            normalize=normalize,
        )
    if as_json:
        from tracker.reports.ledger_json import forecast_json

        data = forecast_json(
            recorded.forecast, question=recorded.question, yardstick=recorded.yardstick
        )
        data["question"] = recorded.question.key
        data["question_number"] = recorded.question.id
        console.emit_json(data)
        return
    from tracker.reports.terminal import minute_text, probabilities_text, recorded_text

    q, f = recorded.question, recorded.forecast
    console.say(
        f"Recorded {recorded_text(q, recorded.distribution, recorded.yardstick)} "
        f"on {q.ref} {q.title} "
        f"(deadline {q.deadline}) by {who}."
    )
    if recorded.previous is not None:
        before = probabilities_text(q, recorded.previous.probabilities)
        console.say(
            f"  Previous: {before} on {recorded.previous.made_at:%Y-%m-%d}; kept in history."
        )
    if recorded.superseded_by is not None:
        later = recorded.superseded_by
        console.say(
            f"  Your later forecast of {later.made_at:%Y-%m-%d} "
            f"({probabilities_text(q, later.probabilities)}) still stands."
        )
    if f.backfilled:
        console.say(f"  Backfilled: made {minute_text(f.made_at)} UTC, recorded now.")
    if recorded.distribution.normalized:
        console.note("note: probabilities were rescaled to add up to 100% (--normalize).")


def resolve(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question: #12, 12 or its slug."),
    outcome: str = typer.Argument(
        ..., help="yes / no, an option (or its prefix), annulled, ambiguous."
    ),
    on: str | None = typer.Option(
        None, "--on", help="The day it happened (default today): 2022-01-10, '10 January 2022'."
    ),
    evidence: str | None = typer.Option(
        None, "--evidence", "-e", help="A URL or quote showing what happened."
    ),
    amend: bool = typer.Option(
        False, "--amend", help="Correct an earlier resolution (the old one stays in the trail)."
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Log the outcome of a question, with the day it happened and evidence.

    Example: tracker resolve 12 no --on 2022-05-29 -e "https://..."
    """
    from tracker.services.ledger import resolve_question
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now, who = s.now(), s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        resolved = resolve_question(
            session=session,
            question=question,
            outcome=outcome,
            resolver=who,
            now=now,
            occurred_on=on,
            evidence=evidence,
            amend=amend,
        )
    r, q = resolved.resolution, resolved.question
    if as_json:
        from tracker.reports.ledger_json import resolution_json

        data = resolution_json(r)
        data["question"] = q.key
        data["question_number"] = q.id
        console.emit_json(data)
        return
    verb = "Amended" if resolved.amended else "Resolved"
    console.say(f"{verb} {q.ref} {q.title}: {r.label}, occurred on {r.occurred_on} ({who}).")
    if resolved.amended is not None:
        old = resolved.amended
        console.say(f"  Was: {old.label} on {old.occurred_on}; kept in the resolution trail.")
    if not r.evidence:
        console.note("note: no evidence given; add a URL or quote next time with --evidence.")


def list_(
    ctx: typer.Context,
    open_: bool = typer.Option(False, "--open", help="Only questions not yet resolved."),
    resolved: bool = typer.Option(False, "--resolved", help="Only resolved questions."),
    overdue: bool = typer.Option(False, "--overdue", help="Deadline passed, not resolved."),
    due_within: int | None = typer.Option(
        None, "--due-within", metavar="DAYS", help="Open questions due within DAYS days."
    ),
    tag: str | None = typer.Option(None, "--tag", "-t", help="Only questions with this tag."),
    source: str | None = typer.Option(
        None, "--source", "-s", help="Only questions from this source."
    ),
    forecaster: str | None = typer.Option(
        None, "--forecaster", "-f", help="Only questions this forecaster has forecast."
    ),
    limit: int | None = typer.Option(
        None, "--limit", "-n", help="Show at most N (terminal default 50; JSON: all)."
    ),
    show_all: bool = typer.Option(False, "--all", help="Show every matching question."),
    as_name: str | None = typer.Option(None, "--as", help=VIEW_AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """List questions with their status, standing forecasts and outcome.

    Example: tracker list --open --tag caucasus
    """
    from tracker.errors import InputError
    from tracker.services.ledger import list_questions
    from tracker.services.workspace import unit_of_work

    chosen = [
        name
        for name, flag in (("open", open_), ("resolved", resolved), ("overdue", overdue))
        if flag
    ]
    if len(chosen) > 1:
        raise InputError("Choose one of --open, --resolved and --overdue.")
    s = settings(ctx)
    now = s.now()
    if show_all and limit is not None:
        raise InputError("Give --limit N or --all, not both.")
    # A terminal shows a page (a team's ledger has thousands of open questions); JSON is whole.
    shown = None if show_all else (limit if limit is not None else None if as_json else PAGE)
    total: list[int] = []
    from tracker.services.ledger import reader
    from tracker.services.yardsticks import ledger_yardstick

    with unit_of_work(s.url, write=False, now=now) as session:
        yardstick = ledger_yardstick(session)
        summaries = list_questions(
            viewer=reader(session, s.viewer(as_name)),
            session=session,
            today=now.date(),
            state=chosen[0] if chosen else None,
            due_within_days=due_within,
            tag=tag,
            source=source,
            forecaster=forecaster,
            limit=shown,
            counted=total,
        )
    if as_json:
        from tracker.reports.ledger_json import summary_json

        console.emit_json([summary_json(x, yardstick=yardstick) for x in summaries])
        return
    if not summaries:
        console.say("No questions match.")
        return
    from tracker.reports.terminal import questions_table

    console.show(questions_table(summaries, yardstick=yardstick))
    if total[0] > len(summaries):
        console.note(
            f"Showing {len(summaries)} of {total[0]}, earliest deadlines first: --limit N or --all."
        )


def show(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question: #12, 12 or its slug."),
    as_name: str | None = typer.Option(None, "--as", help=VIEW_AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show a question: criteria, quote, forecasts and how they moved, resolution trail.

    Example: tracker show 12
    """
    from tracker.services.ledger import reader, show_question
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now = s.now()
    with unit_of_work(s.url, write=False, now=now) as session:
        detail = show_question(
            session=session,
            question=question,
            today=now.date(),
            now=now,
            viewer=reader(session, s.viewer(as_name)),
        )
    if as_json:
        from tracker.reports.ledger_json import detail_json

        console.emit_json(detail_json(detail))
        return
    from tracker.reports.terminal import question_view

    console.show(question_view(detail))


def due(
    ctx: typer.Context,
    within: int = typer.Option(30, "--within", metavar="DAYS", help="How far ahead to look."),
    show_all: bool = typer.Option(
        False, "--all", help="Show every question (the terminal shows 50 of each list)."
    ),
    as_name: str | None = typer.Option(None, "--as", help=VIEW_AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show overdue questions and deadlines in the coming days.

    Example: tracker due --within 14
    """
    from tracker.services.ledger import due_questions, reader
    from tracker.services.workspace import unit_of_work
    from tracker.services.yardsticks import ledger_yardstick

    s = settings(ctx)
    now = s.now()
    with unit_of_work(s.url, write=False, now=now) as session:
        yardstick = ledger_yardstick(session)
        result = due_questions(
            session=session,
            today=now.date(),
            within_days=within,
            limit=None if show_all or as_json else DUE_PAGE,
            viewer=reader(session, s.viewer(as_name)),
        )
    if as_json:
        from tracker.reports.ledger_json import due_json

        console.emit_json(due_json(result, yardstick=yardstick))
        return
    from tracker.reports.terminal import due_view

    console.show(due_view(result, yardstick=yardstick))
    cut = [
        f"{total - len(items)} more {what}"
        for what, items, total in (
            ("overdue", result.overdue, result.overdue_total),
            ("due soon", result.upcoming, result.upcoming_total),
        )
        if total is not None and total > len(items)
    ]
    if cut:
        console.note(f"Not shown: {' and '.join(cut)} (latest deadlines): --all.")


def overview(
    ctx: typer.Context,
    as_name: str | None = typer.Option(None, "--as", help=VIEW_AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show the whole ledger at a glance: sources, forecasters, questions, outcomes.

    Example: tracker --db forecasts.db overview
    """
    from tracker.services.ledger import overview as build_overview
    from tracker.services.ledger import reader
    from tracker.services.workspace import unit_of_work
    from tracker.services.yardsticks import ledger_yardstick

    s = settings(ctx)
    now = s.now()
    with unit_of_work(s.url, write=False, now=now) as session:
        yardstick = ledger_yardstick(session)
        view = build_overview(
            session=session, today=now.date(), viewer=reader(session, s.viewer(as_name))
        )
    if as_json:
        from tracker.reports.ledger_json import overview_json

        console.emit_json(overview_json(view, yardstick=yardstick))
        return
    from tracker.reports.terminal import overview_view

    console.show(overview_view(view, today=now.date(), yardstick=yardstick))


def register(app: typer.Typer) -> None:
    """Attach the verbs to the root command."""
    app.command("add")(add)
    app.command("forecast")(forecast)
    app.command("resolve")(resolve)
    app.command("list")(list_)
    app.command("show")(show)
    app.command("due")(due)
    app.command("overview")(overview)
