"""Opening stores: creation, upgrade, refusal of newer schemas, SQLite settings, locations."""

from __future__ import annotations

import logging
import os
import sqlite3
import time

import pytest
from sqlalchemy import text

from jupyter_mlops.store import SCHEMA_VERSION, Store, StoreError
from jupyter_mlops.store import db as dbmod
from jupyter_mlops.store.ids import new_id
from jupyter_mlops.store.location import resolve
from jupyter_mlops.store.migrate import known_revisions


def test_ids_are_short_urlsafe_unique_and_time_ordered():
    ids = [new_id() for _ in range(20000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 20 and i.isalnum() and i == i.lower() for i in ids)
    earlier = new_id()
    time.sleep(0.002)
    assert earlier < new_id()


def test_forked_workers_draw_their_own_random_bits():
    """joblib/multiprocessing workers forked from one kernel must not make the same ids."""
    from jupyter_mlops.store import ids

    drawn = []
    for _ in range(2):
        read, write = os.pipe()
        if os.fork() == 0:
            os.write(write, str(ids._random.getrandbits(64)).encode())
            os._exit(0)
        os.close(write)
        drawn.append(os.read(read, 64))
        os.close(read)
        os.wait()
    assert drawn[0] != drawn[1] and str(ids._random.getrandbits(64)).encode() not in drawn


def test_new_store_gets_current_schema_and_owner_only_directory(store_dir):
    Store.open(str(store_dir)).close()
    con = sqlite3.connect(store_dir / "mlops.db")
    assert con.execute("select version_num from alembic_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert {"sessions", "cell_executions", "runs", "params", "metrics", "latest_metrics", "tags",
            "datasets", "run_inputs", "environments", "artifacts", "run_lineage",
            "registered_models", "model_versions", "model_aliases", "alias_events"} <= tables
    assert oct(os.stat(store_dir).st_mode & 0o777) == oct(0o700)


def test_store_from_an_older_version_is_upgraded_in_place(store_dir):
    # An "older" store: the database exists with data of its own but no schema yet.
    store_dir.mkdir()
    con = sqlite3.connect(store_dir / "mlops.db")
    con.execute("create table unrelated (x)")
    con.commit()
    con.close()
    st = Store.open(str(store_dir))
    run_id = st.create_run(name="r", experiment="e")
    assert st.get_run(run_id)["name"] == "r"
    assert known_revisions()[-1] == SCHEMA_VERSION


def test_store_newer_than_the_code_is_refused(store_dir):
    Store.open(str(store_dir)).close()
    con = sqlite3.connect(store_dir / "mlops.db")
    con.execute("update alembic_version set version_num='9999'")
    con.commit()
    with pytest.raises(StoreError, match="newer jupyter_mlops"):
        Store.open(str(store_dir))
    con = sqlite3.connect(store_dir / "mlops.db")
    assert con.execute("select version_num from alembic_version").fetchone()[0] == "9999"


def test_sqlite_runs_in_wal_with_normal_sync_and_busy_timeout(store_dir):
    with Store.open(str(store_dir)).db.read() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert c.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert c.execute(text("PRAGMA mmap_size")).scalar() > 0  # reads are memory-mapped


def test_network_filesystem_falls_back_to_rollback_journal_and_says_so_once(
        store_dir, monkeypatch, caplog):
    monkeypatch.setattr(dbmod, "filesystem_type", lambda path: "nfs")
    monkeypatch.setattr(dbmod, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="jupyter_mlops"):
        for _ in range(3):
            st = Store.open(str(store_dir))
            st.create_run(name="r", experiment="e")
            assert st.db.journal_mode == "delete"
            with st.db.read() as c:  # no memory map of a file on a network filesystem
                assert c.execute(text("PRAGMA mmap_size")).scalar() == 0
            st.close()
    warnings = [r for r in caplog.records if "rollback journal" in r.getMessage()]
    assert len(warnings) == 1
    assert "network filesystem" in warnings[0].getMessage()


def test_location_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("JUPYTER_MLOPS_STORE", raising=False)
    assert resolve(configured_store=str(tmp_path / "cfg")).sqlite_path == str(
        tmp_path / "cfg" / "mlops.db")
    monkeypatch.setenv("JUPYTER_MLOPS_STORE", str(tmp_path / "env"))
    loc = resolve(configured_store=str(tmp_path / "cfg"))
    assert loc.sqlite_path == str(tmp_path / "env" / "mlops.db")
    assert loc.artifacts == str(tmp_path / "env" / "artifacts")
    assert resolve(str(tmp_path / "arg")).describe() == str(tmp_path / "arg")
    pg = resolve("postgresql://me:s3cret@db.example/mlops")
    assert pg.kind == "postgresql" and "s3cret" not in pg.describe()


def test_default_location_is_under_jupyter_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("JUPYTER_MLOPS_STORE", raising=False)
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    assert resolve().sqlite_path == str(tmp_path / "data" / "mlops" / "mlops.db")


@pytest.mark.parametrize("url", ["postgresql://", "sqlite://", "sqlite:///:memory:",
                                 "not a url://x", "nosuchdialect://host/db"])
def test_bad_store_urls_are_refused_clearly(url, tmp_path):
    with pytest.raises(StoreError) as err:
        Store.open(url)
    assert str(err.value).startswith(("malformed store URL", "cannot use store"))
    assert url in str(err.value)


def test_store_directory_that_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create store directory"):
        Store.open(str(blocker / "store"))
    assert blocker.read_text() == "not a directory"
