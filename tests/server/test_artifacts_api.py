"""Artifacts over HTTP: right media type, safe headers, and no way out of the store."""

from __future__ import annotations

import os

import pytest
from tornado.httpclient import HTTPClientError

API = ("jupyter-mlops", "api")
SECRET = b"root:x:0:0 this must never be served"


@pytest.fixture
def artifacts(store):
    run_id = store.create_run(name="r", experiment="e")
    made = {}
    for name, media_type, data in [("roc.png", "image/png", b"\x89PNG fake"),
                                   ("report.html", "text/html", b"<script>alert(1)</script>"),
                                   ("plot.svg", "image/svg+xml", b"<svg onload='x()'/>"),
                                   ("weird.bin", "text/html; evil", b"\x00\x01")]:
        digest = store.artifacts.put_bytes(data)
        made[name] = store.add_artifact(run_id, name=name, media_type=media_type,
                                        digest=digest, size=len(data))
    return made


async def test_images_inline_everything_else_attachment_all_sandboxed(jp_fetch, artifacts):
    png = await jp_fetch(*API, "artifacts", artifacts["roc.png"])
    assert png.body == b"\x89PNG fake" and png.headers["Content-Type"] == "image/png"
    assert png.headers["Content-Disposition"].startswith("inline")
    for name in ("report.html", "plot.svg", "weird.bin"):
        response = await jp_fetch(*API, "artifacts", artifacts[name])
        assert response.headers["Content-Disposition"].startswith("attachment"), name
    for name in artifacts:
        response = await jp_fetch(*API, "artifacts", artifacts[name])
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    weird = await jp_fetch(*API, "artifacts", artifacts["weird.bin"])
    assert weird.headers["Content-Type"] == "application/octet-stream"


# Sent on the wire exactly as written (already percent-encoded where intended).
TRAVERSALS = ["..", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fsecret",
              "%252e%252e%252fsecret", "..%5C..%5Csecret", "..\\..\\secret", "/etc/passwd",
              "%2Fetc%2Fpasswd", "x;rm", "x%3Bid", "x#frag", "x?q=../../secret",
              "//proc/self/root/etc/passwd", "%2F%2Fproc%2Fself%2Froot", "%00", "....//",
              "..;/..;/secret"]
ID_ROUTES = ["artifacts/{}", "runs/{}", "runs/{}/restore", "runs/{}/metrics/x",
             "runs/r/metrics/{}", "datasets/{}", "environments/{}", "compare?ids={},{}",
             "environments/diff?a={}&b={}"]


@pytest.mark.parametrize("route", ID_ROUTES)
async def test_path_traversal_never_reaches_a_file(http_server_client, jp_base_url,
                                                   jp_auth_header, store, tmp_path, route):
    (tmp_path / "secret").write_bytes(SECRET)
    for attack in TRAVERSALS:
        url = f"{jp_base_url}jupyter-mlops/api/" + route.format(attack, attack)
        method = "POST" if route.endswith("restore") else "GET"
        try:
            response = await http_server_client.fetch(
                url, method=method, body="{}" if method == "POST" else None,
                headers={**jp_auth_header, "Content-Type": "application/json"},
                follow_redirects=False)
            body, code = response.body, response.code
        except HTTPClientError as e:
            body, code = (e.response.body if e.response else b""), e.code
        assert SECRET not in body and b"root:" not in body, (url, code)
        assert code in (301, 302, 400, 404, 405), (url, code)


async def test_a_symlink_planted_in_the_artifact_store_is_not_served(jp_fetch, store, tmp_path):
    (tmp_path / "secret").write_bytes(SECRET)
    digest = "ab" * 32
    folder = os.path.join(store.artifacts.url, "ab")
    os.makedirs(folder, exist_ok=True)
    os.symlink(tmp_path / "secret", os.path.join(folder, digest[2:]))
    run_id = store.create_run(name="r", experiment="e")
    artifact_id = store.add_artifact(run_id, name="x.txt", media_type="text/plain",
                                     digest=digest, size=len(SECRET))
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "artifacts", artifact_id)
    assert err.value.code == 404 and SECRET not in (err.value.response.body or b"")
