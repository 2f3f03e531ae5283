"""The prediction log on SQLite and PostgreSQL: batches in, rows of one model back in order."""

from __future__ import annotations


def entry(at, version=1, name="churn", checksum="c" * 64):
    return {"name": name, "version": version, "checksum": checksum, "at_ms": at, "rows": 1,
            "inputs": {"columns": ["a", "b"], "data": [[at, "x"]]}, "outputs": [at % 2]}


def test_logged_batches_read_back_per_model_and_since(store):
    assert store.log_predictions([entry(3), entry(1), entry(2, version=2)]) == 3
    store.log_predictions([entry(4, name="other", checksum="d" * 64)])
    assert store.log_predictions([]) == 0
    got = store.predictions(name="churn", version=1)
    assert [e["at_ms"] for e in got] == [1, 3]
    assert got[0]["inputs"] == {"columns": ["a", "b"], "data": [[1, "x"]]}
    assert got[0]["outputs"] == [1]
    assert [e["at_ms"] for e in store.predictions(name="churn", since_ms=2)] == [2, 3]
    assert [e["name"] for e in store.predictions(checksum="d" * 64)] == ["other"]
    assert len(store.predictions(name="churn", limit=1)) == 1
