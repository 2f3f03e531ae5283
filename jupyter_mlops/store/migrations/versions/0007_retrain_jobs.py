"""retrain jobs: a REST retrain's state, so that it outlives the server that ran it

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retrain_jobs",
        sa.Column("job_id", sa.String(length=32), primary_key=True),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_ms", sa.BigInteger(), nullable=False),
        sa.Column("finished_ms", sa.BigInteger()),
        sa.Column("result", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("pid_started_ms", sa.BigInteger()),
    )
    op.create_index("ix_retrain_jobs_status", "retrain_jobs", ["status", "submitted_ms"])


def downgrade() -> None:
    op.drop_table("retrain_jobs")
