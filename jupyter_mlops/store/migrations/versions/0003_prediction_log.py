"""prediction log: sampled requests of a model server (inputs and outputs) for monitoring

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prediction_log",
        sa.Column("log_id", sa.String(length=32), primary_key=True),
        sa.Column("name", sa.String(length=255)),
        sa.Column("version", sa.Integer()),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
    )
    op.create_index("ix_prediction_log_model", "prediction_log", ["name", "version", "at_ms"])
    op.create_index("ix_prediction_log_checksum", "prediction_log", ["checksum", "at_ms"])


def downgrade() -> None:
    op.drop_table("prediction_log")
