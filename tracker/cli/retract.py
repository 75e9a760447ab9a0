"""`tracker retract`: mark one's latest forecast on a question as a mistake."""

from __future__ import annotations

import typer

from tracker.cli import console
from tracker.cli.context import settings
from tracker.cli.questions import AS_HELP, JSON_HELP


def retract(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question: #12, 12 or its slug."),
    reason: str = typer.Option(
        ..., "--reason", help="Why the forecast was a mistake (one line), kept with it."
    ),
    reenter_as: str | None = typer.Option(
        None,
        "--reenter-as",
        metavar="NAME",
        help="The forecast was entered under the wrong name: record it again under NAME, "
        "with its original time.",
    ),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Retract your latest forecast on a question as a mistake (within 24 hours, while open).

    The forecast stays in the record, marked retracted; it is left out of every score and
    your earlier forecast stands again.

    Example: tracker retract 12 --reason "typed 7% for 70%"
    """
    from tracker.services.retractions import retract_forecast
    from tracker.services.workspace import unit_of_work

    s = settings(ctx)
    now, who = s.now(), s.who(as_name)
    with unit_of_work(s.url, write=True, now=now) as session:
        done = retract_forecast(
            session=session,
            question=question,
            reason=reason,
            forecaster=who,
            now=now,
            reenter_as=reenter_as,
        )
    q = done.question
    if as_json:
        from tracker.reports.ledger_json import forecast_json

        console.emit_json(
            {
                "question": q.key,
                "question_number": q.id,
                "retracted": forecast_json(done.forecast),
                "standing": None if done.standing is None else forecast_json(done.standing),
                "reentered": None if done.reentered is None else forecast_json(done.reentered),
            }
        )
        return
    from tracker.reports.terminal import minute_text, probabilities_text

    f = done.forecast
    console.say(
        f"Retracted {probabilities_text(q, f.probabilities)} by {f.forecaster} on {q.ref} "
        f"{q.title} (made {minute_text(f.made_at)} UTC): {done.retraction.reason}"
    )
    console.say("  It stays in the record, marked retracted, and is never scored.")
    if done.reentered is not None:
        late = " (backfilled: recorded over 24 hours after it was made)"
        console.say(
            f"  Re-entered under {done.reentered.forecaster}: made {minute_text(f.made_at)} "
            f"UTC as before, recorded now{late if done.reentered.backfilled else ''}."
        )
    elif done.standing is not None:
        earlier = done.standing
        console.say(
            f"  Your earlier forecast of {earlier.made_at:%Y-%m-%d} "
            f"({probabilities_text(q, earlier.probabilities)}) stands again."
        )
    else:
        console.say(f"  You have no other forecast on {q.ref} now.")


def register(app: typer.Typer) -> None:
    """Attach the verb to the root command."""
    app.command("retract")(retract)
