"""What the Experiments view reads besides run pages: the catalog of every experiment,
notebook, user and param/metric/tag key in the store (for the query bar's completion and
the column chooser), and one metric's histories for many runs in one request (for charts
that overlay a hundred runs without a hundred requests)."""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..store import InvalidInput
from .base import MlopsHandler


class CatalogHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:runs"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(await self.in_store(lambda store: store.catalog()))


class MetricHistoriesHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:runs"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        key = self.query("key")
        if not key:
            raise InvalidInput("key is required: the metric whose histories to return")
        ids = [i.strip() for i in (self.query("ids") or "").split(",") if i.strip()]
        histories = await self.in_store(lambda store: store.metric_histories(ids, key))
        # The store already sent non-finite values as None, so the general encoder's walk
        # over every value (write_json) is skipped: it doubles the time of a large answer.
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"key": key, "histories": histories}, allow_nan=False,
                               separators=(",", ":")))
