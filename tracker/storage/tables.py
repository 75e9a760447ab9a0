"""Database tables of the ledger; forecasts and resolutions are append-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


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


METADATA = sa.MetaData()


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _text(name: str, *, required: bool = False, **kwargs: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=not required, **kwargs)


def _moment(name: str) -> sa.Column[datetime]:
    return sa.Column(name, UTCDateTime(), nullable=False)


def _chain() -> tuple[sa.Column[Any], sa.Column[Any]]:
    """The event's place in the tamper-evident chain and its hash (tracker/domain/chain.py)."""
    return (
        sa.Column("chain_seq", sa.BigInteger(), nullable=True, index=True, unique=True),
        sa.Column("chain_hash", sa.String(64), nullable=True),
    )


#: A report: metadata, and optionally its full text with a content hash.
SOURCE = sa.Table(
    "source",
    METADATA,
    _id(),
    _text("slug", unique=True),
    _text("title", required=True),
    _text("author"),
    _text("organisation"),
    sa.Column("published_on", sa.Date(), nullable=True),
    _text("url"),
    _text("file"),
    _text("text"),
    _text("content_hash", unique=True),
    _moment("added_at"),
    _text("added_by", required=True),
    # The forecaster that records this report's own implied probabilities, if any.
    sa.Column("forecaster_id", sa.Integer(), sa.ForeignKey("forecaster.id"), nullable=True),
    *_chain(),
)

#: Someone (or something, like a report) who records forecasts.
FORECASTER = sa.Table(
    "forecaster",
    METADATA,
    _id(),
    _text("name", required=True, unique=True),
    _moment("created_at"),
    *_chain(),
)

#: A question: its options are a JSON list in display order.
QUESTION = sa.Table(
    "question",
    METADATA,
    _id(),
    _text("slug", unique=True),
    _text("title", required=True),
    _text("criteria", required=True),
    _text("kind", required=True),
    _text("options", required=True),
    sa.Column("deadline", sa.Date(), nullable=False, index=True),
    sa.Column("opened_on", sa.Date(), nullable=False),
    sa.Column("source_id", sa.Integer(), sa.ForeignKey("source.id"), nullable=True, index=True),
    _text("quote"),
    _text("notes"),
    _moment("created_at"),
    _text("created_by", required=True),
    # Provenance of a question taken from a report (see migration 0005).
    sa.Column("quote_start", sa.Integer(), nullable=True),
    sa.Column("quote_end", sa.Integer(), nullable=True),
    _text("deadline_phrase"),
    _text("hedge_phrase"),
    *_chain(),
)

#: One tag on one question.
QUESTION_TAG = sa.Table(
    "question_tag",
    METADATA,
    sa.Column("question_id", sa.Integer(), sa.ForeignKey("question.id"), primary_key=True),
    sa.Column("tag", sa.String(), primary_key=True, index=True),
)

#: One forecast: probabilities as a JSON object option -> probability, in option order.
FORECAST = sa.Table(
    "forecast",
    METADATA,
    _id(),
    sa.Column("question_id", sa.Integer(), sa.ForeignKey("question.id"), nullable=False),
    sa.Column(
        "forecaster_id", sa.Integer(), sa.ForeignKey("forecaster.id"), nullable=False, index=True
    ),
    _moment("made_at"),
    _moment("recorded_at"),
    _text("probabilities", required=True),
    _text("rationale"),
    _text("input_text"),
    *_chain(),
    # Scoring reads forecasts in question order through this index alone (migration 0003;
    # PostgreSQL keeps the probabilities out of the key, see there).
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

#: A resolution; an amendment is a new row pointing at the one it corrects.
RESOLUTION = sa.Table(
    "resolution",
    METADATA,
    _id(),
    sa.Column(
        "question_id", sa.Integer(), sa.ForeignKey("question.id"), nullable=False, index=True
    ),
    _text("status", required=True),
    _text("outcome"),
    sa.Column("occurred_on", sa.Date(), nullable=False),
    _text("evidence"),
    _text("resolved_by", required=True),
    _moment("recorded_at"),
    sa.Column(
        "amends_id", sa.Integer(), sa.ForeignKey("resolution.id"), nullable=True, unique=True
    ),
    *_chain(),
    # At most one first resolution per question, and each resolution amended at most once: two
    # people resolving at the same moment cannot both win. (Partial on both databases: the
    # WHERE is written here for SQLite, in migration 0001 for PostgreSQL. Naming PostgreSQL
    # here would load its dialect on every command.)
    sa.Index(
        "ux_resolution_first",
        "question_id",
        unique=True,
        sqlite_where=sa.text("amends_id IS NULL"),
    ),
)
