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
    def get(self) -> None:
        location = self.store.location
        self.write_json({
            "version": __version__,
            "store": {"kind": location.kind, "location": location.describe()},
            "schema_version": SCHEMA_VERSION,
        })
