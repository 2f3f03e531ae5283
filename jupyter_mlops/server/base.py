"""What every jupyter_mlops handler shares: auth, the store, JSON errors, and bounds on what a
client can make the server do.

The event loop is shared with the whole Jupyter Server (kernels, contents, terminals), so a
request must never hold it: every store call (opening the store included) runs on a small
thread pool of its own, answers are serialised there too, request bodies are refused past
``MAX_BODY_BYTES`` before they are read, and what remains to parse on the loop is bounded.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..jsonout import dumps
from ..store import InvalidInput, NotFound, Store, StoreError

T = TypeVar("T")

STORE_THREADS = 4
MAX_BODY_BYTES = 1 << 20
# Parsing costs per JSON value, not per byte: 10,000 values parse in a few milliseconds
# (a megabyte of "[],[],..." would hold the loop for ~100 ms). Counted as the characters
# that can start a value, `,` `[` `{`, wherever they are: cheap, and generous for real bodies.
MAX_BODY_VALUES = 10_000
_MAX_QUERY_INT_DIGITS = 9


class StoreProvider:
    """Opens the store on first use, so a bad store setting shows up as a clear API error
    instead of a server that does not start; a store that failed to open is tried again on
    the next request, so fixing the file (or the setting) needs no restart."""

    def __init__(self, config: Any):
        self.config = config
        self._store: Store | None = None
        self._lock = threading.Lock()
        self.executor = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="jupyter_mlops")

    def get(self) -> Store:
        with self._lock:
            if self._store is None:
                from ..kernel.writer import replay_spooled

                self._store = Store.open(configured_store=self.config.store,
                                         configured_artifacts=self.config.artifacts)
                replay_spooled(self._store)  # what killed kernels left spooled
            return self._store


@web.stream_request_body
class MlopsHandler(APIHandler):
    """Base class: subclasses set ``auth_resource`` and decorate each verb with
    ``@web.authenticated`` and ``@authorized``. Bodies are streamed so an oversized one is
    refused from its Content-Length, without reading it."""

    auth_resource = "jupyter_mlops"

    async def prepare(self) -> None:  # type: ignore[override]
        declared = self.request.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise web.HTTPError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        # A chunked body has no length up front: the connection drops it past the limit.
        self.request.connection.set_max_body_size(MAX_BODY_BYTES)  # type: ignore[union-attr]
        try:
            await super().prepare()  # authentication, XSRF, origin
        except web.HTTPError as e:
            if declared in ("", "0") and "Transfer-Encoding" not in self.request.headers:
                raise
            # Refuse once the (bounded) body is read: a connection closed with input unread
            # is reset, and the client would see that instead of this answer. The verb is
            # replaced on this instance, so it cannot run.
            refusal = e

            def refuse(*_args: Any, **_kwargs: Any) -> None:
                raise refusal

            setattr(self, self.request.method.lower(), refuse)  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        self.request.body += chunk  # at most MAX_BODY_BYTES, in chunks of 64 KiB

    @property
    def store(self) -> Store:
        """The store, opened on first use (which blocks): use it inside ``in_store`` or
        ``in_thread`` work, never on the event loop."""
        return self.settings["jupyter_mlops_store"].get()

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A blocking call (the store's, or reading a blob) on the store's thread pool."""
        executor = self.settings["jupyter_mlops_store"].executor
        return await asyncio.get_running_loop().run_in_executor(
            executor, functools.partial(fn, *args, **kwargs))

    async def in_store(self, work: Callable[[Store], T]) -> T:
        """``work(store)`` on the store's thread pool: opening the store and every query
        block on SQLite or the network."""
        return await self.in_thread(lambda: work(self.store))

    async def respond(self, work: Callable[[Store], Any]) -> None:
        """Answer with ``work(store)`` as JSON, queried and serialised off the event loop
        (a page of 500 runs takes milliseconds to serialise)."""
        body = await self.in_store(lambda store: dumps(work(store)))
        self.set_header("Content-Type", "application/json")
        self.finish(body)

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.get_query_argument(name, default)

    def query_int(self, name: str, default: int | None = None) -> int | None:
        text = self.get_query_argument(name, None)
        if text is None:
            return default
        # ASCII digits only: int() also reads "١٢٣", "1_000" and " 7 ".
        digits = text[1:] if text[:1] == "-" else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= _MAX_QUERY_INT_DIGITS):
            raise InvalidInput(f"{name} must be an integer, got {text[:40]!r}")
        return int(text)

    def query_bool(self, name: str) -> bool:
        text = (self.get_query_argument(name, "false") or "").lower()
        if text not in ("true", "false", "1", "0"):
            raise InvalidInput(f"{name} must be true or false, got {text[:40]!r}")
        return text in ("true", "1")

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object: 415 for another content type, 400 if it is
        not a JSON object of plain Unicode text, numbers and booleans."""
        raw = self.request.body
        if not raw:
            return {}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise web.HTTPError(415, "send the body as application/json")
        if raw.count(b",") + raw.count(b"[") + raw.count(b"{") > MAX_BODY_VALUES:
            raise InvalidInput(f"the body holds more than {MAX_BODY_VALUES} JSON values")
        try:
            body = json.loads(raw.decode("utf-8"))  # strict: json.loads(bytes) lets surrogates by
            json.dumps(body, ensure_ascii=False).encode("utf-8")  # a "\ud800" escape
        except RecursionError:
            raise InvalidInput("the body is nested too deeply") from None
        except UnicodeEncodeError:
            raise InvalidInput("the body holds a lone surrogate (\\ud800-\\udfff), which is not "
                               "text") from None
        except ValueError as e:  # includes invalid UTF-8
            raise InvalidInput(f"the body is not valid JSON: {str(e)[:200]}") from None
        if not isinstance(body, dict):
            raise InvalidInput("the body must be a JSON object")
        return body

    def write_json(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(dumps(value))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors are ``{"error": ..., "detail": ...}``, never a traceback; the store's own
        errors map to the status they mean."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        code = _status_for(exc) or status_code
        self.set_status(code)
        if isinstance(exc, web.HTTPError) and exc.log_message:
            detail = exc.log_message % exc.args if exc.args else exc.log_message
        elif _status_for(exc):
            detail = str(exc)
        else:
            detail = HTTPStatus(code).phrase
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": HTTPStatus(code).phrase, "detail": detail}))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if _status_for(value):
            self.log.info("jupyter_mlops: %s %s: %s", self.request.method,
                          self.request.uri[:200], value)
        else:
            super().log_exception(typ, value, tb)


def _status_for(exc: BaseException | None) -> int | None:
    for kind, code in ((NotFound, 404), (InvalidInput, 400), (StoreError, 503)):
        if isinstance(exc, kind):
            return code
    return None
