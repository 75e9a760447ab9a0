"""`tracker score`: accuracy under stated conventions."""

from __future__ import annotations

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import JSON_HELP

#: Shared with report and retro (tracker/cli/review.py).
AS_RECORDED_HELP = (
    "With --as-of: count only what tracker had recorded by then (the audit view), not every "
    "record by the time it claims."
)


def score(
    ctx: typer.Context,
    forecaster: str | None = typer.Option(
        None, "--forecaster", "-f", help="Show this forecaster (others still count)."
    ),
    tag: str | None = typer.Option(None, "--tag", "-t", help="Only questions with this tag."),
    source: str | None = typer.Option(
        None, "--source", "-s", help="Only questions from this source."
    ),
    question: str | None = typer.Option(None, "--question", "-q", help="Only this question."),
    since: str | None = typer.Option(None, "--since", help="Outcomes on or after this date."),
    until: str | None = typer.Option(None, "--until", help="Outcomes on or before this date."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Score the record as it stood then (date or time; default now)."
    ),
    as_recorded: bool = typer.Option(False, "--as-recorded", help=AS_RECORDED_HELP),
    brier: str = typer.Option(
        "one-sided", "--brier", help="one-sided (0-1, default) or two-sided (0-2, GJ Open)."
    ),
    live_only: bool = typer.Option(
        False, "--live-only", help="Leave out backfilled forecasts (recorded >24 h after made)."
    ),
    by_question: bool = typer.Option(
        False, "--by-question", help="Also list every (question, forecaster) score."
    ),
    by: str | None = typer.Option(
        None, "--by", help="source or author: how each report's expectations scored."
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    allow_broken_chain: bool = typer.Option(
        False, "--allow-broken-chain", help="Score even a record changed behind tracker's back."
    ),
) -> None:
    """Score every resolved forecast: Brier, log loss, time-weighted, relative, calibration.

    Example: tracker score --forecaster ani --since 2022-01-01
    """
    from tracker.errors import InputError
    from tracker.services.scoring import as_of_moment, score_ledger
    from tracker.services.workspace import unit_of_work

    if brier not in ("one-sided", "two-sided"):
        raise InputError(f"--brier {brier!r}: use one-sided or two-sided.")
    s = settings(ctx)
    now = s.now()
    moment = as_of_moment(as_of, now=now)
    if by is not None:
        if forecaster is not None or question is not None or by_question or brier != "one-sided":
            raise InputError(
                "--by shows every forecaster on every question of a group, scored by skill and "
                "one-sided Brier: leave out --forecaster, --question, --by-question and --brier."
            )
        from tracker.cli.review import warn_if_broken
        from tracker.services.integrity import require_intact
        from tracker.services.review import accuracy_by

        with unit_of_work(s.url, write=False, now=now) as session:
            checked = require_intact(session, allow_broken=allow_broken_chain)
            rows, note = accuracy_by(
                session=session,
                as_of=moment,
                by=by,
                tag=tag,
                source=source,
                since=since,
                until=until,
                live_only=live_only,
                as_recorded=as_recorded,
                checked=checked,
            )
        findings = tuple(f.message for f in checked.findings)
        warn_if_broken(findings)
        from tracker.reports.as_of import as_of_sentence
        from tracker.reports.scores import accuracy_json, accuracy_view
        from tracker.reports.terminal import broken_record_warning

        if as_json:
            console.emit_json(accuracy_json(rows, by=by, as_of=moment, note=note))
        else:
            for warning in broken_record_warning(findings):
                console.show(warning)
            console.show(accuracy_view(rows, by=by, as_of_line=as_of_sentence(moment, note)))
        return
    with unit_of_work(s.url, write=False, now=now) as session:
        report = score_ledger(
            session=session,
            as_of=moment,
            forecaster=forecaster,
            tag=tag,
            source=source,
            question=question,
            since=since,
            until=until,
            two_sided=brier == "two-sided",
            live_only=live_only,
            as_recorded=as_recorded,
            allow_broken_chain=allow_broken_chain,
        )
    from tracker.cli.review import warn_if_broken

    warn_if_broken(report.record_findings)
    if as_json:
        from tracker.reports.scores import score_json, score_json_chunks

        if console.is_terminal():
            console.emit_json(score_json(report))
        else:  # a script reads it: stream it compact, a row at a time
            console.emit_json_text(score_json_chunks(report), escaped=True)
        return
    from tracker.reports.as_of import as_of_sentence
    from tracker.reports.scores import score_view
    from tracker.reports.terminal import broken_record_warning

    for warning in broken_record_warning(report.record_findings):
        console.show(warning)
    console.show(
        score_view(
            forecasters=report.forecasters,
            questions=report.questions,
            titles=report.titles,
            excluded=report.excluded,
            two_sided=brier == "two-sided",
            show_questions=by_question or question is not None,
            as_of_line=as_of_sentence(report.as_of, report.as_of_rule),
        )
    )


def register(app: typer.Typer) -> None:
    """Attach `score` to the root command."""
    app.command("score")(score)
