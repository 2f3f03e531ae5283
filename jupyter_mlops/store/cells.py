"""Writes and reads for tracked kernels: sessions, cell executions, cell runs and lineage.

The kernel tracker chooses every id itself and may replay a record after a crash or a store
outage, so each write here is idempotent: replaying a record that is already stored changes
nothing (inserts are ``ON CONFLICT DO NOTHING``, updates set the same values again).
Cell executions arrive in batches from a background writer: one transaction per batch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from ..redact import redact_value
from . import schema as s
from .errors import NotFound
from .liveness import is_alive, mark_crashed, this_host
from .queries import iso
from .records import check_key, insert_ignore, now_ms, upsert

CELL_STATUSES = ("running", "ok", "error", "interrupted", "crashed")

_END_CELL = update(s.cell_executions).where(
    s.cell_executions.c.execution_id == bindparam("eid")).values(
    duration_ms=bindparam("duration_ms"), status=bindparam("status"), error=bindparam("error"))


class CellsMixin:
    """The tracker's half of Store (needs ``self.db``, RecordsMixin and QueriesMixin)."""

    db: Any

    def ensure_session(self, row: Mapping[str, Any]) -> None:
        """Insert a session whose id the caller chose (``session_id`` in ``row``)."""
        t = now_ms()
        full = {"started_ms": t, "heartbeat_ms": t, "status": "running", **redact_value(row)}
        self.db.transact(lambda c: insert_ignore(c, s.sessions, full))

    def record_cells(self, started: Sequence[Mapping[str, Any]],
                     ended: Sequence[Mapping[str, Any]]) -> None:
        """One transaction: new cell executions (status ``running``), then completions
        (``execution_id``, ``duration_ms``, ``status``, ``error``)."""
        started, ended = redact_value((list(started), list(ended)))
        ends = [{"eid": e["execution_id"], "duration_ms": e["duration_ms"],
                 "status": e["status"], "error": e.get("error")} for e in ended]
        starts = [{**row, "status": "running", "names_defined": _names(row.get("names_defined")),
                   "names_used": _names(row.get("names_used"))} for row in started]

        def work(c: Connection) -> None:
            if starts:
                stmt = _insert_ignore_statement(c, s.cell_executions)
                c.execute(stmt, starts)
            if ends:
                c.execute(_END_CELL, ends)

        self.db.transact(work)

    def ensure_run(self, row: Mapping[str, Any], params: Mapping[str, Any] | None = None,
                   tags: Mapping[str, Any] | None = None) -> None:
        """Insert a run whose id the caller chose, with its first params and tags."""
        row = redact_value(dict(row))
        check_key("run", row["name"])
        check_key("experiment", row["experiment"])
        run_id = row["run_id"]
        t = now_ms()
        full = {"status": "running", "started_ms": t, "updated_ms": t, **row}
        param_rows = self._param_rows(  # type: ignore[attr-defined]
            run_id, params or {}, full["started_ms"])
        tag_rows = self._tag_rows(run_id, tags or {})  # type: ignore[attr-defined]

        def work(c: Connection) -> None:
            insert_ignore(c, s.runs, full)
            for rows, table in ((param_rows, s.params), (tag_rows, s.tags)):
                if rows:
                    upsert(c, table, rows, ("run_id", "key"))

        self.db.transact(work)

    def add_lineage(self, run_id: str, execution_ids: Sequence[str],
                    positions: Sequence[int]) -> None:
        """Link a run to the cell executions it depends on (position orders them)."""
        rows = [{"run_id": run_id, "execution_id": e, "position": p}
                for e, p in zip(execution_ids, positions, strict=True)]
        if rows:
            self._write_run(run_id, lambda c: upsert(  # type: ignore[attr-defined]
                c, s.run_lineage, rows, ("run_id", "execution_id")))

    def set_run_warnings(self, run_id: str, warnings: Sequence[str]) -> None:
        self.update_run(run_id, warnings=json.dumps(list(warnings)))  # type: ignore[attr-defined]

    def ensure_artifact(self, artifact_id: str, run_id: str, *, name: str, media_type: str,
                        digest: str, size: int) -> None:
        row = {"artifact_id": artifact_id, "run_id": run_id, "name": redact_value(name),
               "media_type": media_type, "size": size, "digest": digest,
               "created_ms": now_ms()}
        self._write_run(run_id, lambda c: insert_ignore(  # type: ignore[attr-defined]
            c, s.artifacts, row))

    def dataset_profiled(self, fingerprint: str) -> bool:
        """Whether the store has this dataset's profile (a dataset is logged at once and
        profiled later: see ``set_dataset_profile``), so it need not be profiled again."""
        d = s.datasets.c
        with self.db.read() as c:
            return c.execute(select(d.dataset_id).where(
                d.fingerprint == fingerprint, d.profile.isnot(None))).first() is not None

    def get_session(self, session_id: str) -> dict:
        self._dead_sessions()  # type: ignore[attr-defined]
        with self.db.read() as c:
            row = c.execute(select(s.sessions).where(
                s.sessions.c.session_id == session_id)).mappings().first()
        if row is None:
            raise NotFound(f"no session {session_id!r}")
        return {**row, "started": iso(row["started_ms"]), "ended": iso(row["ended_ms"])}

    def cell_executions(self, session_id: str) -> list[dict]:
        """A session's cell executions in execution order."""
        ex = s.cell_executions.c
        with self.db.read() as c:
            rows = c.execute(select(s.cell_executions).where(ex.session_id == session_id)
                             .order_by(ex.seq)).mappings().all()
        return [{**r, "names_defined": _loads(r["names_defined"]),
                 "names_used": _loads(r["names_used"]), "started": iso(r["started_ms"])}
                for r in rows]

    def session_runs(self, session_id: str) -> list[dict]:
        """Summaries (as ``list_runs``) of a session's runs, oldest first."""
        self._dead_sessions()  # type: ignore[attr-defined]
        r = s.runs.c
        with self.db.read() as c:
            rows = c.execute(select(s.runs).where(r.session_id == session_id,
                                                  r.deleted_ms.is_(None))
                             .order_by(r.started_ms, r.run_id)).mappings().all()
            return self._summaries(c, rows)  # type: ignore[attr-defined]

    def sweep_dead_sessions(self) -> int:
        """Sessions of this host still marked running whose process is gone: recorded as
        crashed, with their running cells and runs; cells and runs still "running" in a
        session that is over (replayed from a dead kernel's journal) end as crashed too.
        Returns how many sessions."""
        sess = s.sessions.c
        with self.db.read() as c:
            rows = c.execute(select(sess.session_id, sess.host, sess.pid, sess.pid_started_ms,
                                    sess.heartbeat_ms).where(sess.status == "running",
                                                             sess.host == this_host())).all()
            ex, r = s.cell_executions.c, s.runs.c
            over = select(sess.session_id).where(sess.status != "running")
            left = c.execute(select(ex.session_id).where(ex.status == "running",
                                                         ex.session_id.in_(over))
                             .union(select(r.session_id).where(r.status == "running",
                                                               r.session_id.in_(over)))).all()
        dead = [r.session_id for r in rows
                if not is_alive(r.host, r.pid, r.pid_started_ms, r.heartbeat_ms)]
        if dead or left:
            self.db.transact(lambda c: mark_crashed(c, dead + [row[0] for row in left]))
        return len(dead)


def _insert_ignore_statement(c: Connection, table: Any) -> Any:
    if c.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def _names(names: Any) -> str | None:
    return None if names is None else json.dumps(sorted(names))


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
