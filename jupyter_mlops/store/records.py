"""Writing to the store: sessions, runs and everything attached to a run.

Each public method is one write transaction, so a record is either fully there or not at
all. Values are validated before anything is written: bad input raises InvalidInput and
changes nothing. Every value a method is handed passes ``redact_value`` first (the one
redaction boundary: no caller has to remember it).
"""

from __future__ import annotations

import json
import math
import numbers
import re
import time
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..redact import redact_value
from . import schema as s
from .driver import Writer
from .errors import InvalidInput, NotFound
from .ids import new_id

MAX_KEY = 255
MAX_PARAM_VALUE = 8000
RUN_STATUSES = ("running", "finished", "failed", "interrupted", "crashed")
_PARAM_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f]")


# Hot statements are built once; building a statement costs more than SQLite running it.
_TOUCH = update(s.runs).where(s.runs.c.run_id == bindparam("run")).values(
    updated_ms=bindparam("now"))
_END = update(s.runs).where(s.runs.c.run_id == bindparam("run")).values(
    status=bindparam("status"), error=bindparam("error"), ended_ms=bindparam("ended"),
    updated_ms=bindparam("now"))
_INSERT = {table: table.insert() for table in (s.runs, s.params, s.tags, s.metrics,
                                               s.latest_metrics)}
_STARTED = select(s.runs.c.started_ms).where(s.runs.c.run_id == bindparam("run"))


def now_ms() -> int:
    return int(time.time() * 1000)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@cache
def _insert(dialect: str, table: Any) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


@cache
def _upsert_statement(dialect: str, table: Any, keys: tuple[str, ...], where: Any) -> Any:
    stmt = _insert(dialect, table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    condition = where(table, stmt.excluded) if where else None
    return stmt.on_conflict_do_update(index_elements=keys, set_=updates, where=condition)


def upsert(conn: Connection, table: Any, rows: list[dict], keys: tuple[str, ...],
           where: Any = None) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE, on SQLite and PostgreSQL alike; ``where``
    (a module-level function of the table and the proposed row) can veto an update. The
    statements are built once: building them costs more than running them."""
    conn.execute(_upsert_statement(conn.dialect.name, table, keys, where), rows)


def insert_ignore(conn: Connection, table: Any, row: dict) -> None:
    conn.execute(_insert(conn.dialect.name, table).on_conflict_do_nothing(), row)


def _step_not_older(table: Any, proposed: Any) -> Any:
    return table.c.step <= proposed.step


def check_key(kind: str, key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidInput(f"{kind} name must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY or _CONTROL.search(key):
        raise InvalidInput(f"{kind} name {key[:40]!r} is too long or has control characters")
    return key


def check_metric(key: Any, value: Any) -> float:
    check_key("metric", key)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInput(f"metric {key!r} must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def param_text(key: Any, value: Any) -> str:
    check_key("param", key)
    if isinstance(value, str):
        text = value
    elif type(value) is int or (type(value) is float and math.isfinite(value)):
        text = repr(value)  # what json.dumps writes for them, without building an encoder
    else:
        text = json.dumps(value, default=str)
    if len(text) > MAX_PARAM_VALUE:
        raise InvalidInput(f"param {key!r} is longer than {MAX_PARAM_VALUE} characters")
    return text


def param_number(text: str) -> float | None:
    """A param's text read as a number (``params.value_num``, what numeric filters
    compare): decimal notation only, finite, so ``"1e3"`` is 1000 and ``"1_000"``, ``"nan"``
    and ``"0x10"`` are not numbers."""
    if not _PARAM_NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


# Keys asked for at most this many at a time: a statement per power of two up to it.
_KEYS_PER_SELECT = 512


@cache
def _metrics_at(keys: int) -> Any:
    """The keys of a run's metrics at one step and time, among ``keys`` given keys: by the
    (run_id, key, step) index, whatever the length of the run's history."""
    m = s.metrics.c
    return select(m.key).where(m.run_id == bindparam("run"), m.step == bindparam("step"),
                               m.timestamp_ms == bindparam("ts"),
                               m.key.in_([bindparam(f"k{i}") for i in range(keys)]))


