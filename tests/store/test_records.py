"""Writing and reading runs through the Store: values, validation, sorting, datasets."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from jupyter_mlops.store import InvalidInput, NotFound
from jupyter_mlops.store import schema as s


def _run(store, name="r", experiment="e", **fields):
    return store.create_run(name=name, experiment=experiment, **fields)


def test_a_run_keeps_params_metrics_with_steps_tags_and_notes(store):
    run_id = _run(store, params={"C": 1.0, "penalty": "l2"}, tags={"team": "risk"})
    store.log_params(run_id, {"max_iter": 100})
    store.log_metrics(run_id, {"loss": 0.9}, step=0)
    store.log_metrics(run_id, {"loss": 0.3}, step=2)
    store.log_metrics(run_id, {"loss": 0.5}, step=1)  # late arrival of an earlier step
    store.append_note(run_id, "first try")
    store.append_note(run_id, "looks fine")
    store.end_run(run_id)
    run = store.get_run(run_id)
    assert run["params"] == {"C": "1.0", "penalty": "l2", "max_iter": "100"}
    assert run["metrics"] == {"loss": 0.3}
    assert run["tags"] == {"team": "risk"}
    assert run["notes"] == "first try\nlooks fine"
    assert run["status"] == "finished" and run["duration_s"] >= 0
    assert [p["value"] for p in store.metric_history(run_id, "loss")] == [0.9, 0.5, 0.3]


def test_nan_metrics_survive_the_round_trip(store):
    run_id = _run(store)
    store.log_metrics(run_id, {"loss": float("nan")})
    assert math.isnan(store.get_run(run_id)["metrics"]["loss"])


@pytest.mark.parametrize("bad", [{"ok": 1.0, "bad": "high"}, {"ok": 1.0, "bad": None},
                                 {"ok": 1.0, "": 2.0}, {"ok": 1.0, "bad": True}])
def test_a_bad_metric_rejects_the_whole_call_and_writes_nothing(store, bad):
    run_id = _run(store)
    with pytest.raises(InvalidInput):
        store.log_metrics(run_id, bad)
    assert store.get_run(run_id)["metrics"] == {}
    assert store.metric_history(run_id, "ok") == []


def test_a_metric_replayed_from_the_journal_is_stored_once(store):
    """A kernel's journal may replay metrics that were stored already (same key, step and
    time): each is stored once and the latest value is not set back; a value logged again
    at another time is a new point."""
    run_id = _run(store)
    many = {f"m{i}": float(i) for i in range(600)}  # more keys than one look-up asks for
    store.log_metrics(run_id, {"loss": 0.5, **many}, step=3, timestamp_ms=1000)
    store.log_metrics(run_id, {"loss": 0.4}, step=4, timestamp_ms=2000)
    for _ in range(2):  # replayed twice, with a key the first write did not get to
        store.log_metrics(run_id, {"loss": 0.5, **many, "acc": 0.8}, step=3, timestamp_ms=1000)
    m = s.metrics.c
    with store.db.read() as c:
        stored = c.execute(select(func.count()).where(m.run_id == run_id)).scalar()
    assert stored == 1 + len(many) + 1 + 1
    assert [(p["step"], p["value"]) for p in store.metric_history(run_id, "loss")] == [
        (3, 0.5), (4, 0.4)]
    assert store.get_run(run_id)["metrics"] == {"loss": 0.4, **many, "acc": 0.8}
    store.log_metrics(run_id, {"loss": 0.6}, step=3, timestamp_ms=1001)
    assert [p["value"] for p in store.metric_history(run_id, "loss")] == [0.5, 0.6, 0.4]


def test_bad_step_and_keys_are_refused(store):
    run_id = _run(store)
    with pytest.raises(InvalidInput, match="step"):
        store.log_metrics(run_id, {"a": 1.0}, step=-1)
    with pytest.raises(InvalidInput, match="param name"):
        store.log_params(run_id, {"x" * 300: 1})
    with pytest.raises(InvalidInput, match="run name"):
        _run(store, name="")
    with pytest.raises(InvalidInput, match="ends as one of"):
        store.end_run(run_id, "exploded")
    assert store.get_run(run_id)["status"] == "running"


def test_unknown_run_ids_raise_not_found_and_write_nothing(store):
    with pytest.raises(NotFound, match="no run 'nope'"):
        store.get_run("nope")
    for write in (lambda: store.log_params("nope", {"a": 1}),
                  lambda: store.log_metrics("nope", {"a": 1.0}),
                  lambda: store.set_tags("nope", {"a": 1}),
                  lambda: store.end_run("nope")):
        with pytest.raises(NotFound):
            write()
    assert store.list_runs() == []


def test_listing_filters_and_sorts(store):
    ids = {}
    for name, exp, acc in [("a", "x", 0.7), ("b", "x", 0.9), ("c", "y", 0.8), ("d", "x", None)]:
        ids[name] = _run(store, name=name, experiment=exp, params={"C": len(name)})
        if acc is not None:
            store.log_metrics(ids[name], {"accuracy": acc})
    store.end_run(ids["a"], "failed", error="boom")
    names = lambda rows: [r["name"] for r in rows]  # noqa: E731
    assert names(store.list_runs()) == ["d", "c", "b", "a"]
    assert names(store.list_runs(experiment="x")) == ["d", "b", "a"]
    assert names(store.list_runs(sort="-metrics.accuracy")) == ["b", "c", "a", "d"]
    assert names(store.list_runs(sort="metrics.accuracy")) == ["a", "c", "b", "d"]
    assert names(store.list_runs(sort="name", limit=2)) == ["a", "b"]
    assert names(store.list_runs(status="failed")) == ["a"]
    row = store.list_runs(experiment="y")[0]
    assert row["metrics"] == {"accuracy": 0.8} and row["params"] == {"C": "1"}
    for bad in ("bogus", "metrics.", "-", "", "params"):
        with pytest.raises(InvalidInput, match="unknown sort key"):
            store.list_runs(sort=bad)


def test_the_same_data_logged_twice_is_one_dataset(store):
    info = {"fingerprint": "ab" * 16, "schema": [{"name": "x", "dtype": "int64"}],
            "shape": [3, 1], "profile": {"x": {"count": 3}}}
    first, second = _run(store, name="one"), _run(store, name="two")
    d1 = store.log_dataset(first, info, name="train", role="train", source="/data/a.csv")
    d2 = store.log_dataset(second, info, name="features", role="test")
    assert d1 == d2
    datasets = store.list_datasets()
    assert len(datasets) == 1 and datasets[0]["runs"] == 2
    assert store.get_run(second)["datasets"][0]["name"] == "features"
    assert store.get_dataset(d1)["profile"] == {"x": {"count": 3}}
    with pytest.raises(NotFound):
        store.get_dataset("nope")


def test_compare_aligns_keys_and_marks_differences(store):
    a, b = _run(store, name="a"), _run(store, name="b")
    store.log_params(a, {"C": 1, "kernel": "rbf"})
    store.log_params(b, {"C": 2, "kernel": "rbf"})
    store.log_metrics(a, {"acc": 0.9})
    result = store.compare_runs([a, b])
    assert result["params"] == {"C": ["1", "2"], "kernel": ["rbf", "rbf"]}
    assert result["metrics"] == {"acc": [0.9, None]}
    assert result["differences"]["params"] == ["C"]
    assert result["differences"]["metrics"] == ["acc"]
    with pytest.raises(InvalidInput):
        store.compare_runs([a])
    with pytest.raises(NotFound):
        store.compare_runs([a, "nope"])
