"""Start a server process (or ``workers`` forked ones sharing the listening socket)."""

from __future__ import annotations

import asyncio
import atexit
import gc
import logging
import os
import shutil
import signal
import sys
from typing import Any

from .app import LOOPBACK, Metrics, ModelServer, Settings, make_app, share_metrics
from .model import Served, Source
from .predlog import PredictionLog

log = logging.getLogger("jupyter_mlops.serving")


def allowed_hosts(host: str, extra: list[str] | None) -> frozenset[str]:
    """The Host names a server answers to: loopback names and the bound address, plus
    ``extra``; a server bound to every interface (0.0.0.0, as in a container) answers any
    name unless ``extra`` restricts it."""
    if extra:
        return frozenset(h.strip().lower() for h in extra if h.strip())
    if host in ("0.0.0.0", "::", ""):
        return frozenset({"*"})
    return frozenset({*LOOPBACK, host.lower()})


def serve(source: Source, served: Served, *, host: str, port: int, workers: int = 1,
          follow_alias: bool = False, poll_s: float = 5.0, settings: Settings,
          log_store: Any = None, log_rate: float = 0.0, log_cap: int = 0) -> None:
    """Listen and serve ``served`` (loaded from ``source`` before forking: children share
    its pages) until SIGINT/SIGTERM. ``log_store`` (a callable that opens the store, or
    None) receives the sampled prediction log."""
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop, PeriodicCallback
    from tornado.netutil import bind_sockets
    from tornado.process import fork_processes

    sockets = bind_sockets(port, address=host)
    parent = os.getpid()
    gc.collect()
    gc.freeze()  # the loaded model lives as long as the server: no collection walks it again
    shared = None
    if workers > 1:
        shared = share_metrics()
        atexit.register(lambda: os.getpid() == parent and shutil.rmtree(shared, True))
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the parent runs its atexit
        fork_processes(workers, max_restarts=100)
    asyncio.set_event_loop(asyncio.new_event_loop())
    server = ModelServer(source=source, current=served, settings=settings,
                         metrics=Metrics(shared))
    if log_store is not None and log_rate > 0:
        server.prediction_log = PredictionLog(
            log_store, log_rate, log_cap, on_drop=server.metrics.dropped.inc,
            on_write=server.metrics.logged.inc)
    http = HTTPServer(make_app(server), max_body_size=max(settings.max_body * 4, 64 << 20),
                      xheaders=False)
    http.add_sockets(sockets)
    loop = IOLoop.current()
    if follow_alias:
        PeriodicCallback(server.follow, poll_s * 1000).start()
    if workers > 1:  # a worker outlives no parent (it dies on SIGTERM without telling them)
        PeriodicCallback(lambda: os.getppid() != parent and loop.stop(), 1000).start()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: loop.add_callback_from_signal(loop.stop))
    bound = sockets[0].getsockname()
    print(f"serving {served.describe()} on http://{bound[0]}:{bound[1]} "
          f"(POST /invocations, GET /ping /health /metrics)"
          + (f", following {source.ref}" if follow_alias else "")
          + (f", logging {log_rate:.0%} of requests (at most {log_cap} rows a minute)"
             if server.prediction_log else ", prediction log off"), file=sys.stderr,
          flush=True)
    loop.start()
    if server.prediction_log is not None:
        server.prediction_log.flush()
