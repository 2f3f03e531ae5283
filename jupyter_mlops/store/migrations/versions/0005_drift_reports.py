"""drift reports: the last monitor reports of a served model version, and their plots

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drift_reports",
        sa.Column("report_id", sa.String(length=32), primary_key=True),
        sa.Column("name", sa.String(length=255)),
        sa.Column("version", sa.Integer()),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("drift", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("plot_digest", sa.String(length=64)),
        sa.Column("plot_size", sa.BigInteger()),
    )
    op.create_index("ix_drift_reports_model", "drift_reports", ["name", "version", "at_ms"])


def downgrade() -> None:
    op.drop_table("drift_reports")
