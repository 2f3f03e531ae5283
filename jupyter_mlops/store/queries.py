"""Reading from the store: run listings, full run records, comparisons, datasets.

Listings fetch one page of runs and then their params, last metrics and tags in three
set-based queries, never one query per run. Runs of a process that died are reported
as ``crashed`` (see liveness.py) and, where the store is writable, recorded as such.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, case, select, update
from sqlalchemy.engine import Connection

from . import schema as s
from .errors import InvalidInput, NotFound, StoreError
from .liveness import is_alive

RUN_COLUMNS = {
    "run_id": s.runs.c.run_id,
    "name": s.runs.c.name,
    "experiment": s.runs.c.experiment,
    "notebook": s.runs.c.notebook,
    "status": s.runs.c.status,
    "user": s.runs.c.user,
    "started": s.runs.c.started_ms,
    "ended": s.runs.c.ended_ms,
    "duration": s.runs.c.ended_ms - s.runs.c.started_ms,
}


def iso(ms: int | None) -> str | None:
    """Epoch milliseconds as ISO 8601 UTC, the API's time format."""
    if ms is None:
        return None
    when = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sort_clause(sort: str) -> tuple[Any, Any]:
    """``-started``, ``name``, ``metrics.accuracy``, ``params.C`` → (order by, join)."""
    if not isinstance(sort, str) or not sort.lstrip("-"):
        raise InvalidInput(f"unknown sort key {sort!r}")
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    join = None
    if key in RUN_COLUMNS:
        column = RUN_COLUMNS[key]
    elif key.startswith(("metrics.", "params.")) and len(key.split(".", 1)[1]) > 0:
        kind, name = key.split(".", 1)
        table = (s.latest_metrics if kind == "metrics" else s.params).alias("sort_by")
        join = (table, and_(table.c.run_id == s.runs.c.run_id, table.c.key == name))
        column = table.c.value
    else:
        allowed = ", ".join(sorted(RUN_COLUMNS))
        raise InvalidInput(
            f"unknown sort key {sort!r}: use one of {allowed}, metrics.NAME or params.NAME "
            "(prefix with - for descending)")
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return order, join


def _loads(text: str | None, default: Any = None) -> Any:
    return json.loads(text) if text else default


