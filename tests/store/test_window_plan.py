"""PostgreSQL's probing walk (``_windowed``): the first index entries hash-joined with the
filter's matches, then the walk on from the window's end. Whatever the window's size, pages
and cursors give exactly what the old plan gives; and at scale the plan is a hash join over
an index-only window, not a nested loop into ``params_pkey`` per run."""

from __future__ import annotations

import pytest

from jupyter_mlops.store import schema as s
from jupyter_mlops.store.search import RunSearch, encode_cursor, page_queries
from tests.benchmarks.seed import seed_runs

from .old_plan import old_ids
from .test_search_plans import _seed

SORTS = ["-started", "started", "-metrics.acc", "metrics.acc", "-params.C"]
FILTERS = [["params.C=7"], ["params.C>=7"], ["metrics.acc<1"], ["tags.team=risk"]]


def _pages(store, sort, conditions, window, limit):
    """Every page of a probing walk with ``window`` entries, followed by its cursors."""
    ids, cursor = [], None
    with store.db.read() as c:
        while True:
            search = RunSearch(sort=sort, conditions=conditions, limit=limit, cursor=cursor)
            rows = []
            for query in page_queries(search, s.runs.c.status, store.db.engine.dialect.name,
                                      "probe", window):
                rows += c.execute(query.limit(limit - len(rows))).mappings().all()
            ids += [row["run_id"] for row in rows]
            if len(rows) < limit:
                return ids
            cursor = encode_cursor(rows[-1]["_sort"], rows[-1]["run_id"])


@pytest.mark.parametrize("window", [1, 3, 10, 1000])
def test_any_window_pages_like_the_old_plan(store, window):
    _seed(store)
    for conditions in FILTERS:
        for sort in SORTS:
            expected = old_ids(store, sort, conditions)
            for limit in (1, 4, 500):
                got = _pages(store, sort, conditions, window, limit)
                assert got == expected, (sort, conditions, window, limit)


def test_postgresql_hashes_the_matches_instead_of_a_lookup_per_run(store):
    if store.db.engine.dialect.name != "postgresql":
        pytest.skip("the window is PostgreSQL's plan; SQLite probes a set while it walks")
    seed_runs(store, 20_000)  # analyzed at the end, as autovacuum would
    for sort in ("-started", "-metrics.m0"):
        search = RunSearch(sort=sort, conditions=["params.p0=7"], limit=100)
        page = page_queries(search, s.runs.c.status, "postgresql", "probe", 20_000)[0]
        with store.db.read() as c:
            sql = str(page.compile(c, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(row[0] for row in c.exec_driver_sql("EXPLAIN " + sql))
        index = "ix_runs_started_run" if sort == "-started" else "ix_latest_metrics_key_value_run"
        assert "Hash Join" in plan and f"Index Only Scan Backward using {index}" in plan, plan
        assert "params_pkey" not in plan, plan  # no lookup of the filter per run walked


def test_postgresql_plans_each_statement_for_its_values(store):
    """A statement the driver has prepared keeps being planned with its values: a generic
    plan knows neither a page's window nor how many runs its filter matches."""
    if store.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans each statement when it is prepared")
    for _ in range(12):  # past psycopg's prepare threshold, on pooled connections
        store.search_runs(RunSearch(conditions=["params.p0=7"], limit=10))
    with store.db.read() as c:
        assert c.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
