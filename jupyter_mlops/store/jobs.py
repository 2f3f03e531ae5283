"""Retrain jobs started over REST: kept in the store so that a job's outcome survives a
restart of the server that ran it, and a job whose server died reads as failed (with why)
instead of running forever. Whether that server lives is decided as for runs (``liveness``):
exactly on this host (pid and its start time); a job of another host is taken as alive.
"""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy import select, update

from ..redact import redact_value
from . import schema as s
from .liveness import is_alive, process_started_ms, this_host
from .records import dumps, now_ms

UNFINISHED = ("queued", "running")


class JobsMixin:
    """The retrain-job half of Store (needs ``self.db``)."""

    db: Any

    def record_job(self, job_id: str, ref: str) -> dict:
        """A new queued job, run by this process (its ``ref`` is user input: redacted)."""
        pid = os.getpid()
        row = {"job_id": job_id, "ref": redact_value(ref), "status": "queued",
               "submitted_ms": now_ms(), "finished_ms": None, "result": None, "error": None,
               "host": this_host(), "pid": pid, "pid_started_ms": process_started_ms(pid)}
        self.db.transact(lambda c: c.execute(s.retrain_jobs.insert(), row))
        return _job(row)

    def update_job(self, job_id: str, status: str, *, result: Any = None,
                   error: str | None = None) -> None:
        """Move a job on (``running``, or finished: ``succeeded`` with its result, ``failed``
        with its error); both pass redaction like every record."""
        values: dict[str, Any] = {"status": status}
        if status not in UNFINISHED:
            values.update(finished_ms=now_ms(), result=dumps(redact_value(result)),
                          error=redact_value(error))
        j = s.retrain_jobs.c
        self.db.transact(lambda c: c.execute(update(s.retrain_jobs)
                                             .where(j.job_id == job_id).values(**values)))

    def get_job(self, job_id: str) -> dict | None:
        """A job as REST answers it, or None. An unfinished job whose process is gone is
        marked failed first."""
        with self.db.read() as c:
            row = c.execute(select(s.retrain_jobs).where(
                s.retrain_jobs.c.job_id == job_id)).mappings().first()
        if row is None:
            return None
        if row["status"] in UNFINISHED and not is_alive(
                row["host"], row["pid"], row["pid_started_ms"], heartbeat_ms=now_ms()):
            self.update_job(job_id, "failed", error=(
                f"the Jupyter server that ran this job (pid {row['pid']} on {row['host']}) "
                f"stopped while it was {row['status']}: start the retrain again"))
            return self.get_job(job_id)
        return _job(row)


def _job(row: Any) -> dict:
    from .queries import iso

    return {"job_id": row["job_id"], "ref": row["ref"], "status": row["status"],
            "submitted": iso(row["submitted_ms"]), "finished": iso(row["finished_ms"]),
            "result": json.loads(row["result"]) if row["result"] else None,
            "error": row["error"]}
