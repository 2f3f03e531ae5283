"""What every jupyter_mlops handler shares: auth, the store, and JSON errors."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..jsonout import dumps
from ..store import InvalidInput, NotFound, Store, StoreError

T = TypeVar("T")


class StoreProvider:
    """Opens the store on first use, so a bad store setting shows up as a clear API error
    instead of a server that does not start."""

    def __init__(self, config: Any):
        self.config = config
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self) -> Store:
        with self._lock:
            if self._store is None:
                from ..kernel.writer import replay_spooled

                self._store = Store.open(configured_store=self.config.store,
                                         configured_artifacts=self.config.artifacts)
                replay_spooled(self._store)  # what killed kernels left spooled
            return self._store


class MlopsHandler(APIHandler):
    """Base class: subclasses set ``auth_resource`` and decorate each verb with
    ``@web.authenticated`` and ``@authorized``."""

    auth_resource = "jupyter_mlops"

    @property
    def store(self) -> Store:
        return self.settings["jupyter_mlops_store"].get()

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Store calls block on SQLite or the network: keep them off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.get_query_argument(name, default)

    def query_int(self, name: str, default: int | None = None) -> int | None:
        text = self.get_query_argument(name, None)
        if text is None:
            return default
        try:
            return int(text)
        except ValueError:
            raise InvalidInput(f"{name} must be an integer, got {text[:40]!r}") from None

    def query_bool(self, name: str) -> bool:
        text = (self.get_query_argument(name, "false") or "").lower()
        if text not in ("true", "false", "1", "0"):
            raise InvalidInput(f"{name} must be true or false, got {text[:40]!r}")
        return text in ("true", "1")

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object: 415 for another content type, 400 if it is
        not a JSON object."""
        content_type = self.request.headers.get("Content-Type", "")
        if not self.request.body:
            return {}
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise web.HTTPError(415, "send the body as application/json")
        try:
            body = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidInput(f"the body is not valid JSON: {e}") from None
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
            self.log.info("jupyter_mlops: %s %s: %s", self.request.method, self.request.uri, value)
        else:
            super().log_exception(typ, value, tb)


def _status_for(exc: BaseException | None) -> int | None:
    for kind, code in ((NotFound, 404), (InvalidInput, 400), (StoreError, 503)):
        if isinstance(exc, kind):
            return code
    return None
