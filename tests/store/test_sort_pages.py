"""Sorting by a metric, param or tag walks an index in two parts (runs with a value, then
runs without); the pages must be exactly those of the single ORDER BY over every run."""

from __future__ import annotations

import pytest

from jupyter_mlops.store import schema as s
from jupyter_mlops.store.search import RunSearch, build_query


def _seed(store):
    """Tie-heavy values, NaN (stored NULL), runs without the key, several steps."""
    for i in range(40):
        run_id = store.create_run(name=f"r{i}", experiment="e" if i % 3 else "f",
                                  params={"C": i % 4} if i % 5 else {})
        if i % 7 == 0:
            continue  # no metric at all
        value = float("nan") if i % 11 == 0 else float(i % 3)
        store.log_metrics(run_id, {"acc": 9.0}, step=0)
        store.log_metrics(run_id, {"acc": value}, step=1)  # the latest step decides


def _single_query_ids(store, search):
    with store.db.read() as c:
        return [row.run_id for row in c.execute(build_query(search, s.runs.c.status,
                                                            store.db.engine.dialect.name))]


def _paged_ids(store, **criteria):
    ids, cursor = [], None
    while True:
        page = store.search_runs(RunSearch(limit=6, cursor=cursor, **criteria))
        ids += [run["run_id"] for run in page["runs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


@pytest.mark.parametrize("sort", ["-metrics.acc", "metrics.acc", "-params.C", "params.C"])
@pytest.mark.parametrize("criteria", [{}, {"experiment": "e"},
                                      {"conditions": ["params.C>=1"]}])
def test_index_walk_pages_match_one_sorted_query(store, sort, criteria):
    _seed(store)
    expected = _single_query_ids(store, RunSearch(sort=sort, **criteria))
    assert _paged_ids(store, sort=sort, **criteria) == expected
    assert [r["run_id"] for r in store.search_runs(RunSearch(sort=sort, **criteria))["runs"]
            ] == expected
    first = store.search_runs(RunSearch(sort=sort, limit=6, **criteria))
    assert first["total"] == len(expected)
