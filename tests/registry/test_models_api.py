"""The registry over REST, against a real Jupyter Server on the tracked notebook's store:
register (rebuilt in a fresh kernel), read, download, move aliases, and refuse bad input."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests

from tests.jupyter_process import jupyter_process


@pytest.fixture(scope="module")
def server(trained):
    root = trained["folder"] / "root"
    root.mkdir()
    with jupyter_process(root, {"JUPYTER_MLOPS_STORE": str(trained["folder"] / "store")}) as p:
        yield p


def call(server, method, path, body=None, expect=200):
    response = requests.request(method, f"{server.api}/{path}", headers=server.auth,
                                json=body, timeout=300)
    assert response.status_code == expect, response.text
    if expect != 204 and response.headers.get("Content-Type", "").startswith("application/json"):
        payload = response.json()
        if expect >= 400:
            assert set(payload) == {"error", "detail"} and "Traceback" not in payload["detail"]
        return payload
    return response


def test_register_read_download_and_alias_over_rest(server, trained):
    run_id = trained["model_run"]
    offer = call(server, "GET", f"runs/{run_id}/models")
    assert offer["models"] == [{"variable": "model", "type": offer["models"][0]["type"],
                                "params_count": offer["models"][0]["params_count"]}]
    assert offer["suggested_name"] == "train"
    version = call(server, "POST", "models", {"run_id": run_id, "name": "rest-model",
                                              "alias": "staging"}, expect=201)
    assert (version["version"], version["source"], version["aliases"]) == (1, "rebuilt",
                                                                           ["staging"])
    assert "manifest" not in version
    listed = {m["name"]: m for m in call(server, "GET", "models")["models"]}
    assert listed["rest-model"]["aliases"] == {"staging": 1}
    assert call(server, "GET", "models/rest-model/versions/1")["checksum"] == version["checksum"]

    archive = zipfile.ZipFile(io.BytesIO(call(server, "GET",
                                              "models/rest-model/versions/1/download").content))
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["files"]) | {"manifest.json"} == set(archive.namelist())

    assert call(server, "PUT", "models/rest-model/aliases/production", {"version": 1}) == {
        "name": "rest-model", "alias": "production", "version": 1}
    call(server, "DELETE", "models/rest-model/aliases/staging", expect=204)
    model = call(server, "GET", "models/rest-model")
    assert model["aliases"] == {"production": 1}
    assert [(h["alias"], h["from_version"], h["to_version"]) for h in model["alias_history"]] \
        == [("staging", None, 1), ("production", None, 1), ("staging", 1, None)]
    assert all(h["user"] for h in model["alias_history"])


def test_bad_requests_are_4xx_and_register_nothing(server, trained):
    before = call(server, "GET", "models")
    run_id = trained["model_run"]
    assert "required" in call(server, "POST", "models", {"name": "x"}, expect=400)["detail"]
    assert "invalid model name" in call(server, "POST", "models",
                                        {"run_id": run_id, "name": "a b"}, expect=400)["detail"]
    call(server, "POST", "models", {"run_id": run_id, "name": "x", "extra": 1}, expect=400)
    call(server, "POST", "models", {"run_id": "nosuchrun", "name": "x"}, expect=404)
    plain = trained["store"].create_run(name="plain", experiment="e")
    assert "no fitted model" in call(server, "POST", "models", {"run_id": plain, "name": "x"},
                                     expect=422)["detail"]
    call(server, "GET", "models/nosuch", expect=404)
    call(server, "GET", "models/nosuch/versions/1", expect=404)
    call(server, "GET", "models/x/versions/abc", expect=400)
    call(server, "PUT", "models/nosuch/aliases/prod", {"version": 1}, expect=404)
    call(server, "PUT", "models/nosuch/aliases/prod", {"version": "1"}, expect=400)
    call(server, "DELETE", "models/nosuch/aliases/prod", expect=404)
    call(server, "POST", "models/nosuch/versions/1/verify", expect=404)
    call(server, "GET", "runs/nosuchrun/models", expect=404)
    assert call(server, "GET", "models") == before
