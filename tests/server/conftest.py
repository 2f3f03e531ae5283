"""A real Jupyter Server with the extension, a private store, and no unauthenticated access."""

from __future__ import annotations

import re

import pytest
from traitlets.config import Config

from jupyter_mlops.server import ROUTES


@pytest.fixture
def jp_server_config(store_dir):
    return Config({"ServerApp": {
        "jpserver_extensions": {"jupyter_mlops": True, "jupyter_server_terminals": False},
        "allow_unauthenticated_access": False}})


def route_urls() -> list[str]:
    """Every registered route with its path parameters filled in."""
    return [re.sub(r"\([^)]*\)", "x", path) for path, _ in ROUTES]


def route_methods() -> list[tuple[str, str]]:
    verbs = ("get", "post", "put", "patch", "delete")
    return [(url, verb.upper()) for url, (_, handler) in zip(route_urls(), ROUTES, strict=True)
            for verb in verbs if verb in vars(handler)]
