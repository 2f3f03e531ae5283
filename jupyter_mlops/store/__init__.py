"""Persistence only: the run store (SQL rows) and the artifact store (content-addressed blobs).

Knows nothing of IPython, tornado or capture: callers hand it plain values.
"""

from __future__ import annotations

import os

from .artifacts import ArtifactStore
from .catalog import CatalogMixin
from .cells import CellsMixin
from .db import Database
from .drift_reports import DriftReportsMixin
from .errors import InvalidInput, NoStore, NotFound, StoreError
from .jobs import JobsMixin
from .location import StoreLocation, resolve
from .migrate import ensure_schema
from .models import ModelsMixin
from .predictions import PredictionsMixin
from .queries import QueriesMixin, iso
from .records import RecordsMixin, now_ms
from .schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "InvalidInput", "NoStore", "NotFound", "Store", "StoreError",
           "iso", "now_ms"]


class Store(RecordsMixin, QueriesMixin, CellsMixin, ModelsMixin, CatalogMixin, PredictionsMixin,
            DriftReportsMixin, JobsMixin):
    """An opened store: the database (schema checked or upgraded) and its artifacts."""

    def __init__(self, location: StoreLocation, create: bool = True):
        if not create and location.sqlite_path and not os.path.exists(location.sqlite_path):
            raise NoStore(f"no store at {location.describe()}: nothing has been recorded "
                          "there yet")
        self.location = location
        self.db = Database(location)
        ensure_schema(self.db)
        self.artifacts = ArtifactStore(location.artifacts)
        self._known_environments: set[str] = set()

    @classmethod
    def open(cls, store: str | None = None, artifacts: str | None = None, *,
             configured_store: str | None = None,
             configured_artifacts: str | None = None, create: bool = True) -> Store:
        return cls(resolve(store, artifacts, configured_store=configured_store,
                           configured_artifacts=configured_artifacts), create=create)

    def close(self) -> None:
        self.db.dispose()
