"""Recorded drift reports on SQLite and PostgreSQL: the newest of a version comes back with
its plot, checked against its sha256; a report is redacted like every record."""

from __future__ import annotations

import pytest

from jupyter_mlops.store import NotFound, StoreError

PNG = b"\x89PNG\r\n\x1a\n" + b"plot" * 100
SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"


def report(drift: bool, version: int = 1, label: str = "basic") -> dict:
    return {"model": {"name": "churn", "version": version, "checksum": "c" * 64},
            "drift": drift, "rows": 500, "drifted": ["age"] if drift else [],
            "features": [{"name": "plan", "bins": {"labels": [label]}}]}


def test_the_last_report_of_a_version_and_its_plot(store):
    first = store.record_drift_report(report(True), PNG)
    assert first["plot"] == {"digest": first["plot"]["digest"], "size": len(PNG)}
    store.record_drift_report(report(False, version=2))
    assert store.last_drift_plot("churn", 1) == PNG
    last = store.record_drift_report(report(False))
    found = store.last_drift_report("churn", 1)
    assert (found["report_id"], found["drift"], found["plot"]) == (last["report_id"], False,
                                                                    None)
    assert found["report"]["features"][0]["bins"]["labels"] == ["basic"]
    with pytest.raises(NotFound, match="has no plot"):
        store.last_drift_plot("churn", 1)
    with pytest.raises(NotFound, match="no drift report for churn/3"):
        store.last_drift_report("churn", 3)


def test_a_changed_plot_is_refused_and_a_report_is_redacted(store):
    store.record_drift_report(report(True, label=f"STRIPE_KEY={SECRET}"), PNG)
    assert SECRET not in str(store.last_drift_report("churn", 1))
    digest = store.last_drift_report("churn", 1)["plot"]["digest"]
    with open(store.artifacts.path(digest), "wb") as f:
        f.write(b"not the plot")
    with pytest.raises(StoreError, match="changed on disk"):
        store.last_drift_plot("churn", 1)
