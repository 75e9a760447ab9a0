"""Versions of a question: what a clarification changes, and which version a forecast saw.

Version 1 is the question as added; each `tracker clarify` appends the next version, holding
the whole title, resolution criteria and deadline from then on. The latest version is the
question as every command reads it; earlier ones stay in the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tracker.domain import fields
from tracker.errors import InputError

#: A reason is one line of plain text.
REASON = fields.Rule("reason", 1_000, one_line=True)


@dataclass(frozen=True)
class QuestionVersion:
    """One version of a question: its title, criteria and deadline, and who set them when.

    Version 1 (the question as added) has no reason; its author and time are the question's.
    """

    question_id: int
    version: int
    title: str
    criteria: str
    deadline: date
    author: str
    recorded_at: datetime
    reason: str | None = None


def check_reason(reason: str | None) -> str:
    """The reason for a clarification as stored: one line, trimmed, not empty.

    Raises InputError saying what to give instead.
    """
    text = (reason or "").strip()
    if not text:
        raise InputError(
            "Say why the question is clarified: --reason TEXT (one line, e.g. "
            "'the ministry, not the cabinet, signs the agreement')."
        )
    if "\n" in text or "\r" in text:
        raise InputError(
            "The reason must be one line: put the detail in the criteria, and a one-line "
            "summary in --reason."
        )
    return fields.check_line(text, REASON)


def changed_fields(
    current: QuestionVersion, *, title: str, criteria: str, deadline: date
) -> tuple[str, ...]:
    """Which of title, criteria and deadline differ from `current` (empty: nothing changes)."""
    return tuple(
        name
        for name, before, after in (
            ("title", current.title, title),
            ("criteria", current.criteria, criteria),
            ("deadline", current.deadline, deadline),
        )
        if before != after
    )


def version_at(versions: Sequence[QuestionVersion], moment: datetime) -> int:
    """The version in force at `moment`: the last one recorded by then (1 if none was).

    `versions`: a question's versions in order, version 1 first.
    """
    found = 1
    for version in versions[1:]:
        if version.recorded_at <= moment:
            found = version.version
    return found


def versions_in_force(versions: Sequence[QuestionVersion], moment: datetime) -> tuple[int, ...]:
    """Every version that may have been in force at `moment`: `version_at`'s, and when
    versions were recorded at that very moment, the ones from just before the first of them
    (events at one instant have no order in time)."""
    found = version_at(versions, moment)
    tied = [v.version for v in versions[1:] if v.recorded_at == moment]
    first = min(tied) - 1 if tied else found
    return tuple(range(first, found + 1))


def criteria_changed_after(
    versions: Sequence[QuestionVersion], forecast_versions: Sequence[int]
) -> bool:
    """True when the criteria changed in a version later than one some forecast was made
    under: those forecasts answered a question worded otherwise."""
    if not forecast_versions or len(versions) < 2:
        return False
    by_number = {v.version: v for v in versions}
    earliest = min(forecast_versions)
    seen = by_number.get(earliest)
    if seen is None:
        return False
    return any(v.criteria != seen.criteria for v in versions if v.version > earliest)
