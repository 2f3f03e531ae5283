"""Writes from a browser session (cookie auth) need Jupyter's XSRF token."""

from __future__ import annotations

import requests


def test_cookie_authenticated_writes_need_the_xsrf_token(live_server):
    browser = requests.Session()
    browser.get(f"{live_server.url}lab?token={live_server.token}", timeout=30)  # sets cookies
    browser.get(f"{live_server.url}api/status", timeout=30)
    assert any(c.name.startswith("username") for c in browser.cookies), browser.cookies
    runs = browser.get(f"{live_server.api}/runs", timeout=30)
    assert runs.status_code == 200  # reads work with the login cookie alone
    run_id = runs.json()["runs"][0]["run_id"]
    url = f"{live_server.api}/runs/{run_id}"
    body = '{"name": "renamed"}'
    json_type = {"Content-Type": "application/json"}
    forged = browser.patch(url, data=body, headers=json_type, timeout=30)
    assert forged.status_code == 403
    assert browser.get(url, timeout=30).json()["name"] != "renamed"
    xsrf = browser.cookies.get("_xsrf")
    assert xsrf, "the server sets an _xsrf cookie for browser sessions"
    allowed = browser.patch(url, data=body, headers={**json_type, "X-XSRFToken": xsrf},
                            timeout=30)
    assert allowed.status_code == 200 and allowed.json()["name"] == "renamed"
