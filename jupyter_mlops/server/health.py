"""``GET /jupyter-mlops/api/health``: is the API there, which version, which store."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import __version__
from ..store import SCHEMA_VERSION
from .base import MlopsHandler


class HealthHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:health"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.respond(lambda store: {
            "version": __version__,
            "store": {"kind": store.location.kind, "location": store.location.describe()},
            "schema_version": SCHEMA_VERSION,
        })
