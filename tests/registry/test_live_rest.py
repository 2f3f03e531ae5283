"""REST packaging asks the run's live kernel: a real Jupyter Server (pytest-jupyter) runs a
real tracked kernel; ``POST models`` packages the object that kernel holds (``source: live``,
said in the model card too); once the kernel is shut
down the same request rebuilds the model in a fresh kernel (``source: rebuilt``)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_mlops.registry.load import resolve
from jupyter_mlops.store import Store

from .conftest import FEATURES, IMPORTS, MODEL, READ, SCORE, TRACK, write_data

API = ("jupyter-mlops", "api")


@pytest.fixture
def jp_server_config(store_dir):
    return Config({"ServerApp": {
        "jpserver_extensions": {"jupyter_mlops": True, "jupyter_server_terminals": False},
        "allow_unauthenticated_access": False}})


async def run_cells(client, cells):
    for code in cells:
        reply = await client.execute_interactive(code, store_history=True, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]


def model_run(store_path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        store = Store.open(str(store_path))
        try:
            for run in store.list_runs():
                if run["tags"].get("model.variable") == "model":
                    return run["run_id"]
        finally:
            store.close()
        time.sleep(0.5)
    raise AssertionError("the kernel's run never reached the store")


async def register(jp_fetch, run_id, name):
    response = await jp_fetch(*API, "models", method="POST",
                              body=json.dumps({"run_id": run_id, "name": name}),
                              headers={"Content-Type": "application/json"},
                              request_timeout=600)
    assert response.code == 201
    return json.loads(response.body)


@pytest.mark.timeout(600)
async def test_rest_packages_the_live_object_then_rebuilds_once_the_kernel_is_gone(
        jp_fetch, jp_serverapp, jp_root_dir, store_dir):
    write_data(jp_root_dir)
    write_data(Path.cwd())  # a run without a notebook path is rebuilt in the server's cwd
    km = jp_serverapp.kernel_manager
    kernel_id = await km.start_kernel(kernel_name="python3", path="")
    client = km.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        await run_cells(client, [TRACK, IMPORTS, READ, "C = 0.5", FEATURES, MODEL, SCORE])
        run_id = await asyncio.to_thread(model_run, store_dir)
        # wait until the kernel is idle again (its tracker's post-cell work done)
        while km.get_kernel(kernel_id).execution_state != "idle":
            await asyncio.sleep(0.1)
        live = await register(jp_fetch, run_id, "live-model")
    finally:
        client.stop_channels()
    assert (live["version"], live["source"]) == (1, "live")
    await km.shutdown_kernel(kernel_id)
    rebuilt = await register(jp_fetch, run_id, "live-model")
    assert (rebuilt["version"], rebuilt["source"]) == (2, "rebuilt")
    store = Store.open(str(store_dir))
    try:
        for version, word in ((1, "live object of the notebook's kernel"),
                              (2, "rebuilt by running `train.py`")):
            _, _, folder = resolve(f"live-model/{version}", store)
            with open(f"{folder}/README.md") as f:
                assert word in f.read()
    finally:
        store.close()
