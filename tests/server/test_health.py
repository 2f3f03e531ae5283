"""GET /jupyter-mlops/api/health through a real Jupyter Server."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlops import __version__
from jupyter_mlops.store import SCHEMA_VERSION


async def test_health_reports_version_and_store(jp_fetch, store_dir):
    response = await jp_fetch("jupyter-mlops", "api", "health")
    assert response.code == 200
    body = json.loads(response.body)
    assert body == {"version": __version__, "schema_version": SCHEMA_VERSION,
                    "store": {"kind": "sqlite", "location": str(store_dir)}}


async def test_a_broken_store_setting_is_a_clear_503_not_a_crash(jp_fetch, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_STORE", "postgresql://")
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("jupyter-mlops", "api", "health")
    assert err.value.code == 503
    body = json.loads(err.value.response.body)
    assert body["error"] == "Service Unavailable" and "malformed store URL" in body["detail"]
