"""The prediction log: sampled requests of model servers, read back by the monitor.

Written in batches by the server's background writer (one transaction per batch), read as
rows of one model version (or one package checksum) since a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from . import schema as s
from .ids import new_id
from .records import dumps

_FIELDS = ("name", "version", "checksum", "at_ms", "rows")


class PredictionsMixin:
    """The prediction-log half of Store (needs ``self.db``)."""

    db: Any

    def log_predictions(self, entries: Iterable[Mapping[str, Any]]) -> int:
        """Append entries {name, version, checksum, at_ms, rows, inputs: {"columns",
        "data"}, outputs: [..]} in one transaction; returns how many."""
        rows = [{**{k: e.get(k) for k in _FIELDS}, "log_id": new_id(),
                 "inputs": dumps(e["inputs"]), "outputs": dumps(e["outputs"])}
                for e in entries]
        if rows:
            self.db.transact(lambda c: c.execute(s.prediction_log.insert(), rows))
        return len(rows)

    def predictions(self, *, name: str | None = None, version: int | None = None,
                    checksum: str | None = None, since_ms: int | None = None,
                    limit: int | None = None) -> list[dict]:
        """Logged entries, oldest first, of a model (and version) or a package checksum."""
        p = s.prediction_log.c
        stmt = select(s.prediction_log).order_by(p.at_ms, p.log_id)
        if name is not None:
            stmt = stmt.where(p.name == name)
        if version is not None:
            stmt = stmt.where(p.version == version)
        if checksum is not None:
            stmt = stmt.where(p.checksum == checksum)
        if since_ms is not None:
            stmt = stmt.where(p.at_ms >= since_ms)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.db.read() as c:
            found = c.execute(stmt).mappings().all()
        return [{**{k: r[k] for k in _FIELDS}, "inputs": json.loads(r["inputs"]),
                 "outputs": json.loads(r["outputs"])} for r in found]
