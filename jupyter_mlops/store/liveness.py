"""Is the process behind a session still alive? Decides when a "running" run is crashed.

On this host the answer is exact: the pid exists and was started when the session says
(so a recycled pid does not count). For another host only the heartbeat can tell: a
session whose heartbeat is older than STALE_AFTER_MS is taken as gone.
"""

from __future__ import annotations

import socket
import time
from functools import cache

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


def is_alive(host: str | None, pid: int | None, pid_started_ms: int | None,
             heartbeat_ms: int, now_ms: int | None = None) -> bool:
    if host == this_host() and pid:
        started = process_started_ms(pid)
        return started is not None and (
            pid_started_ms is None or abs(started - pid_started_ms) < 2000
        )
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    return now_ms - heartbeat_ms < STALE_AFTER_MS
