"""Reading from the store: run listings, full run records, comparisons, datasets.

Listings fetch one page of runs and then their params, last metrics and tags in three
set-based queries, never one query per run. Runs of a process that died are reported
as ``crashed`` (see liveness.py) and, where the store is writable, recorded as such.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from . import schema as s
from .errors import InvalidInput, NotFound, StoreError
from .liveness import is_alive, mark_crashed
from .search import (
    RunSearch,
    count_query,
    encode_cursor,
    filter_plan,
    live_count,
    page_queries,
    since_ms,
    window,
)

_EPOCH = datetime(1970, 1, 1)


def iso(ms: int | None) -> str | None:
    """Epoch milliseconds as ISO 8601 UTC, the API's time format. Naive UTC arithmetic: a
    page's 200 times cost half what ``fromtimestamp`` with a time zone takes."""
    if ms is None:
        return None
    return (_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds") + "Z"


def _loads(text: str | None, default: Any = None) -> Any:
    return json.loads(text) if text else default


class QueriesMixin:
    """The read half of Store (needs ``self.db``)."""

    db: Any

    def _dead_sessions(self) -> set[str]:
        """Sessions with running runs whose process is gone; recorded as crashed when the
        store can be written, so the check stays cheap."""
        with self.db.read() as c:
            dead = _dead_in(c)
        self._record_crashed(dead)
        return dead

    def _record_crashed(self, dead: set[str]) -> None:
        if dead:
            # On a read-only store the statuses are corrected on the fly instead.
            with contextlib.suppress(StoreError):
                self.db.transact(lambda c: mark_crashed(c, dead))

    def _status_column(self, dead: set[str]) -> Any:
        if not dead:
            return s.runs.c.status
        crashed = and_(s.runs.c.status == "running", s.runs.c.session_id.in_(dead))
        return case((crashed, "crashed"), else_=s.runs.c.status).label("status")

    def search_runs(self, search: RunSearch) -> dict:
        """One page of runs: ``{"runs", "next_cursor", "change_cursor", "total"}`` (see
        search.py). ``total`` counts every matching run; it is given with the first page
        only (later pages and change polls answer null), so scrolling pays no count."""
        dialect = self.db.engine.dialect.name
        counted = search.cursor is None and search.since is None
        filtered = bool(search.tags or search.conditions) and search.since is None
        with self.db.read() as c:
            # One read transaction: the dead sessions' runs read as crashed in it, and are
            # recorded so after it (a write while reading would wait on a rollback journal).
            dead = _dead_in(c)
            status = self._status_column(dead)
            # The change cursor, the total and (a filtered page's plan depends on how many
            # runs the filter matches, of how many live) the live count, in one statement.
            wanted = {"latest": _LATEST, "total": count_query(search, status, dialect) if (
                counted or filtered) else None, "live": live_count() if filtered else None}
            got = c.execute(select(*[q.scalar_subquery().label(k) for k, q in wanted.items()
                                     if q is not None])).one()._mapping
            latest, total, live = got["latest"] or 0, got.get("total"), got.get("live", 0)
            plan = filter_plan(search, total, live) if filtered else "fetch"
            queries = page_queries(search, status, dialect, plan, window(search, total, live))
            rows = []
            for query in queries:
                if search.limit is None or len(rows) < search.limit:
                    wanted = None if search.limit is None else search.limit - len(rows)
                    rows += c.execute(query.limit(wanted)).mappings().all()
            runs = self._summaries(c, rows)
        self._record_crashed(dead)
        next_cursor = None
        if search.since is not None:
            change = max([r["updated_ms"] for r in rows], default=since_ms(search.since))
            full = search.limit is not None and len(rows) == search.limit
            change_cursor = str(change if full else max(change, latest))
        else:
            change_cursor = str(latest)
            if search.limit is not None and len(rows) == search.limit:
                next_cursor = encode_cursor(rows[-1]["_sort"], rows[-1]["run_id"])
        return {"runs": runs, "next_cursor": next_cursor, "change_cursor": change_cursor,
                "total": total if counted else None}

    def list_runs(self, **criteria: Any) -> list[dict]:
        """All matching runs (or ``limit``); criteria are the fields of RunSearch."""
        return self.search_runs(RunSearch(**criteria))["runs"]

    def _summaries(self, c: Connection, rows: Any) -> list[dict]:
        ids = [row["run_id"] for row in rows]
        params, metrics, tags = (defaultdict(dict) for _ in range(3))
        for table, target in ((s.params, params), (s.latest_metrics, metrics), (s.tags, tags)):
            nan_for_null = table is s.latest_metrics
            for run_id, key, value in _values_of(c, table, ids):
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
                "deleted": row["deleted_ms"] is not None,
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
            record.update(
                notes=row["notes"] or "",
                error=row["error"],
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

    def _one(self, table: Any, column: Any, value: str, kind: str) -> Any:
        with self.db.read() as c:
            row = c.execute(select(table).where(column == value)).first()
        if row is None:
            raise NotFound(f"no {kind} {value!r}")
        return row._mapping

    def get_artifact(self, artifact_id: str) -> dict:
        return dict(self._one(s.artifacts, s.artifacts.c.artifact_id, artifact_id, "artifact"))

    def metric_history(self, run_id: str, key: str) -> list[dict]:
        m = s.metrics.c
        q = select(m.step, m.value, m.timestamp_ms).where(
            m.run_id == run_id, m.key == key).order_by(m.step, m.timestamp_ms)
        with self.db.read() as c:
            if c.execute(select(s.runs.c.run_id).where(s.runs.c.run_id == run_id)).first() is None:
                raise NotFound(f"no run {run_id!r}")
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

    def diff_environments(self, a: str, b: str) -> dict:
        return environment_diff(self.get_environment(a), self.get_environment(b))

    def tracking_state(self, kernel_id: str) -> dict:
        """Whether a kernel has a live tracking session (recorded by ``%track``)."""
        sess = s.sessions.c
        query = (select(sess.session_id, sess.notebook, sess.started_ms, sess.host, sess.pid,
                        sess.pid_started_ms, sess.heartbeat_ms)
                 .where(sess.kernel_id == kernel_id, sess.ended_ms.is_(None))
                 .order_by(sess.started_ms.desc()).limit(1))
        with self.db.read() as c:
            row = c.execute(query).first()
        if row is None or not is_alive(row.host, row.pid, row.pid_started_ms, row.heartbeat_ms):
            return {"kernel_id": kernel_id, "tracked": False, "session_id": None,
                    "notebook": None, "since": None}
        return {"kernel_id": kernel_id, "tracked": True, "session_id": row.session_id,
                "notebook": row.notebook, "since": iso(row.started_ms)}

    def list_datasets(self) -> list[dict]:
        d, i = s.datasets.c, s.run_inputs.c
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
        m = self._one(s.datasets, s.datasets.c.dataset_id, dataset_id, "dataset")
        return {"dataset_id": m["dataset_id"], "name": m["name"], "fingerprint": m["fingerprint"],
                "source": m["source"], "file_hash": m["file_hash"], "schema": _loads(m["schema"]),
                "shape": _loads(m["shape"]), "profile": _loads(m["profile"]),
                "created": iso(m["created_ms"])}


# Sessions that have running runs, and whether their process lives (is_alive decides).
_RUNNING = select(s.runs.c.session_id).where(s.runs.c.status == "running").union(
    select(s.sessions.c.session_id).where(s.sessions.c.status == "running"))
_SESSIONS = select(s.sessions.c.session_id, s.sessions.c.host, s.sessions.c.pid,
                   s.sessions.c.pid_started_ms, s.sessions.c.heartbeat_ms).where(
    s.sessions.c.session_id.in_(_RUNNING))
_LATEST = select(func.max(s.runs.c.updated_ms))
# The params, last metrics or tags of a page's runs in one statement whose text does not
# depend on how many runs there are: the ids are one parameter (a JSON array SQLite reads
# with json_each, an array on PostgreSQL), sent to the driver as is, so nothing is
# compiled or expanded per page and PostgreSQL can reuse its prepared plan.
_VALUES_SQL = {
    "sqlite": 'SELECT run_id, "key", value FROM {} '
              "WHERE run_id IN (SELECT value FROM json_each(?))",
    "postgresql": "SELECT run_id, key, value FROM {} WHERE run_id = ANY(%s)",
}


def _dead_in(c: Connection) -> set[str]:
    return {r.session_id for r in c.execute(_SESSIONS).all()
            if not is_alive(r.host, r.pid, r.pid_started_ms, r.heartbeat_ms)}


def _values_of(c: Connection, table: Any, ids: list[str]) -> list[tuple]:
    """(run_id, key, value) of ``table`` for the runs ``ids``."""
    if not ids:
        return []
    sql = _VALUES_SQL.get(c.dialect.name)
    if sql is None:  # another database: SQLAlchemy expands the ids, 500 at a time
        t = table.c
        return [row for i in range(0, len(ids), 500) for row in c.execute(
            select(t.run_id, t.key, t.value).where(t.run_id.in_(ids[i:i + 500]))).all()]
    cursor = c.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql.format(table.name), (json.dumps(ids) if c.dialect.name == "sqlite"
                                                else ids,))
        return cursor.fetchall()
    finally:
        cursor.close()


def environment_diff(a: dict, b: dict) -> dict:
    """Packages added, removed and changed; for the other sections, the fields that differ
    as ``[a, b]`` pairs."""
    pa, pb = a.get("packages") or {}, b.get("packages") or {}
    result: dict[str, Any] = {
        "a": a["environment_id"], "b": b["environment_id"],
        "packages": {
            "added": {k: pb[k] for k in sorted(pb.keys() - pa.keys())},
            "removed": {k: pa[k] for k in sorted(pa.keys() - pb.keys())},
            "changed": {k: [pa[k], pb[k]] for k in sorted(pa.keys() & pb.keys())
                        if pa[k] != pb[k]},
        },
    }
    for section in ("python", "platform", "git", "hardware", "env_vars", "conda"):
        sa, sb = a.get(section) or {}, b.get(section) or {}
        result[section] = {k: [sa.get(k), sb.get(k)] for k in sorted(sa.keys() | sb.keys())
                           if sa.get(k) != sb.get(k)}
    return result


def _differ(values: list[Any]) -> bool:
    return any(v != values[0] for v in values[1:])


