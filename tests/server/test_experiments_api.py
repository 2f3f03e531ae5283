"""The REST reads behind the Experiments view: the total of a search, the catalog of every
key in the store, and many runs' metric histories in one request."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

API = ("jupyter-mlops", "api")


async def _get(jp_fetch, *path, params=None):
    return json.loads((await jp_fetch(*API, *path, params=params)).body)


@pytest.fixture
def runs(store):
    """Twelve runs over two experiments and notebooks; run 11 is deleted."""
    ids = []
    for i in range(12):
        run_id = store.create_run(name=f"r{i}", experiment="churn" if i < 3 else "fraud",
                                  notebook=f"/work/nb{i % 2}.ipynb", user="ann" if i else "bob",
                                  params={f"p{i}": i, "C": i}, tags={"team": "risk"} if i < 2
                                  else {})
        for step in range(3):
            store.log_metrics(run_id, {"loss": 1 / (step + 1 + i), f"m{i % 4}": i}, step=step)
        store.end_run(run_id)
        ids.append(run_id)
    store.set_deleted(ids[11], True)
    return ids


async def test_first_page_has_the_total_of_every_matching_run(jp_fetch, runs):
    first = await _get(jp_fetch, "runs", params={"limit": "5"})
    assert first["total"] == 11 and len(first["runs"]) == 5
    later = await _get(jp_fetch, "runs", params={"limit": "5", "cursor": first["next_cursor"]})
    assert later["total"] is None
    filtered = await _get(jp_fetch, "runs", params=[("filter", "params.C>=5"),
                                                    ("experiment", "fraud"), ("limit", "2")])
    assert filtered["total"] == 6  # runs 5..10; 11 is deleted
    polled = await _get(jp_fetch, "runs", params={"since": first["change_cursor"]})
    assert polled["total"] is None


async def test_runs_sort_by_a_tag(jp_fetch, store, runs):
    store.edit_run(runs[5], tags={"team": "alpha"})
    page = await _get(jp_fetch, "runs", params={"sort": "tags.team", "limit": "3"})
    assert [r["name"] for r in page["runs"]] == ["r5", "r1", "r0"]


async def test_catalog_lists_every_key_not_only_a_page(jp_fetch, runs):
    catalog = await _get(jp_fetch, "catalog")
    assert catalog["experiments"] == ["churn", "fraud"]
    assert catalog["notebooks"] == ["/work/nb0.ipynb", "/work/nb1.ipynb"]
    assert catalog["users"] == ["ann", "bob"]
    assert catalog["params"] == sorted(["C", *(f"p{i}" for i in range(12))])
    assert catalog["metrics"] == ["loss", "m0", "m1", "m2", "m3"]
    assert catalog["tags"] == ["team"]


async def test_histories_of_many_runs_in_one_request(jp_fetch, runs):
    ids = ",".join([*runs[:3], "missing"])
    answer = await _get(jp_fetch, "metrics", "histories", params={"key": "loss", "ids": ids})
    assert set(answer["histories"]) == set(runs[:3])
    assert answer["histories"][runs[2]] == {"steps": [0, 1, 2], "values": [1 / 3, 1 / 4, 1 / 5]}


@pytest.mark.parametrize("params, message", [
    ({"ids": "a,b"}, "key is required"),
    ({"key": "loss"}, "1 to 200 runs"),
    ({"key": "loss", "ids": ",".join(f"r{i}" for i in range(201))}, "1 to 200 runs"),
])
async def test_bad_history_requests_get_400(jp_fetch, runs, params, message):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "metrics", "histories", params=params)
    assert err.value.code == 400 and message in json.loads(err.value.response.body)["detail"]


async def test_groups_count_every_matching_run_and_a_group_pages(jp_fetch, runs):
    answer = await _get(jp_fetch, "runs", "groups", params={"by": "experiment"})
    assert answer == {"group": "experiment", "total": 11, "truncated": False,
                      "groups": [{"value": "fraud", "count": 8}, {"value": "churn", "count": 3}]}
    tagged = await _get(jp_fetch, "runs", "groups", params=[("by", "tags.team"),
                                                            ("filter", "params.C<=5")])
    assert tagged["groups"] == [{"value": None, "count": 4}, {"value": "risk", "count": 2}]
    page = await _get(jp_fetch, "runs", params={"group": "tags.team", "group_missing": "true",
                                                "filter": "params.C<=5", "limit": "3"})
    assert page["total"] == 4 and [r["name"] for r in page["runs"]] == ["r5", "r4", "r3"]
    rest = await _get(jp_fetch, "runs", params={"group": "tags.team", "group_missing": "true",
                                                "filter": "params.C<=5", "limit": "3",
                                                "cursor": page["next_cursor"]})
    assert [r["name"] for r in rest["runs"]] == ["r2"]
    churn = await _get(jp_fetch, "runs", params={"group": "experiment", "group_value": "churn"})
    assert sorted(r["name"] for r in churn["runs"]) == ["r0", "r1", "r2"]


@pytest.mark.parametrize(("path", "params", "message"), [
    ("runs/groups", {}, "by is required"),
    ("runs/groups", {"by": "metrics.loss"}, "cannot group by 'metrics.loss'"),
    ("runs/groups", {"by": "name"}, "cannot group by 'name'"),
    ("runs/groups", {"by": "experiment", "filter": "metrics.x>"}, "compared with a number"),
    ("runs", {"group": "params.", "group_value": "1"}, "cannot group by 'params.'"),
    ("runs", {"group": "experiment"}, "group_value or group_missing"),
    ("runs", {"group_value": "churn"}, "need group"),
])
async def test_bad_groupings_are_a_specific_400(jp_fetch, runs, path, params, message):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(*API, *path.split("/"), params=params)
    assert caught.value.code == 400
    assert message in json.loads(caught.value.response.body)["detail"]
