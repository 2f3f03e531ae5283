"""Records → store calls. A record is a JSON-ready dict with an ``op``; the tracker builds
them, the spool keeps them, and this is the one place that knows what each op writes.

Consecutive cell records are written in one transaction; every op is idempotent (see
``store/cells.py``), so a record replayed after a crash or an outage changes nothing twice.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..redact import redact_bytes
from ..store import Store

_CELL_OPS = ("cell_start", "cell_end")


def _artifact(store: Store, r: dict) -> None:
    data = redact_bytes(base64.b64decode(r["data"]), r["media_type"])
    digest = store.artifacts.put_bytes(data)
    store.ensure_artifact(r["artifact_id"], r["run_id"], name=r["name"],
                          media_type=r["media_type"], digest=digest, size=len(data))


_OPS: dict[str, Callable[[Store, dict], Any]] = {
    "environment": lambda st, r: st.ensure_environment(r["environment_id"], r["data"]),
    "session": lambda st, r: st.ensure_session(r["row"]),
    "session_end": lambda st, r: st.end_session(r["session_id"], r["status"]),
    "heartbeat": lambda st, r: st.heartbeat(r["session_id"]),
    "run": lambda st, r: st.ensure_run(r["row"], r.get("params"), r.get("tags")),
    "params": lambda st, r: st.log_params(r["run_id"], r["values"]),
    "metrics": lambda st, r: st.log_metrics(r["run_id"], r["values"], step=r.get("step"),
                                            timestamp_ms=r.get("timestamp_ms")),
    "tags": lambda st, r: st.set_tags(r["run_id"], r["values"]),
    "note": lambda st, r: st.append_note(r["run_id"], r["text"]),
    "dataset": lambda st, r: st.log_dataset(r["run_id"], r["info"], name=r["name"],
                                            role=r["role"], source=r.get("source"),
                                            file_hash=r.get("file_hash")),
    "dataset_profile": lambda st, r: st.set_dataset_profile(r["fingerprint"], r["profile"],
                                                            r.get("file_hash")),
    "artifact": _artifact,
    "lineage": lambda st, r: st.add_lineage(r["run_id"], r["execution_ids"], r["positions"]),
    "warnings": lambda st, r: st.set_run_warnings(r["run_id"], r["warnings"]),
    # update_run, not end_run: the end time is when the cell ended, not when it is written
    "run_end": lambda st, r: st.update_run(r["run_id"], status=r["status"], error=r.get("error"),
                                           ended_ms=r["ended_ms"]),
}


def units(records: Sequence[dict]) -> Iterator[list[dict]]:
    """Split records into what is written in one transaction: a run of consecutive cell
    records, or a single other record."""
    i = 0
    while i < len(records):
        j = i + 1
        if records[i]["op"] in _CELL_OPS:
            while j < len(records) and records[j]["op"] in _CELL_OPS:
                j += 1
        yield list(records[i:j])
        i = j


def apply_unit(store: Store, unit: list[dict]) -> None:
    if unit[0]["op"] in _CELL_OPS:
        store.record_cells([r["row"] for r in unit if r["op"] == "cell_start"],
                           [r["row"] for r in unit if r["op"] == "cell_end"])
    else:
        _OPS[unit[0]["op"]](store, unit[0])


def apply(store: Store, records: Sequence[dict]) -> None:
    """Write ``records`` in order; raises on the first that fails."""
    for unit in units(records):
        apply_unit(store, unit)
