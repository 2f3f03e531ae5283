"""What the Experiments view offers to choose from, read from the whole store rather than
from the rows a client happened to load: the distinct experiments, notebooks, users and
param/metric/tag keys, and the metric histories of many runs in one query.

Distinct keys come from index-only scans where an index exists (``latest_metrics`` and
``tags`` are indexed by key); ``params`` is keyed by run, so its keys cost one pass over
the table: about 0.1 s at 100,000 runs (tests/benchmarks/bench_experiments.py).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select

from . import schema as s
from .errors import InvalidInput
from .search import RunSearch, group_query

MAX_HISTORY_RUNS = 200
MAX_GROUPS = 1000


class CatalogMixin:
    """The catalog half of Store (needs ``self.db``)."""

    db: Any

    def catalog(self) -> dict[str, list[str]]:
        """Every distinct experiment, notebook and user of the runs that are not deleted,
        and every param, metric and tag key ever logged, each sorted."""
        r = s.runs.c
        live = r.deleted_ms.is_(None)
        columns = {"experiments": r.experiment, "notebooks": r.notebook, "users": r.user}
        with self.db.read() as c:
            answer = {
                name: _distinct(c, select(column).where(live, column.is_not(None)).distinct())
                for name, column in columns.items()
            }
            for name, table in (("params", s.params), ("metrics", s.latest_metrics),
                                ("tags", s.tags)):
                answer[name] = _distinct(c, select(table.c.key).distinct())
        return answer

    def group_runs(self, search: RunSearch, key: str) -> dict:
        """The groups of the runs matching ``search`` by ``key`` (experiment, notebook,
        user, status, params.NAME, tags.NAME), with each group's count over all matching
        runs, not the rows a client loaded: ``{"group", "groups": [{"value", "count"}],
        "total", "truncated"}``; ``value`` null is the runs without one. The largest
        MAX_GROUPS groups are given; ``total`` counts every matching run."""
        status = self._status_column(self._dead_sessions())
        query = group_query(search, key, status, self.db.engine.dialect.name, MAX_GROUPS + 1)
        with self.db.read() as c:
            rows = c.execute(query).all()
        groups = [{"value": value, "count": count} for value, count, _ in rows[:MAX_GROUPS]]
        return {"group": key, "groups": groups, "total": int(rows[0][2]) if rows else 0,
                "truncated": len(rows) > MAX_GROUPS}

    def metric_histories(self, run_ids: list[str], key: str) -> dict[str, dict[str, list]]:
        """``{run_id: {"steps": [...], "values": [...]}}`` of one metric for many runs, by
        step; runs that never logged it are left out. Columns rather than pairs: a hundred
        runs of a thousand steps stay one small, quick answer. Values logged twice at one
        step come in the order they were written (the index order), NaN as None."""
        if not 1 <= len(run_ids) <= MAX_HISTORY_RUNS:
            raise InvalidInput(f"ask for 1 to {MAX_HISTORY_RUNS} runs at once, "
                               f"got {len(run_ids)}")
        m = s.metrics.c
        histories: dict[str, dict[str, list]] = {}
        q = (select(m.run_id, m.step, m.value).where(m.run_id.in_(run_ids), m.key == key)
             .order_by(m.run_id, m.step))
        with self.db.read() as c:
            for run_id, step, value in c.execute(q).tuples():
                history = histories.get(run_id)
                if history is None:
                    history = histories[run_id] = {"steps": [], "values": []}
                history["steps"].append(step)
                history["values"].append(value if value is None or math.isfinite(value)
                                         else None)
        return histories


def _distinct(c: Any, query: Any) -> list[str]:
    return sorted(value for (value,) in c.execute(query))
