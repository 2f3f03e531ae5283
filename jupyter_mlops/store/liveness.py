"""Is the process behind a session still alive? Decides when a "running" run is crashed.

On this host the answer is exact: the pid exists, is not a zombie, and was started when the
session says (so a recycled pid does not count). For another host only the heartbeat can tell: a
session whose heartbeat is older than STALE_AFTER_MS is taken as gone.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable
from functools import cache

from sqlalchemy import case, func, select, update
from sqlalchemy.engine import Connection

from . import schema as s

HEARTBEAT_INTERVAL_S = 60
STALE_AFTER_MS = 5 * HEARTBEAT_INTERVAL_S * 1000


@cache
def this_host() -> str:
    return socket.gethostname()


def process_started_ms(pid: int) -> int | None:
    import psutil

    try:
        return int(psutil.Process(pid).create_time() * 1000)
    except (psutil.Error, OSError):
        return None


def _running_since_ms(pid: int) -> int | None:
    """When ``pid`` started, if it is a process that can still run: a zombie (exited, not
    yet reaped by its parent) is dead."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return None
        return int(process.create_time() * 1000)
    except (psutil.Error, OSError):
        return None


def is_alive(host: str | None, pid: int | None, pid_started_ms: int | None,
             heartbeat_ms: int, now_ms: int | None = None) -> bool:
    if host == this_host() and pid:
        started = _running_since_ms(pid)
        return started is not None and (
            pid_started_ms is None or abs(started - pid_started_ms) < 2000
        )
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    return now_ms - heartbeat_ms < STALE_AFTER_MS


def mark_crashed(c: Connection, dead: Iterable[str]) -> None:
    """The session, its running cells and its running runs end as crashed, at the session's
    last sign of life, and never before the run or cell itself started."""
    sess, ex, r = s.sessions.c, s.cell_executions.c, s.runs.c
    for session_id in dead:
        c.execute(update(s.cell_executions).where(ex.session_id == session_id,
                                                  ex.status == "running")
                  .values(status="crashed"))
        last = select(func.coalesce(sess.ended_ms, sess.heartbeat_ms)).where(
            sess.session_id == session_id).scalar_subquery()
        c.execute(update(s.runs).where(r.session_id == session_id, r.status == "running")
                  .values(status="crashed",
                          ended_ms=case((last > r.started_ms, last), else_=r.started_ms)))
        latest_cell = select(func.max(ex.started_ms)).where(
            ex.session_id == session_id).scalar_subquery()
        ended = func.coalesce(latest_cell, sess.heartbeat_ms)
        c.execute(update(s.sessions).where(sess.session_id == session_id,
                                           sess.status == "running")
                  .values(status="crashed",
                          ended_ms=case((ended > sess.heartbeat_ms, ended),
                                        else_=sess.heartbeat_ms)))