class QueriesMixin:
    """The read half of Store (needs ``self.db``)."""

    db: Any

    def _dead_sessions(self) -> set[str]:
        """Sessions with running runs whose process is gone; recorded as crashed when the
        store can be written, so the check stays cheap."""
        running = select(s.runs.c.session_id).where(s.runs.c.status == "running").distinct()
        sess = s.sessions.c
        with self.db.read() as c:
            rows = c.execute(select(sess.session_id, sess.host, sess.pid, sess.pid_started_ms,
                                    sess.heartbeat_ms).where(sess.session_id.in_(running))).all()
        dead = {r.session_id for r in rows if not is_alive(r.host, r.pid, r.pid_started_ms,
                                                           r.heartbeat_ms)}
        if dead:
            # On a read-only store the statuses are corrected on the fly instead.
            with contextlib.suppress(StoreError):
                self.db.transact(lambda c: _mark_crashed(c, dead))
        return dead

    def _status_column(self, dead: set[str]) -> Any:
        if not dead:
            return s.runs.c.status
        crashed = and_(s.runs.c.status == "running", s.runs.c.session_id.in_(dead))
        return case((crashed, "crashed"), else_=s.runs.c.status).label("status")

    def list_runs(self, *, experiment: str | None = None, notebook: str | None = None,
                  status: str | None = None, limit: int | None = None,
                  sort: str = "-started", include_deleted: bool = False) -> list[dict]:
        order, join = sort_clause(sort)
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise InvalidInput(f"limit must be a positive integer, got {limit!r}")
        dead = self._dead_sessions()
        status_col = self._status_column(dead)
        r = s.runs.c
        query = select(*[c for c in s.runs.c if c.name != "status"], status_col)
        if join is not None:
            query = query.select_from(s.runs.outerjoin(*join))
        if experiment is not None:
            query = query.where(r.experiment == experiment)
        if notebook is not None:
            query = query.where(r.notebook == notebook)
        if status is not None:
            query = query.where(status_col == status)
        if not include_deleted:
            query = query.where(r.deleted_ms.is_(None))
        query = query.order_by(order, r.run_id.desc()).limit(limit)
        with self.db.read() as c:
            rows = c.execute(query).mappings().all()
            return self._summaries(c, rows)

    def _summaries(self, c: Connection, rows: Any) -> list[dict]:
        ids = [row["run_id"] for row in rows]
        params, metrics, tags = (defaultdict(dict) for _ in range(3))
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            for table, target in ((s.params, params), (s.latest_metrics, metrics),
                                  (s.tags, tags)):
                q = select(table.c.run_id, table.c.key, table.c.value).where(
                    table.c.run_id.in_(chunk))
                nan_for_null = table is s.latest_metrics
                for run_id, key, value in c.execute(q):
                    target[run_id][key] = float("nan") if value is None and nan_for_null else value
        return [
            {
                "run_id": row["run_id"],
                "name": row["name"],
                "experiment": row["experiment"],
                "notebook": row["notebook"],
                "status": row["status"],
                "user": row["user"],
                "host": row["host"],
                "started": iso(row["started_ms"]),
                "ended": iso(row["ended_ms"]),
                "duration_s": (row["ended_ms"] - row["started_ms"]) / 1000
                if row["ended_ms"] is not None else None,
                "params": params[row["run_id"]],
                "metrics": metrics[row["run_id"]],
                "tags": tags[row["run_id"]],
                "has_warnings": bool(_loads(row["warnings"], [])),
            }
            for row in rows
        ]

    def get_run(self, run_id: str) -> dict:
        """The full record of one run: what ``jupyter mlops show --format json`` prints."""
        dead = self._dead_sessions()
        query = select(*[c for c in s.runs.c if c.name != "status"], self._status_column(dead))
        with self.db.read() as c:
            row = c.execute(query.where(s.runs.c.run_id == run_id)).mappings().first()
            if row is None:
                raise NotFound(f"no run {run_id!r}")
            record = self._summaries(c, [row])[0]
            del record["has_warnings"]
            record.update(
                notes=row["notes"] or "",
                error=row["error"],
                deleted=row["deleted_ms"] is not None,
                datasets=self._run_datasets(c, run_id),
                environment=self._environment(c, row["environment_id"]),
                artifacts=self._run_artifacts(c, run_id),
                lineage=self._lineage(c, run_id),
                warnings=_loads(row["warnings"], []),
            )
            return record

    @staticmethod
    def _run_datasets(c: Connection, run_id: str) -> list[dict]:
        d, i = s.datasets.c, s.run_inputs.c
        q = (select(d.dataset_id, i.name, i.role, d.fingerprint, i.source, d.file_hash,
                    d.schema, d.shape)
             .select_from(s.run_inputs.join(s.datasets, d.dataset_id == i.dataset_id))
             .where(i.run_id == run_id).order_by(i.name))
        return [
            {"dataset_id": r.dataset_id, "name": r.name, "role": r.role,
             "fingerprint": r.fingerprint, "source": r.source, "file_hash": r.file_hash,
             "schema": _loads(r.schema), "shape": _loads(r.shape)}
            for r in c.execute(q)
        ]

    @staticmethod
    def _environment(c: Connection, environment_id: str | None) -> dict | None:
        if environment_id is None:
            return None
        e = s.environments.c
        data = c.execute(select(e.data).where(e.environment_id == environment_id)).scalar()
        if data is None:
            return None
        return {"environment_id": environment_id, **json.loads(data)}

    def get_environment(self, environment_id: str) -> dict:
        with self.db.read() as c:
            env = self._environment(c, environment_id)
        if env is None:
            raise NotFound(f"no environment {environment_id!r}")
        return env

    @staticmethod
    def _run_artifacts(c: Connection, run_id: str) -> list[dict]:
        a = s.artifacts.c
        q = select(a.artifact_id, a.name, a.media_type, a.size, a.digest).where(
            a.run_id == run_id).order_by(a.created_ms, a.name)
        return [dict(r._mapping) for r in c.execute(q)]

    @staticmethod
    def _lineage(c: Connection, run_id: str) -> list[dict]:
        lin, ex = s.run_lineage.c, s.cell_executions.c
        q = (select(ex.execution_id, ex.seq, ex.execution_count, ex.cell_id, ex.code,
                    ex.status, ex.started_ms)
             .select_from(s.run_lineage.join(s.cell_executions,
                                             ex.execution_id == lin.execution_id))
             .where(lin.run_id == run_id).order_by(lin.position))
        return [{**r._mapping, "started": iso(r.started_ms)} for r in c.execute(q)]

    def get_artifact(self, artifact_id: str) -> dict:
        a = s.artifacts.c
        with self.db.read() as c:
            row = c.execute(select(s.artifacts).where(a.artifact_id == artifact_id)).first()
        if row is None:
            raise NotFound(f"no artifact {artifact_id!r}")
        return dict(row._mapping)

    def metric_history(self, run_id: str, key: str) -> list[dict]:
        m = s.metrics.c
        q = select(m.step, m.value, m.timestamp_ms).where(
            m.run_id == run_id, m.key == key).order_by(m.step, m.timestamp_ms)
        with self.db.read() as c:
            return [{"step": r.step, "value": float("nan") if r.value is None else r.value,
                     "timestamp": iso(r.timestamp_ms)} for r in c.execute(q)]

    def compare_runs(self, run_ids: list[str]) -> dict:
        """Params, metrics, tags, datasets and environment of several runs, aligned by key,
        with the keys whose values differ listed under ``differences``."""
        if len(run_ids) < 2:
            raise InvalidInput("compare needs at least two run ids")
        records = [self.get_run(run_id) for run_id in run_ids]
        aligned: dict[str, Any] = {"run_ids": list(run_ids), "names": [r["name"] for r in records]}
        differences: dict[str, list[str]] = {}
        for section in ("params", "metrics", "tags"):
            keys = sorted(set().union(*(r[section] for r in records)))
            aligned[section] = {k: [r[section].get(k) for r in records] for k in keys}
            differences[section] = [k for k, vs in aligned[section].items() if _differ(vs)]
        aligned["datasets"] = [
            sorted(f"{d['role']}:{d['name']}={d['fingerprint']}" for d in r["datasets"])
            for r in records]
        aligned["environments"] = [(r["environment"] or {}).get("environment_id")
                                   for r in records]
        differences["datasets"] = ["datasets"] if _differ(aligned["datasets"]) else []
        differences["environments"] = ["environment"] if _differ(aligned["environments"]) else []
        aligned["differences"] = differences
        return aligned

    def list_datasets(self) -> list[dict]:
        d, i = s.datasets.c, s.run_inputs.c
        from sqlalchemy import func

        q = (select(d.dataset_id, d.name, d.fingerprint, d.source, d.shape, d.schema,
                    d.created_ms, func.count(func.distinct(i.run_id)).label("runs"))
             .select_from(s.datasets.outerjoin(s.run_inputs, i.dataset_id == d.dataset_id))
             .group_by(d.dataset_id).order_by(d.created_ms.desc()))
        with self.db.read() as c:
            return [
                {"dataset_id": r.dataset_id, "name": r.name, "fingerprint": r.fingerprint,
                 "source": r.source, "shape": _loads(r.shape), "columns": len(_loads(r.schema, [])),
                 "runs": r.runs, "created": iso(r.created_ms)}
                for r in c.execute(q)
            ]

    def get_dataset(self, dataset_id: str) -> dict:
        d = s.datasets.c
        with self.db.read() as c:
            row = c.execute(select(s.datasets).where(d.dataset_id == dataset_id)).first()
        if row is None:
            raise NotFound(f"no dataset {dataset_id!r}")
        m = row._mapping
        return {"dataset_id": m["dataset_id"], "name": m["name"], "fingerprint": m["fingerprint"],
                "source": m["source"], "file_hash": m["file_hash"], "schema": _loads(m["schema"]),
                "shape": _loads(m["shape"]), "profile": _loads(m["profile"]),
                "created": iso(m["created_ms"])}


def _differ(values: list[Any]) -> bool:
    return any(v != values[0] for v in values[1:])


def _mark_crashed(c: Connection, dead: set[str]) -> None:
    r, sess = s.runs.c, s.sessions.c
    for session_id in dead:
        last = select(sess.heartbeat_ms).where(sess.session_id == session_id).scalar_subquery()
        c.execute(update(s.runs).where(r.session_id == session_id, r.status == "running")
                  .values(status="crashed", ended_ms=last))
        c.execute(update(s.sessions).where(sess.session_id == session_id, sess.ended_ms.is_(None))
                  .values(status="crashed", ended_ms=sess.heartbeat_ms))
