"""model registry: registered models, versions with their package manifest, aliases and the
alias audit trail

The four tables of 0001 were placeholders that nothing wrote; they are replaced.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.String(length=32)


def upgrade() -> None:
    with op.batch_alter_table("alias_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alias_events_name_alias")
    for table in ("alias_events", "model_aliases", "model_versions", "registered_models"):
        op.drop_table(table)
    op.create_table(
        "registered_models",
        sa.Column("name", sa.String(length=255), primary_key=True),
        sa.Column("description", sa.Text()),
        sa.Column("user", sa.String(length=128)),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("model_version_id", _ID, primary_key=True),
        sa.Column("name", sa.String(length=255), sa.ForeignKey("registered_models.name"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("run_id", _ID, sa.ForeignKey("runs.run_id")),
        sa.Column("model_variable", sa.String(length=255)),
        sa.Column("model_type", sa.String(length=255)),
        sa.Column("description", sa.Text()),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text()),
        sa.Column("metrics", sa.Text()),
        sa.Column("params", sa.Text()),
        sa.Column("requirements", sa.Text()),
        sa.Column("warnings", sa.Text()),
        sa.Column("verification", sa.Text()),
        sa.Column("user", sa.String(length=128)),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("name", "version"),
    )
    op.create_index("ix_model_versions_run", "model_versions", ["run_id"])
    op.create_table(
        "model_aliases",
        sa.Column("name", sa.String(length=255), sa.ForeignKey("registered_models.name"),
                  primary_key=True),
        sa.Column("alias", sa.String(length=64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=128)),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "alias_events",
        sa.Column("event_id", _ID, primary_key=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.Integer()),
        sa.Column("to_version", sa.Integer()),
        sa.Column("user", sa.String(length=128)),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_alias_events_name_alias", "alias_events", ["name", "alias"])


def downgrade() -> None:
    for table in ("alias_events", "model_aliases", "model_versions", "registered_models"):
        op.drop_table(table)
