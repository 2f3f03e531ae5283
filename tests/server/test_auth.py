"""Every route is behind Jupyter's authentication and authorization."""

from __future__ import annotations

import warnings

import pytest
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.serverapp import ServerWebApplication
from jupyter_server.utils import JupyterServerAuthWarning
from tornado.httpclient import HTTPClientError

from jupyter_mlops.server import API_PREFIX, ROUTES

from .conftest import route_methods


def test_no_handler_method_is_left_without_an_auth_decorator():
    app = ServerWebApplication.__new__(ServerWebApplication)
    app.settings = {"allow_unauthenticated_access": False}
    problems = [m for path, handler in ROUTES
                for m in ServerWebApplication._check_handler_auth(app, path, handler)]
    assert problems == []


async def test_the_server_raises_no_auth_warning_for_our_routes(jp_serverapp, jp_fetch):
    with warnings.catch_warnings():
        warnings.simplefilter("error", JupyterServerAuthWarning)
        jp_serverapp.web_app.add_handlers(".*$", [
            (f"/probe/{API_PREFIX}/{path}", handler) for path, handler in ROUTES])


@pytest.mark.parametrize("url, method", route_methods())
async def test_anonymous_callers_are_refused_everywhere(jp_fetch, url, method):
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*f"{API_PREFIX}/{url}".split("/"), method=method, body=body,
                       headers={"Authorization": ""}, follow_redirects=False)
    assert err.value.code in (302, 403)


class DenyAll(Authorizer):
    def is_authorized(self, handler, user, action, resource):
        assert resource.startswith("jupyter_mlops"), resource
        return False


@pytest.fixture
def deny_all_config(jp_server_config):
    jp_server_config["ServerApp"]["authorizer_class"] = DenyAll
    return jp_server_config


@pytest.mark.parametrize("url, method", route_methods())
async def test_a_deny_all_authorizer_gets_403_everywhere(deny_all_config, jp_fetch, url, method):
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*f"{API_PREFIX}/{url}".split("/"), method=method, body=body)
    assert err.value.code == 403
