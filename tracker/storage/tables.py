"""The schema, declared once as SQLModel table models; forecasts and resolutions are append-only.

The models are the one declaration of every table: Alembic compares the migrations against
them (a test checks that a migrated database equals them), and the queries run on their
tables (`SOURCE`, `QUESTION`, ... below, the models' `__table__`) with SQLAlchemy Core, which
reads and writes plain tuples: a million forecasts do not become a million objects.
"""

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


METADATA = SQLModel.metadata
#: pydantic builds a model's validators when it is first used (these never validate).
_DEFERRED: Any = {"defer_build": True}


def _column(name: str, type_: Any, *args: Any, nullable: bool = True, **kwargs: Any) -> Any:
    """A field with its column spelled out (type, nullability, keys, indexes) as migrated."""
    return Field(sa_column=sa.Column(name, type_, *args, nullable=nullable, **kwargs))


def _id() -> Any:
    return _column("id", sa.Integer(), primary_key=True, nullable=False)


def _text(name: str, *, required: bool = False, **kwargs: Any) -> Any:
    return _column(name, sa.String(), nullable=not required, **kwargs)


def _moment(name: str) -> Any:
    return _column(name, UTCDateTime(), nullable=False)


def _reference(name: str, target: str, *, required: bool, **kwargs: Any) -> Any:
    return _column(name, sa.Integer(), sa.ForeignKey(target), nullable=not required, **kwargs)


def _chain_seq() -> Any:
    """The event's place in the tamper-evident chain (tracker/domain/chain.py)."""
    return _column("chain_seq", sa.BigInteger(), index=True, unique=True)


def _chain_hash() -> Any:
    """The event's hash over its content and the previous event's hash."""
    return _column("chain_hash", sa.String(64))


class Source(SQLModel, table=True):
    """A report: metadata, and optionally its full text with a content hash."""

    model_config = _DEFERRED

    __tablename__ = "source"

    id: int | None = _id()
    slug: str | None = _text("slug", unique=True)
    title: str = _text("title", required=True)
    author: str | None = _text("author")
    organisation: str | None = _text("organisation")
    published_on: date | None = _column("published_on", sa.Date())
    url: str | None = _text("url")
    file: str | None = _text("file")
    text: str | None = _text("text")
    content_hash: str | None = _text("content_hash", unique=True)
    added_at: datetime = _moment("added_at")
    added_by: str = _text("added_by", required=True)
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class Forecaster(SQLModel, table=True):
    """Someone (or something, like a report) who records forecasts."""

    model_config = _DEFERRED

    __tablename__ = "forecaster"

    id: int | None = _id()
    name: str = _text("name", required=True, unique=True)
    created_at: datetime = _moment("created_at")
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class SourceForecaster(SQLModel, table=True):
    """Which forecaster speaks for a report (records its own implied probabilities, is scored
    like an analyst and left out of team aggregates): named once, as an event of the chain."""

    model_config = _DEFERRED

    __tablename__ = "source_forecaster"

    id: int | None = _id()
    source_id: int = _reference("source_id", "source.id", required=True, unique=True)
    forecaster_id: int = _reference("forecaster_id", "forecaster.id", required=True, index=True)
    named_at: datetime = _moment("named_at")
    named_by: str = _text("named_by", required=True)
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class YardstickChoice(SQLModel, table=True):
    """Which yardstick of estimative words a source reads and writes by, or with no source the
    whole ledger: an event of the chain; a later choice for the same source (or the ledger)
    takes over from the earlier one, which stays in the record."""

    model_config = _DEFERRED

    __tablename__ = "yardstick_choice"

    id: int | None = _id()
    source_id: int | None = _reference("source_id", "source.id", required=False, index=True)
    yardstick: str = _text("yardstick", required=True)
    chosen_at: datetime = _moment("chosen_at")
    chosen_by: str = _text("chosen_by", required=True)
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class Question(SQLModel, table=True):
    """A question: its options are a JSON list in display order."""

    model_config = _DEFERRED

    __tablename__ = "question"

    id: int | None = _id()
    slug: str | None = _text("slug", unique=True)
    title: str = _text("title", required=True)
    criteria: str = _text("criteria", required=True)
    kind: str = _text("kind", required=True)
    options: str = _text("options", required=True)
    deadline: date = _column("deadline", sa.Date(), nullable=False, index=True)
    opened_on: date = _column("opened_on", sa.Date(), nullable=False)
    source_id: int | None = _reference("source_id", "source.id", required=False, index=True)
    quote: str | None = _text("quote")
    notes: str | None = _text("notes")
    created_at: datetime = _moment("created_at")
    created_by: str = _text("created_by", required=True)
    # Provenance of a question taken from a report (see migration 0005).
    quote_start: int | None = _column("quote_start", sa.Integer())
    quote_end: int | None = _column("quote_end", sa.Integer())
    deadline_phrase: str | None = _text("deadline_phrase")
    hedge_phrase: str | None = _text("hedge_phrase")
    # Others' forecasts are hidden from a forecaster until they have forecast (migration 0011).
    blind: bool = _column("blind", sa.Boolean(), nullable=False, server_default=sa.false())
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class QuestionTag(SQLModel, table=True):
    """One tag on one question (part of the question's content in the chain)."""

    model_config = _DEFERRED

    __tablename__ = "question_tag"

    question_id: int = _reference("question_id", "question.id", required=True, primary_key=True)
    tag: str = _column("tag", sa.String(), primary_key=True, nullable=False, index=True)


