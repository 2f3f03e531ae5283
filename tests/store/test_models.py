"""The registry's tables on SQLite and PostgreSQL: versions 1, 2, … per name, aliases moved
atomically with their audit trail, bad input refused without changing anything."""

from __future__ import annotations

import threading

import pytest

from jupyter_mlops.store import InvalidInput, NotFound


def fields(run_id=None, **more):
    return {"run_id": run_id, "model_variable": "model", "model_type": "sklearn.X",
            "source": "live", "checksum": "c" * 64, "size": 10,
            "manifest": {"files": {"a": {"sha256": "a" * 64, "size": 10}}},
            "metrics": {"acc": 0.9}, "requirements": ["scikit-learn==1.9.1"], **more}


def test_versions_count_up_per_name_and_alias_moves_are_audited(store):
    run_id = store.create_run(name="r", experiment="e")
    v1 = store.create_model_version("churn", fields(run_id), alias="staging", user="ann")
    v2 = store.create_model_version("churn", fields(run_id), user="bob")
    other = store.create_model_version("other", fields(run_id))
    assert (v1["version"], v2["version"], other["version"]) == (1, 2, 1)
    assert v1["aliases"] == ["staging"] and v1["verification"]["status"] == "unverified"
    assert v1["manifest"]["files"]["a"]["size"] == 10

    store.set_alias("churn", "staging", 2, user="bob")
    store.set_alias("churn", "production", 1, user="cy")
    store.delete_alias("churn", "production", user="cy")
    model = store.get_model("churn")
    assert model["aliases"] == {"staging": 2}
    assert [v["version"] for v in model["versions"]] == [2, 1]
    assert [(h["alias"], h["from_version"], h["to_version"], h["user"])
            for h in model["alias_history"]] == [
        ("staging", None, 1, "ann"), ("staging", 1, 2, "bob"), ("production", None, 1, "cy"),
        ("production", 1, None, "cy")]
    assert all(h["at"].endswith("Z") for h in model["alias_history"])
    listed = {m["name"]: m for m in store.list_models()}
    assert listed["churn"]["latest_version"] == 2 and listed["churn"]["versions_count"] == 2
    assert listed["churn"]["aliases"] == {"staging": 2}
    assert store.resolve_alias("churn", "staging") == 2
    assert store.run_model_versions(run_id) == [{"name": "churn", "version": 1},
                                                {"name": "churn", "version": 2},
                                                {"name": "other", "version": 1}]


def test_bad_input_changes_nothing(store):
    store.create_model_version("churn", fields())
    for bad in ("", "a/b", "a@b", "-x", "x" * 200, None):
        with pytest.raises(InvalidInput):
            store.create_model_version(bad, fields())
    with pytest.raises(InvalidInput):
        store.create_model_version("churn", fields(), alias="3")
    with pytest.raises(NotFound, match="no run"):
        store.create_model_version("churn", fields("nosuchrun"))
    with pytest.raises(NotFound, match="no version 7"):
        store.set_alias("churn", "prod", 7)
    with pytest.raises(NotFound, match="no registered model"):
        store.set_alias("nope", "prod", 1)
    with pytest.raises(NotFound, match="no alias"):
        store.delete_alias("churn", "prod")
    with pytest.raises(NotFound, match="no alias"):
        store.resolve_alias("churn", "prod")
    with pytest.raises(InvalidInput):
        store.set_alias("churn", "prod", 0)
    model = store.get_model("churn")
    assert [v["version"] for v in model["versions"]] == [1]
    assert model["aliases"] == {} and model["alias_history"] == []
    assert [m["name"] for m in store.list_models()] == ["churn"]


def test_concurrent_registrations_of_one_name_get_distinct_versions(store):
    numbers, errors = [], []

    def register():
        try:
            numbers.append(store.create_model_version("churn", fields())["version"])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_verification_is_recorded(store):
    store.create_model_version("churn", fields())
    result = {"status": "not_reproduced", "at": "2026-01-01T00:00:00Z",
              "differences": [{"kind": "metric", "name": "acc", "expected": 0.9,
                               "actual": 0.8, "detail": "moved by -0.1"}]}
    assert store.set_verification("churn", 1, result)["verification"] == result
    with pytest.raises(InvalidInput):
        store.set_verification("churn", 1, {"status": "great"})
    with pytest.raises(NotFound):
        store.set_verification("churn", 2, result)
