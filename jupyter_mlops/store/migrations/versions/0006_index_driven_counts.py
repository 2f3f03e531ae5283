"""index-driven filters and counts: params.value_num, run_counts kept by triggers

``params.C = 1`` compared the text read as a number row by row; the number is now stored
beside the text (``value_num``) and indexed as (key, value_num, run_id). A listing's total
counted every run; ``run_counts`` holds, per experiment, how many runs there are and how
many are deleted, kept by triggers in the transaction that changes ``runs`` (so it is
exact whoever writes). Deleted runs get an index of their own, so "matching minus
deleted" is two index reads, and (started_ms, run_id, deleted_ms) lets a filtered page walk the
default sort's order without reading each run.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlops.store.records import param_number

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER run_counts_insert AFTER INSERT ON runs BEGIN
         INSERT INTO run_counts (experiment, runs, deleted)
         VALUES (NEW.experiment, 1, NEW.deleted_ms IS NOT NULL)
         ON CONFLICT (experiment) DO UPDATE
         SET runs = runs + 1, deleted = deleted + excluded.deleted;
       END""",
    """CREATE TRIGGER run_counts_delete AFTER DELETE ON runs BEGIN
         UPDATE run_counts SET runs = runs - 1, deleted = deleted - (OLD.deleted_ms IS NOT NULL)
         WHERE experiment = OLD.experiment;
       END""",
    """CREATE TRIGGER run_counts_update AFTER UPDATE OF experiment, deleted_ms ON runs
       WHEN OLD.experiment IS NOT NEW.experiment
            OR (OLD.deleted_ms IS NULL) != (NEW.deleted_ms IS NULL) BEGIN
         UPDATE run_counts SET runs = runs - 1, deleted = deleted - (OLD.deleted_ms IS NOT NULL)
         WHERE experiment = OLD.experiment;
         INSERT INTO run_counts (experiment, runs, deleted)
         VALUES (NEW.experiment, 1, NEW.deleted_ms IS NOT NULL)
         ON CONFLICT (experiment) DO UPDATE
         SET runs = runs + 1, deleted = deleted + excluded.deleted;
       END""",
]

_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION run_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           UPDATE run_counts SET runs = runs - 1,
                  deleted = deleted - (OLD.deleted_ms IS NOT NULL)::int
           WHERE experiment = OLD.experiment;
         END IF;
         IF TG_OP IN ('UPDATE', 'INSERT') THEN
           INSERT INTO run_counts (experiment, runs, deleted)
           VALUES (NEW.experiment, 1, (NEW.deleted_ms IS NOT NULL)::int)
           ON CONFLICT (experiment) DO UPDATE
           SET runs = run_counts.runs + 1, deleted = run_counts.deleted + EXCLUDED.deleted;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER run_counts_insert_delete AFTER INSERT OR DELETE ON runs
       FOR EACH ROW EXECUTE FUNCTION run_counts_change()""",
    """CREATE TRIGGER run_counts_update AFTER UPDATE OF experiment, deleted_ms ON runs
       FOR EACH ROW WHEN (OLD.experiment IS DISTINCT FROM NEW.experiment
                          OR (OLD.deleted_ms IS NULL) <> (NEW.deleted_ms IS NULL))
       EXECUTE FUNCTION run_counts_change()""",
]


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("params", sa.Column("value_num", sa.Float(), nullable=True))
    params = sa.table("params", sa.column("run_id"), sa.column("key"), sa.column("value"),
                      sa.column("value_num"))
    numbers = [{"r": run_id, "k": key, "n": param_number(value)}
               for run_id, key, value in conn.execute(
                   sa.select(params.c.run_id, params.c.key, params.c.value))]
    numbers = [row for row in numbers if row["n"] is not None]
    if numbers:
        conn.execute(params.update().where(params.c.run_id == sa.bindparam("r"),
                                           params.c.key == sa.bindparam("k"))
                     .values(value_num=sa.bindparam("n")), numbers)
    op.create_index("ix_params_key_num_run", "params", ["key", "value_num", "run_id"])
    op.create_index("ix_runs_started_run", "runs", ["started_ms", "run_id", "deleted_ms"])
    op.drop_index("ix_runs_started", table_name="runs")
    op.create_index("ix_runs_deleted", "runs", ["deleted_ms", "run_id"])
    op.create_table(
        "run_counts",
        sa.Column("experiment", sa.String(length=255), primary_key=True),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO run_counts (experiment, runs, deleted) "
               "SELECT experiment, count(*), count(deleted_ms) FROM runs GROUP BY experiment")
    for statement in _POSTGRES_TRIGGERS if conn.dialect.name == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER run_counts_insert_delete ON runs")
        op.execute("DROP TRIGGER run_counts_update ON runs")
        op.execute("DROP FUNCTION run_counts_change()")
    else:
        for name in ("run_counts_insert", "run_counts_delete", "run_counts_update"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("run_counts")
    op.drop_index("ix_runs_deleted", table_name="runs")
    op.create_index("ix_runs_started", "runs", ["started_ms"])
    op.drop_index("ix_runs_started_run", table_name="runs")
    op.drop_index("ix_params_key_num_run", table_name="params")
    op.drop_column("params", "value_num")
