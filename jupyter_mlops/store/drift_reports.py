"""Drift reports: what ``jupyter mlops monitor`` found for a served version, kept so that the
sidebar and REST can show the last one (and its plot) without recomputing it.

The report passes through the redaction step like every record (its bin labels are data
values); the PNG is a blob of the artifact store, read back only if its sha256 still matches.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from ..redact import redact_value
from . import schema as s
from .errors import NotFound, StoreError
from .ids import new_id
from .records import dumps, now_ms


class DriftReportsMixin:
    """The drift-report half of Store (needs ``self.db`` and ``self.artifacts``)."""

    db: Any
    artifacts: Any

    def record_drift_report(self, report: dict, plot: bytes | None = None) -> dict:
        """Keep a monitor report (and its PNG); returns its summary."""
        model = report["model"]
        row = {"report_id": new_id(), "name": model.get("name"), "version": model.get("version"),
               "checksum": model["checksum"], "at_ms": now_ms(), "drift": bool(report["drift"]),
               "rows": int(report["rows"]), "report": dumps(redact_value(report)),
               "plot_digest": self.artifacts.put_bytes(plot) if plot else None,
               "plot_size": len(plot) if plot else None}
        self.db.transact(lambda c: c.execute(s.drift_reports.insert(), row))
        return _summary(row)

    def last_drift_report(self, name: str, version: int) -> dict:
        """The newest report of ``name``/``version``: its summary with ``report`` and
        ``plot`` ({digest, size} or None)."""
        row = self._last_drift_row(name, version)
        return {**_summary(row), "report": json.loads(row["report"])}

    def last_drift_plot(self, name: str, version: int) -> bytes:
        """The PNG of the newest report (NotFound when it has none)."""
        row = self._last_drift_row(name, version)
        if not row["plot_digest"]:
            raise NotFound(f"the last drift report of {name}/{version} has no plot "
                           "(jupyter mlops monitor --plot OUT.png makes one)")
        try:
            data = self.artifacts.read(row["plot_digest"])
        except OSError as e:
            raise StoreError(f"the drift plot of {name}/{version} cannot be read: {e}") from None
        if hashlib.sha256(data).hexdigest() != row["plot_digest"]:
            raise StoreError(f"the drift plot of {name}/{version} changed on disk since it "
                             "was recorded")
        return data

    def _last_drift_row(self, name: str, version: int) -> Any:
        d = s.drift_reports.c
        stmt = (select(s.drift_reports).where(d.name == name, d.version == version)
                .order_by(d.at_ms.desc(), d.report_id.desc()).limit(1))
        with self.db.read() as c:
            row = c.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(f"no drift report for {name}/{version}: run jupyter mlops monitor "
                           f"{name}/{version}")
        return row


def _summary(row: Any) -> dict:
    from .queries import iso

    plot = {"digest": row["plot_digest"], "size": row["plot_size"]} if row["plot_digest"] \
        else None
    return {"report_id": row["report_id"], "name": row["name"], "version": row["version"],
            "checksum": row["checksum"], "at": iso(row["at_ms"]), "drift": bool(row["drift"]),
            "rows": row["rows"], "plot": plot}