class Forecast(SQLModel, table=True):
    """One forecast: probabilities as a JSON object option -> probability, in option order."""

    model_config = _DEFERRED

    __tablename__ = "forecast"
    # Scoring reads forecasts in question order through this index alone (migration 0003;
    # PostgreSQL keeps the probabilities out of the key, see there).
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

    id: int | None = _id()
    question_id: int = _reference("question_id", "question.id", required=True)
    forecaster_id: int = _reference("forecaster_id", "forecaster.id", required=True, index=True)
    made_at: datetime = _moment("made_at")
    recorded_at: datetime = _moment("recorded_at")
    probabilities: str = _text("probabilities", required=True)
    rationale: str | None = _text("rationale")
    input_text: str | None = _text("input_text")
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()
    # The version of the question it was made under (migration 0009); None: version 1, the
    # question as added (so the rows written before clarifications existed hash as they did).
    question_version: int | None = _column("question_version", sa.Integer())


class QuestionVersion(SQLModel, table=True):
    """A clarification: the question's title, criteria and deadline from now on, with why and
    by whom (version 2, 3, ...; version 1 is the question as added). An event of the chain;
    the question row itself is never edited."""

    model_config = _DEFERRED

    __tablename__ = "question_version"
    __table_args__ = (
        sa.UniqueConstraint("question_id", "version", name="uq_question_version_number"),
    )

    id: int | None = _id()
    question_id: int = _reference("question_id", "question.id", required=True, index=True)
    version: int = _column("version", sa.Integer(), nullable=False)
    title: str = _text("title", required=True)
    criteria: str = _text("criteria", required=True)
    deadline: date = _column("deadline", sa.Date(), nullable=False)
    reason: str = _text("reason", required=True)
    author: str = _text("author", required=True)
    recorded_at: datetime = _moment("recorded_at")
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class Resolution(SQLModel, table=True):
    """A resolution; an amendment is a new row pointing at the one it corrects."""

    model_config = _DEFERRED

    __tablename__ = "resolution"
    # At most one first resolution per question, and each resolution amended at most once: two
    # people resolving at the same moment cannot both win. (Partial on both databases: the
    # WHERE is written here for SQLite, in migration 0001 for PostgreSQL. Naming PostgreSQL
    # here would load its dialect on every command.)
    __table_args__ = (
        sa.Index(
            "ux_resolution_first",
            "question_id",
            unique=True,
            sqlite_where=sa.text("amends_id IS NULL"),
        ),
    )

    id: int | None = _id()
    question_id: int = _reference("question_id", "question.id", required=True, index=True)
    status: str = _text("status", required=True)
    outcome: str | None = _text("outcome")
    occurred_on: date = _column("occurred_on", sa.Date(), nullable=False)
    evidence: str | None = _text("evidence")
    resolved_by: str = _text("resolved_by", required=True)
    recorded_at: datetime = _moment("recorded_at")
    amends_id: int | None = _reference("amends_id", "resolution.id", required=False, unique=True)
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class Retraction(SQLModel, table=True):
    """A forecast marked as a mistake by its forecaster (migration 0010): an event of the chain;
    the forecast stays in the record, and is left out of every score and aggregate."""

    model_config = _DEFERRED

    __tablename__ = "retraction"

    id: int | None = _id()
    forecast_id: int = _reference("forecast_id", "forecast.id", required=True, unique=True)
    reason: str = _text("reason", required=True)
    recorded_by: str = _text("recorded_by", required=True)
    recorded_at: datetime = _moment("recorded_at")
    chain_seq: int | None = _chain_seq()
    chain_hash: str | None = _chain_hash()


class ChainCheckpoint(SQLModel, table=True):
    """A place up to which the chain was recomputed and found intact, with the hash it had
    there and a fingerprint of the schema's guards: documents verify only what came after
    (tracker/services/integrity.py). Derived and replaceable, so not part of the chain."""

    model_config = _DEFERRED

    __tablename__ = "chain_checkpoint"

    id: int | None = _id()
    seq: int = _column("seq", sa.BigInteger(), nullable=False, index=True)
    hash: str = _column("hash", sa.String(64), nullable=False)
    guards: str = _text("guards", required=True)
    verified_at: datetime = _moment("verified_at")
    # Who noted it (PostgreSQL: the database user, checked by a trigger; each person trusts
    # only their own checkpoints and the owner's). None on SQLite: a file has no users.
    verified_by: str | None = _text("verified_by")
    # How many tags the questions at or before `seq` had then: a tag is part of its question's
    # content, and one added to an old question changes this count.
    tags: int = _column("tags", sa.BigInteger(), nullable=False)


class LedgerSetting(SQLModel, table=True):
    """A setting of the whole ledger, e.g. `example`: the bundled example, which refuses writes."""

    model_config = _DEFERRED

    __tablename__ = "ledger_setting"

    name: str = _column("name", sa.String(), primary_key=True, nullable=False)
    value: str = _text("value", required=True)


# The models' tables, for the queries (SQLAlchemy Core).
SOURCE = METADATA.tables[Source.__tablename__]
FORECASTER = METADATA.tables[Forecaster.__tablename__]
SOURCE_FORECASTER = METADATA.tables[SourceForecaster.__tablename__]
YARDSTICK_CHOICE = METADATA.tables[YardstickChoice.__tablename__]
QUESTION = METADATA.tables[Question.__tablename__]
QUESTION_TAG = METADATA.tables[QuestionTag.__tablename__]
FORECAST = METADATA.tables[Forecast.__tablename__]
RESOLUTION = METADATA.tables[Resolution.__tablename__]
RETRACTION = METADATA.tables[Retraction.__tablename__]
QUESTION_VERSION = METADATA.tables[QuestionVersion.__tablename__]
CHAIN_CHECKPOINT = METADATA.tables[ChainCheckpoint.__tablename__]
LEDGER_SETTING = METADATA.tables[LedgerSetting.__tablename__]
