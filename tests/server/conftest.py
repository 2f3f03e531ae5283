"""A real Jupyter Server with the extension, a private store, and no unauthenticated access."""

from __future__ import annotations

import re

import pytest
from traitlets.config import Config

from jupyter_mlops.server import ROUTES
from jupyter_mlops.store import Store
from tests.jupyter_process import jupyter_process


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


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A Jupyter Server subprocess on a store with a few runs, for clients that make blocking
    HTTP calls (which would stall the in-process test server's event loop)."""
    base = tmp_path_factory.mktemp("live")
    store = Store.open(str(base / "store"))
    for i in range(3):
        run_id = store.create_run(name=f"r{i}", experiment="e", params={"C": i})
        store.log_metrics(run_id, {"accuracy": i / 3})
    store.close()
    (base / "root").mkdir()
    with jupyter_process(base / "root", {"JUPYTER_MLOPS_STORE": str(base / "store")}) as proc:
        yield proc
