"""Read models: what list, show, due and overview hand to the renderers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.domain.model import Forecast, Question, QuestionStatus, Resolution, Source
from tracker.domain.versions import QuestionVersion
from tracker.domain.yardsticks import Yardstick

if TYPE_CHECKING:  # numpy behind it: not loaded for list, due or overview
    from tracker.domain.history import QuestionHistory


@dataclass(frozen=True)
class QuestionSummary:
    """A question with where it stands: for lists and overviews."""

    question: Question
    status: QuestionStatus
    resolution: Resolution | None
    standing: dict[str, Forecast]
    forecast_count: int
    # A blind question whose forecasts are hidden from the reader (tracker/domain/blind.py):
    # `standing` is then empty and `forecast_count` 0, and the renderers say why.
    hidden: bool = False


@dataclass(frozen=True)
class QuestionDetail:
    """Everything about one question: criteria, provenance, every forecast, the resolution trail."""

    question: Question
    status: QuestionStatus
    source: Source | None
    forecasts: list[Forecast]
    resolutions: list[Resolution] = field(default_factory=list)
    # The ledger's yardstick, for words beside the numbers (None: numbers only).
    yardstick: Yardstick | None = None
    # How the question moved: each forecaster's standing forecast over time.
    history: QuestionHistory | None = None
    # A blind question whose forecasts are hidden from the reader: `forecasts` is then empty.
    hidden: bool = False
    # Every version of the question, version 1 (as added) first (tracker clarify).
    versions: list[QuestionVersion] = field(default_factory=list)

    @property
    def resolution(self) -> Resolution | None:
        """The resolution in force (the latest), if any."""
        return self.resolutions[-1] if self.resolutions else None


@dataclass(frozen=True)
class DueQuestions:
    """Overdue questions (deadline passed, no resolution) and those due soon."""

    overdue: list[QuestionSummary]
    upcoming: list[QuestionSummary]
    within_days: int
    # How many there are in all, when the lists above were cut short (None: they are whole).
    overdue_total: int | None = None
    upcoming_total: int | None = None


@dataclass(frozen=True)
class Overview:
    """The ledger at a glance: every question with its standing forecasts and outcome."""

    questions: list[QuestionSummary]
    sources: list[Source]
    forecasters: list[str]

    def count(self, status: QuestionStatus) -> int:
        """How many questions have this status."""
        return sum(1 for s in self.questions if s.status is status)


@dataclass(frozen=True)
class SourceListing:
    """A source and how many questions were taken from it."""

    source: Source
    questions: int


@dataclass(frozen=True)
class SourceDetail:
    """A source with its text and the questions taken from it, where they stand and how the
    report's forecaster and the team median scored on the resolved ones."""

    source: Source
    questions: list[Question]
    summaries: list[QuestionSummary] = field(default_factory=list)
    # By question key: (the report's time-weighted score, the team median's), None if absent.
    scores: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # The yardstick its words are read by, and where that comes from: "chosen" for this
    # source, the "ledger"'s choice, or the "default" (ICD 203).
    yardstick: Yardstick | None = None
    yardstick_origin: str = "default"
