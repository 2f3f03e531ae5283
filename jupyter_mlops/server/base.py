"""What every jupyter_mlops handler shares: auth, the store, and JSON errors."""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..store import InvalidInput, NotFound, Store, StoreError


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
                self._store = Store.open(configured_store=self.config.store,
                                         configured_artifacts=self.config.artifacts)
            return self._store


class MlopsHandler(APIHandler):
    """Base class: subclasses set ``auth_resource`` and decorate each verb with
    ``@web.authenticated`` and ``@authorized``."""

    auth_resource = "jupyter_mlops"

    @property
    def store(self) -> Store:
        return self.settings["jupyter_mlops_store"].get()

    def write_json(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(value, default=str))

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
