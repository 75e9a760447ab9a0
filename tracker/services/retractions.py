"""`tracker retract`: a forecaster marks their latest forecast on a question as a mistake.

The forecast stays in the record (shown by `show` and the export, marked retracted); it is left
out of every score and aggregate, and the forecaster's earlier forecast stands again. The rules
(docs/team.md): only one's own latest forecast, at most 24 hours after it was recorded, and
never once the question is resolved; a forecast is retracted once, and a retraction never
reaches an earlier forecast. The importer (services/interchange.py) applies the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from tracker.domain import fields
from tracker.domain.fields import minute_text
from tracker.domain.model import (
    RETRACTION_WINDOW,
    Forecast,
    Question,
    Resolution,
    Retraction,
    parse_question_ref,
    standing_forecasts,
)
from tracker.errors import ConflictError, InputError, NotFoundError
from tracker.storage import ledger as store
from tracker.storage.database import Session


@dataclass(frozen=True)
class RetractedForecast:
    """What `retract` did: the forecast retracted, the forecaster's forecast that stands again
    (None: none), and with `--reenter-as` the same forecast recorded under the right name."""

    question: Question
    forecast: Forecast
    retraction: Retraction
    standing: Forecast | None
    reentered: Forecast | None = None


def check_reason(reason: str | None) -> str:
    """Why a forecast is retracted: one line of visible text (fields.REASON), not empty.
    Raises InputError otherwise."""
    text = fields.clean(reason, fields.REASON)
    if text is None:
        raise InputError("The reason is empty: say why the forecast was a mistake (--reason TEXT).")
    return text


def latest_forecast(forecasts: Sequence[Forecast], forecaster: str) -> Forecast | None:
    """The forecaster's latest forecast among `forecasts`: the last recorded (by recorded_at,
    then by number), retracted or not."""
    own = [f for f in forecasts if f.forecaster == forecaster]
    return max(own, key=lambda f: (f.recorded_at, f.id)) if own else None


def retraction_refused(
    forecast: Forecast, *, at: datetime, question: Question, resolutions: Sequence[Resolution]
) -> str | None:
    """Why `forecast` may not be retracted at `at` (None: it may): the question is resolved,
    it is retracted already, or it was recorded more than RETRACTION_WINDOW before (or after)."""
    if resolutions:
        shown = resolutions[-1]
        return (
            f"Question {question.ref} is resolved ({shown.label}, {shown.occurred_on}): its "
            "forecasts can no longer be retracted (a retraction after the news would erase a "
            "call). Every forecast on it is scored as recorded."
        )
    if forecast.retraction is not None:
        return (
            f"The latest forecast by {forecast.forecaster} on {question.ref} (recorded "
            f"{minute_text(forecast.recorded_at)} UTC) is retracted already: retracting twice is "
            "refused, and a retraction never reaches an earlier forecast. Record a new forecast "
            f"instead: tracker forecast {question.id} P"
        )
    if at < forecast.recorded_at:
        return (
            f"The latest forecast by {forecast.forecaster} on {question.ref} was recorded at "
            f"{forecast.recorded_at.isoformat()}, after now ({at.isoformat()}): a retraction "
            "comes after its forecast. Check the clock (or TRACKER_NOW)."
        )
    if at - forecast.recorded_at > RETRACTION_WINDOW:
        return (
            f"The latest forecast by {forecast.forecaster} on {question.ref} was recorded "
            f"{minute_text(forecast.recorded_at)} UTC, more than 24 hours ago: it can no longer "
            f"be retracted. Record a new forecast instead: tracker forecast {question.id} P"
        )
    return None


def retract_forecast(
    *,
    session: Session,
    question: str,
    reason: str | None,
    forecaster: str,
    now: datetime,
    reenter_as: str | None = None,
) -> RetractedForecast:
    """Retract `forecaster`'s latest forecast on `question` (see the module's rules), with
    `reason`. With `reenter_as`, a forecast entered under the wrong name: the same forecast
    (probabilities, rationale, input, its original made-at time) is recorded now under the
    right name, in the same transaction (it then shows as backfilled).

    Raises InputError (reason, names), NotFoundError (no such question, no forecast of
    `forecaster` on it) or ConflictError (refused by the rules).
    """
    forecaster = fields.check_name(forecaster)
    reason_text = check_reason(reason)
    right_name = None
    if reenter_as is not None:
        right_name = fields.check_name(
            reenter_as, "name to re-enter the forecast under", hint=" (--reenter-as NAME)"
        )
        if right_name == forecaster:
            raise InputError(
                f"--reenter-as names {forecaster!r}, the name the forecast is under already; "
                "give the right name, or leave --reenter-as out."
            )
    found = store.get_question(session, parse_question_ref(question))
    resolutions = store.resolutions_for(session, [found.id])[found.id]
    history = store.forecasts_for(session, [found.id])[found.id]
    latest = latest_forecast(history, forecaster)
    if latest is None:
        raise NotFoundError(
            f"{forecaster} has no forecast on {found.ref} to retract. You can only retract "
            "forecasts under your own name (--as NAME or TRACKER_USER)."
        )
    refusal = retraction_refused(latest, at=now, question=found, resolutions=resolutions)
    if refusal is not None:
        raise ConflictError(refusal)
    retraction = store.insert_retraction(
        session,
        forecast_id=latest.id,
        reason=reason_text,
        recorded_by=forecaster,
        recorded_at=now,
    )
    retracted = replace(latest, retraction=retraction)
    reentered = None
    if right_name is not None:
        reentered = store.insert_forecast(
            session,
            question_id=found.id,
            forecaster=right_name,
            made_at=latest.made_at,
            recorded_at=now,
            probabilities=latest.probabilities,
            rationale=latest.rationale,
            input_text=latest.input_text,
        )
    after = [retracted if f.id == latest.id else f for f in history]
    return RetractedForecast(
        question=found,
        forecast=retracted,
        retraction=retraction,
        standing=standing_forecasts(after).get(forecaster),
        reentered=reentered,
    )
