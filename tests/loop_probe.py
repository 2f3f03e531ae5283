"""A Jupyter Server extension for tests and benchmarks: how long did one callback hold the
event loop?

Every callback the asyncio loop runs (a request handler's step, a socket read, a timer) is
timed, as asyncio's own slow-callback debug mode does, but with a thread CPU clock beside the
wall clock: the CPU time is what the callback itself cost the loop, while the wall time also
counts the moments the OS ran other processes (this machine is shared) or another thread held
the GIL. ``GET /loop-probe`` answers the longest of each since the last ``?reset=1``, with the
callback that held it longest and how much of that was the garbage collector;
``?hold_ms=N`` holds the loop itself, to check the probe.
Enable it with ``jpserver_extensions={"tests.loop_probe": True}``.
"""

from __future__ import annotations

import asyncio.events
import gc
import threading
import time
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web


class LoopProbe:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.callbacks = 0
        self.longest_cpu_s = self.longest_wall_s = self.longest_gc_s = 0.0
        self.longest_what = ""
        self._gc_total_s = self._gc_started = 0.0

    def install(self) -> None:
        run = asyncio.events.Handle._run
        probe = self

        def timed_run(handle: asyncio.events.Handle) -> None:
            what = _describe(handle)  # before: a finished task no longer shows its request
            wall, cpu, gc_before = time.perf_counter(), time.thread_time(), probe._gc_total_s
            try:
                run(handle)
            finally:
                probe.record(time.perf_counter() - wall, time.thread_time() - cpu,
                             probe._gc_total_s - gc_before, what)

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        loop_thread = threading.get_ident()

        def gc_timer(phase: str, _info: dict) -> None:
            """The cyclic garbage collector runs in whichever thread allocates: count its
            pauses on the loop thread, which no request chose."""
            if threading.get_ident() != loop_thread:
                return
            if phase == "start":
                probe._gc_started = time.thread_time()
            else:
                probe._gc_total_s += time.thread_time() - probe._gc_started

        gc.callbacks.append(gc_timer)

    def record(self, wall_s: float, cpu_s: float, gc_s: float, what: str) -> None:
        self.callbacks += 1
        self.longest_wall_s = max(self.longest_wall_s, wall_s)
        if cpu_s > self.longest_cpu_s:
            self.longest_cpu_s, self.longest_gc_s, self.longest_what = cpu_s, gc_s, what


def _describe(handle: asyncio.events.Handle) -> str:
    """The request behind a task step (``RunsHandler GET /...``), else the callback's name."""
    owner = getattr(handle._callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        handler = getattr(coro, "cr_frame", None) and coro.cr_frame.f_locals.get("self")
        if isinstance(handler, web.RequestHandler):
            return f"{type(handler).__name__} {handler.request.method} {handler.request.path}"
        return coro.__qualname__
    return getattr(handle._callback, "__qualname__", repr(handle._callback))


class ProbeHandler(APIHandler):
    @web.authenticated
    def get(self) -> None:
        probe: LoopProbe = self.settings["loop_probe"]
        until = time.thread_time() + float(self.get_query_argument("hold_ms", "0")) / 1000
        while time.thread_time() < until:  # busy: CPU spent as real work would spend it
            pass
        self.finish({"longest_cpu_ms": probe.longest_cpu_s * 1000,
                     "longest_wall_ms": probe.longest_wall_s * 1000,
                     "longest_gc_ms": probe.longest_gc_s * 1000,
                     "longest": probe.longest_what, "callbacks": probe.callbacks})
        if self.get_query_argument("reset", "0") == "1":
            probe.reset()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "tests.loop_probe"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    probe = LoopProbe()
    probe.install()
    serverapp.web_app.settings["loop_probe"] = probe
    base_url = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(".*$", [(url_path_join(base_url, "loop-probe"), ProbeHandler)])
