"""Words beside numbers: "likely (55-80%)" for a forecast, through the ledger's yardstick."""

from __future__ import annotations

from tracker.domain.model import BINARY_OPTIONS, Question, QuestionKind
from tracker.domain.yardsticks import Yardstick


def forecast_words(
    question: Question, probabilities: dict[str, float], yardstick: Yardstick | None
) -> str | None:
    """The yardstick's words for the chance of yes of a yes/no forecast ("likely (55-80%)"; in
    a gap of the table both neighbours). None for other kinds of question, where a row of
    words per option would bury the numbers, and when no yardstick is given."""
    if yardstick is None or question.kind is not QuestionKind.BINARY:
        return None
    if tuple(probabilities) != BINARY_OPTIONS:
        return None
    return yardstick.describe(probabilities["yes"])


def origin_text(yardstick: Yardstick, origin: str, *, source: bool) -> str:
    """A yardstick in force with where it comes from: `PHIA (chosen for this source)`,
    `ICD 203 (the ledger's)`, `ICD 203 (the default)`."""
    where = {
        "chosen": "chosen for this source" if source else "chosen for this ledger",
        "ledger": "the ledger's",
        "default": "the default",
    }[origin]
    return f"{yardstick.name} ({where})"
