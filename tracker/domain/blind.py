"""Blind questions: who may see whose forecasts on them, and how the hiding is worded.

On a blind question a forecaster sees nobody else's forecasts, nor anything derived from them
(standing forecasts, counts of forecasts or forecasters, names, team aggregates), until they
have made their own forecast on it, or the question is resolved. The rule is the same on every
backend; on PostgreSQL the database enforces it too, with row-level security (migration 0011).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.domain.model import Question

#: What a reader is told in place of what is hidden, wherever it would have been shown.
HIDDEN_NOTE = "blind: others' forecasts appear once you have made yours"
#: The longer form, for `show` and the notes under a table.
HIDDEN_WHY = (
    "This is a blind question: nobody's forecasts, counts or team figures on it are shown to "
    "you until you have made your own forecast on it (or it is resolved)."
)


@dataclass(frozen=True)
class Viewer:
    """Who is reading: `name` is the acting person (None when no name could be found: then
    they have forecast on nothing); `sees_all` is set for those the rule does not bind (on
    PostgreSQL the owner of the tables and reviewers, who cannot forecast: docs/team.md)."""

    name: str | None
    sees_all: bool = False


#: Someone the rule does not bind (a tool that needs the whole record, e.g. an import).
EVERYONE = Viewer(None, sees_all=True)


def is_hidden(
    question: Question, *, resolved: bool, forecasters: Iterable[str], viewer: Viewer
) -> bool:
    """True when `viewer` may not see the forecasts on `question`: it is blind, not resolved,
    and none of its `forecasters` (those with a forecast on it) is the viewer."""
    if not question.blind or resolved or viewer.sees_all:
        return False
    return viewer.name is None or viewer.name not in set(forecasters)
