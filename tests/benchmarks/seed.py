"""Fill a store with many realistic runs quickly (batched inserts), for benchmarks."""

from __future__ import annotations

import random

from jupyter_mlops.store import Store, now_ms
from jupyter_mlops.store import schema as s
from jupyter_mlops.store.ids import new_id

PARAMS = 5
METRICS = 5
BATCH = 2000


def seed_runs(store: Store, count: int, *, experiments: int = 10, seed: int = 0) -> None:
    """``count`` finished runs with PARAMS params and METRICS metrics each, spread over
    ``experiments`` experiments and the last ``count`` minutes."""
    rng = random.Random(seed)
    start = now_ms() - count * 60_000
    for first in range(0, count, BATCH):
        runs, params, metrics, latest = [], [], [], []
        for i in range(first, min(first + BATCH, count)):
            run_id = new_id()
            started = start + i * 60_000
            runs.append({"run_id": run_id, "name": f"run-{i}",
                         "experiment": f"exp-{i % experiments}", "notebook": "train.ipynb",
                         "user": "bench", "host": "bench", "status": "finished",
                         "started_ms": started, "ended_ms": started + rng.randint(1000, 90_000),
                         "source": "api", "updated_ms": started})
            params += [{"run_id": run_id, "key": f"p{k}", "value": str(rng.randint(1, 100))}
                       for k in range(PARAMS)]
            for k in range(METRICS):
                row = {"run_id": run_id, "key": f"m{k}", "step": 0, "value": rng.random(),
                       "timestamp_ms": started}
                metrics.append(row)
                latest.append(row)
        with store.db.engine.begin() as c:
            c.execute(s.runs.insert(), runs)
            c.execute(s.params.insert(), params)
            c.execute(s.metrics.insert(), metrics)
            c.execute(s.latest_metrics.insert(), latest)
