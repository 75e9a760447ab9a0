"""Database tables of the ledger; forecasts and resolutions are append-only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A moment stored in UTC and always read back as a timezone-aware UTC datetime.

    SQLite has no time zones, so the value is stored naive in UTC there; PostgreSQL keeps a
    `timestamptz`. Either way the application only ever sees aware UTC datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _moment(*, index: bool = False) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=index))


def _chain_seq() -> Any:
    """The event's place in the tamper-evident chain (see tracker/domain/chain.py)."""
    return Field(
        default=None, sa_column=sa.Column(sa.BigInteger(), nullable=True, index=True, unique=True)
    )


def _chain_hash() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.String(64), nullable=True))


class SourceRow(SQLModel, table=True):
    """A report: metadata, and optionally its full text with a content hash."""

    __tablename__ = "source"

    id: int | None = Field(default=None, primary_key=True)
    slug: str | None = Field(default=None, unique=True)
    title: str
    author: str | None = None
    organisation: str | None = None
    published_on: date | None = None
    url: str | None = None
    file: str | None = None
    text: str | None = None
    content_hash: str | None = Field(default=None, unique=True)
    added_at: datetime = _moment()
    added_by: str
    # The forecaster that records this report's own implied probabilities, if any.
    forecaster_id: int | None = Field(default=None, foreign_key="forecaster.id")
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class ForecasterRow(SQLModel, table=True):
    """Someone (or something, like a report) who records forecasts."""

    __tablename__ = "forecaster"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: datetime = _moment()
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class QuestionRow(SQLModel, table=True):
    """A question: its options are a JSON list in display order."""

    __tablename__ = "question"

    id: int | None = Field(default=None, primary_key=True)
    slug: str | None = Field(default=None, unique=True)
    title: str
    criteria: str
    kind: str
    options: str
    deadline: date = Field(index=True)
    opened_on: date
    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    quote: str | None = None
    notes: str | None = None
    created_at: datetime = _moment()
    created_by: str
    # Provenance of a question taken from a report (see migration 0005).
    quote_start: int | None = None
    quote_end: int | None = None
    deadline_phrase: str | None = None
    hedge_phrase: str | None = None
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class QuestionTagRow(SQLModel, table=True):
    """One tag on one question."""

    __tablename__ = "question_tag"

    question_id: int = Field(foreign_key="question.id", primary_key=True)
    tag: str = Field(primary_key=True, index=True)


class ForecastRow(SQLModel, table=True):
    """One forecast: probabilities as a JSON object option -> probability, in option order."""

    __tablename__ = "forecast"
    # Scoring reads forecasts in question order through this index alone (migration 0003;
    # PostgreSQL keeps the probabilities out of it, see there).
    __table_args__ = (
        sa.Index(
            "ix_forecast_scoring",
            "question_id",
            "made_at",
            "id",
            "forecaster_id",
            "recorded_at",
            "probabilities",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id")
    forecaster_id: int = Field(foreign_key="forecaster.id", index=True)
    made_at: datetime = _moment()
    recorded_at: datetime = _moment()
    probabilities: str
    rationale: str | None = None
    input_text: str | None = None
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class ResolutionRow(SQLModel, table=True):
    """A resolution; an amendment is a new row pointing at the one it corrects."""

    __tablename__ = "resolution"
    __table_args__ = (
        # At most one first resolution per question, and each resolution amended at most once:
        # two people resolving at the same moment cannot both win.
        sa.Index(
            "ux_resolution_first",
            "question_id",
            unique=True,
            sqlite_where=sa.text("amends_id IS NULL"),
            postgresql_where=sa.text("amends_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    status: str
    outcome: str | None = None
    occurred_on: date
    evidence: str | None = None
    resolved_by: str
    recorded_at: datetime = _moment()
    amends_id: int | None = Field(default=None, foreign_key="resolution.id", unique=True)
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


METADATA = SQLModel.metadata
