"""Fill a store with many realistic runs quickly, for benchmarks: raw ``executemany`` on
SQLite and ``COPY`` on PostgreSQL, with the secondary indexes built once at the end
(1,000,000 runs with 5 params and 5 metrics each take minutes, not hours). The rows are
those the store itself writes (``value_num`` and ``started_ms`` included); ``run_counts`` is
kept by the store's own triggers on SQLite and counted once at the end on PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator

from jupyter_mlops.store import Store, now_ms
from jupyter_mlops.store import schema as s
from jupyter_mlops.store.ids import new_id
from jupyter_mlops.store.records import param_number

PARAMS = 5
METRICS = 5
BATCH = 50_000
_TABLES = (s.runs, s.params, s.metrics, s.latest_metrics)
_COLUMNS = {
    "runs": ("run_id", "name", "experiment", "notebook", "user", "host", "status",
             "started_ms", "ended_ms", "source", "updated_ms"),
    "params": ("run_id", "key", "value", "value_num", "started_ms"),
    "metrics": ("run_id", "key", "step", "value", "timestamp_ms"),
    "latest_metrics": ("run_id", "key", "step", "value", "timestamp_ms"),
}


def _batches(count: int, experiments: int, seed: int) -> Iterator[dict[str, list[tuple]]]:
    rng = random.Random(seed)
    start = now_ms() - count * 60_000
    for first in range(0, count, BATCH):
        rows: dict[str, list[tuple]] = {name: [] for name in _COLUMNS}
        for i in range(first, min(first + BATCH, count)):
            run_id = new_id()
            started = start + i * 60_000
            rows["runs"].append((run_id, f"run-{i}", f"exp-{i % experiments}", "train.ipynb",
                                 "bench", "bench", "finished", started,
                                 started + rng.randint(1000, 90_000), "api", started))
            for k in range(PARAMS):
                value = str(rng.randint(1, 100))
                rows["params"].append((run_id, f"p{k}", value, param_number(value), started))
            for k in range(METRICS):
                metric = (run_id, f"m{k}", 0, rng.random(), started)
                rows["metrics"].append(metric)
                rows["latest_metrics"].append(metric)
        yield rows


def seed_runs(store: Store, count: int, *, experiments: int = 10, seed: int = 0) -> None:
    """``count`` finished runs with PARAMS params and METRICS metrics each, spread over
    ``experiments`` experiments and the last ``count`` minutes."""
    engine = store.db.engine
    indexes = [index for table in _TABLES for index in table.indexes]
    with engine.begin() as c:
        for index in indexes:
            index.drop(c)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            # Per-row triggers would rewrite the same few run_counts rows a million times in
            # one transaction (a chain of row versions); counts are made once at the end.
            cur.execute("ALTER TABLE runs DISABLE TRIGGER USER")
            for rows in _batches(count, experiments, seed):
                for name, values in rows.items():
                    with cur.copy(f'COPY {name} ({", ".join(_quoted(_COLUMNS[name]))}) '
                                  "FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
            cur.execute("ALTER TABLE runs ENABLE TRIGGER USER")
            cur.execute("DELETE FROM run_counts")
            cur.execute("INSERT INTO run_counts (experiment, runs, deleted) SELECT experiment, "
                        "count(*), count(deleted_ms) FROM runs GROUP BY experiment")
            raw.commit()
        else:
            # Rows made here need no foreign-key checks; a crash while seeding is harmless.
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-500000")
            for rows in _batches(count, experiments, seed):
                for name, values in rows.items():
                    columns = _COLUMNS[name]
                    cur.executemany(
                        f'INSERT INTO {name} ({", ".join(_quoted(columns))}) '
                        f'VALUES ({", ".join("?" * len(columns))})', values)
            raw.commit()
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA cache_size=-2000")
    finally:
        raw.close()
    with engine.begin() as c:
        for index in indexes:
            index.create(c)
    if engine.dialect.name == "postgresql":  # what autovacuum does to a table this size
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")


def _quoted(columns: tuple[str, ...]) -> list[str]:
    return [f'"{name}"' for name in columns]
