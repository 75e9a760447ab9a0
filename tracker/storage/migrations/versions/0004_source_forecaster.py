"""A source may name the forecaster that records the report's own implied probabilities.

Revision ID: 0004
Revises: 0003

Reviews score a report like an analyst ("did this think tank's expectations come true?"), and a
team aggregate must not count a report as a team member: both need to know which forecaster
speaks for which report. Several reports by one author may share one forecaster.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("forecaster_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_source_forecaster_id_forecaster", "forecaster", ["forecaster_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_constraint("fk_source_forecaster_id_forecaster", type_="foreignkey")
        batch.drop_column("forecaster_id")
