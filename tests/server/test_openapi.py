"""openapi.yaml and the registered routes describe the same API."""

from __future__ import annotations

import os
import re

import yaml

import jupyter_mlops.server as server

SPEC = os.path.join(os.path.dirname(server.__file__), "openapi.yaml")
VERBS = {"get", "post", "put", "patch", "delete"}


def _spec():
    with open(SPEC) as f:
        return yaml.safe_load(f)


def _route_key(path: str) -> str:
    """``runs/(?P<run_id>[^/]+)`` → ``/runs/{run_id}``."""
    return "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)


def test_every_route_is_documented_and_every_documented_route_is_served():
    documented = {p: {v for v in ops if v in VERBS} for p, ops in _spec()["paths"].items()}
    served = {_route_key(path): {v for v in VERBS if v in vars(handler)}
              for path, handler in server.ROUTES}
    assert served == documented


def test_the_spec_is_openapi_3_1_with_an_error_schema():
    spec = _spec()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["components"]["schemas"]["Error"]["required"]) == {"error", "detail"}
