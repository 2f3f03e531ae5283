"""Grouping counts every matching run, not a page: the Experiments view's group headers
show these counts, and a group's rows are paged with the same search plus the group."""

from __future__ import annotations

import pytest

from jupyter_mlops.store import InvalidInput
from jupyter_mlops.store.search import RunSearch, group_query


@pytest.fixture
def runs(store):
    """30 runs: experiment a (20) / b (10); param C = i % 3 on all but every fifth run;
    tag team=risk on the first 4; run 29 deleted."""
    ids = []
    for i in range(30):
        ids.append(store.create_run(
            name=f"r{i}", experiment="a" if i < 20 else "b",
            notebook="nb.ipynb" if i % 2 else None, params={"C": i % 3} if i % 5 else {},
            tags={"team": "risk"} if i < 4 else {}, metrics={"acc": i / 30},
            status="finished"))
    store.set_deleted(ids[29], True)
    return ids


def _groups(store, key, **criteria):
    return {g["value"]: g["count"] for g in store.group_runs(RunSearch(**criteria), key)["groups"]}


def _paged(store, key, value, **criteria):
    """Every run id of one group, read two at a time as the view expands it."""
    group = {"group_value": value} if value is not None else {"group_missing": True}
    ids, cursor = [], None
    while True:
        page = store.search_runs(RunSearch(group=key, limit=2, cursor=cursor, **group,
                                           **criteria))
        ids += [r["run_id"] for r in page["runs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def test_groups_count_all_matching_runs_largest_first(store, runs):
    answer = store.group_runs(RunSearch(), "experiment")
    assert answer["groups"] == [{"value": "a", "count": 20}, {"value": "b", "count": 9}]
    assert answer["total"] == 29 and not answer["truncated"]
    assert _groups(store, "notebook") == {"nb.ipynb": 14, None: 15}
    # Params group by their text; runs without the param form the null group.
    assert _groups(store, "params.C") == {"0": 8, "1": 8, "2": 7, None: 6}
    assert _groups(store, "tags.team") == {None: 25, "risk": 4}
    assert _groups(store, "status") == {"finished": 29}


def test_past_the_group_limit_only_the_largest_come_back_and_the_total_counts_all(
        store, runs, monkeypatch):
    from jupyter_mlops.store import catalog

    monkeypatch.setattr(catalog, "MAX_GROUPS", 2)
    answer = store.group_runs(RunSearch(), "params.C")
    assert answer["groups"] == [{"value": "0", "count": 8}, {"value": "1", "count": 8}]
    assert answer["total"] == 29 and answer["truncated"]
    # The limit is the database's: 4 groups exist, 3 rows are read.
    query = group_query(RunSearch(), "params.C", store._status_column(set()),
                        store.db.engine.dialect.name, 3)
    with store.db.read() as c:
        assert [tuple(r) for r in c.execute(query)] == [("0", 8, 29), ("1", 8, 29), ("2", 7, 29)]
    empty = store.group_runs(RunSearch(experiment="none"), "params.C")
    assert empty == {"group": "params.C", "groups": [], "total": 0, "truncated": False}


def test_groups_follow_the_query(store, runs):
    assert _groups(store, "experiment", conditions=["metrics.acc >= 0.5"]) == {"a": 5, "b": 9}
    assert _groups(store, "params.C", experiment="b", include_deleted=True) == {
        "0": 3, "2": 3, "1": 2, None: 2}


@pytest.mark.parametrize(("key", "value"), [("experiment", "b"), ("params.C", "1"),
                                            ("params.C", None), ("tags.team", "risk"),
                                            ("notebook", None)])
def test_a_groups_pages_hold_exactly_its_runs(store, runs, key, value):
    counts = _groups(store, key, sort="-metrics.acc")
    ids = _paged(store, key, value, sort="-metrics.acc")
    assert len(ids) == len(set(ids)) == counts[value]
    first = store.search_runs(RunSearch(group=key, limit=2, sort="-metrics.acc",
                                        **({"group_value": value} if value is not None
                                           else {"group_missing": True})))
    assert first["total"] == counts[value]
    everything = [r["run_id"] for r in store.search_runs(RunSearch(sort="-metrics.acc"))["runs"]]
    assert ids == [i for i in everything if i in set(ids)]  # the query's order within a group


@pytest.mark.parametrize(("criteria", "message"), [
    ({"group": "metrics.acc", "group_value": "1"}, "cannot group by 'metrics.acc'"),
    ({"group": "experiment"}, "group_value or group_missing"),
    ({"group": "experiment", "group_value": "a", "group_missing": True},
     "group_value or group_missing"),
    ({"group_value": "a"}, "need group"),
])
def test_bad_groups_are_refused(store, criteria, message):
    with pytest.raises(InvalidInput, match=message):
        store.search_runs(RunSearch(**criteria))


@pytest.mark.parametrize("key", ["metrics.acc", "params.", "name", ""])
def test_only_groupable_keys_group(store, key):
    with pytest.raises(InvalidInput, match="cannot group by"):
        store.group_runs(RunSearch(), key)
