"""Where in its source a question's quote sits, and the report's own words for its numbers.

Revision ID: 0005
Revises: 0004

A question taken from a report keeps the offsets of its quote in the report's text, the time
phrase its deadline was read from ("in the coming months" -> 2022-05-29) and the hedge words
its probability was read from ("justified expectation" -> likely, 55-80%), so a review can audit
the translation.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.add_column(sa.Column("quote_start", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quote_end", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("deadline_phrase", sa.String(), nullable=True))
        batch.add_column(sa.Column("hedge_phrase", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question") as batch:
        for column in ("hedge_phrase", "deadline_phrase", "quote_end", "quote_start"):
            batch.drop_column(column)