def _metric_keys_at(w: Writer, run_id: str, step: int, ts: int, keys: list[str]) -> set[str]:
    """Which of ``keys`` the run has at ``step`` and ``ts``. Each batch of keys is padded
    with its last key to a power of two, so a handful of statements serve every length."""
    found: set[str] = set()
    for i in range(0, len(keys), _KEYS_PER_SELECT):
        batch = keys[i:i + _KEYS_PER_SELECT]
        size = 1 << (len(batch) - 1).bit_length()
        batch += [batch[-1]] * (size - len(batch))
        params = {"run": run_id, "step": step, "ts": ts,
                  **{f"k{j}": key for j, key in enumerate(batch)}}
        found.update(key for (key,) in w.fetch(_metrics_at(size), params))
    return found


def _metric_rows(run_id: str, values: Mapping[str, Any], step: int, ts: int) -> list[dict]:
    """Metric values as rows (NaN stored as NULL), checked before anything is written."""
    rows = []
    for key, value in values.items():
        v = check_metric(key, value)
        rows.append({"run_id": run_id, "key": key, "step": step,
                     "value": None if math.isnan(v) else v, "timestamp_ms": ts})
    return rows


class RecordsMixin:
    """The write half of Store (needs ``self.db``)."""

    db: Any
    _known_environments: set[str]

    def has_environment(self, environment_id: str) -> bool:
        """This Store has stored (or found) the environment: ``ensure_environment`` would
        write nothing."""
        return environment_id in self._known_environments

    def ensure_environment(self, environment_id: str, data: Mapping[str, Any]) -> str:
        if not self.has_environment(environment_id):
            row = {"environment_id": environment_id, "data": dumps(redact_value(data)),
                   "created_ms": now_ms()}
            self.db.transact(lambda c: insert_ignore(c, s.environments, row))
            self._known_environments.add(environment_id)
        return environment_id

    def create_session(self, **fields: Any) -> str:
        session_id = new_id()
        t = now_ms()
        row = {"session_id": session_id, "started_ms": t, "heartbeat_ms": t,
               "status": "running", **redact_value(fields)}
        self.db.transact(lambda c: c.execute(s.sessions.insert(), row))
        return session_id

    def heartbeat(self, session_id: str) -> None:
        stmt = update(s.sessions).where(s.sessions.c.session_id == session_id)
        self.db.transact(lambda c: c.execute(stmt.values(heartbeat_ms=now_ms())))

    def end_session(self, session_id: str, status: str = "ended") -> None:
        t = now_ms()
        stmt = update(s.sessions).where(s.sessions.c.session_id == session_id)
        values = {"ended_ms": t, "heartbeat_ms": t, "status": status}
        self.db.transact(lambda c: c.execute(stmt.values(**values)))

    def create_run(self, *, name: str, experiment: str, source: str = "api",
                   params: Mapping[str, Any] | None = None,
                   tags: Mapping[str, Any] | None = None,
                   metrics: Mapping[str, Any] | None = None, status: str = "running",
                   error: str | None = None, **fields: Any) -> str:
        """A new run with its first params, tags and metrics (step 0), in one transaction.
        A ``status`` other than running records a whole run at once: it is ended too."""
        name, experiment, error, fields = redact_value((name, experiment, error, fields))
        check_key("run", name)
        check_key("experiment", experiment)
        if status not in RUN_STATUSES:
            raise InvalidInput(f"a run's status is one of {RUN_STATUSES}, not {status!r}")
        run_id = new_id()
        t = now_ms()
        rows = [(s.params, self._param_rows(run_id, params or {}, t)),
                (s.tags, self._tag_rows(run_id, tags or {}))]
        metric_rows = _metric_rows(run_id, metrics or {}, 0, t)
        rows += [(s.metrics, metric_rows), (s.latest_metrics, metric_rows)]
        row = {"run_id": run_id, "name": name, "experiment": experiment, "status": status,
               "started_ms": t, "updated_ms": t, "source": source, "error": error,
               "ended_ms": None if status == "running" else t, **fields}

        def work(w: Writer) -> None:
            w.execute(_INSERT[s.runs], [row])
            for table, values in rows:
                w.execute(_INSERT[table], values)

        self._write_run(run_id, work, touch=False, fixed=True)
        return run_id

    def _write_run(self, run_id: str, work: Any, touch: bool = True,
                   fixed: bool = False) -> None:
        """One transaction that changes a run: marks it updated (for change polling) and
        turns a missing run into NotFound. ``work`` gets a SQLAlchemy Connection, or with
        ``fixed`` (only statements built once) the driver's (``Database.transact_driver``)."""

        def tx(c: Any) -> None:
            writer = c if fixed else Writer.of(c)
            if touch and writer.execute(_TOUCH, [{"run": run_id, "now": now_ms()}]) == 0:
                raise NotFound(f"no run {run_id!r}")
            work(c)

        try:
            (self.db.transact_driver if fixed else self.db.transact)(tx)
        except IntegrityError as e:
            raise NotFound(f"no run {run_id!r}") if "FOREIGN KEY" in str(e.orig) else e from None

    @staticmethod
    def _param_rows(run_id: str, params: Mapping[str, Any], started_ms: int | None
                    ) -> list[dict]:
        """A run's param rows, with its start (``params.started_ms``, revision 0008): a
        writer that knows it passes it, so the triggers that fill it have nothing to do."""
        rows = [{"run_id": run_id, "key": k, "value": param_text(k, v)}
                for k, v in redact_value(dict(params)).items()]
        for row in rows:
            row["value_num"] = param_number(row["value"])
            row["started_ms"] = started_ms
        return rows

    @staticmethod
    def _tag_rows(run_id: str, tags: Mapping[str, Any]) -> list[dict]:
        rows = []
        for k, v in redact_value({k: str(v) for k, v in tags.items()}).items():
            check_key("tag", k)
            rows.append({"run_id": run_id, "key": k, "value": str(v)})
        return rows

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        rows = self._param_rows(run_id, params, None)

        def with_start(w: Writer) -> list[dict]:
            found = w.fetch(_STARTED, {"run": run_id})
            started = found[0][0] if found else None
            return [{**row, "started_ms": started} for row in rows]

        self._upsert_keyed(run_id, s.params, rows, with_start)

    def set_tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        self._upsert_keyed(run_id, s.tags, self._tag_rows(run_id, tags))

    def _upsert_keyed(self, run_id: str, table: Any, rows: list[dict],
                      complete: Any = None) -> None:
        """Set a run's params or tags (one row per key), fixed statements only;
        ``complete(writer)``, if given, returns the rows as written, inside the transaction."""
        if rows:
            self._write_run(run_id, lambda w: w.execute(_upsert_statement(
                w.dialect.name, table, ("run_id", "key"), None),
                complete(w) if complete else rows), fixed=True)

    def log_metrics(self, run_id: str, values: Mapping[str, Any], step: int | None = None,
                    timestamp_ms: int | None = None) -> None:
        if step is not None and (isinstance(step, bool) or not isinstance(step, numbers.Integral)
                                 or step < 0):
            raise InvalidInput(f"metric step must be a non-negative integer, got {step!r}")
        step = int(step or 0)
        ts = timestamp_ms or now_ms()
        rows = _metric_rows(run_id, values, step, ts)
        if not rows:
            return

        def work(w: Writer) -> None:
            # A value replayed from a kernel's journal (same key, step and time) is there once.
            there = _metric_keys_at(w, run_id, step, ts, [r["key"] for r in rows])
            new = [r for r in rows if r["key"] not in there]
            w.execute(_INSERT[s.metrics], new)
            w.execute(_upsert_statement(w.dialect.name, s.latest_metrics, ("run_id", "key"),
                                        _step_not_older), new)

        self._write_run(run_id, work, fixed=True)

    def append_note(self, run_id: str, note: str) -> None:
        if not isinstance(note, str) or not note.strip():
            raise InvalidInput("a note must be non-empty text")
        note = redact_value(note)
        runs = s.runs

        def work(c: Connection) -> None:
            old = c.execute(runs.select().with_only_columns(runs.c.notes)
                            .where(runs.c.run_id == run_id)).scalar()
            text = f"{old}\n{note}" if old else note
            c.execute(update(runs).where(runs.c.run_id == run_id).values(notes=text))

        self._write_run(run_id, work)

    def edit_run(self, run_id: str, *, name: str | None = None, notes: str | None = None,
                 tags: Mapping[str, str | None] | None = None) -> None:
        """What a person edits in the UI, in one transaction: rename, rewrite the notes, set
        tags and remove the tags given as None."""
        name, notes, tags = redact_value((name, notes, dict(tags or {})))
        fields: dict[str, Any] = {}
        if name is not None:
            fields["name"] = check_key("run", name)
        if notes is not None:
            if not isinstance(notes, str):
                raise InvalidInput("notes must be text")
            fields["notes"] = notes
        tags = tags or {}
        to_set = self._tag_rows(run_id, {k: v for k, v in tags.items() if v is not None})
        to_delete = [check_key("tag", k) for k, v in tags.items() if v is None]
        t = s.tags

        def work(c: Connection) -> None:
            if fields:
                c.execute(update(s.runs).where(s.runs.c.run_id == run_id).values(**fields))
            if to_set:
                upsert(c, t, to_set, ("run_id", "key"))
            if to_delete:
                c.execute(t.delete().where(t.c.run_id == run_id, t.c.key.in_(to_delete)))

        self._write_run(run_id, work)

    def set_deleted(self, run_id: str, deleted: bool) -> None:
        """Soft delete (hidden from listings, restorable) or restore."""
        self.update_run(run_id, deleted_ms=now_ms() if deleted else None)

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Edit a run's name, notes or warnings (already validated by the caller)."""
        fields = redact_value(fields)
        self._write_run(run_id, lambda c: c.execute(
            update(s.runs).where(s.runs.c.run_id == run_id).values(**fields)))

    def end_run(self, run_id: str, status: str = "finished", error: str | None = None) -> None:
        if status not in RUN_STATUSES or status == "running":
            raise InvalidInput(f"a run ends as one of {RUN_STATUSES[1:]}, not {status!r}")
        t = now_ms()
        values = {"run": run_id, "status": status, "error": redact_value(error), "ended": t,
                  "now": t}

        def end(w: Writer) -> None:
            if w.execute(_END, [values]) == 0:
                raise NotFound(f"no run {run_id!r}")

        self.db.transact_driver(end)

    def log_dataset(self, run_id: str, info: Mapping[str, Any], *, name: str, role: str,
                    source: str | None = None, file_hash: str | None = None) -> str:
        """Record a run input. The same data (same fingerprint) is one dataset, whoever
        logs it first; each run keeps its own name, role and source for it (``info`` may be
        just the fingerprint of a dataset logged before: a link)."""
        info, name, role, source = redact_value((dict(info), name, role, source))
        check_key("dataset", name)
        check_key("dataset role", role)
        fingerprint = info["fingerprint"]
        dataset_id = fingerprint[:20]
        row = {"dataset_id": dataset_id, "fingerprint": fingerprint, "name": name,
               "source": source, "file_hash": file_hash, "schema": dumps(info.get("schema", [])),
               "shape": dumps(list(info.get("shape", []))),
               "profile": None if info.get("profile") is None else dumps(info["profile"]),
               "created_ms": now_ms()}
        link = {"run_id": run_id, "dataset_id": dataset_id, "name": name, "role": role,
                "source": source}

        def work(c: Connection) -> None:
            insert_ignore(c, s.datasets, row)
            upsert(c, s.run_inputs, [link], ("run_id", "dataset_id", "name"))

        self._write_run(run_id, work)
        return dataset_id

    def set_dataset_profile(self, fingerprint: str, profile: Any,
                            file_hash: str | None = None) -> None:
        """Complete a dataset logged without its profile (worked out later, off the cell's
        path); a profile or file hash already stored is kept."""
        profile, file_hash = redact_value((profile, file_hash))
        d = s.datasets.c
        self.db.transact(lambda c: c.execute(
            s.datasets.update().where(d.fingerprint == fingerprint).values(
                profile=func.coalesce(d.profile, None if profile is None else dumps(profile)),
                file_hash=func.coalesce(d.file_hash, file_hash))))

    def add_artifact(self, run_id: str | None, *, name: str, media_type: str, digest: str,
                     size: int) -> str:
        artifact_id = new_id()
        row = {"artifact_id": artifact_id, "run_id": run_id, "name": redact_value(name),
               "media_type": media_type, "size": size, "digest": digest,
               "created_ms": now_ms()}
        work = lambda c: c.execute(s.artifacts.insert(), row)  # noqa: E731
        if run_id is None:
            self.db.transact(work)
        else:
            self._write_run(run_id, work)
        return artifact_id
