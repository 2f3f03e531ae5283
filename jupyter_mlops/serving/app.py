"""The prediction server: a tornado application around one served model.

``POST /invocations`` (MLflow's scoring protocol and CSV), ``GET /ping``, ``GET /health``,
``GET /metrics`` (Prometheus text, through ``prometheus_client`` — already installed with
jupyter_server, and it gets the exposition format and histogram buckets right). Every
answer that is not a prediction is ``{"error", "detail"}`` JSON with a 4xx status; nothing
that a client sends gives a 5xx or a traceback. The Host header must name one of the
configured hosts, so a web page cannot reach a loopback server through DNS rebinding.

The model predicts on the event loop thread: for the small batches a model server sees
that is faster than a hop to a thread pool; requests that arrive together are predicted in
one call (``batch``); ``--workers`` forks processes for parallelism.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import tornado.web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .batch import Batcher
from .inputs import BadInput, Conformed, conform, parse, rows_of
from .model import Served, Source
from .predlog import PredictionLog

log = logging.getLogger("jupyter_mlops.serving")

LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")
_LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                    1.0, 2.5, 5.0, 10.0)


@dataclass
class Settings:
    allowed_hosts: frozenset[str]  # lower-case host names; "*" allows any
    max_rows: int = 10_000
    max_body: int = 20 << 20
    batch_wait_s: float = 0.005  # longest a request waits to share a predict (0: never)


def share_metrics() -> str:
    """Before forking workers: series from here on are kept in memory-mapped files of a
    private folder, one per process, and a scrape of any worker adds them all up
    (prometheus_client's multiprocess mode). Returns the folder; the caller removes it."""
    from prometheus_client import values

    folder = tempfile.mkdtemp(prefix="jupyter-mlops-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder  # where each process's files go
    values.ValueClass = values.MultiProcessValue()
    return folder


class Metrics:
    """The server's Prometheus series, in a registry of its own; with ``shared`` (the
    folder of ``share_metrics``) a scrape reports every worker's counts together."""

    def __init__(self, shared: str | None = None) -> None:
        disable_created_metrics()  # no *_created series: they only add noise to a scrape
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.scrape = r
        if shared is not None:
            from prometheus_client.multiprocess import MultiProcessCollector

            self.scrape = CollectorRegistry()
            MultiProcessCollector(self.scrape, path=shared)
        self.requests = Counter("mlops_requests", "HTTP requests by path and status",
                                ["path", "status"], registry=r)
        self.errors = Counter("mlops_errors", "Refused or failed requests by kind", ["kind"],
                              registry=r)
        self.latency = Histogram("mlops_request_latency_seconds",
                                 "Time to answer POST /invocations", buckets=_LATENCY_BUCKETS,
                                 registry=r)
        self.predictions = Counter("mlops_predictions", "Rows predicted", registry=r)
        self.model_calls = Counter("mlops_model_calls", "Calls of the model's predict (fewer "
                                   "than requests when concurrent ones are joined)", registry=r)
        self.logged = Counter("mlops_prediction_log_rows",
                              "Requests written to the prediction log", registry=r)
        self.dropped = Counter("mlops_prediction_log_dropped",
                               "Prediction log entries dropped (queue full, store away)",
                               registry=r)
        self.model = Gauge("mlops_model_info", "The served model (value 1)",
                           ["name", "version", "checksum"], registry=r,
                           multiprocess_mode="max")

    def serving(self, served: Served, previous: Served | None = None) -> None:
        """The model info series of what is served now is 1, the previous one's 0 (not
        removed: multiprocess mode cannot remove a series)."""
        if previous is not None:
            self.model.labels(*_model_labels(previous)).set(0)
        self.model.labels(*_model_labels(served)).set(1)


def _model_labels(served: Served) -> tuple[str, str, str]:
    return served.name or "", str(served.version or ""), served.checksum


@dataclass
class ModelServer:
    """The state the handlers share: what is served now, settings, metrics, the log."""

    source: Source
    current: Served
    settings: Settings
    metrics: Metrics = field(default_factory=Metrics)
    prediction_log: PredictionLog | None = None
    started: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.metrics.serving(self.current)
        self.batcher = Batcher(self.settings.max_rows, self.settings.batch_wait_s,
                               on_call=self.metrics.model_calls.inc)

    def swap(self, served: Served) -> None:
        """Serve ``served`` from the next request on (requests in flight keep theirs)."""
        old, self.current = self.current, served
        self.metrics.serving(served, old)
        log.warning("now serving %s (was %s)", served.describe(), old.describe())

    async def follow(self) -> None:
        """One check of the alias: load and swap when it moved (off the event loop)."""
        from tornado.ioloop import IOLoop

        loop = IOLoop.current()
        try:
            version = await loop.run_in_executor(None, self.source.alias_version)
            if version is None or version == self.current.version:
                return
            served = await loop.run_in_executor(None, self.source.load)
        except Exception as e:  # the store is away or the new version is broken: keep serving
            log.warning("alias check failed, still serving %s: %s", self.current.describe(), e)
            return
        self.swap(served)


class _Base(tornado.web.RequestHandler):
    server: ModelServer

    def initialize(self, server: ModelServer) -> None:
        self.server = server

    def prepare(self) -> None:
        hosts = self.server.settings.allowed_hosts
        if "*" not in hosts and self.request.host_name.lower() not in hosts:
            self.server.metrics.errors.labels("host").inc()
            self.fail(403, f"Host {self.request.host_name[:100]!r} is not allowed: this server "
                      "answers to " + ", ".join(sorted(hosts)) + " (--allowed-hosts)")

    def fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": message, "detail": None}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """tornado's own errors (404, 405, 400 from a malformed request line) as our JSON."""
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": self._reason, "detail": None}))

    def on_finish(self) -> None:
        path = self.request.path if self.request.path in _PATHS else "other"
        self.server.metrics.requests.labels(path, str(self.get_status())).inc()


class _NotFound(_Base):
    def prepare(self) -> None:
        super().prepare()
        if not self._finished:
            self.server.metrics.errors.labels("not_found").inc()
            self.fail(404, f"no such endpoint {self.request.path[:100]!r}: use POST "
                      "/invocations, GET /ping, /health or /metrics")


class Ping(_Base):
    def get(self) -> None:
        self.finish("\n")


class Health(_Base):
    def get(self) -> None:
        s, source = self.server.current, self.server.source
        self.finish({"status": "ok", "name": s.name, "version": s.version,
                     "checksum": s.checksum, "ref": source.ref, "alias": source.alias,
                     "signature": s.inputs or None,
                     "loaded": _iso(s.loaded_at),
                     "uptime_s": round(time.time() - self.server.started, 3),
                     "pid": os.getpid()})  # which worker answered


class MetricsHandler(_Base):
    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(self.server.metrics.scrape))


@tornado.web.stream_request_body
class Invocations(_Base):
    def prepare(self) -> None:
        self._start = time.perf_counter()
        self._chunks: list[bytes] = []
        self._size = 0
        super().prepare()

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= self.server.settings.max_body:
            self._chunks.append(chunk)
        else:
            self._chunks = []  # over the limit: read to the end, keep nothing, answer 413

    async def post(self) -> None:
        served = self.server.current  # this request's model, whatever swaps meanwhile
        metrics = self.server.metrics
        try:
            part = self._frame(served)
            predictions = await self.server.batcher.predict(served, part,
                                                            self.request.connection.stream)
            body = _predictions_json(predictions)
        except BadInput as e:
            metrics.errors.labels(e.kind).inc()
            self.fail(e.status, str(e))
            return
        if part.extra:
            self.set_header("X-Ignored-Columns", _header_list(part.extra))
        self.set_header("Content-Type", "application/json")
        self.finish(body)
        self.server.batcher.answered(self.request.connection.stream)
        metrics.predictions.inc(part.rows)
        metrics.latency.observe(time.perf_counter() - self._start)
        if self.server.prediction_log is not None:
            self.server.prediction_log.offer(served, part, predictions)

    def _frame(self, served: Served) -> Conformed:
        limits = self.server.settings
        if self._size > limits.max_body:
            raise BadInput(413, "too_large", f"body of {self._size:,} bytes is over the limit "
                           f"of {limits.max_body:,} (--max-body-mb)")
        if not self._size:
            raise BadInput(400, "empty", "empty body: send rows to predict")
        columns = parse(b"".join(self._chunks), self.request.headers.get("Content-Type", ""),
                        served.input_names)
        rows = rows_of(columns)
        if rows == 0:
            raise BadInput(400, "empty", "empty batch: no rows to predict")
        if rows > limits.max_rows:
            raise BadInput(413, "too_many_rows", f"batch of {rows:,} rows is over the limit "
                           f"of {limits.max_rows:,} (--max-rows)")
        return conform(columns, served.inputs)


_PATHS = ("/invocations", "/ping", "/health", "/metrics")


def _predictions_json(predictions: Any) -> str:
    import numpy as np

    values = np.asarray(predictions).tolist()
    try:
        return json.dumps({"predictions": values}, allow_nan=False)
    except (TypeError, ValueError):  # NaN/inf or objects: nulls and text, still JSON
        from ..jsonout import dumps

        return dumps({"predictions": values})


def _header_list(names: list[str]) -> str:
    """Column names for a header: printable ASCII only, bounded."""
    text = ", ".join(names)
    cleaned = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    return cleaned if len(cleaned) <= 500 else cleaned[:497] + "..."


def _iso(epoch_s: float) -> str:
    """As the store writes times (this module also runs without the store, in a package)."""
    from datetime import datetime, timezone

    when = datetime.fromtimestamp(int(epoch_s * 1000) / 1000, tz=timezone.utc)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_app(server: ModelServer) -> tornado.web.Application:
    args = {"server": server}
    return tornado.web.Application(
        [("/invocations", Invocations, args), ("/ping", Ping, args), ("/health", Health, args),
         ("/metrics", MetricsHandler, args)],
        default_handler_class=_NotFound, default_handler_args=args,
        compress_response=False, serve_traceback=False)
