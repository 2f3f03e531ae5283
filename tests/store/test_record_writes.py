"""The hot write path (fixed statements on the driver's connection): a run is stored
whole or not at all, and the database's refusals and locks are handled as on every
other write."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from jupyter_mlops.store import InvalidInput, Store, StoreError, db


def test_a_value_the_database_refuses_late_in_the_run_stores_nothing_of_it(store):
    params = {"C": 1.0, "note": "a\x00b"}  # PostgreSQL text cannot hold NUL; SQLite can
    record = dict(name="r", experiment="e", params=params, metrics={"acc": 0.9},
                  status="finished")
    if store.db.engine.dialect.name == "postgresql":
        with pytest.raises(InvalidInput, match="cannot hold"):
            store.create_run(**record)  # the run's row went in first: it is rolled back
        assert store.list_runs() == []
        with store.db.read() as c:
            assert c.exec_driver_sql("SELECT count(*) FROM params").scalar() == 0
    else:
        run = store.get_run(store.create_run(**record))
        assert run["params"]["note"] == "a\x00b" and run["metrics"] == {"acc": 0.9}


def _hold_write_lock(path, seconds):
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")
    threading.Timer(seconds, lambda: (con.execute("COMMIT"), con.close())).start()


def test_a_run_waits_out_a_write_lock_held_past_the_busy_timeout(store_dir, monkeypatch):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)  # the lock outlasts it: transact retries
    store = Store.open(str(store_dir))
    store.create_run(name="warm", experiment="e")  # the connection is open and set up
    _hold_write_lock(store.location.sqlite_path, 0.3)
    start = time.monotonic()
    run_id = store.create_run(name="r", experiment="e", params={"C": 1}, status="finished")
    assert time.monotonic() - start >= 0.25
    assert store.get_run(run_id)["params"] == {"C": "1"}
    store.close()


def test_a_lock_that_never_ends_is_a_store_error_not_a_driver_error(store_dir, monkeypatch):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 10)
    monkeypatch.setattr(db, "WRITE_ATTEMPTS", 2)
    store = Store.open(str(store_dir))
    store.create_run(name="warm", experiment="e")
    _hold_write_lock(store.location.sqlite_path, 1.0)
    with pytest.raises(StoreError, match="locked"):
        store.create_run(name="r", experiment="e", status="finished")
    time.sleep(1.1)
    assert [r["name"] for r in store.list_runs()] == ["warm"]
    store.close()
