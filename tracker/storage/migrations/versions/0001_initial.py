"""Initial schema: sources, questions, forecasters, forecasts, resolutions.

Revision ID: 0001
Revises:

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecaster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("organisation", sa.String(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("file", sa.String(), nullable=True),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("content_hash", sa.String(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("criteria", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("options", sa.String(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("quote", sa.String(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_source_id"), ["source_id"], unique=False)

    op.create_table(
        "forecast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("forecaster_id", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("probabilities", sa.String(), nullable=False),
        sa.Column("rationale", sa.String(), nullable=True),
        sa.Column("input_text", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["forecaster_id"],
            ["forecaster.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("forecast", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forecast_forecaster_id"), ["forecaster_id"], unique=False
        )
        batch_op.create_index("ix_forecast_question_made", ["question_id", "made_at"], unique=False)

    op.create_table(
        "question_tag",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
        ),
        sa.PrimaryKeyConstraint("question_id", "tag"),
    )
    with op.batch_alter_table("question_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_tag_tag"), ["tag"], unique=False)

    op.create_table(
        "resolution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.String(), nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["resolution.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("amends_id"),
    )
    with op.batch_alter_table("resolution", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resolution_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(
            "ux_resolution_first",
            ["question_id"],
            unique=True,
            sqlite_where=sa.text("amends_id IS NULL"),
            postgresql_where=sa.text("amends_id IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("resolution", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_resolution_first",
            sqlite_where=sa.text("amends_id IS NULL"),
            postgresql_where=sa.text("amends_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_resolution_question_id"))

    op.drop_table("resolution")
    with op.batch_alter_table("question_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_tag_tag"))

    op.drop_table("question_tag")
    with op.batch_alter_table("forecast", schema=None) as batch_op:
        batch_op.drop_index("ix_forecast_question_made")
        batch_op.drop_index(batch_op.f("ix_forecast_forecaster_id"))

    op.drop_table("forecast")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_source_id"))
        batch_op.drop_index(batch_op.f("ix_question_deadline"))

    op.drop_table("question")
    op.drop_table("source")
    op.drop_table("forecaster")
