"""The REST API over a real Jupyter Server: search, pages, polling, edits, records, artifacts."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlops.store import now_ms

API = ("jupyter-mlops", "api")


async def _get(jp_fetch, *path, params=None):
    response = await jp_fetch(*API, *path, params=params)
    return json.loads(response.body)


async def _error(jp_fetch, *path, method="GET", params=None, body=None, headers=None):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, *path, method=method, params=params, body=body,
                       headers=dict(headers or {}))  # jp_fetch adds its token to the dict
    payload = json.loads(err.value.response.body)
    assert set(payload) == {"error", "detail"} and "Traceback" not in payload["detail"]
    return err.value.code, payload["detail"]


@pytest.fixture
def runs(store):
    """Five runs: a..e, with params, metrics and tags that filters can tell apart."""
    ids = {}
    for i, name in enumerate("abcde"):
        run_id = store.create_run(name=name, experiment="x" if i % 2 else "y",
                                  params={"C": i, "kernel": "rbf" if i < 3 else "linear"},
                                  tags={"team": "risk" if i < 2 else "growth"}, user="ann")
        store.log_metrics(run_id, {"accuracy": 0.5 + i / 10})
        store.end_run(run_id)
        ids[name] = run_id
    store.append_note(ids["c"], "tried Gradient boosting")
    return ids


def _names(page):
    return [r["name"] for r in page["runs"]]


async def test_list_filters_and_sorts(jp_fetch, runs):
    assert _names(await _get(jp_fetch, "runs")) == list("edcba")
    assert _names(await _get(jp_fetch, "runs", params={"experiment": "x"})) == ["d", "b"]
    assert _names(await _get(jp_fetch, "runs", params={"sort": "-metrics.accuracy",
                                                        "limit": "2"})) == ["e", "d"]
    assert _names(await _get(jp_fetch, "runs", params=[("filter", "metrics.accuracy>0.65"),
                                                       ("filter", "params.kernel=rbf")])) == ["c"]
    assert _names(await _get(jp_fetch, "runs", params={"filter": "params.C>=3"})) == ["e", "d"]
    assert _names(await _get(jp_fetch, "runs", params={"filter": "params.C=1.0"})) == ["b"]
    assert _names(await _get(jp_fetch, "runs", params={"tag": "team=risk"})) == ["b", "a"]
    assert _names(await _get(jp_fetch, "runs", params={"q": "gradient"})) == ["c"]
    assert _names(await _get(jp_fetch, "runs", params={"user": "bob"})) == []
    assert _names(await _get(jp_fetch, "runs", params={"status": "finished", "sort": "name",
                                                        "limit": "1"})) == ["a"]


async def test_keyset_pages_cover_every_run_once(jp_fetch, store, runs):
    for sort in ("-started", "metrics.accuracy", "-params.kernel", "name"):
        seen, cursor = [], None
        while True:
            params = {"sort": sort, "limit": "2", **({"cursor": cursor} if cursor else {})}
            page = await _get(jp_fetch, "runs", params=params)
            seen += _names(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == list("abcde") and len(seen) == 5, (sort, seen)


async def test_since_returns_new_changed_and_deleted_runs(jp_fetch, store, runs):
    cursor = (await _get(jp_fetch, "runs"))["change_cursor"]
    new = store.create_run(name="f", experiment="x")
    store.log_metrics(runs["a"], {"loss": 0.1})
    await jp_fetch(*API, "runs", runs["b"], method="DELETE")
    page = await _get(jp_fetch, "runs", params={"since": cursor})
    changed = {r["name"]: r for r in page["runs"]}
    assert {"f", "a", "b"} <= set(changed) and changed["b"]["deleted"] is True
    assert new in {r["run_id"] for r in page["runs"]}
    later = await _get(jp_fetch, "runs", params={"since": page["change_cursor"]})
    assert {r["name"] for r in later["runs"]} <= {"f", "a", "b"}


@pytest.mark.parametrize("params, message", [
    ({"limit": "501"}, "limit"), ({"limit": "ten"}, "integer"), ({"limit": "0"}, "limit"),
    ({"sort": "bogus"}, "unknown sort key"), ({"filter": "accuracy>1"}, "malformed filter"),
    ({"filter": "metrics.acc>high"}, "compared with a number"), ({"cursor": "%%%"}, "cursor"),
    ({"cursor": "WzEsMl0"}, "cursor"), ({"since": "yesterday"}, "since"),
    ({"status": "exploded"}, "unknown status"), ({"include_deleted": "maybe"}, "true or false"),
    ({"tag": "=x"}, "tag filter"),
])
async def test_malformed_queries_get_400_with_a_reason(jp_fetch, runs, params, message):
    code, detail = await _error(jp_fetch, "runs", params=params)
    assert code == 400 and message in detail


async def test_run_record_has_links_and_no_internal_digests(jp_fetch, store, runs):
    store.log_metrics(runs["a"], {"val/loss": 0.2}, step=3)
    run = await _get(jp_fetch, "runs", runs["a"])
    assert run["name"] == "a" and run["params"]["C"] == "0"
    url = run["links"]["metrics"]["val/loss"]
    assert url.endswith(f"/runs/{runs['a']}/metrics/val%2Floss")
    history = await _get(jp_fetch, "runs", runs["a"], "metrics", "val/loss")
    assert history["history"][0]["step"] == 3 and history["history"][0]["value"] == 0.2
    assert (await _get(jp_fetch, "runs", runs["a"], "metrics", "nothing"))["history"] == []
    assert (await _error(jp_fetch, "runs", "nope", "metrics", "x"))[0] == 404
    assert (await _error(jp_fetch, "runs", "nope"))[0] == 404


async def test_patch_edits_name_notes_and_tags(jp_fetch, runs):
    body = json.dumps({"name": "renamed", "notes": "checked", "tags": {"team": None, "ok": "1"}})
    response = await jp_fetch(*API, "runs", runs["a"], method="PATCH", body=body,
                              headers={"Content-Type": "application/json"})
    run = json.loads(response.body)
    assert run["name"] == "renamed" and run["notes"] == "checked" and run["tags"] == {"ok": "1"}


@pytest.mark.parametrize("body, headers, code, message", [
    ('{"name": "x"}', {"Content-Type": "text/plain"}, 415, "application/json"),
    ("{not json", {"Content-Type": "application/json"}, 400, "not valid JSON"),
    ("[1, 2]", {"Content-Type": "application/json"}, 400, "JSON object"),
    ('{"status": "finished"}', {"Content-Type": "application/json"}, 400, "cannot edit"),
    ('{"name": ""}', {"Content-Type": "application/json"}, 400, "name"),
    ('{"tags": {"a": 1}}', {"Content-Type": "application/json"}, 400, "tags"),
    ("{}", {"Content-Type": "application/json"}, 400, "nothing to edit"),
])
async def test_bad_patches_are_refused_and_change_nothing(jp_fetch, runs, body, headers, code,
                                                          message):
    before = await _get(jp_fetch, "runs", runs["a"])
    got, detail = await _error(jp_fetch, "runs", runs["a"], method="PATCH", body=body,
                               headers=headers)
    assert got == code and message in detail
    assert await _get(jp_fetch, "runs", runs["a"]) == before


async def test_delete_is_soft_and_restorable(jp_fetch, runs):
    deleted = json.loads((await jp_fetch(*API, "runs", runs["c"], method="DELETE")).body)
    assert deleted["deleted"] is True
    assert "c" not in _names(await _get(jp_fetch, "runs"))
    assert "c" in _names(await _get(jp_fetch, "runs", params={"include_deleted": "true"}))
    restored = await jp_fetch(*API, "runs", runs["c"], "restore", method="POST", body="{}",
                              headers={"Content-Type": "application/json"})
    assert json.loads(restored.body)["deleted"] is False
    assert "c" in _names(await _get(jp_fetch, "runs"))


async def test_compare_aligns_runs(jp_fetch, runs):
    result = await _get(jp_fetch, "compare", params={"ids": f"{runs['a']},{runs['d']}"})
    assert result["params"]["kernel"] == ["rbf", "linear"]
    assert set(result["differences"]["params"]) == {"C", "kernel"}
    assert (await _error(jp_fetch, "compare", params={"ids": runs["a"]}))[0] == 400
    assert (await _error(jp_fetch, "compare", params={"ids": f"{runs['a']},nope"}))[0] == 404


async def test_datasets_environments_and_their_diff(jp_fetch, store, runs):
    info = {"fingerprint": "f" * 32, "schema": [{"name": "x", "dtype": "float64"}],
            "shape": [2, 1], "profile": {"x": {"count": 2, "mean": float("nan")}}}
    dataset_id = store.log_dataset(runs["a"], info, name="train", role="train")
    dataset = await _get(jp_fetch, "datasets", dataset_id)
    assert dataset["shape"] == [2, 1] and dataset["profile"]["x"]["mean"] is None
    base = {"python": {"version": "3.11.7"}, "platform": {"system": "Linux"},
            "packages": {"numpy": "2.0", "pandas": "2.2", "six": "1.16"}, "git": None,
            "hardware": {"cpu_count": 2}, "env_vars": {}}
    store.ensure_environment("env-a", base)
    store.ensure_environment("env-b", {**base, "python": {"version": "3.12.1"},
                                       "packages": {"numpy": "2.1", "pandas": "2.2",
                                                    "scipy": "1.14"}})
    assert (await _get(jp_fetch, "environments", "env-a"))["packages"]["six"] == "1.16"
    diff = await _get(jp_fetch, "environments", "diff", params={"a": "env-a", "b": "env-b"})
    assert diff["packages"] == {"added": {"scipy": "1.14"}, "removed": {"six": "1.16"},
                                "changed": {"numpy": ["2.0", "2.1"]}}
    assert diff["python"] == {"version": ["3.11.7", "3.12.1"]} and diff["hardware"] == {}
    assert (await _error(jp_fetch, "environments", "diff", params={"a": "env-a"}))[0] == 400
    assert (await _error(jp_fetch, "environments", "nope"))[0] == 404
    assert (await _error(jp_fetch, "datasets", "nope"))[0] == 404


async def test_tracking_state_of_a_kernel(jp_fetch, store):
    import os

    from jupyter_mlops.store.liveness import process_started_ms, this_host

    assert (await _get(jp_fetch, "tracking", params={"kernel_id": "k1"}))["tracked"] is False
    store.create_session(kernel_id="k1", notebook="a.ipynb", host=this_host(), pid=os.getpid(),
                         pid_started_ms=process_started_ms(os.getpid()))
    state = await _get(jp_fetch, "tracking", params={"kernel_id": "k1"})
    assert state["tracked"] is True and state["notebook"] == "a.ipynb"
    assert (await _error(jp_fetch, "tracking"))[0] == 400


async def test_recent_change_cursor_is_a_time(jp_fetch, runs):
    cursor = int((await _get(jp_fetch, "runs"))["change_cursor"])
    assert now_ms() - 60_000 < cursor <= now_ms()


async def test_nul_characters_are_refused_or_stored_never_a_server_error(jp_fetch, runs):
    """PostgreSQL cannot hold NUL in text: such values must come back as a 400."""
    async def code_of(*path, **kwargs):
        try:
            return (await jp_fetch(*API, *path, **kwargs)).code
        except HTTPClientError as e:
            return e.code

    for params in ({"experiment": "\x00"}, {"q": "a\x00b"}, {"filter": "params.C=\x00"},
                   {"tag": "team=\x00"}):
        assert await code_of("runs", params=params) in (200, 400), params
    assert await code_of("runs", "\x00") in (400, 404)
    patch = await code_of("runs", runs["a"], method="PATCH", body='{"name": "a\\u0000b"}',
                          headers={"Content-Type": "application/json"})
    assert patch in (200, 400)
