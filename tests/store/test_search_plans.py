"""Index-driven filters and counts return exactly what the old plan returned: the single
ORDER BY over every run with an EXISTS per filter, the param's text read as a number row by
row. Every plan a page can take (fetch the matches, walk probing a set, walk looking each
run up) gives the same pages, and ``total`` stays exact through deletes and restores."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from jupyter_mlops.store import Store
from jupyter_mlops.store import schema as s
from jupyter_mlops.store.search import PLANS, RunSearch, filter_plan, page_queries

from .old_plan import old_ids

# Spellings both backends' old readings agreed on (SQLite's old GLOB test also read "7-"
# as 7 and refused " 7"; PostgreSQL's regex did the opposite; value_num follows the regex).
VALUES = ["7", "7.0", "07", "0.7e1", "7.5", "-3", "abc", "", "1e1", "10", "C=7", "x7"]

FILTERS = [["params.C=7"], ["params.C!=7"], ["params.C>=7"], ["params.C<7.5"],
           ["params.C=abc"], ["params.C>b"], ["params.C=7", "params.D=1"],
           ["metrics.acc>=1"], ["metrics.acc<1"], ["tags.team=risk"], []]
SORTS = ["-started", "started", "-metrics.acc", "metrics.acc", "-params.C", "name"]


def _seed(store: Store) -> None:
    for i in range(60):
        params = {"C": VALUES[i % len(VALUES)]} if i % 13 else {}
        if i % 4 == 0:
            params["D"] = i % 3
        run_id = store.create_run(name=f"r{i % 7}", experiment="e", params=params,
                                  tags={"team": "risk"} if i % 5 == 0 else {})
        if i % 6:
            store.log_metrics(run_id, {"acc": float("nan") if i % 11 == 0 else float(i % 3)})
        if i % 9 == 0:
            store.set_deleted(run_id, True)


def _paged(store, sort, conditions, limit=7):
    ids, cursor, total = [], None, None
    while True:
        page = store.search_runs(RunSearch(sort=sort, conditions=conditions, limit=limit,
                                           cursor=cursor))
        total = page["total"] if cursor is None else total
        ids += [run["run_id"] for run in page["runs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, total


def _plan_ids(store, sort, conditions, plan, limit=500):
    search = RunSearch(sort=sort, conditions=conditions, limit=limit)
    ids = []
    with store.db.read() as c:
        for query in page_queries(search, s.runs.c.status, store.db.engine.dialect.name,
                                  plan):
            ids += [row.run_id for row in c.execute(query.limit(limit - len(ids)))]
    return ids


@pytest.mark.parametrize("conditions", FILTERS, ids=lambda f: "&".join(f) or "none")
def test_filters_and_sorts_match_the_old_plan(store, conditions):
    _seed(store)
    for sort in SORTS:
        expected = old_ids(store, sort, conditions)
        ids, total = _paged(store, sort, conditions)
        assert (ids, total) == (expected, len(expected)), sort
        for plan in PLANS:
            assert _plan_ids(store, sort, conditions, plan) == expected, (sort, plan)


def test_total_stays_exact_through_deletes_restores_and_experiments(store):
    ids = [store.create_run(name="r", experiment=f"e{i % 2}", params={"C": i % 2})
           for i in range(6)]

    def totals():
        return [store.search_runs(RunSearch(limit=1, **q))["total"] for q in (
            {}, {"experiment": "e0"}, {"conditions": ["params.C=0"]},
            {"include_deleted": True}, {"conditions": ["params.C=0"], "include_deleted": True})]

    assert totals() == [6, 3, 3, 6, 3]
    store.set_deleted(ids[0], True)
    store.set_deleted(ids[0], True)  # twice: still one deleted run
    assert totals() == [5, 2, 2, 6, 3]
    store.update_run(ids[1], experiment="e0")
    assert totals() == [5, 3, 2, 6, 3]
    store.set_deleted(ids[0], False)
    assert totals() == [6, 4, 3, 6, 3]


def test_upgrade_fills_numbers_and_counts_of_an_existing_store(store_dir):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from jupyter_mlops.store.migrate import MIGRATIONS

    store_dir.mkdir()
    path = store_dir / "mlops.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
    engine.dispose()
    con = sqlite3.connect(path)
    for i, (value, deleted) in enumerate([("7", None), ("7.0", None), ("x", 5), ("7", 5)]):
        con.execute("insert into runs (run_id, name, experiment, status, started_ms, source,"
                    " updated_ms, deleted_ms) values (?, 'r', 'e', 'finished', ?, 'api', ?, ?)",
                    (f"r{i}", i, i, deleted))
        con.execute("insert into params (run_id, key, value) values (?, 'C', ?)", (f"r{i}", value))
    con.commit()
    con.close()
    store = Store.open(str(store_dir))
    page = store.search_runs(RunSearch(conditions=["params.C=7"]))
    assert [r["run_id"] for r in page["runs"]] == ["r1", "r0"] and page["total"] == 2
    assert store.search_runs(RunSearch(include_deleted=True))["total"] == 4
    store.close()


def _starts(store):
    """(run_id, key, params.started_ms, runs.started_ms) of every param."""
    p, r = s.params.c, s.runs.c
    with store.db.read() as c:
        return c.execute(select(p.run_id, p.key, p.started_ms, r.started_ms).select_from(
            s.params.join(s.runs, r.run_id == p.run_id)).order_by(p.run_id, p.key)).all()


def test_params_carry_their_runs_start_however_they_are_written(store):
    first = store.create_run(name="r", experiment="e", params={"C": 1})
    store.log_params(first, {"C": 2, "D": "x"})  # one param changed, one added later
    store.ensure_run({"run_id": "k1", "name": "k", "experiment": "e", "source": "kernel",
                      "started_ms": 5}, params={"C": 3})
    rows = _starts(store)
    assert len(rows) == 3 and all(row[2] == row[3] and row[2] is not None for row in rows)


@pytest.mark.parametrize("sort", ["-started", "started"])
def test_a_param_equality_sorted_by_start_reads_its_index_in_order(store, sort):
    _seed(store)
    search = RunSearch(sort=sort, conditions=["params.C=7"], limit=3)
    assert filter_plan(search, matches=1, live=1_000_000) == "range"
    assert filter_plan(RunSearch(sort=sort, conditions=["params.C>7"]), 1, 10) != "range"
    for other in ({"sort": "-metrics.acc"}, {"experiment": "e"}, {"text": "r1"},
                  {"tags": ["team"]}):
        narrowed = RunSearch(**{"sort": sort, "conditions": ["params.C=7"], **other})
        assert filter_plan(narrowed, 1, 10) != "range", other
    [query] = page_queries(search, s.runs.c.status, store.db.engine.dialect.name, "range")
    if store.db.engine.dialect.name == "sqlite":
        with store.db.read() as c:
            sql = query.compile(dialect=c.dialect, compile_kwargs={"literal_binds": True})
            plan = " | ".join(row[-1] for row in c.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}").all())
        assert "ix_params_key_num_started" in plan, plan
        if sort == "-started":  # the index's own order, read backwards: nothing is sorted
            assert "TEMP B-TREE" not in plan, plan
    assert _paged(store, sort, ["params.C=7"], limit=3) == (
        old_ids(store, sort, ["params.C=7"]), len(old_ids(store, sort, ["params.C=7"])))


def test_upgrade_gives_existing_params_their_runs_start(store_dir):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from jupyter_mlops.store.migrate import MIGRATIONS

    store_dir.mkdir()
    path = store_dir / "mlops.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        config.attributes["connection"] = conn
        command.upgrade(config, "0007")
    engine.dispose()
    con = sqlite3.connect(path)
    for i in range(3):
        con.execute("insert into runs (run_id, name, experiment, status, started_ms, source,"
                    " updated_ms) values (?, 'r', 'e', 'finished', ?, 'api', ?)",
                    (f"r{i}", 10 - i, i))
        con.execute("insert into params (run_id, key, value, value_num) values (?, 'C', '7', 7)",
                    (f"r{i}",))
    con.commit()
    con.close()
    store = Store.open(str(store_dir))
    assert [row[2] for row in _starts(store)] == [10, 9, 8]
    page = store.search_runs(RunSearch(conditions=["params.C=7"], sort="started"))
    assert [r["run_id"] for r in page["runs"]] == ["r2", "r1", "r0"]
    store.close()


def test_writers_give_params_their_runs_start_themselves(store):
    """The triggers only back up a writer that leaves ``params.started_ms`` out: the store's
    own writers pass it, so a param insert costs no trigger UPDATE (dropped here to show it)."""
    with store.db.engine.begin() as c:
        if store.db.engine.dialect.name == "sqlite":
            c.exec_driver_sql("DROP TRIGGER params_started_insert")
            c.exec_driver_sql("DROP TRIGGER params_started_update")
        else:
            c.exec_driver_sql("DROP TRIGGER params_started ON params")
    first = store.create_run(name="r", experiment="e", params={"C": 1})
    store.log_params(first, {"C": 2, "D": "x"})
    store.ensure_run({"run_id": "k1", "name": "k", "experiment": "e", "source": "kernel",
                      "started_ms": 5}, params={"C": 3})
    rows = _starts(store)
    assert len(rows) == 3 and all(row[2] == row[3] and row[2] is not None for row in rows)
    page = store.search_runs(RunSearch(conditions=["params.C=3"]))
    assert [r["run_id"] for r in page["runs"]] == ["k1"] and page["total"] == 1
