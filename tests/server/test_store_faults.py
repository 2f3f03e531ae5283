"""A broken store: a clear 503 while the file is not a database, service again as soon as it
is fixed (no restart), and artifacts whose bytes changed on disk refused, not served.

(A file damaged under connections SQLite already has open is noticed by new connections
only; those answer 503 the same way.)"""

from __future__ import annotations

import os
import shutil

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlops.store import Store
from tests.server.test_runs_api import _error, _get

API = ("jupyter-mlops", "api")
GARBAGE = b"this is not an SQLite database, just some bytes" * 100


def _valid_store_file(tmp_path, name):
    """A store with one run named ``name``, closed, as a file to copy into place."""
    other = Store.open(str(tmp_path / f"other-{name}"))
    other.create_run(name=name, experiment="e")
    other.close()
    return tmp_path / f"other-{name}" / "mlops.db"


async def _assert_unavailable(jp_fetch, db_file):
    for path in ("runs", "health"):
        code, detail = await _error(jp_fetch, path)
        assert code == 503
        assert str(db_file) in detail and "move it aside" in detail, detail


async def test_a_store_file_that_is_not_a_database_is_503_until_fixed(jp_fetch, store_dir,
                                                                      tmp_path):
    store_dir.mkdir()
    db_file = store_dir / "mlops.db"
    db_file.write_bytes(GARBAGE)
    await _assert_unavailable(jp_fetch, db_file)
    code, _ = await _error(jp_fetch, "runs", "0123", method="PATCH", body='{"name": "x"}',
                           headers={"Content-Type": "application/json"})
    assert code == 503
    assert db_file.read_bytes() == GARBAGE  # refused, not overwritten
    shutil.copy(_valid_store_file(tmp_path, "restored"), db_file)
    page = await _get(jp_fetch, "runs")
    assert [r["name"] for r in page["runs"]] == ["restored"]


@pytest.fixture
def artifact(store):
    run_id = store.create_run(name="r", experiment="e")
    data = os.urandom(700_000)  # a few chunks
    digest = store.artifacts.put_bytes(data)
    artifact_id = store.add_artifact(run_id, name="model.bin", media_type="application/x",
                                     digest=digest, size=len(data))
    return artifact_id, store.artifacts.path(digest), data


async def test_an_intact_artifact_is_served_whole(jp_fetch, artifact):
    artifact_id, _, data = artifact
    assert (await jp_fetch(*API, "artifacts", artifact_id)).body == data


@pytest.mark.parametrize("damage", ["same size", "truncated", "grown", "replaced"])
async def test_an_artifact_changed_on_disk_is_409_not_served(jp_fetch, artifact, damage):
    artifact_id, path, data = artifact
    os.chmod(path, 0o600)
    changed = {"same size": data[:-1] + bytes([data[-1] ^ 1]), "truncated": data[:1000],
               "grown": data + b"more", "replaced": b"other"}[damage]
    if damage == "replaced":
        os.unlink(path)
    with open(path, "wb") as f:
        f.write(changed)
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "artifacts", artifact_id)
    assert err.value.code == 409
    assert b"changed or damaged on disk" in err.value.response.body
