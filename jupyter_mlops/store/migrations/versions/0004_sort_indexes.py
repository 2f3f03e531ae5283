"""sort and filter indexes: latest metric and param by (key, value, run_id)

A search sorted by ``metrics.X`` orders by (value, run_id); with run_id in the index the
database can walk it in order and stop at LIMIT instead of sorting every run. The same
shape serves ``params.X = v``. It replaces the (key, value) index, which it covers.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_latest_metrics_key_value_run", "latest_metrics",
                    ["key", "value", "run_id"])
    op.create_index("ix_params_key_value_run", "params", ["key", "value", "run_id"])
    op.drop_index("ix_latest_metrics_key_value", table_name="latest_metrics")


def downgrade() -> None:
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value"])
    op.drop_index("ix_params_key_value_run", table_name="params")
    op.drop_index("ix_latest_metrics_key_value_run", table_name="latest_metrics")
