"""An index that scoring reads forecasts through, in question order, without touching the table.

Revision ID: 0003
Revises: 0002

On SQLite the index covers every column scoring reads, so a million forecasts are read in
question order from the index alone (2.3 s -> 0.7 s). PostgreSQL limits an index entry to
about 2.7 kB, and the probabilities of a question with many long option names could exceed it,
so there the index holds the order and the small columns only.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COVERING = ["question_id", "made_at", "id", "forecaster_id", "recorded_at", "probabilities"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_forecast_scoring", "forecast", COVERING)
    else:
        op.create_index(
            "ix_forecast_scoring",
            "forecast",
            ["question_id", "made_at", "id"],
            postgresql_include=["forecaster_id", "recorded_at"],
        )
    with op.batch_alter_table("forecast") as batch:
        batch.drop_index("ix_forecast_question_made")


def downgrade() -> None:
    with op.batch_alter_table("forecast") as batch:
        batch.create_index("ix_forecast_question_made", ["question_id", "made_at"])
    op.drop_index("ix_forecast_scoring", table_name="forecast")
