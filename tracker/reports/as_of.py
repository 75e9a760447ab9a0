"""What an as-of view counted: the sentence every format shows, and its JSON.

A view as of a moment counts records by the time they claim (or, with --as-recorded, by when
they were recorded: docs/scoring.md, "As of a moment"). Records that claim a time by the moment
but were recorded after it (a history imported later) are what the two views disagree on, so
every score, review and retrospective says how many there were and what became of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.domain.fields import minute_text
from tracker.domain.scoring import CLAIMED_TIME, AsOfNote


def as_of_rule_json(note: AsOfNote) -> dict[str, Any]:
    """The `as_of_rule` key: how records were counted, and how many recorded later."""
    return {"counted_by": note.counted_by, "recorded_later": note.recorded_later}


def _counted(note: AsOfNote) -> str:
    parts = [
        f"{n:,} {what[:-1] if n == 1 else what}" for what, n in note.recorded_later.items() if n
    ]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def as_of_sentence(as_of: datetime, note: AsOfNote, *, always: bool = False) -> str | None:
    """One sentence on the as-of rule: what was counted though recorded after the moment (or
    left out as recorded), and why. None when there is nothing to say and not `always`: every
    record counted by the time it claims was also recorded by then."""
    moment = f"{minute_text(as_of)} UTC"
    if note.counted_by == CLAIMED_TIME:
        if not note.any:
            if not always:
                return None
            return (
                "Counted by the time they claim (a question from the day it opened, a forecast "
                "from when it was made, an outcome from the day it occurred): every record "
                f"counted was recorded by {moment} too."
            )
        verb = "was" if sum(note.recorded_later.values()) == 1 else "were"
        return (
            f"Counted by the time they claim: {_counted(note)} {verb} recorded after {moment} "
            "(imported or entered later) and count from when they say they happened; "
            "--as-recorded leaves them out."
        )
    if not note.any:
        return (
            f"As recorded by {moment}: only what tracker had recorded by then counts; nothing "
            "that claims an earlier time was recorded later."
        )
    return (
        f"As recorded by {moment}: left out {_counted(note)} that claim an earlier time but "
        "were recorded later (imported or entered later); without --as-recorded they count "
        "from the time they claim."
    )
